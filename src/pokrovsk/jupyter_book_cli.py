"""Jupyter Book's command line, as the build runs it: the process ends as soon as the book is
written, its output flushed and its exit handlers run.

Python's own shutdown of a process that has just built a book (freeing every document tree,
closing every module) takes about 0.5 s, and the build waits for it before publishing. Sphinx
has closed every file it wrote by the time Jupyter Book returns. The exit handlers still run:
they stop what extensions started, such as the process sphinx-sitemap starts to share its list
of pages, which would otherwise outlive the build.

    python -m pokrovsk.jupyter_book_cli build SOURCE --path-output WORK ...
"""

from __future__ import annotations

import atexit
import os
import sys


def exit_status(end: SystemExit) -> int:
    """The status Python would give the process, saying a message as Python would."""
    if end.code is None:
        return 0
    if isinstance(end.code, int):
        return end.code
    print(end.code, file=sys.stderr)
    return 1


def main() -> None:
    from jupyter_book.cli.main import main as jupyter_book

    try:
        jupyter_book()
        status = 0
    except SystemExit as end:
        status = exit_status(end)
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()  # what Python runs first when it shuts down; the rest is freeing memory
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
