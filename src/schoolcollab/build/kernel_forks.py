"""Warm kernels for one build: the fork server (:mod:`.fork_server`) and the kernel manager that uses it.

Used by :mod:`.prefetch` when a build executes more than one chapter: the server's imports then cost
once instead of once per chapter. Each kernel is still a process of its own for one chapter only, with
the environment the build gives it (the inputs it must record, where the shared evidence base is). If
the server does not come up, the build says so in its log and starts kernels the usual way.
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
from pathlib import Path
from typing import IO, Any

from jupyter_client.manager import AsyncKernelManager

from ..inputs import MANIFEST_ENV, PRINT_ENV
from . import fork_client
from .fork_client import FORKS_ENV
from .handoff import HANDOFF_ENV
from .shared_evidence import SHARED_ENV

CLIENT = Path(fork_client.__file__)
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


def _stop(server: subprocess.Popen[Any]) -> None:
    if server.stdin is not None:
        server.stdin.close()  # the server's signal to stop
    try:
        server.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def kernel_forks(log: IO[str]) -> Iterator[dict[str, str]]:
    """Run a fork server while the block runs; yields the environment a kernel needs to be forked from
    it (empty if the server did not start, so kernels start the usual way)."""
    folder = tempfile.mkdtemp(prefix="sc-forks-")
    address = os.path.join(folder, "socket")  # short: a Unix socket's path is limited to 107 bytes
    env = {k: v for k, v in os.environ.items() if k not in CHAPTER_ENV}
    log.flush()
    server = subprocess.Popen(
        [sys.executable, "-P", "-m", "schoolcollab.build.fork_server", address],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=log,
        env=env,
    )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while not os.path.exists(address) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if os.path.exists(address):
            yield {FORKS_ENV: address}
        else:
            why = f"exited with status {server.returncode}" if server.poll() is not None else "was not ready"
            log.write(f"fork server {why}; kernels start the usual way\n")
            yield {}
    finally:
        _stop(server)
        shutil.rmtree(folder, ignore_errors=True)
