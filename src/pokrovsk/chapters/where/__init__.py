"""Chapter 1, "Where is Pokrovsk": locator maps, the city's surroundings, its names and population."""
