"""One package per chapter: its facts (queries over the data) and figures (charts, maps and the
paragraphs written from the word catalogs)."""

import importlib
import pkgutil


def import_all() -> None:
    """Import every chapter's modules (and so every library the chapters use): a build warms its
    kernels with this before running notebooks in them."""
    import pokrovsk.chapter  # noqa: F401  (each notebook opens with it)

    for module in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        importlib.import_module(module.name)
