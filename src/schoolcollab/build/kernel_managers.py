"""The kernel manager and client each chapter's execution uses: jupyter_client's, less its fixed waits.

Measured on a kernel forked warm (:mod:`.kernel_forks`) that runs one ``1 + 1`` cell: 0.51 s from start to
stop, of which 0.2 s was jupyter_client waiting, once the kernel had answered, for IOPub to stay silent
for 0.2 s, and 0.1 s its first poll, every 0.1 s, for the stopped kernel's process to be gone. A build
pays both for every chapter it executes, in the chapter's slot. Here the kernel is ready once it has
answered ``kernel_info`` and IOPub has delivered a message (as jupyter_client checks), with no silence
waited for: nbclient keeps only messages whose parent is its own request, so a late start-up status is
skipped anyway. A stopped kernel's process is polled every few milliseconds.
"""

from __future__ import annotations

import math
import sys
import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

from . import fork_client

STOPPED_POLL_SECONDS = 0.005
IOPUB_SECONDS = 0.2  # jupyter_client's own wait for IOPub to show it is connected


class ReadyKernelClient(AsyncKernelClient):
    """An asynchronous kernel client whose readiness costs only the kernel's answer."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Return once the kernel answers ``kernel_info`` and IOPub is connected; raise RuntimeError if
        the kernel dies first or ``timeout`` seconds pass."""
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=IOPUB_SECONDS)
                except Empty:
                    pass  # IOPub not connected yet: ask again, as jupyter_client does
                else:
                    self._handle_kernel_info_reply(msg)
                    return
            manager = self.parent
            if isinstance(manager, AsyncKernelManager) and not await manager.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class ReadyKernelManager(AsyncKernelManager):
    """jupyter_client's asynchronous kernel manager with :class:`ReadyKernelClient` and a quick poll for
    a stopped kernel's exit."""

    client_class = DottedObjectName("schoolcollab.build.kernel_managers.ReadyKernelClient", config=True)
    client_factory = Type(klass=ReadyKernelClient, config=True)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, STOPPED_POLL_SECONDS))


class ForkedKernelManager(ReadyKernelManager):
    """Starts :mod:`.fork_client` where the kernel spec says ``python -m ipykernel_launcher``."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd[1:3] == ["-m", "ipykernel_launcher"]:
            return [sys.executable, "-S", "-I", fork_client.__file__, *cmd[3:]]
        return cmd  # another kernel than ipykernel's: started as its spec says


def manager_options(forked: bool) -> dict[str, Any]:
    """nbclient's ``kernel_manager_class`` option for a chapter's kernel (forked from the server or not)."""
    return {"kernel_manager_class": ForkedKernelManager if forked else ReadyKernelManager}
