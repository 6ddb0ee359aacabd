"""Warm kernels: the fork server (:mod:`.fork_server`) for one build, and the kernel manager that uses it.

A build that executes two chapters or more runs a server of its own while its chapters execute
(:func:`warm_kernels`), so the server's imports cost once instead of once per chapter. The server is
told the digest of the package's code it must import, and refuses to serve other code (edited while it
started), so a chapter never runs code other than the build's. Each kernel is still a process of its
own for one chapter only, with the environment the build gives it. A server that does not come up is
said in the build's log, and kernels start the usual way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from jupyter_client.manager import AsyncKernelManager

from ..inputs import MANIFEST_ENV, PRINT_ENV
from . import fork_client
from .fingerprint import digest
from .fork_client import FORKS_ENV
from .handoff import HANDOFF_ENV
from .shared_evidence import SHARED_ENV

CLIENT = Path(fork_client.__file__)
PACKAGE = Path(__file__).resolve().parents[1]
PREFIX = "sc-forks-"  # each server's folder in the temporary directory: its socket and pid
PID_FILE = "server.pid"
READY_SECONDS = 60  # the server's imports take a few seconds; a server slower than this is not used
STOP_SECONDS = 10
# a chapter's own settings, given to each kernel by the build; the server must start without them
CHAPTER_ENV = (MANIFEST_ENV, PRINT_ENV, SHARED_ENV, HANDOFF_ENV, FORKS_ENV)


class ForkedKernelManager(AsyncKernelManager):
    """Starts :mod:`.fork_client` where the kernel spec says ``python -m ipykernel_launcher``."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd[1:3] == ["-m", "ipykernel_launcher"]:
            return [sys.executable, "-S", "-I", str(CLIENT), *cmd[3:]]
        return cmd  # another kernel than ipykernel's: started as its spec says


def package_code() -> str:
    """Digest of the package's code as it is on disk now (as the execution cache's token counts it)."""
    return digest([PACKAGE], PACKAGE.parent)


@dataclass
class Server:
    process: subprocess.Popen[Any]
    folder: str
    address: str
    code: str  # the package code it was started to import (it exits if it finds other code)

    def ready(self) -> bool:
        return os.path.exists(self.address)

    def stop(self) -> None:
        """Close its input (its signal to stop), wait for it, and remove its socket's folder."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def sweep_stale() -> int:
    """Remove the socket folders of servers that are gone (their starter was killed before it could
    remove them); returns how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            pid = int((folder / PID_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # no pid yet: a server being started, unless it is old
            try:
                young = time.time() - folder.stat().st_mtime < READY_SECONDS
            except OSError:
                continue
            if young:
                continue
            pid = 0
        if pid > 0:
            try:
                os.kill(pid, 0)
                continue  # still running
            except ProcessLookupError:
                pass
            except PermissionError:  # another user's live server
                continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def start_server(log: IO[str]) -> Server:
    """Start a fork server (without waiting for it: it is ready once its socket exists)."""
    sweep_stale()
    folder = tempfile.mkdtemp(prefix=PREFIX)
    address = os.path.join(folder, "socket")  # short: a Unix socket's path is limited to 107 bytes
    env = {k: v for k, v in os.environ.items() if k not in CHAPTER_ENV}
    log.flush()
    code = package_code()
    command = [sys.executable, "-P", "-m", "schoolcollab.build.fork_server", address, code]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=log, env=env)
    Path(folder, PID_FILE).write_text(str(process.pid), encoding="utf-8")
    return Server(process, folder, address, code)


@contextmanager
def kernel_forks(log: IO[str]) -> Iterator[dict[str, str]]:
    """Run a fork server while the block runs; yields the environment a kernel needs to be forked from
    it (empty if the server did not start, so kernels start the usual way)."""
    server = start_server(log)
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not server.ready() and server.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if server.ready():
            yield {FORKS_ENV: server.address}
        else:
            code = server.process.poll()
            why = f"exited with status {code}" if code is not None else "was not ready"
            log.write(f"fork server {why}; kernels start the usual way\n")
            yield {}
    finally:
        server.stop()


@contextmanager
def warm_kernels(log: IO[str]) -> Iterator[dict[str, str]]:
    """A fork server for this build's kernels, for as long as the block runs, and a line in the log
    saying which server they came from (none, when it did not come up)."""
    with kernel_forks(log) as env:
        if env:
            log.write(f"kernels forked from this build's fork server ({env[FORKS_ENV]})\n")
        yield env
