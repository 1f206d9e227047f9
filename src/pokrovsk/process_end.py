"""Ending processes: a command's own as soon as its work is done, and the ones it started.

Python's own shutdown of a process that has just built a book (freeing every object, closing
every module) takes about half a second, and whoever runs the command waits for it. What the
shutdown does that matters is done first: the threads still working are waited for, the output
is flushed and the exit handlers run (they stop helper processes, such as the one
sphinx-sitemap starts). Every file the build writes is closed before it returns.

The build starts Sphinx and the chart drawer each in a session of its own, so that stopping one
stops what it started too (stop_group).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
from typing import NoReturn


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream has nothing to flush
            stream.flush()


def stop_group(process: subprocess.Popen) -> None:
    """Kill a process started with ``start_new_session=True``, and every process in its group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def end_now(status: int) -> NoReturn:
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    _flush()
    atexit._run_exitfuncs()
    _flush()
    os._exit(status)
