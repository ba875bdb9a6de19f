"""SQLModel tables. Schema changes go through an Alembic migration in storage/migrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime


def _ts(**kwargs: Any) -> Any:
    """A required UTC timestamp. No default on purpose: "now" comes from the injectable clock
    (bot.core.clock), so a frozen clock in a test is the only time a row ever sees."""
    return Field(sa_type=UtcDateTime, **kwargs)


class Citizen(SQLModel, table=True):
    """A person writing to the bot on one channel (a Telegram user, later a WhatsApp number)."""

    __table_args__ = (sa.UniqueConstraint("channel", "external_id", name="uq_citizen_channel_ext"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=256)
    username: str | None = Field(default=None, max_length=64)
    language: str = Field(default="id", max_length=8)
    # Chosen with /bahasa: then it wins over what the app reports (WhatsApp reports nothing).
    language_chosen: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # The office of a network ([[offices]]) that serves this citizen; None: not chosen yet, or
    # the one office of a configuration without a network.
    office: str | None = Field(default=None, max_length=32)
    # /kantor without a choice: the next typed text names the office (WhatsApp has no list).
    office_choosing: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = _ts()
    last_seen_at: datetime = _ts()


class Message(SQLModel, table=True):
    """The transcript: every inbound and outbound message of a citizen, with time and channel."""

    __table_args__ = (sa.Index("ix_message_citizen_time", "citizen_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id")
    channel: str = Field(max_length=16)
    direction: str = Field(max_length=3)  # "in" | "out"
    kind: str = Field(default="text", max_length=16)  # text, photo, document, sticker, ...
    text: str = Field(default="", sa_type=sa.Text)
    media_ref: str | None = Field(default=None, max_length=256)
    external_id: str | None = Field(default=None, max_length=128)  # WhatsApp ids run long
    faq_entry_id: str | None = Field(default=None, max_length=128)
    faq_score: float | None = None
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    author_id: int | None = Field(default=None, sa_type=sa.BigInteger)  # officer who wrote it
    created_at: datetime = _ts()


class Inbox(SQLModel, table=True):
    """Every inbound update, stored before it is acknowledged to the platform.

    The unique key makes handling idempotent (a redelivered update is stored once); the row is
    marked done in the same transaction as its handling, so a crash neither drops an update
    that was received nor handles one twice.
    """

    __table_args__ = (
        sa.UniqueConstraint("channel", "update_id", name="uq_inbox_update"),
        sa.Index("ix_inbox_pending", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_id: str = Field(max_length=128)
    chat_key: str = Field(default="", max_length=64)  # updates of one chat are handled in order
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: str = Field(default="pending", max_length=16)  # pending, done, failed
    attempts: int = 0
    not_before: datetime = _ts()
    received_at: datetime = _ts()
    handled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    error: str | None = Field(default=None, sa_type=sa.Text)


class Outbox(SQLModel, table=True):
    """Messages to send, written in the same transaction as the change that caused them."""

    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "priority", "id"),
        sa.Index("ix_outbox_sent_message", "chat_id", "external_message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    thread_id: int | None = None
    method: str = Field(default="text", max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    priority: int = 0  # lower goes first: replies to citizens before bulk pushes
    # pending, sending, sent, failed, unknown (caught mid-send by a crash), held (WhatsApp: the
    # citizen's 24-hour window is closed; sent once the citizen writes again)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    # Pending: not sent before this time. Sending: the time of the claim (bot.outbox: a claim
    # older than the lease is a dead replica's).
    not_before: datetime = _ts()
    created_at: datetime = _ts()
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    external_message_id: str | None = Field(default=None, max_length=128)
    error: str | None = Field(default=None, sa_type=sa.Text)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    # Staff-group rows belong to a ticket: the sender finds (or makes) its topic at send time.
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    # What the platform reported after the send (WhatsApp: sent, delivered, read, failed).
    delivery_status: str | None = Field(default=None, max_length=16)
    delivery_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class UnansweredQuestion(SQLModel, table=True):
    """Questions the FAQ could not answer, for the editors' gap report."""

    __tablename__ = "unanswered_question"

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int | None = Field(default=None, foreign_key="citizen.id")
    text: str = Field(sa_type=sa.Text)
    normalized: str = Field(default="", sa_type=sa.Text)
    best_entry_id: str | None = Field(default=None, max_length=128)
    best_score: float | None = None
    created_at: datetime = _ts(index=True)
    # The entry an officer answered it with (/faq in the ticket's topic): a candidate
    # phrasing of that entry, listed by `loket faq learned`.
    taught_entry_id: str | None = Field(default=None, max_length=128)


class Counter(SQLModel, table=True):
    """Registration number sequences, one row per prefix and year (LC-2026, PI-2026, ...)."""

    name: str = Field(primary_key=True, max_length=32)
    value: int = 0


class Ticket(SQLModel, table=True):
    """A conversation handed to the officers: live chat (LC) now, formal requests later."""

    __table_args__ = (
        sa.Index("ix_ticket_citizen_status", "citizen_id", "status"),
        sa.Index("ix_ticket_topic", "staff_chat_id", "topic_id"),
        sa.Index("ix_ticket_office_status", "office", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    kind: str = Field(default="LC", max_length=8)
    citizen_id: int = Field(foreign_key="citizen.id")
    channel: str = Field(max_length=16)
    status: str = Field(default="open", max_length=16)  # open, assigned, waiting, closed
    # Telegram ids do not fit in 32 bits (supergroups are -100...): BIGINT on PostgreSQL.
    assignee_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    staff_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    topic_id: int | None = Field(default=None, sa_type=sa.BigInteger)  # None until made
    card_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    subject: str = Field(default="", sa_type=sa.Text)  # the message that opened it
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    first_response_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_citizen_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_officer_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    close_reason: str | None = Field(default=None, max_length=32)  # officer, citizen, ...
    rating: int | None = None
    rated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    sla_round: int = 0  # waiting periods so far; escalation steps belong to one round
    # Since when the citizen waits for an answer (None: answered, or closed).
    awaiting_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivery_error: str | None = Field(default=None, sa_type=sa.Text)
    # The network office it belongs to (None without [[offices]]); a ticket moved to another
    # office (/alihkan) is closed here and continues as a new ticket there, each naming the other.
    office: str | None = Field(default=None, max_length=32)
    transferred_from: int | None = None
    transferred_to: int | None = None


class TicketEvent(SQLModel, table=True):
    """The ticket's log: who did what, when."""

    __tablename__ = "ticket_event"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = _ts()
    actor: str = Field(max_length=64)  # "citizen", "officer:<id>", "system"
    kind: str = Field(max_length=32)
    detail: str = Field(default="", sa_type=sa.Text)


class Officer(SQLModel, table=True):
    """What the bot knows of a configured officer: name (learned) and manual duty state."""

    user_id: int = Field(
        primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    name: str = Field(default="", max_length=256)
    username: str | None = Field(default=None, max_length=64)
    duty: str | None = Field(default=None, max_length=8)  # "on", "off", or None = shifts decide
    duty_changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class SlaStep(SQLModel, table=True):
    """One escalation step of one waiting period ("round") of a ticket.

    Rows are written when a round starts (the ticket opens, or the citizen writes again after
    an answer) with their due time; a step is claimed (pending -> fired) in the same
    transaction that queues its messages, so it fires once even across crashes and replicas.
    """

    __tablename__ = "sla_step"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "round", "step", name="uq_sla_step"),
        sa.Index("ix_sla_step_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    round: int
    step: int
    notify: str = Field(max_length=32)  # assignee, duty, coordinators, coordinators_daily
    started_at: datetime = Field(sa_type=UtcDateTime)  # when the citizen began to wait
    due_at: datetime = Field(sa_type=UtcDateTime)
    status: str = Field(default="pending", max_length=16)  # pending, fired, cancelled
    fired_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class JobRun(SQLModel, table=True):
    """A scheduled push done once per key (digest of a day, reminder of a ticket): the unique
    key, inserted with the push's messages, keeps it from running twice."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "key", name="uq_job_run"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=32)
    key: str = Field(max_length=64)
    at: datetime = _ts()


class FormState(SQLModel, table=True):
    """A citizen's half-filled form (request or objection), so it survives a restart."""

    __tablename__ = "form_state"

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id", unique=True)
    kind: str = Field(max_length=16)  # request, objection
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    updated_at: datetime = _ts()


class InfoRequest(SQLModel, table=True):
    """A formal request for public information (UU 14/2008); its ticket carries the PI number,
    the topic and the routing."""

    __tablename__ = "info_request"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    requester_kind: str = Field(max_length=16)  # perorangan, badan_hukum
    name: str = Field(max_length=256)
    id_number: str = Field(max_length=64)  # NIK or legal-entity number; shown masked
    id_document_file_id: str | None = Field(default=None, max_length=256)
    address: str = Field(sa_type=sa.Text)
    occupation: str = Field(max_length=128)
    phone: str = Field(max_length=32)
    email: str | None = Field(default=None, max_length=256)
    information: str = Field(sa_type=sa.Text)
    purpose: str = Field(sa_type=sa.Text)
    obtain: str = Field(max_length=32)
    receive: str = Field(max_length=32)
    received_on: date
    due_on: date
    extended_to: date | None = None
    extension_reason: str | None = Field(default=None, sa_type=sa.Text)
    decision: str | None = Field(default=None, max_length=16)  # granted, partly_granted, ...
    decision_note: str = Field(default="", sa_type=sa.Text)
    exemption: str | None = Field(default=None, max_length=4)  # Pasal 17 letter
    holder: str | None = Field(default=None, max_length=256)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    notice_on: date | None = None
    decided_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    # Set when [retention] masked the NIK and dropped the scan's file reference (UU 27/2022).
    identity_purged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Objection(SQLModel, table=True):
    """An objection (keberatan, Pasal 35) against a request's handling; its ticket carries the
    KB number and the topic."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    request_id: int = Field(foreign_key="info_request.id", index=True)
    ground: str = Field(max_length=4)  # Pasal 35(1) letter
    explanation: str = Field(sa_type=sa.Text)
    received_on: date
    due_on: date
    decision: str | None = Field(default=None, max_length=16)  # accepted, rejected
    reason: str = Field(default="", sa_type=sa.Text)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decided_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    # The dispute taken to the Komisi Informasi (Pasal 37): the day the office learned it was
    # registered there, as the coordinator recorded it with /sengketa.
    commission_on: date | None = None
    commission_note: str = Field(default="", sa_type=sa.Text)


class Notice(SQLModel, table=True):
    """A written notice's PDF, as rendered when it was decided: its outbox row refers to it by
    id (``payload["notice_id"]``), so the outbox holds no file bytes and the citizen gets
    exactly the bytes rendered then. Deleted by [retention] with its outbox row's payload."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    filename: str = Field(max_length=128)
    pdf: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = _ts()


class SurveyAnswer(SQLModel, table=True):
    """One element's answer (1-4) of a satisfaction survey (IKM, PermenPANRB 14/2017) given
    after the ticket's decision or close; one row per ticket and element, so a button pressed
    twice is counted once."""

    __tablename__ = "survey_answer"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "element", name="uq_survey_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    element: str = Field(max_length=16)
    score: int
    created_at: datetime = _ts(index=True)


class DipDeflection(SQLModel, table=True):
    """A request the information map deflected: while filling in the request form, the citizen
    took a published item of the DIP instead of filing (counted in the reports by category)."""

    __tablename__ = "dip_deflection"

    id: int | None = Field(default=None, primary_key=True)
    citizen_id: int = Field(foreign_key="citizen.id")
    item_id: str = Field(max_length=128)
    # The item's category when it was taken: the map may be edited later.
    category: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    # The network office whose map it was, when it happened (NULL: no network; or, for rows
    # from before this column, a citizen without an office): a citizen who moves later does
    # not take it along.
    office: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts(index=True)
