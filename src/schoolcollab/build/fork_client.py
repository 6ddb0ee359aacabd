"""Stand in for one chapter's kernel process: ask the fork server for a kernel and live as long as it does.

The build starts this file (by path, ``python -S -I``: nothing but the standard library, so it is up
in milliseconds) where it would start ``python -m ipykernel_launcher``; jupyter_client manages it as it
would the kernel. It hands :mod:`.fork_server` its arguments, environment, working directory and its
three standard streams, so the forked kernel reads and writes exactly where a started one would; then
it waits. A signal it gets (an interrupt, a terminate) is passed on to the kernel; when the kernel
exits, this process exits; when this process is killed, the kernel sees its connection close and exits.

If the server cannot be reached, this process becomes an ordinary kernel instead (``exec``): a chapter
is never lost to the speed-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys

FORKS_ENV = "SCHOOLCOLLAB_FORKS"  # the server's socket, set by the build in each kernel's environment
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
SIZE = struct.Struct("!Q")


def read_exactly(conn: socket.socket, n: int) -> bytes:
    """``n`` bytes from ``conn``; raises ConnectionError if it closes first."""
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the fork server closed the connection")
        data += chunk
    return data


def _forward(pid: int) -> None:
    def handler(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):  # the kernel has just exited; so will this process
            os.kill(pid, signum)

    for signum in FORWARDED:
        signal.signal(signum, handler)


def _plain_kernel() -> None:
    """Become the kernel jupyter_client would have started (the server is not there)."""
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[1:]])


def run_client() -> int:
    """Ask for a kernel, pass signals on to it, and return once it has exited."""
    address = os.environ.get(FORKS_ENV, "")
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(address)
        payload = json.dumps({"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(conn, [SIZE.pack(len(payload))], [0, 1, 2])
        conn.sendall(payload)
        (pid,) = SIZE.unpack(read_exactly(conn, SIZE.size))
    except OSError:  # no server (never started, or gone): start the kernel the usual way
        conn.close()
        _plain_kernel()
        return 1  # not reached: execv replaces this process
    _forward(pid)
    while True:
        try:
            if not conn.recv(4096):  # the kernel exited and its end of the connection closed
                return 0
        except InterruptedError:
            continue


if __name__ == "__main__":
    sys.exit(run_client())
