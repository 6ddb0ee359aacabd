"""Warm kernels for one build: start and stop the fork server (:mod:`.fork_server`).

Started by the command line before it checks the input, or by :mod:`.prefetch` when a build executes
more than one chapter: the server's imports then cost once instead of once per chapter, and
:mod:`.kernel_managers`' ``ForkedKernelManager`` starts kernels through it. Nothing heavy is imported
here, so that the command line can start the server first thing. Each kernel is still a process of its own for
one chapter only, with the environment the build gives it (the inputs it must record, where the shared
evidence base is). If the server does not come up, the build says so in its log and starts kernels the
usual way.
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

from ..inputs import MANIFEST_ENV, PRINT_ENV
from ..paths import Project
from .fork_client import FORKS_ENV
from .handoff import HANDOFF_ENV
from .shared_evidence import SHARED_ENV

READY_SECONDS = 60  # the server's imports take a few seconds; a server slower than this is not used
STOP_SECONDS = 10
# a chapter's own settings, given to each kernel by the build; the server must start without them
CHAPTER_ENV = (MANIFEST_ENV, PRINT_ENV, SHARED_ENV, HANDOFF_ENV, FORKS_ENV)


def _stop(server: subprocess.Popen[Any]) -> None:
    if server.stdin is not None:
        server.stdin.close()  # the server's signal to stop
    try:
        server.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class ForkServer:
    """A fork server, started at once and waited for only when a kernel is first wanted.

    Started before the build checks and plans (``digest``: the sources as they were then), its imports
    overlap that work; :func:`kernel_forks` starts one for a single build's execution instead.
    """

    def __init__(self, log: IO[str], digest: str = "") -> None:
        self.digest = digest
        self._stopped = False
        self._folder = tempfile.mkdtemp(prefix="sc-forks-")
        self._address = os.path.join(self._folder, "socket")  # short: a Unix socket's path is at most 107 bytes
        env = {k: v for k, v in os.environ.items() if k not in CHAPTER_ENV}
        log.flush()
        self._server = subprocess.Popen(
            [sys.executable, "-P", "-m", "schoolcollab.build.fork_server", self._address],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            env=env,
        )

    def environment(self, log: IO[str]) -> dict[str, str]:
        """What a kernel needs to be forked from this server, once it is ready (empty, said in ``log``,
        if it did not come up: kernels then start the usual way)."""
        deadline = time.monotonic() + READY_SECONDS
        while not os.path.exists(self._address) and self._server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if os.path.exists(self._address):
            return {FORKS_ENV: self._address}
        why = f"exited with status {self._server.returncode}" if self._server.poll() is not None else "was not ready"
        log.write(f"fork server {why}; kernels start the usual way\n")
        return {}

    def stop(self) -> None:
        """Stop the server (again: nothing); kernels already forked run on."""
        if self._stopped:
            return
        self._stopped = True
        if not os.path.exists(self._address):
            # still importing, so not yet reading its input; it has forked nothing and holds nothing: a
            # build that stops early (a failed check, another build running) does not wait for it
            self._server.kill()
        _stop(self._server)
        shutil.rmtree(self._folder, ignore_errors=True)


def code_digest(project: Project) -> str:
    """A digest of the package's code, the only input a fork server reads (it imports the package)."""
    from .fingerprint import digest

    return digest([project.package], project.root)


_waiting: dict[Path, tuple[ForkServer, IO[str]]] = {}  # started by start_ahead, for this process's next build


def start_ahead(project: Project) -> None:
    """Start the fork server of this process's next build of ``project`` now (:mod:`.warm_build`): it then
    imports while nothing else runs, instead of beside the check and the plan."""
    project.build_dir.mkdir(parents=True, exist_ok=True)
    log = open(project.build_dir / "fork-server.log", "a", encoding="utf-8")  # noqa: SIM115 - kept open for it
    _waiting[project.root] = (ForkServer(log, code_digest(project)), log)


def stop_waiting() -> None:
    """Stop the servers :func:`start_ahead` started that no build took."""
    while _waiting:
        server, log = _waiting.popitem()[1]
        server.stop()
        log.close()


@contextmanager
def forks_ahead(project: Project) -> Iterator[ForkServer]:
    """A fork server for a build of ``project`` starting now (the one :func:`start_ahead` started, if the
    package's code is still what it imported); its own messages (normally none: kernels write to the
    build's log) go to _build/fork-server.log."""
    waiting = _waiting.pop(project.root, None)
    if waiting is not None and waiting[0].digest == code_digest(project):
        server, log = waiting
    else:
        if waiting is not None:
            waiting[0].stop()
            waiting[1].close()
        project.build_dir.mkdir(parents=True, exist_ok=True)
        log = open(project.build_dir / "fork-server.log", "a", encoding="utf-8")  # noqa: SIM115 - closed below
        server = ForkServer(log, code_digest(project))
    try:
        yield server
    finally:
        server.stop()
        log.close()


@contextmanager
def kernel_forks(log: IO[str]) -> Iterator[dict[str, str]]:
    """Run a fork server while the block runs; yields the environment a kernel needs to be forked from
    it (empty if the server did not start, so kernels start the usual way)."""
    server = ForkServer(log)
    try:
        yield server.environment(log)
    finally:
        server.stop()
