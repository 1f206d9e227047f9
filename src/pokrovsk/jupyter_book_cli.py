"""Jupyter Book's command line, as the build runs it: the process ends as soon as the book is
written (pokrovsk.process_end), and the build, which waits for it before publishing, goes on.
Sphinx has closed every file it wrote by the time Jupyter Book returns.

    python -m pokrovsk.jupyter_book_cli build SOURCE --path-output WORK ...
"""

from __future__ import annotations

import sys

from pokrovsk.process_end import end_now


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
    end_now(status)


if __name__ == "__main__":
    main()
