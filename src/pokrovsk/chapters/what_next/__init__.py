"""Chapter 4, "What happened next": the closing pocket, claims against statements, where things stood at as_of, and the cities beyond."""
