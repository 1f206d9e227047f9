"""What a data folder holds, as one hash: light enough for the build to plan with before it
imports pandas."""

from __future__ import annotations

import hashlib
from pathlib import Path

VALIDATED_ENV = "POKROVSK_VALIDATED_DATA"
"""Content hash of a data folder the build has already validated; kernels skip re-checking it."""
DATA_AS_OF_ENV = "POKROVSK_DATA_AS_OF"
"""The edition's as-of date (ISO), passed to the Sphinx build for the page footer."""
PUBLISHED_EDITIONS_ENV = "POKROVSK_PUBLISHED_EDITIONS"
"""The editions the site will hold once the build is published (comma-separated languages),
passed to the Sphinx build: a page links only to the other editions among them."""


def content_hash(data_dir: Path) -> str:
    """Hash of every file's path and bytes: equal for two copies of the same data."""
    digest = hashlib.sha256()
    if data_dir.is_dir():
        for path in sorted(p for p in data_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
