"""Kernels for executing the chapter notebooks.

Every chapter imports the same heavy libraries (pandas, geopandas, plotly, matplotlib), which
costs more than most chapters' own cells. So a build worker keeps one kernel and runs its
notebooks in it one after another: the libraries are imported once per worker, not once per
notebook. Between notebooks the namespace is wiped and the execution count restarts, so every
notebook starts from an empty namespace as in a fresh kernel. What carries over is the imported
libraries; the book's own modules (``pokrovsk.*``) are dropped too and imported afresh by each
notebook (about 0.07 s), so the ones loaded after it ran are exactly those it used: the build
records them, and the notebook runs again only when one of them changes.

Kernels talk over IPC sockets rather than TCP ports, so several kernels starting at once cannot
pick the same port (papermill's known clash). Each kernel's sockets live in a private folder
under an absolute path, so a notebook running in any folder still reaches them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

KERNEL_NAME = "python3"
SET_UP_TIMEOUT_S = 60
WARM_UP_TIMEOUT_S = 120
WARM_UP_CODE = "from pokrovsk.chapters import import_all\nimport_all()"


class IPCKernelManager(AsyncKernelManager):
    transport = "ipc"


class KernelSetupError(RuntimeError):
    """Code the build runs in a kernel (not a notebook's) failed."""


class ReusableKernel:
    """One kernel, warmed up with the chapters' imports, reset before each notebook."""

    def __init__(self, warm_up: bool = True) -> None:
        """``warm_up=False`` for a kernel that runs one notebook: it imports what that one needs."""
        self._sockets = Path(tempfile.mkdtemp(prefix="pokrovsk-kernel-"))
        self.manager = IPCKernelManager(kernel_name=KERNEL_NAME, ip=str(self._sockets / "ipc"))
        run_sync(self.manager.start_kernel)(cwd=str(self._sockets))
        if warm_up:
            self.run(WARM_UP_CODE, WARM_UP_TIMEOUT_S)

    @property
    def alive(self) -> bool:
        return bool(run_sync(self.manager.is_alive)())

    def prepare(self, cwd: str, environment: dict[str, str]) -> None:
        """An empty namespace, execution count 1, no pokrovsk module loaded, and the notebook's
        folder and environment."""
        self.run(
            "import sys as _sys\n"
            "for _name in [n for n in _sys.modules if n == 'pokrovsk' or n.startswith('pokrovsk.')]:\n"
            "    del _sys.modules[_name]\n"
            "get_ipython().reset(new_session=True)\n"  # after the loop, so its names go too
            "import os as _os\n"
            f"_os.chdir({json.dumps(cwd)})\n"
            f"_os.environ.update({json.dumps(environment)})\n"
            "del _os",
            SET_UP_TIMEOUT_S,
        )

    def run(self, code: str, timeout_s: float) -> None:
        """Run build code silently (no output, no history, no execution count); raise if it fails."""
        run_sync(self._run)(code, timeout_s)

    async def _run(self, code: str, timeout_s: float) -> None:
        # Only the shell channel: the reply says whether the code worked, and a request sent
        # before the kernel listens waits in the socket, so no readiness handshake is needed.
        client = self.manager.client()
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            request = client.execute(code, silent=True, store_history=False, allow_stdin=False)
            while True:
                reply = await client.get_shell_msg(timeout=timeout_s)
                if reply["parent_header"].get("msg_id") == request:
                    break
        finally:
            client.stop_channels()
        if reply["content"]["status"] != "ok":
            raise KernelSetupError(f"kernel set-up code failed: {reply['content'].get('ename')}: "
                                   f"{reply['content'].get('evalue')}")

    def shutdown(self) -> None:
        try:
            run_sync(self.manager.shutdown_kernel)(now=True)
        finally:
            shutil.rmtree(self._sockets, ignore_errors=True)
