"""One module per chapter: the figures and data-driven prose its notebook shows."""

import importlib
import pkgutil


def import_all() -> None:
    """Import every chapter module (and so every library the chapters use): a build warms its
    kernels with this before running notebooks in them."""
    import pokrovsk.chapter  # noqa: F401  (each notebook opens with it)

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
