"""Repositories: queries and writes on one session. They flush, never commit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import and_, bindparam, func, insert, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Citizen,
    Counter,
    FormState,
    Inbox,
    InfoRequest,
    JobRun,
    Message,
    Notice,
    Objection,
    Outbox,
    Ticket,
    UnansweredQuestion,
)
from storage.types import UtcDateTime

# A live chat in these states takes the citizen's messages (bot.core.tickets uses the same).
OPEN_TICKET_STATUSES = ("open", "assigned", "waiting")

# Seed of the chat keys' lock hashes: the inbox's own key space for advisory locks.
CHAT_LOCK_SEED = 0x4C4F4B4554


class ChatBusy(Exception):
    """Another transaction holds this chat, or an older update of it is still pending: the
    update is left pending and taken at a later pass (not a failure of the update)."""

    def __init__(self, chat_key: str) -> None:
        super().__init__(f"chat {chat_key!r} is busy")
        self.chat_key = chat_key


# Statements of the per-message path, built once with bound parameters: building a statement
# costs more CPU than SQLite takes to run it. Values go in as parameters at execution, and
# SQLAlchemy caches each statement's compiled form. They are Core statements run on the
# session's connection (in its transaction), without the ORM's unit of work.
_INBOX = Inbox.__table__  # type: ignore[attr-defined]  # SQLModel does not declare it
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]  # SQLModel does not declare it
_MESSAGE = Message.__table__  # type: ignore[attr-defined]  # SQLModel does not declare it
# Transcript and outbox rows of the per-message path are Core INSERTs run at once: building
# SQLModel objects and flushing them through the unit of work cost several times the INSERT.
# Every execution passes the same keys, so one compiled form serves them all.
_MESSAGE_INSERT = insert(_MESSAGE).returning(_MESSAGE.c.id)
_MESSAGE_TICKET = (
    update(_MESSAGE).where(_MESSAGE.c.id == bindparam("row_id")).values(ticket_id=bindparam("tid"))
)
_OUTBOX_INSERT = insert(_OUTBOX)
_CITIZEN_WHERE = (
    col(Citizen.channel) == bindparam("channel"),
    col(Citizen.external_id) == bindparam("external_id"),
)
_CITIZEN = select(Citizen).where(*_CITIZEN_WHERE)
# What every message needs to know of its sender besides the citizen row itself.
_CITIZEN_CONTEXT = (
    # Its inbound messages since a moment (flood control).
    select(func.count())
    .where(
        col(Message.citizen_id) == col(Citizen.id),
        col(Message.direction) == "in",
        col(Message.created_at) > bindparam("since"),
    )
    .correlate(Citizen)
    .scalar_subquery(),
    # Whether a form is open: nearly always not, and then the desk needs no query for it.
    select(col(FormState.id))
    .where(col(FormState.citizen_id) == col(Citizen.id))
    .correlate(Citizen)
    .exists(),
    # Whether a live chat is open, or closed by an officer recently enough to reopen: the
    # same, for the two ticket lookups every message would otherwise need.
    select(col(Ticket.id))
    .where(
        col(Ticket.citizen_id) == col(Citizen.id),
        col(Ticket.kind) == bindparam("ticket_kind"),
        or_(
            col(Ticket.status).in_(OPEN_TICKET_STATUSES),
            and_(
                col(Ticket.status) == "closed",
                col(Ticket.close_reason) == "officer",
                col(Ticket.closed_at) >= bindparam("reopen_since", type_=UtcDateTime),
            ),
        ),
    )
    .correlate(Citizen)
    .exists(),
)
_CITIZEN_WITH_RECENT = select(Citizen, *_CITIZEN_CONTEXT).where(*_CITIZEN_WHERE)
# What the worker decides on, without the payloads: most rows it reads are in hand already.
_INBOX_HEADS = (
    select(_INBOX.c.id, _INBOX.c.channel, _INBOX.c.chat_key, _INBOX.c.not_before)
    .where(_INBOX.c.status == "pending")
    .order_by(_INBOX.c.id)
    .limit(bindparam("n"))
)
_INBOX_TAKE = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("row_id"), _INBOX.c.status == "pending")
    .values(status="done", handled_at=bindparam("now", type_=_INBOX.c.handled_at.type), error=None)
)
_INBOX_OLDER = _INBOX.alias("older")
# The chat's lock key: a 64-bit hash of the chat key (PostgreSQL's own, stable across its
# versions), namespaced so that no other advisory lock of the app can collide with a chat.
_INBOX_CHAT_LOCK = select(
    _INBOX.c.chat_key,
    func.pg_try_advisory_xact_lock(func.hashtextextended(_INBOX.c.chat_key, CHAT_LOCK_SEED)),
).where(_INBOX.c.id == bindparam("row_id"), _INBOX.c.status == "pending")
_INBOX_TAKE_OLDEST = _INBOX_TAKE.where(
    ~select(_INBOX_OLDER.c.id)
    .where(
        _INBOX_OLDER.c.chat_key == _INBOX.c.chat_key,
        _INBOX_OLDER.c.status == "pending",
        _INBOX_OLDER.c.id < _INBOX.c.id,
    )
    .exists()
)
_INBOX_STATUS = select(_INBOX.c.status).where(_INBOX.c.id == bindparam("row_id"))
# What the sender decides on, without the payloads: most rows it reads wait for their turn.
_OUTBOX_HEADS = (
    select(_OUTBOX.c.id, _OUTBOX.c.channel, _OUTBOX.c.chat_id, _OUTBOX.c.not_before)
    .where(_OUTBOX.c.status == "pending")
    .order_by(_OUTBOX.c.priority, _OUTBOX.c.id)
    .limit(bindparam("n"))
)
_OUTBOX_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == "sending")
    .values(
        status="sent",
        sent_at=bindparam("at", type_=_OUTBOX.c.sent_at.type),
        external_message_id=bindparam("ext"),
        error=None,
    )
)


def office_clause(office: str | None, takes_unrouted: bool = False) -> Any:
    """Which tickets an office's service works on: all (no network), its own, and, for the
    network's first office, also those from before the network (office NULL), which
    ``Network.for_ticket`` routes to it, so their escalations and queue are not lost."""
    if office is None:
        return sa.true()
    own = col(Ticket.office) == office
    return or_(own, col(Ticket.office).is_(None)) if takes_unrouted else own


def citizen_office_clause(office: str, takes_unrouted: bool = False) -> Any:
    """The same for citizens (their questions): the office's own, and for the network's first
    office also those without one (from before the network)."""
    own = col(Citizen.office) == office
    return or_(own, col(Citizen.office).is_(None)) if takes_unrouted else own


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, for ON CONFLICT clauses (both backends have them)."""
    assert session.bind is not None  # the app's sessions are bound to its engine
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def next_number(session: AsyncSession, prefix: str, year: int) -> str:
    """{prefix}-{yyyy}-{seq:06d}; the counter row is bumped atomically, so a number is never
    issued twice, even by two replicas at once (the upsert locks the row until commit)."""
    name = f"{prefix}-{year}"
    stmt = (
        _insert(session)(Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    value = (await session.exec(stmt)).scalar_one()
    return f"{name}-{value:06d}"


async def claim_job(session: AsyncSession, job: str, key: str, now: datetime) -> bool:
    """True once per (job, key): the unique key refuses a second claim."""
    stmt = (
        _insert(session)(JobRun)
        .values(job=job, key=key, at=now)
        .on_conflict_do_nothing(index_elements=["job", "key"])
    )
    result = await session.exec(stmt)
    return bool(result.rowcount)


async def claim_version(session: AsyncSession, job: str, key: str, now: datetime) -> bool:
    """True once per version ``key`` (a digest of files) of ``job``: the first replica to
    claim a version sends its notice. Claimed, it drops the job's other versions, so going
    back to one of them later is a new change again. Known limit: two saves within one poll
    interval, one replica still on the first, may announce the first after the second (the
    files in service are right; only the notice is late and may repeat)."""
    if not await claim_job(session, job, key, now):
        return False
    await session.exec(
        sa.delete(JobRun)
        .where(col(JobRun.job) == job, col(JobRun.key) != key)
        .execution_options(synchronize_session=False)
    )
    return True


# last_seen_at is kept to this resolution: a citizen writing several messages a minute does
# not cost an UPDATE of the citizen row for each of them.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


# Delivery reports in the order they can follow each other; "failed" may end any of them.
DELIVERY_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


class Seen(NamedTuple):
    """What every inbound message needs to know of its sender, read in one statement."""

    citizen: Citizen
    # Its inbound messages since ``inbound_since`` (0 without it).
    recent: int
    # Whether a form / a live chat (open, or reopenable) is open; None when not asked.
    has_form: bool | None
    has_chat: bool | None


class InboxHead(NamedTuple):
    id: int
    channel: str
    chat_key: str
    not_before: datetime


class OutboxHead(NamedTuple):
    id: int
    channel: str
    chat_id: str
    not_before: datetime


class CitizenRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(
        self,
        *,
        channel: str,
        external_id: str,
        name: str,
        username: str | None,
        language: str | None,
        now: datetime,
        inbound_since: datetime | None = None,
        ticket_kind: str = "",
        reopen_since: datetime | None = None,
    ) -> Seen:
        """The citizen (created on first contact), and with ``inbound_since`` its inbound
        messages since then, whether it has a form open and whether it has a live chat of
        ``ticket_kind`` open or closed by an officer since ``reopen_since``."""
        params: dict[str, Any] = {"channel": channel, "external_id": external_id}
        if inbound_since is None:
            citizen = (await self.session.exec(_CITIZEN, params=params)).first()
            recent, has_form, has_chat = 0, None, None
        else:
            params["since"] = inbound_since
            params["ticket_kind"] = ticket_kind
            params["reopen_since"] = reopen_since or now
            found = (await self.session.exec(_CITIZEN_WITH_RECENT, params=params)).first()
            citizen, recent, has_form, has_chat = (
                found if found is not None else (None, 0, False, False)
            )
        if citizen is None:
            citizen = Citizen(
                channel=channel,
                external_id=external_id,
                name=name,
                username=username,
                language=language or "id",
                created_at=now,
                last_seen_at=now,
            )
            self.session.add(citizen)
            await self.session.flush()  # its id is needed at once
            known = inbound_since is not None
            return Seen(citizen, 0, False if known else None, False if known else None)
        # Assigned only when changed: an unchanged citizen costs no UPDATE; the flush of the
        # caller's next statement or commit writes a change.
        if name and citizen.name != name:
            citizen.name = name
        if citizen.username != username:
            citizen.username = username
        if now - citizen.last_seen_at >= LAST_SEEN_RESOLUTION:
            citizen.last_seen_at = now
        return Seen(
            citizen,
            int(recent or 0),
            None if has_form is None else bool(has_form),
            None if has_chat is None else bool(has_chat),
        )


class MessageRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def write(
        self,
        *,
        citizen_id: int,
        channel: str,
        direction: str,
        created_at: datetime,
        kind: str = "text",
        text: str = "",
        media_ref: str | None = None,
        external_id: str | None = None,
        faq_entry_id: str | None = None,
        faq_score: float | None = None,
        ticket_id: int | None = None,
        author_id: int | None = None,
    ) -> int:
        """Insert a transcript row now, without an ORM object; its id.

        Rows written this way take their ids in call order, ahead of anything the session
        still holds for its next flush."""
        values = {
            "citizen_id": citizen_id,
            "channel": channel,
            "direction": direction,
            "kind": kind,
            "text": text,
            "media_ref": media_ref,
            "external_id": external_id,
            "faq_entry_id": faq_entry_id,
            "faq_score": faq_score,
            "ticket_id": ticket_id,
            "author_id": author_id,
            "created_at": created_at,
        }
        conn = await self.session.connection()
        return int((await conn.execute(_MESSAGE_INSERT, values)).scalar_one())

    async def set_ticket(self, message_id: int, ticket_id: int | None) -> None:
        conn = await self.session.connection()
        await conn.execute(_MESSAGE_TICKET, {"row_id": message_id, "tid": ticket_id})

    async def transcript(self, citizen_id: int) -> Sequence[Message]:
        stmt = (
            select(Message)
            .where(Message.citizen_id == citizen_id)
            .order_by(col(Message.created_at), col(Message.id))
        )
        return (await self.session.exec(stmt)).all()


class InboxRepo:
    """Inbound updates: stored on receipt, taken once by the transaction that handles them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store(self, rows: Sequence[dict[str, Any]], now: datetime) -> int:
        """Insert updates received at ``now``, ignoring ones already stored; returns how many
        were new.

        INSERT ... ON CONFLICT DO NOTHING: a redelivered or concurrent duplicate inserts
        nothing, on both backends, without an exception that would spoil the transaction.
        """
        if not rows:
            return 0
        table = Inbox.__table__  # type: ignore[attr-defined]  # SQLModel does not declare it
        stmt = (
            _insert(self.session)(table)
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(table.c.id)
        )
        # Rows as parameters, not in .values(): one cached statement whatever the batch size
        # (SQLAlchemy sends it as multi-row INSERTs), instead of compiling one per batch.
        conn = await self.session.connection()
        stamped = [{"received_at": now, "not_before": now, **row} for row in rows]
        return len((await conn.execute(stmt, stamped)).all())

    async def pending(self, limit: int) -> Sequence[Inbox]:
        stmt = select(Inbox).where(Inbox.status == "pending").order_by(col(Inbox.id)).limit(limit)
        return (await self.session.exec(stmt)).all()

    async def heads(self, limit: int) -> list[InboxHead]:
        """``pending`` without the payloads: enough to choose what to handle now."""
        conn = await self.session.connection()
        return [InboxHead(*row) for row in await conn.execute(_INBOX_HEADS, {"n": limit})]

    async def by_ids(self, row_ids: Sequence[int]) -> list[Inbox]:
        """The rows, whole, in id order."""
        if not row_ids:
            return []
        stmt = select(Inbox).where(col(Inbox.id).in_(row_ids)).order_by(col(Inbox.id))
        return list((await self.session.exec(stmt)).all())

    async def take(self, row_id: int, now: datetime) -> bool:
        """Mark the row done inside the handling transaction; False if it was taken already.

        On SQLite (one process) the write lock serializes takers and the worker keeps each
        chat's order in memory. On PostgreSQL several replicas drain one inbox, so the take
        first holds the chat: a transaction-scoped advisory lock on the chat key, held until
        this transaction commits or rolls back, then the row must still be pending and be its
        chat's oldest pending row. When another replica holds the chat, or an older update of
        the chat is still pending, ``ChatBusy`` is raised: the row is left as it is, for a
        later pass (see bot.inbox).
        """
        # Core on the session's connection: the ORM's bulk-update machinery costs more than
        # the statement itself, on every update handled.
        conn = await self.session.connection()
        if conn.dialect.name != "postgresql":
            result = await conn.execute(_INBOX_TAKE, {"row_id": row_id, "now": now})
            return bool(result.rowcount)
        found = (await conn.execute(_INBOX_CHAT_LOCK, {"row_id": row_id})).first()
        if found is None:
            return False  # done (or set aside) already
        chat_key, locked = found
        if not locked:
            raise ChatBusy(chat_key)
        # A statement after the lock: it sees what the chat's previous holder committed.
        result = await conn.execute(_INBOX_TAKE_OLDEST, {"row_id": row_id, "now": now})
        if result.rowcount:
            return True
        status = (await conn.execute(_INBOX_STATUS, {"row_id": row_id})).scalar()
        if status == "pending":
            raise ChatBusy(chat_key)  # an older update of this chat goes first
        return False

    async def record_failure(
        self, row_id: int, *, attempts: int, error: str, retry_at: datetime | None
    ) -> None:
        values: dict[str, Any] = {"attempts": attempts, "error": error[:2000]}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["not_before"] = retry_at
        stmt = update(Inbox).where(col(Inbox.id) == row_id, col(Inbox.status) == "pending")
        await self.session.exec(stmt.values(**values))

    async def set_aside(self, rows: Sequence[dict[str, Any]], now: datetime) -> int:
        """Store updates that cannot be handled (they do not parse) as failed, each with its
        ``error``: kept for `loket inbox failed/show/retry`, never handed to a handler."""
        return await self.store(
            [{**row, "status": "failed", "error": str(row["error"])[:2000]} for row in rows], now
        )

    async def failed(self, limit: int = 1000) -> Sequence[Inbox]:
        """Rows set aside, oldest first."""
        stmt = select(Inbox).where(col(Inbox.status) == "failed").order_by(col(Inbox.id))
        return (await self.session.exec(stmt.limit(limit))).all()

    async def count_failed(self) -> int:
        stmt = select(func.count()).select_from(Inbox).where(col(Inbox.status) == "failed")
        return int((await self.session.exec(stmt)).one())

    async def get(self, row_id: int) -> Inbox | None:
        return await self.session.get(Inbox, row_id)

    async def retry(self, row_ids: Sequence[int] | None, now: datetime) -> list[int]:
        """Hand rows set aside back to the worker (all of them with ``None``), with fresh
        attempts; the ids of those that were set aside and now are pending again."""
        stmt = update(Inbox).where(col(Inbox.status) == "failed")
        if row_ids is not None:
            stmt = stmt.where(col(Inbox.id).in_(list(row_ids)))
        stmt = stmt.values(status="pending", attempts=0, not_before=now, error=None)
        result = await self.session.exec(stmt.returning(col(Inbox.id)))
        return sorted(int(row_id) for row_id in result.scalars().all())


async def claim_notice(session: AsyncSession, job: str, now: datetime, every: timedelta) -> bool:
    """True at most once per ``every`` for ``job`` (its last time is one job_run row, moved
    forward by an atomic upsert): a notice that must not repeat more often, whatever process
    or replica asks."""
    table = JobRun.__table__  # type: ignore[attr-defined]
    stmt = (
        _insert(session)(JobRun)
        .values(job=job, key="last", at=now)
        .on_conflict_do_update(
            index_elements=["job", "key"],
            set_={"at": now},
            where=table.c.at <= now - every,
        )
    )
    result = await session.exec(stmt)
    return bool(result.rowcount)


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def write(
        self,
        *,
        channel: str,
        chat_id: str,
        method: str,
        payload: dict[str, Any],
        priority: int,
        now: datetime,
        thread_id: int | None = None,
        message_id: int | None = None,
        ticket_id: int | None = None,
    ) -> None:
        """Insert a pending row now, without an ORM object (rows of one chat are sent in id
        order, so every writer of a chat's rows must write them in the order they are made)."""
        values = {
            "channel": channel,
            "chat_id": chat_id,
            "thread_id": thread_id,
            "method": method,
            "payload": payload,
            "priority": priority,
            "status": "pending",
            "attempts": 0,
            "not_before": now,
            "created_at": now,
            "message_id": message_id,
            "ticket_id": ticket_id,
        }
        conn = await self.session.connection()
        await conn.execute(_OUTBOX_INSERT, values)

    async def in_status(
        self, status: str, *, claimed_before: datetime | None = None
    ) -> Sequence[Outbox]:
        """Rows in ``status``; with ``claimed_before``, only "sending" rows claimed before it
        (their ``not_before`` is the claim's time, see ``claim``)."""
        stmt = select(Outbox).where(Outbox.status == status).order_by(col(Outbox.id))
        if claimed_before is not None:
            stmt = stmt.where(col(Outbox.not_before) < claimed_before)
        return (await self.session.exec(stmt)).all()

    async def known_message_ids(self, channel: str, chat_id: str, recent: int = 200) -> set[int]:
        """Recent platform message ids in a chat: what we sent and what the citizen sent."""
        sent = select(Outbox.external_message_id).where(
            Outbox.channel == channel,
            Outbox.chat_id == chat_id,
            col(Outbox.external_message_id).is_not(None),
        )
        sent = sent.order_by(col(Outbox.id).desc()).limit(recent)
        received = (
            select(Message.external_id)
            .join(Citizen, col(Citizen.id) == col(Message.citizen_id))
            .where(
                Citizen.channel == channel,
                Citizen.external_id == chat_id,
                col(Message.external_id).is_not(None),
            )
            .order_by(col(Message.id).desc())
            .limit(recent)
        )
        ids = set()
        for stmt in (sent, received):
            for value in (await self.session.exec(stmt)).all():
                if value is not None and value.isdigit():
                    ids.add(int(value))
        return ids

    async def heads(self, limit: int) -> list[OutboxHead]:
        """``pending`` without the payloads: enough to choose what to send now."""
        conn = await self.session.connection()
        return [OutboxHead(*row) for row in await conn.execute(_OUTBOX_HEADS, {"n": limit})]

    async def claim(self, row_ids: Sequence[int], now: datetime | None = None) -> list[Outbox]:
        """pending -> sending for many rows in one statement; the rows this caller won, as
        they are now (``attempts`` already counts this try), in the order of ``row_ids``.

        The same compare-and-set as ``transition``, for the whole batch: a send costs one
        shared UPDATE instead of a transaction of its own. With ``now``, a row's
        ``not_before`` becomes the time of its claim (a row in "sending" waits for nothing):
        ``in_status(..., claimed_before=)`` finds the claims of a replica that died.

        On PostgreSQL, where several replicas send, a row is not claimed while another row
        of its chat is "sending": a chat's messages leave in order whichever replica sends.
        """
        if not row_ids:
            return []
        stmt = (
            update(Outbox)
            .where(col(Outbox.id).in_(row_ids), col(Outbox.status) == "pending")
            .values(status="sending", attempts=col(Outbox.attempts) + 1)
            .returning(Outbox)
        )
        if now is not None:
            stmt = stmt.values(not_before=now)
        assert self.session.bind is not None
        if self.session.bind.dialect.name == "postgresql":
            other = _OUTBOX.alias("in_flight")
            stmt = stmt.where(
                ~select(other.c.id)
                .where(
                    other.c.channel == col(Outbox.channel),
                    other.c.chat_id == col(Outbox.chat_id),
                    other.c.status == "sending",
                )
                .exists()
            )
        # An ORM UPDATE ... RETURNING: the rows come back as Outbox objects as they are now.
        result = await self.session.exec(stmt, execution_options={"synchronize_session": False})
        won = list(result.scalars().all())
        order = {row_id: n for n, row_id in enumerate(row_ids)}
        return sorted(won, key=lambda row: order[row.id])

    async def mark_sent(self, rows: Sequence[tuple[int, datetime, str | None]]) -> None:
        """sending -> sent for many (id, sent_at, external message id) in one executemany."""
        if not rows:
            return
        conn = await self.session.connection()
        await conn.execute(
            _OUTBOX_SENT, [{"row_id": i, "at": at, "ext": ext} for i, at, ext in rows]
        )

    async def transition(self, row_id: int, from_status: str, **values: Any) -> bool:
        """Compare-and-set on status: only one worker (or replica) wins a row."""
        stmt = (
            update(Outbox)
            .where(col(Outbox.id) == row_id, col(Outbox.status) == from_status)
            .values(**values)
        )
        result = await self.session.exec(stmt)
        return bool(result.rowcount)

    async def settle_stale(self, row_id: int, claimed_at: datetime, **values: Any) -> bool:
        """``transition`` from "sending" that also compares the claim's stamp (``not_before``)
        as read: a replica settling a stale claim must not touch the row once another one
        settled it and a sender claimed it afresh (that claim is alive)."""
        stmt = (
            update(Outbox)
            .where(
                col(Outbox.id) == row_id,
                col(Outbox.status) == "sending",
                col(Outbox.not_before) == claimed_at,
            )
            .values(**values)
        )
        result = await self.session.exec(stmt)
        return bool(result.rowcount)

    async def has_held(self, channel: str, chat_id: str) -> bool:
        stmt = (
            select(Outbox.id)
            .where(Outbox.channel == channel, Outbox.chat_id == chat_id, Outbox.status == "held")
            .limit(1)
        )
        return (await self.session.exec(stmt)).first() is not None

    async def release_held(self, channel: str, chat_id: str, now: datetime) -> int:
        """The citizen wrote again (their window is open): held rows go out, oldest first."""
        stmt = (
            update(Outbox)
            .where(
                col(Outbox.channel) == channel,
                col(Outbox.chat_id) == chat_id,
                col(Outbox.status) == "held",
            )
            .values(status="pending", not_before=now)
        )
        result = await self.session.exec(stmt)
        return int(result.rowcount or 0)

    @staticmethod
    def record_delivery(row: Outbox, state: str, at: datetime, error: str | None = None) -> bool:
        """A platform's delivery report on a sent row; reports only move it forward (a late
        "delivered" after "read" changes nothing). True when the row changed."""
        if DELIVERY_RANK.get(state, 0) <= DELIVERY_RANK.get(row.delivery_status or "", 0):
            return False
        row.delivery_status = state
        row.delivery_at = at
        if error is not None:
            row.error = error
        return True

    async def by_external_id(self, channel: str, chat_id: str, external_id: str) -> Outbox | None:
        stmt = select(Outbox).where(
            Outbox.channel == channel,
            Outbox.chat_id == chat_id,
            Outbox.external_message_id == external_id,
        )
        return (await self.session.exec(stmt)).first()


class UnansweredRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, question: UnansweredQuestion) -> UnansweredQuestion:
        self.session.add(question)
        await self.session.flush()
        return question

    async def since(self, when: datetime) -> Sequence[UnansweredQuestion]:
        stmt = select(UnansweredQuestion).where(UnansweredQuestion.created_at >= when)
        return (await self.session.exec(stmt)).all()

    async def last_of(self, citizen_id: int) -> UnansweredQuestion | None:
        """The citizen's most recent unanswered question."""
        stmt = (
            select(UnansweredQuestion)
            .where(UnansweredQuestion.citizen_id == citizen_id)
            .order_by(col(UnansweredQuestion.created_at).desc(), col(UnansweredQuestion.id).desc())
            .limit(1)
        )
        return (await self.session.exec(stmt)).first()

    async def taught(self) -> Sequence[UnansweredQuestion]:
        """Every question an officer answered with an FAQ entry, oldest first."""
        stmt = (
            select(UnansweredQuestion)
            .where(col(UnansweredQuestion.taught_entry_id).is_not(None))
            .order_by(col(UnansweredQuestion.id))
        )
        return (await self.session.exec(stmt)).all()


# Rows whose payload [retention] already cleared hold an empty JSON object.
_EMPTY_JSON = "{}"


def _has_payload(column: Any) -> Any:
    return sa.cast(column, sa.Text) != _EMPTY_JSON


class RetentionRepo:
    """The queries of the retention purge (UU 27/2022). Each takes ``apply``: False counts what
    would go and changes nothing (``loket purge --dry-run``)."""

    # Outbox rows that will not be sent (again): sent, given up, or of unknown fate.
    OUTBOX_DONE = ("sent", "failed", "unknown")
    # Inbound updates handled, or given up after their attempts.
    INBOX_DONE = ("done", "failed")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _count_or_update(self, table: Any, where: Any, values: Any, apply: bool) -> int:
        if not apply:
            count = select(func.count()).select_from(table).where(where)
            return int((await self.session.exec(count)).one())
        # Bulk UPDATE by criteria: no object of these rows is loaded, none to synchronize.
        change = update(table).where(where).values(values)
        result = await self.session.exec(change.execution_options(synchronize_session=False))
        return int(result.rowcount)

    async def inbox_payloads(self, cutoff: datetime, apply: bool) -> int:
        """Payloads (the raw update: names, texts, file ids) of updates received at or before
        ``cutoff`` and no longer to be handled; the row stays as the update's idempotency key."""
        where = and_(
            col(Inbox.status).in_(self.INBOX_DONE),
            col(Inbox.received_at) <= cutoff,
            _has_payload(col(Inbox.payload)),
        )
        return await self._count_or_update(Inbox, where, {"payload": {}}, apply)

    async def outbox_payloads(self, cutoff: datetime, apply: bool) -> tuple[int, int]:
        """Payloads of rows written at or before ``cutoff`` that will not be sent again, and the
        notices (PDFs) they referred to: (payloads, notices). The row stays: the platform's
        message id, status and delivery receipts are the sends' bookkeeping."""
        where = and_(
            col(Outbox.status).in_(self.OUTBOX_DONE),
            col(Outbox.created_at) <= cutoff,
            _has_payload(col(Outbox.payload)),
        )
        documents = select(Outbox.payload).where(where, col(Outbox.method) == "document")
        notice_ids = {
            int(payload["notice_id"])
            for payload in (await self.session.exec(documents)).all()
            if isinstance(payload, dict) and payload.get("notice_id") is not None
        }
        notices = 0
        if notice_ids:
            notice_where = col(Notice.id).in_(notice_ids)
            if apply:
                result = await self.session.exec(
                    sa.delete(Notice)
                    .where(notice_where)
                    .execution_options(synchronize_session=False)
                )
                notices = int(result.rowcount)
            else:
                stmt = select(func.count()).select_from(Notice).where(notice_where)
                notices = int((await self.session.exec(stmt)).one())
        payloads = await self._count_or_update(Outbox, where, {"payload": {}}, apply)
        return payloads, notices

    async def transcripts(self, cutoff: datetime, ticket_kind: str, apply: bool) -> tuple[int, int]:
        """Message text and file references of live chats (tickets of ``ticket_kind``) closed
        at or before ``cutoff``, and of messages in no ticket (FAQ answers, form steps) written
        at or before it: (messages, tickets). Rows, times, directions and
        kinds stay, and so do the tickets' times, ratings and counts the reports use; the
        ticket's subject (the citizen's first message) is cleared."""
        old_chats = (
            select(col(Ticket.id))
            .where(
                col(Ticket.kind) == ticket_kind,
                col(Ticket.status) == "closed",
                col(Ticket.closed_at) <= cutoff,
            )
            .scalar_subquery()
        )
        has_content = or_(col(Message.text) != "", col(Message.media_ref).is_not(None))
        messages_where = and_(
            has_content,
            or_(
                col(Message.ticket_id).in_(old_chats),
                and_(col(Message.ticket_id).is_(None), col(Message.created_at) <= cutoff),
            ),
        )
        messages = await self._count_or_update(
            Message, messages_where, {"text": "", "media_ref": None}, apply
        )
        tickets_where = and_(col(Ticket.id).in_(old_chats), col(Ticket.subject) != "")
        tickets = await self._count_or_update(Ticket, tickets_where, {"subject": ""}, apply)
        return messages, tickets

    async def identities_kept(self) -> list[tuple[InfoRequest, Ticket, list[Objection]]]:
        """Requests whose NIK and scan are still held, with their ticket and objections."""
        stmt = (
            select(InfoRequest, Ticket)
            .join(Ticket, col(Ticket.id) == col(InfoRequest.ticket_id))
            .where(col(InfoRequest.identity_purged_at).is_(None))
            .order_by(col(InfoRequest.id))
        )
        rows = (await self.session.exec(stmt)).all()
        ids = [r.id for r, _ in rows]
        objections: dict[int, list[Objection]] = {}
        if ids:
            found = await self.session.exec(
                select(Objection).where(col(Objection.request_id).in_(ids))
            )
            for objection in found.all():
                objections.setdefault(objection.request_id, []).append(objection)
        return [(r, tk, objections.get(r.id or 0, [])) for r, tk in rows]

    async def purge_identity(
        self, request: InfoRequest, ticket: Ticket, masked: str, now: datetime
    ) -> None:
        """Replace the NIK by ``masked`` and drop the scan's file reference, in the request and
        in the requester's own messages (the form's answers)."""
        digits = re.sub(r"\D", "", request.id_number)
        if len(digits) > 4:
            # As typed: the form accepts spaces, dots and dashes between the digits.
            typed = re.compile(r"[\s.\-]*".join(map(re.escape, digits)))
            stmt = select(Message).where(
                col(Message.citizen_id) == ticket.citizen_id,
                col(Message.direction) == "in",
                col(Message.text).contains(digits[-1]),
            )
            for message in (await self.session.exec(stmt)).all():
                text = typed.sub(masked, message.text)
                if text != message.text:
                    message.text = text
                    self.session.add(message)
        if request.id_document_file_id:
            await self.session.exec(
                update(Message)
                .where(
                    col(Message.citizen_id) == ticket.citizen_id,
                    col(Message.media_ref) == request.id_document_file_id,
                )
                .values(media_ref=None)
                .execution_options(synchronize_session=False)
            )
        request.id_number = masked
        request.id_document_file_id = None
        request.identity_purged_at = now
        self.session.add(request)
