"""Repositories: queries and writes on one session. They flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, insert, inspect, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.fast import FastStatement, raw_connection
from storage.models import (
    Citizen,
    Counter,
    FormState,
    Inbox,
    JobRun,
    Message,
    Outbox,
    Ticket,
    UnansweredQuestion,
)
from storage.types import UtcDateTime

# A live chat in these states takes the citizen's messages (bot.core.tickets uses the same).
OPEN_TICKET_STATUSES = ("open", "assigned", "waiting")

# Statements of the per-message path, built once with bound parameters: building a statement
# and computing its cache key cost more CPU than SQLite takes to run it. Values go in as
# parameters at execution.
_INBOX = Inbox.__table__  # type: ignore[attr-defined]
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
_MESSAGE = Message.__table__  # type: ignore[attr-defined]
# Transcript and outbox rows of the per-message path are Core INSERTs run at once: building
# SQLModel objects and flushing them through the unit of work cost several times the INSERT.
# Every execution passes the same keys, so one compiled form serves them all.
_MESSAGE_INSERT = FastStatement(insert(_MESSAGE).returning(_MESSAGE.c.id))
_MESSAGE_TICKET = FastStatement(
    update(_MESSAGE).where(_MESSAGE.c.id == bindparam("row_id")).values(ticket_id=bindparam("tid"))
)
_OUTBOX_INSERT = FastStatement(insert(_OUTBOX))
_CITIZEN_WHERE = (
    col(Citizen.channel) == bindparam("channel"),
    col(Citizen.external_id) == bindparam("external_id"),
)
_CITIZEN = select(Citizen).where(*_CITIZEN_WHERE)
# What every message needs to know of its sender besides the citizen row itself.
_CITIZEN_CONTEXT = (
    select(func.count())
    .where(
        col(Message.citizen_id) == col(Citizen.id),
        col(Message.direction) == "in",
        col(Message.created_at) > bindparam("since"),
    )
    .correlate(Citizen)  # type: ignore[arg-type]
    .scalar_subquery(),
    # Whether a form is open: nearly always not, and then the desk needs no query for it.
    select(col(FormState.id))
    .where(col(FormState.citizen_id) == col(Citizen.id))
    .correlate(Citizen)  # type: ignore[arg-type]
    .exists(),
    # Whether a live chat is open, or closed by an officer recently enough to reopen: the
    # same, for the two ticket lookups every message would otherwise need.
    select(col(Ticket.id))
    .where(
        col(Ticket.citizen_id) == col(Citizen.id),
        col(Ticket.kind) == bindparam("ticket_kind"),
        or_(
            # Not IN (...): an IN list is rendered per execution, the fast path needs one SQL.
            *(col(Ticket.status) == status for status in OPEN_TICKET_STATUSES),
            and_(
                col(Ticket.status) == "closed",
                col(Ticket.close_reason) == "officer",
                col(Ticket.closed_at) >= bindparam("reopen_since", type_=UtcDateTime),
            ),
        ),
    )
    .correlate(Citizen)  # type: ignore[arg-type]
    .exists(),
)
_CITIZEN_WITH_RECENT = select(Citizen, *_CITIZEN_CONTEXT).where(*_CITIZEN_WHERE)


class _Loaded:
    """Rows of a table read by the fast path (storage.fast) into model objects the way a
    query's loading builds them (no __init__), detached: the pumps only read them."""

    def __init__(self, model: type[Any]) -> None:
        mapper = inspect(model)
        self.columns = tuple(model.__table__.c)
        self.keys = tuple(mapper.get_property_by_column(c).key for c in self.columns)
        self.manager = mapper.class_manager
        self._configured = False

    def object(self, row: Sequence[Any]) -> Any:
        if not self._configured:
            # What a query or a constructor would have done first: mappers set up for use.
            configure_mappers()
            self._configured = True
        obj = self.manager.new_instance()
        obj.__dict__.update(zip(self.keys, row, strict=True))
        make_transient_to_detached(obj)
        return obj

    def objects(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        return [self.object(row) for row in rows]


_CITIZEN_LOADED = _Loaded(Citizen)
# _CITIZEN_WITH_RECENT as plain columns, for the fast path, which builds the Citizen itself.
_CITIZEN_ROW = FastStatement(
    select(*_CITIZEN_LOADED.columns, *_CITIZEN_CONTEXT).where(*_CITIZEN_WHERE)
)
_INBOX_LOADED = _Loaded(Inbox)
_OUTBOX_LOADED = _Loaded(Outbox)
_INBOX_PENDING = FastStatement(
    select(*_INBOX_LOADED.columns)
    .where(_INBOX.c.status == "pending")
    .order_by(_INBOX.c.id)
    .limit(bindparam("n"))
)
# What the worker decides on, without the payloads: most rows it reads are in hand already.
_INBOX_HEADS = FastStatement(
    select(_INBOX.c.id, _INBOX.c.channel, _INBOX.c.chat_key, _INBOX.c.not_before)
    .where(_INBOX.c.status == "pending")
    .order_by(_INBOX.c.id)
    .limit(bindparam("n"))
)
_INBOX_BY_IDS = (
    select(*_INBOX_LOADED.columns)
    .where(_INBOX.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_INBOX.c.id)
)
_INBOX_TAKE = FastStatement(
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("row_id"), _INBOX.c.status == "pending")
    .values(status="done", handled_at=bindparam("now", type_=_INBOX.c.handled_at.type), error=None)
)
# What the sender decides on, without the payloads: most rows it reads wait for their turn.
_OUTBOX_HEADS = FastStatement(
    select(_OUTBOX.c.id, _OUTBOX.c.channel, _OUTBOX.c.chat_id, _OUTBOX.c.not_before)
    .where(_OUTBOX.c.status == "pending")
    .order_by(_OUTBOX.c.priority, _OUTBOX.c.id)
    .limit(bindparam("n"))
)
_OUTBOX_CLAIM = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.status == "pending")
    .values(status="sending", attempts=_OUTBOX.c.attempts + 1)
    .returning(*_OUTBOX_LOADED.columns)
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


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, for ON CONFLICT clauses (both backends have them)."""
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
    value = (await session.exec(stmt)).scalar_one()  # type: ignore[call-overload]
    return f"{name}-{value:06d}"


async def claim_job(session: AsyncSession, job: str, key: str, now: datetime) -> bool:
    """True once per (job, key): the unique key refuses a second claim."""
    stmt = (
        _insert(session)(JobRun)
        .values(job=job, key=key, at=now)
        .on_conflict_do_nothing(index_elements=["job", "key"])
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return bool(result.rowcount)


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
            found = await self._context(params)
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

    async def _context(self, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The citizen with its context; the row read on SQLite's connection directly when the
        session holds nothing to flush first (what a query through the session would do)."""
        sync = self.session.sync_session
        if sync.new or sync.dirty or sync.deleted or await raw_connection(self.session) is None:
            return (await self.session.exec(_CITIZEN_WITH_RECENT, params=params)).first()
        row = (await _CITIZEN_ROW.run(self.session, params)).first()
        if row is None:
            return None
        width = len(_CITIZEN_LOADED.columns)
        key = sync.identity_key(Citizen, row[0])
        citizen = sync.identity_map.get(key)
        if citizen is None:
            # Built the way a query's loading builds it (no __init__, values straight into the
            # instance's state), then made persistent in the session with no pending change.
            citizen = _CITIZEN_LOADED.object(row[:width])
            sync.add(citizen)
        return (citizen, *row[width:])


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
        (row,) = (await _MESSAGE_INSERT.run(self.session, values)).rows
        return int(row[0])

    async def set_ticket(self, message_id: int, ticket_id: int | None) -> None:
        await _MESSAGE_TICKET.run(self.session, {"row_id": message_id, "tid": ticket_id})

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
        table = Inbox.__table__  # type: ignore[attr-defined]
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
        rows = (await _INBOX_PENDING.run(self.session, {"n": limit})).rows
        return _INBOX_LOADED.objects(rows)

    async def heads(self, limit: int) -> list[InboxHead]:
        """``pending`` without the payloads: enough to choose what to handle now."""
        rows = (await _INBOX_HEADS.run(self.session, {"n": limit})).rows
        return [InboxHead(*row) for row in rows]

    async def by_ids(self, row_ids: Sequence[int]) -> list[Inbox]:
        """The rows, whole, in id order (detached: read, not changed)."""
        if not row_ids:
            return []
        conn = await self.session.connection()
        rows = (await conn.execute(_INBOX_BY_IDS, {"ids": list(row_ids)})).all()
        return _INBOX_LOADED.objects(rows)

    async def take(self, row_id: int, now: datetime) -> bool:
        """Mark the row done inside the handling transaction; False if it was taken already.

        On PostgreSQL the UPDATE locks the row, so a second replica waits and then sees it
        done; on SQLite the write lock serializes the same way.
        """
        # Core on the session's connection: the ORM's bulk-update machinery costs more than
        # the statement itself, on every update handled.
        result = await _INBOX_TAKE.run(self.session, {"row_id": row_id, "now": now})
        return bool(result.rowcount)

    async def record_failure(
        self, row_id: int, *, attempts: int, error: str, retry_at: datetime | None
    ) -> None:
        values: dict[str, Any] = {"attempts": attempts, "error": error[:2000]}
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["not_before"] = retry_at
        stmt = update(Inbox).where(col(Inbox.id) == row_id, col(Inbox.status) == "pending")
        await self.session.exec(stmt.values(**values))  # type: ignore[call-overload]


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
        await _OUTBOX_INSERT.run(self.session, values)

    async def in_status(self, status: str) -> Sequence[Outbox]:
        stmt = select(Outbox).where(Outbox.status == status).order_by(col(Outbox.id))
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
        rows = (await _OUTBOX_HEADS.run(self.session, {"n": limit})).rows
        return [OutboxHead(*row) for row in rows]

    async def claim(self, row_ids: Sequence[int]) -> list[Outbox]:
        """pending -> sending for many rows in one statement; the rows this caller won, as
        they are now (``attempts`` already counts this try), in the order of ``row_ids``.

        The same compare-and-set as ``transition``, in Core: a send costs one shared UPDATE
        instead of an ORM transaction of its own.
        """
        if not row_ids:
            return []
        conn = await self.session.connection()
        rows = (await conn.execute(_OUTBOX_CLAIM, {"ids": list(row_ids)})).all()
        order = {row_id: n for n, row_id in enumerate(row_ids)}
        return sorted(_OUTBOX_LOADED.objects(rows), key=lambda row: order[row.id])

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
        result = await self.session.exec(stmt)  # type: ignore[call-overload]
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
        result = await self.session.exec(stmt)  # type: ignore[call-overload]
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
