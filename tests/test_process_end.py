"""A command's process ends as soon as its work is done (pokrovsk.process_end), yet nothing that
Python's own shutdown would finish is lost: working threads, buffered output, exit handlers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import atexit, sys, threading, time
    from pokrovsk.process_end import end_now

    class Garbage:
        def __del__(self):
            print("freed at shutdown", flush=True)

    kept = Garbage()  # Python's own shutdown would free it
    atexit.register(lambda: print("exit handler ran"))
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished"))).start()
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()  # not waited for, as by Python
    sys.stdout.write("buffered output")
    sys.stdout.write("\\n")
    end_now(3)
""")


def test_the_process_ends_with_its_status_its_output_its_threads_and_exit_handlers_done_and_nothing_else():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=30)
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines() == ["buffered output", "thread finished", "exit handler ran"]


def test_the_installed_command_keeps_the_status_and_the_words_of_a_failure(tmp_path):
    """`pokrovsk` (the installed script) ends this way: what main() returned is the status."""
    result = subprocess.run([str(Path(sys.executable).parent / "pokrovsk"), "data", "validate", "--data-dir",
                             str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"problem(s) in {tmp_path}" in result.stderr
