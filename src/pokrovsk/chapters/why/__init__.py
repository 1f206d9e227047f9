"""Chapter 2, "Why Russia wants Pokrovsk": ground held in Donetsk oblast, the roads and railways through the city, the way to Kramatorsk and Sloviansk, and the coking-coal mine."""
