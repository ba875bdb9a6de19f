"""Slow work (PDF notices, FAQ index builds) done in a worker thread, outside any transaction.

An update is handled in one transaction, and on SQLite that transaction holds the database for
its whole life (storage.db.SerializedSessions): a PDF rendered inside it would hold every other
update and every send. So a use case that needs slow work asks ``Offload.result(key, work)``:

* the first time, no result is ready: it raises ``WorkOutside``. The update's handler
  (handlers.middlewares.DbSessionMiddleware) leaves the session, which rolls back what the
  attempt did (nothing of it is kept), runs the work in a thread with no session open, and
  handles the update again from the start;
* the second time the same key finds the result (taken once) and the use case goes on, so
  its writes and the update's inbox mark still commit together, once.

The key says what the work depends on (the notice's data, the files' fingerprint): a retry
that finds different data asks for different work, and that is done the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

_T = TypeVar("_T")

# Results kept for an attempt still to come; one per update in hand is the usual case.
MAX_READY = 64
# Attempts of one update before the work is done in place (data changing on every attempt).
MAX_ROUNDS = 3


class WorkOutside(Exception):
    """The use case needs ``work`` done first, outside its transaction."""

    def __init__(self, key: Hashable, work: Callable[[], Any]) -> None:
        super().__init__(f"slow work to do outside the transaction: {key!r:.80}")
        self.key = key
        self.work = work


class Offload:
    def __init__(self) -> None:
        # key -> (True, result) or (False, the exception the work raised)
        self._ready: dict[Hashable, tuple[bool, Any]] = {}

    def result(self, key: Hashable, work: Callable[[], _T]) -> _T:
        """The work's result, once it was done outside (raises what the work raised); else
        ``WorkOutside`` for the caller's handler to do it."""
        if key not in self._ready:
            raise WorkOutside(key, work)
        ok, value = self._ready.pop(key)
        if ok:
            return value
        raise value

    async def prepare(self, request: WorkOutside) -> None:
        """Do the work in a worker thread (off the event loop); its result or its exception
        waits for the next attempt."""
        try:
            outcome = (True, await asyncio.to_thread(request.work))
        except Exception as exc:
            outcome = (False, exc)
        while len(self._ready) >= MAX_READY:
            del self._ready[next(iter(self._ready))]  # an attempt that never came back
        self._ready[request.key] = outcome

    def forget(self, key: Hashable) -> None:
        self._ready.pop(key, None)

    async def call(self, attempt: Callable[[], Awaitable[_T]]) -> _T:
        """Run ``attempt`` until its slow work is done, for callers that own no transaction
        (the command line, tests). A handler of updates opens a new transaction per attempt
        instead (see DbSessionMiddleware)."""
        for _ in range(MAX_ROUNDS):
            try:
                return await attempt()
            except WorkOutside as request:
                await self.prepare(request)
        return await attempt()
