"""The sender: drains the outbox through the channels, within rate limits, with retries.

Each row moves pending -> sending -> sent | failed, every move a compare-and-set committed on
its own, so two senders (or two replicas) never take the same row. A row is claimed before
its API call: after a crash a row found in "sending" may or may not have reached the user, and
it is not sent again (a message is never sent twice for one row); it is marked "unknown".

One process (SQLite) settles the rows it left in "sending" when it starts again. Replicas on
PostgreSQL cannot tell a row another replica is sending right now from one a dead replica left,
except by age: the claim stamps the row (its ``not_before`` becomes the claim's time), and any
replica settles the claims older than the lease (CLAIM_LEASE, ``[outbox] claim_lease``), at
its start and then every SWEEP_SECONDS (or a fifth of a shorter lease).
The lease is far longer than a send takes (the slot's wait included: at most a minute for a
group), so a live replica's send is never settled under it. A chat's next row is not claimed
while one of its rows is "sending" (OutboxRepo.claim), so the chat's order holds across
replicas, and a dead replica's chat waits for its row to be settled first.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import (
    ChannelSender,
    Held,
    PermanentError,
    RetryLater,
    SendError,
    TransientError,
)
from bot.core.clock import Clock
from bot.pump import Pump
from bot.ratelimit import SendLimiter
from bot.setaside import WarnEvery, database_unavailable
from storage.models import Notice, Outbox
from storage.repositories import OutboxHead, OutboxRepo

log = logging.getLogger(__name__)

MAX_TRANSIENT_ATTEMPTS = 12
STATUS_WRITE_ATTEMPTS = 5
IDLE_POLL_SECONDS = 1.0
BATCH = 100
# Replicas: a claim older than this belongs to a replica that died (see the module).
CLAIM_LEASE = timedelta(minutes=5)
SWEEP_SECONDS = 60.0

# A send's outcome waiting to be written: the row, its new values, the permanent error if any,
# and the future its send task waits on.
_Result = tuple[Outbox, dict[str, object], str | None, "asyncio.Future[None]"]


def backoff_seconds(attempt: int) -> float:
    """1, 2, 4 ... capped at 5 minutes: network trouble should not hammer the API."""
    return float(min(300, 2 ** max(0, attempt - 1)))


class OutboxSender(Pump):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        channels: Mapping[str, ChannelSender],
        limiter: SendLimiter,
        clock: Clock,
        *,
        concurrency: int = 32,
        on_failed: Callable[[AsyncSession, Outbox, str], Awaitable[None]] | None = None,
        limiters: Mapping[str, SendLimiter] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        on_outcome: Callable[[str, str], None] | None = None,
        claim_lease: timedelta = CLAIM_LEASE,
    ) -> None:
        self.on_failed = on_failed
        # ``[outbox] claim_lease``; swept for at least five times a lease, so a dead replica's
        # chat waits about a lease, not a lease plus a whole sweep period.
        self.claim_lease = claim_lease
        self.sweep_seconds = min(SWEEP_SECONDS, claim_lease.total_seconds() / 5)
        # Told (channel, "sent" | "rate_limited" | "retry") after each send (the metrics).
        self.on_outcome = on_outcome or (lambda channel, outcome: None)
        super().__init__()
        self.sessionmaker = sessionmaker
        self.channels = channels
        self.limiter = limiter
        # A channel with limits of its own (WhatsApp's are not Telegram's); others use `limiter`.
        self.limiters = dict(limiters or {})
        self.clock = clock
        # The send windows' seconds: steady, unlike the wall clock; injectable for tests.
        self.monotonic = monotonic
        self.concurrency = concurrency
        self._in_flight: set[str] = set()  # chats with a send in progress: keeps their order
        self._busy = 0  # sends claimed whose outcome is not yet written
        # Per channel: sends claimed that have not yet started (not in the limiter yet).
        self._unrecorded: dict[str, int] = {}
        self._results: list[_Result] = []
        self._recorder: asyncio.Task[None] | None = None
        # A channel down (every send a TransientError) is one warning line a minute.
        self._channel_trouble = WarnEvery(log)
        # Whether replicas may share the outbox (PostgreSQL); None until recover() looked.
        self._replicas: bool | None = None
        self._next_sweep = float("-inf")

    async def recover(self) -> dict[str, int]:
        """Settle rows a crash left in "sending": their API call may or may not have landed.

        The channel is asked whether each arrived (Telegram: an identical-content edit probe).
        Arrived: marked sent. Surely not: sent now. Cannot tell: "unknown", never resent, so a
        message is never sent twice for one row.
        """
        async with self.sessionmaker() as session:
            assert session.bind is not None  # the app's sessions are bound to its engine
            self._replicas = session.bind.dialect.name == "postgresql"
            # With replicas, only the claims of a replica that died: the others' are in hand.
            before = self.clock.now() - self.claim_lease if self._replicas else None
            rows = await OutboxRepo(session).in_status("sending", claimed_before=before)
        self._next_sweep = self.monotonic() + self.sweep_seconds
        counts = {"sent": 0, "pending": 0, "unknown": 0}
        for row in rows:
            assert row.id is not None
            verdict: str | bool | None = False
            channel = self.channels.get(row.channel)
            if channel is not None:
                candidates = await self._probe_candidates(row)
                await self._pace(row.channel, row.chat_id, len(candidates))
                try:
                    verdict = await channel.probe(row.chat_id, row.method, row.payload, candidates)
                except Exception:  # a failed probe must not stop the start-up
                    log.exception("outbox %s: probe failed", row.id)
            values: dict[str, object]
            if isinstance(verdict, str):
                values = {"status": "sent", "external_message_id": verdict, "error": None}
                values["sent_at"] = self.clock.now()
            elif verdict is None:
                values = {"status": "pending", "error": "not delivered before a stop; resent"}
            else:
                values = {"status": "unknown", "error": "stopped during the send; fate unknown"}
            async with self.sessionmaker() as session:
                # On the claim as read too: another replica may have settled this row and
                # a sender claimed it again meanwhile (a live claim, not ours to settle).
                won = await OutboxRepo(session).settle_stale(row.id, row.not_before, **values)
                await session.commit()
            if not won:
                continue
            counts[str(values["status"])] += 1
        if rows:
            log.warning("outbox rows caught mid-send (a stop, or a replica gone): %s", counts)
        return counts

    async def _probe_candidates(self, row: Outbox, span: int = 8) -> list[int]:
        """Message ids just past the newest one known in the chat, minus the known ones."""
        async with self.sessionmaker() as session:
            known = await OutboxRepo(session).known_message_ids(row.channel, row.chat_id)
        top = max(known, default=0)
        return [i for i in range(top + 1, top + 1 + span) if i not in known]

    def _limiter(self, channel: str) -> SendLimiter:
        return self.limiters.get(channel, self.limiter)

    async def _pace(self, channel: str, chat_id: str, calls: int) -> None:
        limiter = self._limiter(channel)
        for _ in range(calls):
            await limiter.acquire(chat_id, self.monotonic, per_chat=False)

    async def pass_once(self) -> float:
        if self._replicas is not False and self.monotonic() >= self._next_sweep:
            # Replicas (or not yet known): settle what a replica that died left mid-send.
            await self.recover()
        return await self.drain_once()

    async def drain_once(self) -> float:
        """Start every send that fits the limits now; return how long to wait before the next."""
        now = self.clock.now()
        # Chats whose earlier row must go first: keeps each chat in order. A chat in flight when
        # the rows are read stays held for the whole pass: its row may come back to "pending"
        # (a 429) while we go through a list that was read without it.
        held: set[str] = set(self._in_flight)
        async with self.sessionmaker() as session:
            rows = await OutboxRepo(session).heads(BATCH)
        wait = IDLE_POLL_SECONDS
        # Each channel's global room is sized here, recorded by each send as it starts (see
        # _send); claimed sends not yet started are counted against the window meanwhile.
        global_room: dict[str, int] = {}
        room = self.concurrency - self._busy
        picked: list[OutboxHead] = []
        for row in rows:
            if self._stopping or len(picked) >= room:
                break
            if row.chat_id in held:
                continue
            held.add(row.chat_id)  # one row per chat per pass: it may be back before we finish
            if row.not_before > now:
                wait = min(wait, (row.not_before - now).total_seconds())
                continue
            limiter = self._limiter(row.channel)
            if row.channel not in global_room:
                global_room[row.channel] = limiter.global_room(
                    self.monotonic()
                ) - self._unrecorded.get(row.channel, 0)
            if global_room[row.channel] <= 0:
                continue  # this channel is full for now; others may still have room
            chat_wait = limiter.chat_wait(row.chat_id, self.monotonic())
            if chat_wait > 0:
                wait = min(wait, chat_wait)
                continue
            global_room[row.channel] -= 1
            picked.append(row)
        if picked:
            for claimed in await self._claim(picked):
                self._in_flight.add(claimed.chat_id)
                self._busy += 1
                self._unrecorded[claimed.channel] = self._unrecorded.get(claimed.channel, 0) + 1
                task = asyncio.create_task(self._send(claimed))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        # When every slot is busy no timer is needed: a send whose outcome is written wakes the
        # loop.
        for channel in global_room:
            global_wait = self._limiter(channel).global_wait(self.monotonic())
            if global_wait > 0:
                wait = min(wait, global_wait)
        if len(rows) == BATCH:
            wait = min(wait, 0.05)
        return max(wait, 0.0)

    async def _claim(self, heads: list[OutboxHead]) -> list[Outbox]:
        """Claim a pass's rows in one committed transaction, before any of their API calls;
        the rows won, whole."""
        async with self.sessionmaker() as session:
            # In the order they were picked: replies before bulk, then oldest first.
            won = await OutboxRepo(session).claim([head.id for head in heads], self.clock.now())
            await session.commit()
        return won

    async def _send(self, row: Outbox) -> None:
        assert row.id is not None
        # Recorded as the call starts, not when the batch was claimed: the batch's sends start
        # one after another, and a window must hold the times Telegram will count.
        # With replicas (bot.shared_limits) the slot is taken in the windows they all share,
        # waiting here when the others filled them since this pass looked.
        try:
            await self._limiter(row.channel).acquire(row.chat_id, self.monotonic)
        finally:
            self._unrecorded[row.channel] -= 1
        attempts = row.attempts  # the claim counted this try
        values: dict[str, object]
        failed: str | None = None
        try:
            channel = self.channels.get(row.channel)
            if channel is None:
                raise PermanentError(f"no channel {row.channel!r} configured")
            external_id = await channel.send(await self._with_notice(row))
            self._channel_trouble.recovered("outbox: sends go through again")
            self.on_outcome(row.channel, "sent")
            values = {
                "status": "sent",
                "sent_at": self.clock.now(),
                "external_message_id": external_id,
                "error": None,
            }
        except RetryLater as exc:
            log.info("outbox %s: rate limited, retry in %.1fs", row.id, exc.seconds)
            self.on_outcome(row.channel, "rate_limited")
            # A 429 is not the row's fault: do not count it against the attempts.
            values = {
                "status": "pending",
                "attempts": attempts - 1,
                "error": str(exc),
                "not_before": self.clock.now() + timedelta(seconds=exc.seconds),
            }
        except Held as exc:
            log.info("outbox %s to %s held: %s", row.id, row.chat_id, exc)
            values = {"status": "held", "attempts": attempts - 1, "error": str(exc)}
        except TransientError as exc:
            self._channel_trouble.warning("outbox: sends fail (%s); they wait and retry", exc)
            if attempts >= MAX_TRANSIENT_ATTEMPTS:
                values = {"status": "failed", "error": f"gave up after {attempts} attempts: {exc}"}
            else:
                self.on_outcome(row.channel, "retry")
                values = {
                    "status": "pending",
                    "error": str(exc),
                    "not_before": self.clock.now() + timedelta(seconds=backoff_seconds(attempts)),
                }
        except SendError as exc:
            log.warning("outbox %s to %s failed permanently: %s", row.id, row.chat_id, exc)
            values = {"status": "failed", "error": str(exc)}
            failed = str(exc)
        except Exception as exc:  # a bug must not kill the sender or lose the row
            log.exception("outbox %s: unexpected error", row.id)
            values = {
                "status": "pending",
                "error": type(exc).__name__,
                "not_before": self.clock.now() + timedelta(seconds=backoff_seconds(attempts)),
            }
        try:
            await self._record(row, values, failed)
        finally:
            # Only now may the chat's next row go: its status must not be read as "sending"
            # (skipped) while a retried row is about to return to "pending" ahead of it.
            self._in_flight.discard(row.chat_id)
            self._busy -= 1
            self._wake.set()

    async def _with_notice(self, row: Outbox) -> Outbox:
        """A notice's row refers to its PDF (``notice_id``): the channels get the bytes inline
        ("b64"), read now, exactly as they were rendered when the notice was decided."""
        notice_id = row.payload.get("notice_id")
        if notice_id is None:
            return row
        async with self.sessionmaker() as session:
            notice = await session.get(Notice, int(notice_id))
        if notice is None:
            raise PermanentError(f"notice {notice_id} is gone")
        # A copy for the channel: the claimed row itself stays as stored.
        return Outbox.model_validate(
            {
                **row.model_dump(),
                "payload": {**row.payload, "b64": base64.b64encode(notice.pdf).decode()},
            }
        )

    async def _record(self, row: Outbox, values: dict[str, object], failed: str | None) -> None:
        """Queue a send's outcome and wait until it is committed.

        Outcomes that arrive while a write is under way go in the next one: one transaction
        records many sends (group commit) instead of one transaction per row.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._results.append((row, values, failed, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_results())
        await asyncio.shield(done)

    async def _write_results(self) -> None:
        while self._results:
            batch, self._results = self._results, []
            try:
                if len(batch) == 1 or not await self._write_batch(batch):
                    # One row at a time: a row whose status (or on_failed) cannot be written
                    # must not keep the others from theirs.
                    for row, values, failed, _ in batch:
                        await self._write_one(row, values, failed)
            finally:
                for *_, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _write_batch(self, batch: list[_Result]) -> bool:
        sent = [
            (row.id, values["sent_at"], values["external_message_id"])
            for row, values, _, _ in batch
            if values["status"] == "sent" and row.id is not None
        ]
        try:
            async with self.sessionmaker() as session:
                repo = OutboxRepo(session)
                # `values` holds what _send put there: the sent time and the message id.
                await repo.mark_sent(sent)  # type: ignore[arg-type]
                for row, values, failed, _ in batch:
                    if values["status"] != "sent":
                        await self._apply(session, repo, row, values, failed)
                await session.commit()
        except Exception as exc:
            if database_unavailable(exc):
                self._trouble.warning("outbox: the database is unavailable (%r)", exc)
            else:
                log.exception("outbox: recording %d statuses at once failed", len(batch))
            return False
        return True

    async def _write_one(self, row: Outbox, values: dict[str, object], failed: str | None) -> None:
        attempt = 0
        while True:
            try:
                async with self.sessionmaker() as session:
                    await self._apply(session, OutboxRepo(session), row, values, failed)
                    await session.commit()
                return
            except Exception as exc:
                # The message went out (or surely failed): losing its status would leave
                # the row "sending" until a restart settles it, so try again. While the
                # database is away that is as long as it takes (until a stop: then the next
                # start settles the row); any other error, a few times.
                if database_unavailable(exc) and not self._stopping:
                    self._trouble.warning("outbox %s: the database is unavailable: %r", row.id, exc)
                else:
                    attempt += 1
                    log.exception("outbox %s: recording its status failed", row.id)
                    if attempt >= STATUS_WRITE_ATTEMPTS:
                        return
                await asyncio.sleep(min(5.0, 0.2 * 2**attempt))

    async def _apply(
        self,
        session: AsyncSession,
        repo: OutboxRepo,
        row: Outbox,
        values: dict[str, object],
        failed: str | None,
    ) -> None:
        assert row.id is not None
        await repo.transition(row.id, "sending", **values)
        if failed is not None and self.on_failed is not None:
            # Recorded with the status: e.g. shown to the officers on the ticket.
            await self.on_failed(session, row, failed)
