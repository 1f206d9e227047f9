"""Chapter 5, "The front line, day by day": DeepState's map around Pokrovsk, measured and set against claims."""
