"""Chapter 5, "How the front line closed in on Pokrovsk": DeepState's map around Pokrovsk, measured and set against claims."""
