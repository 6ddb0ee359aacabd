"""Kernels forked warm from the build's fork server behave as started kernels do, and never outlive
their client or the build."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from schoolcollab.build.fork_client import FORKS_ENV
from schoolcollab.build.kernel_forks import (
    PID_FILE,
    PREFIX,
    ForkedKernelManager,
    kernel_forks,
    sweep_stale,
)

PROBE = (
    "import os, sys\n"
    "print(os.getcwd(), os.environ.get('SC_PROBE'), 'schoolcollab' in sys.modules, os.environ.get('MPLBACKEND'))"
)
FIGURE = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One fork server for the tests that only use it (each test that stops one starts its own)."""
    with (tmp_path_factory.mktemp("forks") / "build.log").open("w") as log, kernel_forks(log) as env:
        yield env


def _run(cells: list[str], cwd: Path, env: dict[str, str], forked: bool) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    extra = {"kernel_manager_class": ForkedKernelManager} if forked else {}
    client = NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(cwd)}}, **extra)
    client.execute(env={**os.environ, **env})
    return client.nb


def _printed(nb: nbformat.NotebookNode, index: int) -> list[str]:
    return nb.cells[index].outputs[0]["text"].split()


def test_a_forked_kernel_runs_a_chapter_as_a_started_one_would(tmp_path: Path, forks: dict[str, str]) -> None:
    assert set(forks) == {FORKS_ENV}
    forked = _run([PROBE, FIGURE], tmp_path, {**forks, "SC_PROBE": "chapter-1"}, forked=True)
    again = _run([PROBE], tmp_path, {**forks, "SC_PROBE": "chapter-2"}, forked=True)
    started = _run([PROBE, FIGURE], tmp_path, {"SC_PROBE": "chapter-1"}, forked=False)
    # the same working directory, the environment given to that kernel, the same plotting backend...
    cwd, probe, warm, backend = _printed(forked, 0)
    assert [cwd, probe, backend] == [str(tmp_path), "chapter-1", "module://matplotlib_inline.backend_inline"]
    assert _printed(again, 0)[1] == "chapter-2"  # each kernel has its own environment
    assert _printed(started, 0)[0:2] == [cwd, probe] and _printed(started, 0)[3] == backend
    # ...the package already imported (the point of forking), where a started kernel has not
    assert warm == "True" and _printed(started, 0)[2] == "False"
    # and a figure comes out as the same kind of output
    assert [o["output_type"] for o in forked.cells[1].outputs] == [o["output_type"] for o in started.cells[1].outputs]
    assert set(forked.cells[1].outputs[0]["data"]) == set(started.cells[1].outputs[0]["data"]), (
        forked.cells[1].outputs,
        started.cells[1].outputs,
    )
    assert "image/png" in forked.cells[1].outputs[0]["data"]


def test_without_a_server_the_client_starts_a_plain_kernel(tmp_path: Path) -> None:
    nb = _run([PROBE], tmp_path, {FORKS_ENV: str(tmp_path / "no-socket"), "SC_PROBE": "alone"}, forked=True)
    assert _printed(nb, 0)[1:3] == ["alone", "False"]  # ran, in a kernel started the usual way


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_client_takes_its_kernel_with_it_and_the_server_stops_with_the_block(tmp_path: Path) -> None:
    async def kernel_pid_then_kill(env: dict[str, str]) -> tuple[int, int]:
        km = ForkedKernelManager()
        await km.start_kernel(env={**os.environ, **env}, cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        reply = await kc.execute_interactive("import os; print(os.getpid())", timeout=60, output_hook=seen.append)
        assert reply["content"]["status"] == "ok"
        kc.stop_channels()
        client = km.provisioner.process.pid  # type: ignore[union-attr]
        await km.shutdown_kernel(now=True)  # SIGKILL to the client: no goodbye reaches the kernel
        return client, int(next(m["content"]["text"] for m in seen if m["msg_type"] == "stream"))

    seen: list[dict] = []
    with (tmp_path / "build.log").open("w") as log, kernel_forks(log) as forks:
        # in a thread of its own: an earlier test may have left this thread's event loop running
        pids: list[tuple[int, int]] = []
        worker = threading.Thread(target=lambda: pids.append(asyncio.run(kernel_pid_then_kill(forks))))
        worker.start()
        worker.join(timeout=120)
        assert pids, "the kernel did not start or answer"
        client, kernel = pids[0]
        assert kernel != client
        deadline = time.monotonic() + 10
        while _alive(kernel) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(kernel), "the forked kernel outlived its killed client"
        folder = Path(forks[FORKS_ENV]).parent
        assert Path(forks[FORKS_ENV]).exists()
    assert not folder.exists()  # the server is stopped and its socket removed with the block
    with pytest.raises(OSError):
        import socket

        socket.socket(socket.AF_UNIX).connect(forks[FORKS_ENV])


STAND_IN = """
import asyncio, os, sys, time
from schoolcollab.build.kernel_forks import ForkedKernelManager

async def start():
    km = ForkedKernelManager()
    await km.start_kernel(env=dict(os.environ))
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    said = []
    await kc.execute_interactive("import os; print(os.getpid())", timeout=60, output_hook=said.append)
    kernel = next(m["content"]["text"].strip() for m in said if m["msg_type"] == "stream")
    print(km.provisioner.process.pid, kernel, flush=True)

asyncio.run(start())
time.sleep(600)
"""


def test_a_killed_build_takes_its_forked_kernels_with_it(forks: dict[str, str]) -> None:
    """A build killed outright cannot shut its kernels down: each client sees its parent gone and exits,
    and its kernel with it."""
    # the server outlives the build here, as the preview's does
    build = subprocess.Popen(
        [sys.executable, "-c", STAND_IN], env={**os.environ, **forks}, stdout=subprocess.PIPE, text=True
    )
    assert build.stdout is not None
    client, kernel = (int(pid) for pid in build.stdout.readline().split())
    assert _alive(client) and _alive(kernel)
    build.kill()
    build.wait()
    deadline = time.monotonic() + 15
    while (_alive(client) or _alive(kernel)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(kernel), "the forked kernel outlived the killed build"
    assert not _alive(client), "the kernel's client outlived the killed build"


def test_the_folders_of_servers_that_are_gone_are_swept_and_live_ones_kept() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = Path(tempfile.mkdtemp(prefix=PREFIX))
    (dead / PID_FILE).write_text(str(gone.pid))
    (dead / "socket").write_text("")  # what a server killed outright leaves
    live = Path(tempfile.mkdtemp(prefix=PREFIX))
    (live / PID_FILE).write_text(str(os.getpid()))
    starting = Path(tempfile.mkdtemp(prefix=PREFIX))  # no pid written yet: being started, so kept
    try:
        assert sweep_stale() >= 1
        assert not dead.exists() and live.exists() and starting.exists()
    finally:
        for folder in (dead, live, starting):
            shutil.rmtree(folder, ignore_errors=True)


def test_an_interrupt_reaches_the_forked_kernel(tmp_path: Path, forks: dict[str, str]) -> None:
    """jupyter_client interrupts a kernel by signalling its process group: the client's, which passes the
    signal on to the kernel it stands for."""

    async def interrupted(env: dict[str, str]) -> dict:
        km = ForkedKernelManager()
        await km.start_kernel(env={**os.environ, **env}, cwd=str(tmp_path))
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            running = asyncio.ensure_future(kc.execute_interactive("import time; time.sleep(60)", timeout=90))
            await asyncio.sleep(1.5)
            await km.interrupt_kernel()
            return await asyncio.wait_for(running, timeout=30)
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    replies: list[dict] = []
    worker = threading.Thread(target=lambda: replies.append(asyncio.run(interrupted(forks))))
    worker.start()
    worker.join(timeout=120)
    assert replies, "the kernel did not answer"
    assert replies[0]["content"]["status"] == "error" and replies[0]["content"]["ename"] == "KeyboardInterrupt"
