"""The Pokrovsk explainer: data, charts, maps and the book pipeline, in one package."""

__version__ = "0.1.0"
