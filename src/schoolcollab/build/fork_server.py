"""Start each chapter's kernel by forking a process that has already imported what every kernel imports.

A kernel started from nothing spends about a second importing IPython, zmq, pandas, matplotlib and
this package, and each chapter a build executes paid that again. This server pays it
once per build: it imports all of that, listens on a Unix socket, and for every kernel the build asks
for (through :mod:`.fork_client`) forks a child that becomes an ordinary ipykernel for one chapter, with
the client's arguments, environment, working directory and standard streams. Nothing is read, loaded
or executed before the fork: each child starts as a new interpreter would after the same imports, with
no evidence loaded and no input recorded, and serves one chapter only.

    python -P -m schoolcollab.build.fork_server SOCKET

It is ready once ``SOCKET`` exists (bound under another name, then renamed, so it never exists
half-ready), and it exits when its standard input closes: the build closes it when done, and the
system closes it if the build is killed. A child exits with its kernel, or when its client's
connection closes (the client was killed).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import sys
import threading
from typing import Any

from .fork_client import SIZE, read_exactly

# What ipykernel would set in each kernel before matplotlib is imported: set first, so the imports
# below choose the same backend a started kernel would. The backend's module itself is not imported
# here: it hooks figures into the kernel's display when first imported, and there is no kernel yet.
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
# debugpy, imported below, warns on stderr about frozen modules unless told not to check (Sphinx is told too)
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

# Only what many chapters import. A module one chapter needs (statsmodels and scipy for the matched-schools
# study, seaborn for the print edition's gap map: 0.4 and 0.8 s) costs that kernel the same either way,
# and imported here it would hold back every kernel of every build until it was done.
WARM = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # every kernel imports it as it starts (debugpy: 0.2 s of each kernel, on two busy cores)
    "matplotlib.pyplot",
    "myst_nb",
    "myst_nb.ext.glue",  # imported by the first glue() of every chapter
    "schoolcollab.load",
    "schoolcollab.present",
    "schoolcollab.apa_names",  # pybtex and latexcodec: every chapter that cites
)


def warm() -> None:
    """Import what chapters' kernels import (a module missing here is simply imported by the kernel)."""
    import importlib

    for name in WARM:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    head, fds, _, _ = socket.recv_fds(conn, SIZE.size, 3)
    if len(head) < SIZE.size:
        head += read_exactly(conn, SIZE.size - len(head))
    (size,) = SIZE.unpack(head)
    return json.loads(read_exactly(conn, size)), fds


def _exit_when_closed(conn: socket.socket) -> None:
    """In the child: its client is gone (killed) when the connection closes; so is the kernel then."""
    while True:
        try:
            if not conn.recv(4096):
                os._exit(1)
        except InterruptedError:
            continue
        except OSError:
            os._exit(1)


def _become_kernel(conn: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the child: take the client's place and run an ipykernel until it exits; never returns."""
    code = 1
    try:
        os.setsid()  # as jupyter_client starts kernels: a Ctrl+C in the terminal does not reach it
        for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [sys.argv[0], *request["argv"]]
        threading.Thread(target=_exit_when_closed, args=(conn,), daemon=True).start()
        from ipykernel.kernelapp import launch_new_instance

        argv = list(request["argv"])
        if parent := request["env"].get("JPY_PARENT_PID"):  # read at import by ipykernel, so given here
            argv.append(f"--IPKernelApp.parent_handle={int(parent)}")
        launch_new_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - said on the kernel's stderr, which the build logs
        import traceback

        traceback.print_exc()
    finally:
        import atexit

        atexit._run_exitfuncs()  # what the interpreter of a started kernel runs as it exits
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # never the server's own clean-up: the listening socket is not the child's


def serve_forks(address: str) -> None:
    """Fork a kernel for each connection to ``address`` until standard input closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build stops this server, by closing its input
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    binding = address + ".binding"
    listener.bind(binding)
    listener.listen(64)
    os.rename(binding, address)  # ready: a client that sees the socket can connect
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(sys.stdin, selectors.EVENT_READ)
    # terminated with the process group that holds it (a stopped preview, a killed build): its folder
    # goes too, as when its input closes
    signal.signal(signal.SIGTERM, _terminated)
    try:
        _serve(listener, events)
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(address)
            os.rmdir(os.path.dirname(address))  # the folder the build made for it, if nothing else is there


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _serve(listener: socket.socket, events: selectors.BaseSelector) -> None:
    while True:
        ready = {key.fileobj for key, _ in events.select()}
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            return
        if listener not in ready:
            continue
        conn, _ = listener.accept()
        try:
            request, fds = _receive(conn)
        except (OSError, ValueError) as exc:
            print(f"fork server: a bad request ({exc}); ignored", file=sys.stderr, flush=True)
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:
            listener.close()
            events.close()
            _become_kernel(conn, request, fds)
        for fd in fds:
            os.close(fd)
        with contextlib.suppress(OSError):  # the client is already gone; the child notices and exits
            conn.sendall(SIZE.pack(pid))
        conn.close()


if __name__ == "__main__":
    warm()
    # what the imports made lives as long as each kernel: kept out of the collector's full passes (one
    # of them walked it all, 0.05 s of a chapter's 0.7), and never touched, so the children share its pages
    gc.freeze()
    with contextlib.suppress(SystemExit):  # terminated: its folder is already removed
        serve_forks(sys.argv[1])
    sys.stdout.flush()
    sys.stderr.flush()
    # the build waits for this exit: tearing down the modules imported above took it 0.3 s or more, and
    # there is nothing to tear down (the children live on their own, and the socket is removed above)
    os._exit(0)
