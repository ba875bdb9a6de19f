"""WhatsApp citizens: a stored webhook event to the same desk use cases Telegram's router calls.

One inbox row is one transaction: the row is taken (marked done) in the session the desk
commits, exactly as DbSessionMiddleware does for Telegram updates.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.whatsapp import CHANNEL, delivery_of, inbound_of
from bot.core.clock import Clock
from bot.core.commands import find, parse
from bot.core.dto import Inbound
from bot.core.network import CitizenDesk
from bot.core.tickets import TicketService
from handlers.citizen import run_command
from storage.models import Inbox
from storage.repositories import InboxRepo, OutboxRepo

log = logging.getLogger(__name__)

# A status can arrive before the sender has recorded the message id it is about.
STATUS_RETRIES = 6


async def dispatch(desk: CitizenDesk, session: AsyncSession, event: Inbound) -> None:
    """Route one citizen message to its use case; slash commands work as typed text, in any
    case ("/Status" from a phone keyboard), by the same table as Telegram's router."""
    if event.kind == "button":
        await desk.button(session, event, event.text)
    elif event.kind == "command":
        typed = parse(event.text)
        spec = find(typed.word, private=True) if typed is not None else None
        if typed is None or spec is None:
            await desk.unknown_command(session, event)
        else:
            await run_command(desk, session, event, spec.name, typed.args)
    elif event.kind == "text":
        await desk.ask(session, event)
    elif event.kind in ("photo", "document"):
        await desk.media(session, event)
    else:
        await desk.unsupported(session, event)


def whatsapp_handler(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    desk: CitizenDesk,
    tickets: TicketService,
    on_commit: Callable[[], None],
) -> Callable[[Inbox], Awaitable[None]]:
    async def handle(row: Inbox) -> None:
        assert row.id is not None
        if "status" in row.payload:
            await _status(row)
            return
        event = inbound_of(row.payload)
        async with sessionmaker() as session:
            if not await InboxRepo(session).take(row.id, clock.now()):
                await session.rollback()
                return
            if event.kind in ("reaction", "system"):
                await session.commit()
                return
            # The citizen wrote: their 24-hour window is open again, so what waited goes
            # first (older rows), then the answer to this message.
            released = await OutboxRepo(session).release_held(
                CHANNEL, event.contact.external_id, clock.now()
            )
            await dispatch(desk, session, event)
            if session.in_transaction():
                await session.commit()
        if released:
            on_commit()  # the desk wakes the sender for its own rows, not for released ones

    async def _status(row: Inbox) -> None:
        assert row.id is not None
        report = delivery_of(row.payload)
        async with sessionmaker() as session:
            outbox = await OutboxRepo(session).by_external_id(
                CHANNEL, report.recipient, report.wamid
            )
            if outbox is None and row.attempts + 1 < STATUS_RETRIES:
                retry = clock.now() + timedelta(seconds=2**row.attempts)
                await InboxRepo(session).record_failure(
                    row.id,
                    attempts=row.attempts + 1,
                    error="message id not yet recorded",
                    retry_at=retry,
                )
                await session.commit()
                return
            if not await InboxRepo(session).take(row.id, clock.now()):
                await session.rollback()
                return
            if outbox is None:
                log.info("status %s for an unknown WhatsApp message %s", report.state, report.wamid)
            elif (
                OutboxRepo.record_delivery(
                    outbox, report.state, report.at or clock.now(), report.error
                )
                and report.error is not None
            ):
                # Accepted by the API, then not delivered: the officers must know.
                await tickets.delivery_failed(session, outbox, report.error)
            await session.commit()
        on_commit()

    return handle
