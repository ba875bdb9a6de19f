"""Pieces both emulators (Telegram and WhatsApp) share: waiting for a change, a stdin console."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable


class ChangeWaiter:
    """Lets test code wait until the emulator records something, without polling.

    The class using it creates ``self._waiters = []`` and calls ``_notify()`` on every change.
    """

    _waiters: list[asyncio.Future[None]]

    def _notify(self) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def _wait_change(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, remaining)
        except TimeoutError:
            return False
        return True


def read_stdin(
    loop: asyncio.AbstractEventLoop,
    run_line: Callable[[str], Awaitable[None]],
    errors: tuple[type[Exception], ...],
) -> None:
    """Feed stdin lines to a console (run it in a daemon thread: a blocked readline must not
    keep the process alive on Ctrl-C)."""
    for line in sys.stdin:

        async def run(text: str = line) -> None:
            try:
                await run_line(text)
            except errors as exc:
                print(f"error: {exc}", flush=True)

        asyncio.run_coroutine_threadsafe(run(), loop)
