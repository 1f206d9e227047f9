"""The build's Jupyter Book command line ends its process at once, with Jupyter Book's status
and everything it printed."""

from __future__ import annotations

import subprocess
import sys

from pokrovsk.jupyter_book_cli import exit_status


def test_the_status_is_the_one_python_would_give():
    assert exit_status(SystemExit(None)) == 0
    assert exit_status(SystemExit(0)) == 0
    assert exit_status(SystemExit(2)) == 2
    assert exit_status(SystemExit("a message")) == 1


def test_a_failed_command_keeps_its_status_and_its_words(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pokrovsk.jupyter_book_cli", "build", str(tmp_path / "missing")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2  # click's status for a bad argument
    assert "does not exist" in result.stderr
