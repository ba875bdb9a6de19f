"""The inbox worker: handles stored updates, each chat's in order, several chats at once.

Updates reach the inbox table before they are acknowledged to the platform (the poller or a
webhook stores them first). The worker hands each to the channel's handler; the handler's own
transaction (one per update) marks the row done, so the work and the mark commit together or
not at all.

A handler that raises never stops the worker. Its update is tried again after 2, 4, 8 ...
seconds (at most a minute), ``max_attempts`` tries in all (``[inbox] max_attempts``), then set
aside: status "failed" with its error, listed by `loket inbox failed`, handed back by `loket
inbox retry`, and the staff group is told (at most once an hour). Per-chat order and giving up
fit together this way: while an update waits for its next try, the chat's later updates wait
behind it (a citizen's second message is never handled before the first); once it is set
aside, they are served. So a poison update holds its chat back for a bounded time (the sum of
the pauses, about half a minute with the default 5 tries) and never for good; other chats are
never held by it. A failure that is the database's (unreachable, locked) is not the update's
fault and does not count as a try: an outage must not set aside every update it touched.

Several replicas on one PostgreSQL database drain the same inbox; each worker's memory only
orders its own tasks, so the order across replicas is kept in the database, inside the
handling transaction (storage.repositories.InboxRepo.take): the transaction holds its chat with
``pg_try_advisory_xact_lock`` on a 64-bit hash of the chat key, then marks the row done only
if it is still pending and its chat's oldest pending row. A replica that finds the chat held
(or an older update still pending) gets ``ChatBusy``: not a failure and not a try, the row
stays pending and the chat is looked at again after a short pause (BUSY_RETRY_SECONDS).

That lock is the lease. It lives exactly as long as the transaction doing the work: a replica
killed with SIGKILL, or whose connection is cut, has its transaction rolled back by
PostgreSQL, its lock released and its row still pending, so the next pass of any replica takes
it over, and nothing it did is kept. An explicit lease column would need a duration to guess
(too short doubles slow work, too long delays the takeover) and a write of its own. Slow work
(bot.core.offload) runs between two transactions of the same update; the lock is not held
meanwhile, but the row stays pending, so no later update of the chat can pass it (the oldest
pending row goes first), and whichever replica's transaction marks it done does so once.
At worst two replicas both do the slow work (a PDF rendered twice), never its effects.
SQLite is one process: the write lock serializes, and the per-chat order in memory suffices.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.pump import Pump
from bot.setaside import WarnEvery, database_unavailable
from storage.models import Inbox
from storage.repositories import ChatBusy, InboxHead, InboxRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_RETRY_PAUSE_SECONDS = 60.0
IDLE_POLL_SECONDS = 1.0
BATCH = 200
# A chat another replica is handling is looked at again after this pause (real time: the
# other replica's transaction usually takes milliseconds).
BUSY_RETRY_SECONDS = 0.05

# handler(row): handles the stored update in a transaction of its own.
Handler = Callable[[Inbox], Awaitable[None]]


class InboxWorker(Pump):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        handlers: dict[str, Handler],
        clock: Clock,
        *,
        concurrency: int = 8,
        max_attempts: int = MAX_ATTEMPTS,
        on_set_aside: Callable[[], Awaitable[None]] | None = None,
        on_handled: Callable[[str], None] | None = None,
        spread: bool = False,
    ) -> None:
        super().__init__()
        # With replicas (PostgreSQL), each starts the chats of a pass in its own random order:
        # replicas reading the same heads in id order would start the same chats together,
        # and all but one would lose each chat to the others (ChatBusy) in lockstep. One
        # process keeps the oldest-first order.
        self.spread = spread
        # Told the channel of each update handled (the metrics count them).
        self.on_handled = on_handled
        self.max_attempts = max_attempts
        self.on_set_aside = on_set_aside
        self._outage = WarnEvery(log)
        self.sessionmaker = sessionmaker
        self.handlers = handlers
        self.clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._busy_chats: set[str] = set()
        self._busy_rows: set[int] = set()
        # chat_key -> loop time after which a chat held by another replica is tried again.
        self._held_elsewhere: dict[str, float] = {}

    async def pass_once(self) -> float:
        return await self.dispatch_once()

    async def idle(self) -> bool:
        """True when nothing is pending or in hand (for tests and benchmarks)."""
        async with self.sessionmaker() as session:
            return not self._tasks and not await InboxRepo(session).heads(1)

    async def dispatch_once(self) -> float:
        now = self.clock.now()
        async with self.sessionmaker() as session:
            heads = await InboxRepo(session).heads(BATCH)
        wait = IDLE_POLL_SECONDS
        held: set[str] = set()
        chosen: list[InboxHead] = []
        moment = asyncio.get_running_loop().time()
        for chat, until in list(self._held_elsewhere.items()):
            if until <= moment:
                del self._held_elsewhere[chat]
            else:
                held.add(chat)
                wait = min(wait, until - moment)
        for row in heads:
            if self._stopping:
                break
            if (
                row.id in self._busy_rows
                or row.chat_key in self._busy_chats
                or row.chat_key in held
            ):
                held.add(row.chat_key)
                continue
            if row.not_before > now:
                # A retried row holds back its chat's later updates: order matters in a chat.
                held.add(row.chat_key)
                wait = min(wait, (row.not_before - now).total_seconds())
                continue
            self._busy_chats.add(row.chat_key)
            self._busy_rows.add(row.id)
            chosen.append(row)
        if chosen:
            # Only the rows to handle now are read whole (their payloads).
            try:
                async with self.sessionmaker() as session:
                    rows = await InboxRepo(session).by_ids([head.id for head in chosen])
            except BaseException:
                self._release(chosen)
                raise
            found = {row.id for row in rows}
            self._release([head for head in chosen if head.id not in found])
            if self.spread:
                # One row per chat in a pass (its oldest), so the order within a chat holds.
                random.shuffle(rows)
            for full in rows:
                await self._start(full)
        if len(heads) == BATCH:
            wait = min(wait, 0.02)
        return max(wait, 0.0)

    def _release(self, rows: Sequence[Inbox | InboxHead]) -> None:
        for row in rows:
            self._busy_chats.discard(row.chat_key)
            self._busy_rows.discard(row.id)

    async def _start(self, row: Inbox) -> None:
        await self._slots.acquire()
        task = asyncio.create_task(self._handle_one(row))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_one(self, row: Inbox) -> None:
        try:
            await self._handle(row)
        finally:
            self._release([row])
            self._slots.release()
            self._wake.set()

    async def _handle(self, row: Inbox) -> None:
        """One row in its own transaction; a failure is recorded on the row (retried later,
        or set aside after ``max_attempts`` tries)."""
        assert row.id is not None
        try:
            handler = self.handlers.get(row.channel)
            if handler is None:
                raise RuntimeError(f"no handler for channel {row.channel!r}")
            await handler(row)
        except ChatBusy:
            # Another replica holds the chat: the row is untouched, and tried again shortly.
            until = asyncio.get_running_loop().time() + BUSY_RETRY_SECONDS
            self._held_elsewhere[row.chat_key] = until
        except Exception as exc:
            await self._failed(row, exc)
        else:
            self._outage.recovered("inbox: the database answers again")
            if self.on_handled is not None:
                self.on_handled(row.channel)

    async def _failed(self, row: Inbox, exc: Exception) -> None:
        assert row.id is not None
        error = f"{type(exc).__name__}: {exc}"
        if database_unavailable(exc):
            # Not the update's fault: the try does not count, and one line a minute is enough.
            self._outage.warning("inbox: the database is unavailable (%s); waiting", error[:200])
            attempts = row.attempts
        else:
            attempts = row.attempts + 1
            if attempts == 1 or attempts >= self.max_attempts:
                log.exception(
                    "inbox %s (%s update %s) failed, attempt %d of %d%s",
                    row.id,
                    row.channel,
                    row.update_id,
                    attempts,
                    self.max_attempts,
                    "; set aside" if attempts >= self.max_attempts else "",
                )
            else:
                log.warning("inbox %s failed again, attempt %d: %s", row.id, attempts, error)
        give_up = attempts >= self.max_attempts
        pause = min(MAX_RETRY_PAUSE_SECONDS, 2.0 ** max(attempts, 1))
        retry_at = None if give_up else self.clock.now() + timedelta(seconds=pause)
        try:
            async with self.sessionmaker() as session:
                await InboxRepo(session).record_failure(
                    row.id, attempts=attempts, error=error, retry_at=retry_at
                )
                await session.commit()
        except Exception as record_exc:
            # The row stays pending as it was: it is tried again at the next pass.
            self._outage.warning("inbox %s: recording its failure failed: %r", row.id, record_exc)
            return
        if give_up and self.on_set_aside is not None:
            await self.on_set_aside()
