"""Chapter 5, "The front line, day by day": DeepState's occupied area around Pokrovsk, month by month, measured, and set against reported captures."""
