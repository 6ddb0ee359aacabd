"""Kernels forked warm from the build's fork server behave as started kernels do, and never outlive
their client or the build."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from schoolcollab.build.fork_client import FORKS_ENV
from schoolcollab.build.kernel_forks import ForkServer, kernel_forks
from schoolcollab.build.kernel_managers import ForkedKernelManager, ReadyKernelManager, manager_options

PROBE = (
    "import gc, os, sys\n"
    "print(os.getcwd(), os.environ.get('SC_PROBE'), 'schoolcollab' in sys.modules, os.environ.get('MPLBACKEND'),"
    " gc.get_freeze_count())"
)
pytestmark = pytest.mark.slow  # every test starts kernels

FIGURE = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"


def _run(cells: list[str], cwd: Path, env: dict[str, str], forked: bool) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(cwd)}}, **manager_options(forked))
    client.execute(env={**os.environ, **env})
    return client.nb


def _printed(nb: nbformat.NotebookNode, index: int) -> list[str]:
    return nb.cells[index].outputs[0]["text"].split()


def test_a_forked_kernel_runs_a_chapter_as_a_started_one_would(tmp_path: Path) -> None:
    with (tmp_path / "build.log").open("w") as log, kernel_forks(log) as forks:
        assert set(forks) == {FORKS_ENV}
        forked = _run([PROBE, FIGURE], tmp_path, {**forks, "SC_PROBE": "chapter-1"}, forked=True)
        again = _run([PROBE], tmp_path, {**forks, "SC_PROBE": "chapter-2"}, forked=True)
    started = _run([PROBE, FIGURE], tmp_path, {"SC_PROBE": "chapter-1"}, forked=False)
    # the same working directory, the environment given to that kernel, the same plotting backend...
    cwd, probe, warm, backend, frozen = _printed(forked, 0)
    assert [cwd, probe, backend] == [str(tmp_path), "chapter-1", "module://matplotlib_inline.backend_inline"]
    assert _printed(again, 0)[1] == "chapter-2"  # each kernel has its own environment
    assert _printed(started, 0)[0:2] == [cwd, probe] and _printed(started, 0)[3] == backend
    # ...the package already imported (the point of forking), where a started kernel has not
    assert warm == "True" and _printed(started, 0)[2] == "False"
    # with what those imports made kept out of the collector's full passes
    assert int(frozen) > 100_000 and _printed(started, 0)[4] == "0"
    # and a figure comes out as the same kind of output
    assert [o["output_type"] for o in forked.cells[1].outputs] == [o["output_type"] for o in started.cells[1].outputs]
    assert set(forked.cells[1].outputs[0]["data"]) == set(started.cells[1].outputs[0]["data"]), (
        forked.cells[1].outputs,
        started.cells[1].outputs,
    )
    assert "image/png" in forked.cells[1].outputs[0]["data"]


def test_the_build_s_kernels_are_ready_and_stopped_as_jupyter_client_s_own_are(tmp_path: Path) -> None:
    """Without jupyter_client's 0.2 s wait for IOPub to fall silent, no output of a first cell is lost and no
    kernel is left running; a notebook runs in the build's kernel as in jupyter_client's own."""
    cells = ["print('first')", "1 + 1", "import sys; print('err', file=sys.stderr)"]
    ours = [_run(cells, tmp_path, {}, forked=False) for _ in range(3)]
    theirs = NotebookClient(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), timeout=120)
    theirs.execute()

    def outputs(nb: nbformat.NotebookNode) -> list[list[tuple[str, str]]]:
        return [
            [(o["output_type"], o.get("text") or o.get("data", {}).get("text/plain", "")) for o in c.outputs]
            for c in nb.cells
        ]

    assert all(outputs(nb) == outputs(theirs.nb) for nb in ours), [outputs(nb) for nb in ours]
    assert outputs(theirs.nb)[0] == [("stream", "first\n")]
    km = ReadyKernelManager()
    # in a thread of its own: a browser test run before in this worker may leave this thread's loop running
    stopping = threading.Thread(target=lambda: asyncio.run(_start_and_stop(km)))
    stopping.start()
    stopping.join(120)
    assert not km.has_kernel and _stopped_pids


async def _start_and_stop(km: ReadyKernelManager) -> None:
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    pid = km.provisioner.pid if km.provisioner is not None else None
    await km.shutdown_kernel(now=True)
    kc.stop_channels()
    assert pid is not None and not _alive(pid)
    _stopped_pids.append(pid)


_stopped_pids: list[int] = []


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


def test_a_server_stopped_before_it_is_ready_is_killed_not_waited_for(tmp_path: Path) -> None:
    with (tmp_path / "build.log").open("w") as log:
        early = ForkServer(log)  # as a build starts it; the build then stops at once (a failed check)
        early.stop()
        assert early._server.returncode == -9  # killed mid-import: the build's exit never waits on it
        early.stop()  # again: nothing
        ready = ForkServer(log)
        assert ready.environment(log)
        ready.stop()
        assert ready._server.returncode == 0  # ready, it is asked to stop and exits by itself
    assert "Traceback" not in (tmp_path / "build.log").read_text()


def test_a_terminated_server_removes_its_folder(tmp_path: Path) -> None:
    """Terminated with its process group (a stopped preview, a build killed by SIGTERM), the server leaves
    no folder behind in the system's temporary directory."""
    with (tmp_path / "build.log").open("w") as log:
        server = ForkServer(log)
        assert server.environment(log)
        folder = Path(server._folder)
        assert folder.is_dir()
        server._server.terminate()
        assert server._server.wait(timeout=30) == 0
        assert not folder.exists()
        server.stop()  # after it: nothing left to do, and no error
