"""One module per chapter: the figures and data-driven prose its notebook shows."""
