"""The one browser the book uses: Debian's Chromium, driven by Playwright (never a downloaded one),
and the loopback server that shows it the built book."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, *args) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """A loopback server that prints no traceback when a client hangs up early (a browser closing
    a page, say)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


@contextlib.contextmanager
def serve(html_dir: Path, handler: type[QuietHandler] = QuietHandler) -> Iterator[str]:
    """Serve ``html_dir`` on 127.0.0.1 (an ephemeral port) for as long as the block runs; yields
    the base URL."""
    server = QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
