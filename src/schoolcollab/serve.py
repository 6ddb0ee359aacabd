"""Serve the built book on this machine only (``schoolcollab serve``), e.g. for the browser tests."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass


def make_server(site: Path, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for the folder ``site`` (port 0: any free port; see ``server.server_address``)."""
    handler = functools.partial(_QuietHandler if quiet else SimpleHTTPRequestHandler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)
