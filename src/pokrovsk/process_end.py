"""Ending a command's process as soon as its work is done.

Python's own shutdown of a process that has just built a book (freeing every object, closing
every module) takes about half a second, and whoever runs the command waits for it. What the
shutdown does that matters is done first: the threads still working are waited for, the output
is flushed and the exit handlers run (they stop helper processes, such as the one
sphinx-sitemap starts). Every file the build writes is closed before it returns.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream has nothing to flush
            stream.flush()


def end_now(status: int) -> NoReturn:
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    _flush()
    atexit._run_exitfuncs()
    _flush()
    os._exit(status)
