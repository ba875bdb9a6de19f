"""The loop shared by the inbox worker and the outbox sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.setaside import WarnEvery, database_unavailable

log = logging.getLogger(__name__)

# After an unexpected failure of a pass (e.g. "database is locked" under load), wait this long
# before the next: the loop must outlive it, or messages would silently stop moving.
FAILURE_BACKOFF_SECONDS = 1.0


class Pump:
    """Does a pass of work, then sleeps until notified or until the pass's own delay.

    Subclasses implement ``pass_once`` (returning seconds until the next pass is worth doing)
    and add the tasks they start to ``_tasks``, which ``stop`` lets finish.
    """

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        # Set while no pass is under way: stop() waits for the pass in hand, whose claims
        # (the sender's rows already "sending") start tasks of their own after stop was asked.
        self._between_passes = asyncio.Event()
        self._between_passes.set()
        # A failing pass (the database away) is one warning line a minute, not a trace a second.
        self._trouble = WarnEvery(log)

    def notify(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self._wake.set()

    async def pass_once(self) -> float:
        raise NotImplementedError

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._between_passes.clear()
            try:
                delay = await self.pass_once()
            except Exception as exc:
                self._trouble.warning(
                    "%s: a pass failed (%r); trying again shortly",
                    type(self).__name__,
                    exc,
                    # A trace helps find a bug, not a database that went away.
                    exc=None if database_unavailable(exc) else exc,
                )
                delay = FAILURE_BACKOFF_SECONDS
            else:
                self._trouble.recovered("%s: passes work again", type(self).__name__)
            finally:
                self._between_passes.set()
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def stop(self) -> None:
        """Take no new work; let what is in hand finish (its rows get their status)."""
        self._stopping = True
        self._wake.set()
        await self._between_passes.wait()  # no pass starts after it: the task set is whole
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
