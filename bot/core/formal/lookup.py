"""A formal request's or objection's row read for its ticket: the lines under the ticket card
and the statutory deadline reminders of the SLA ladder.

It needs only the clock and the calendar, so it is built before the ticket and SLA services,
which take its two methods as callbacks: neither has to know the request service (which needs
them both).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.clock import Clock
from bot.core.dip.service import DipService
from bot.core.formal.notices import DEFAULT_TEXTS, NoticeTexts
from bot.core.formal.request_form import mask_nik
from bot.texts import Markup, st
from storage.models import InfoRequest, Objection, Ticket

OBTAIN = {
    "melihat": "melihat",
    "membaca": "membaca",
    "mendengarkan": "mendengarkan",
    "mencatat": "mencatat",
    "salinan_softcopy": "salinan softcopy",
    "salinan_hardcopy": "salinan hardcopy",
}


class RequestLookup:
    def __init__(
        self,
        *,
        clock: Clock,
        calendar: OfficeCalendar,
        prefix: str = "PI",
        objection_prefix: str = "KB",
        notice_texts: NoticeTexts = DEFAULT_TEXTS,
        dip: DipService | None = None,
    ) -> None:
        # The closest items of the information map go under a request's card: the officer
        # sees at once whether it is published (hand it over) or exempt (and on what ground).
        self.dip = dip
        self.clock = clock
        self.calendar = calendar
        self.prefix = prefix
        self.objection_prefix = objection_prefix
        self.grounds = notice_texts.grounds("id")

    def today(self) -> date:
        return self.clock.now().astimezone(self.calendar.tz).date()

    def fmt(self, d: date, lang: str = "id") -> str:
        return self.calendar.format_day(d, lang)

    async def request_of(self, session: AsyncSession, ticket: Ticket) -> InfoRequest | None:
        stmt = select(InfoRequest).where(InfoRequest.ticket_id == ticket.id)
        return (await session.exec(stmt)).first()

    async def objection_of(self, session: AsyncSession, ticket: Ticket) -> Objection | None:
        stmt = select(Objection).where(Objection.ticket_id == ticket.id)
        return (await session.exec(stmt)).first()

    async def card_extra(self, session: AsyncSession, ticket: Ticket) -> str:
        """The request's or objection's fields under the ticket card."""
        if ticket.kind == self.prefix:
            request = await self.request_of(session, ticket)
            if request is None:
                return ""
            dip = self.dip.staff_lines(request.information) if self.dip is not None else ""
            return st(
                "request_card",
                kind="badan hukum" if request.requester_kind == "badan_hukum" else "perorangan",
                name=request.name,
                id_number=mask_nik(request.id_number),
                address=request.address,
                occupation=request.occupation,
                phone=request.phone,
                email=request.email or "-",
                information=request.information,
                purpose=request.purpose,
                obtain=OBTAIN.get(request.obtain, request.obtain),
                receive=request.receive,
                received=self.fmt(request.received_on),
                due=self.fmt(request.extended_to or request.due_on),
            ) + (st("request_card_dip", lines=Markup(dip)) if dip else "")
        if ticket.kind == self.objection_prefix:
            objection = await self.objection_of(session, ticket)
            if objection is None:
                return ""
            origin = await session.get(InfoRequest, objection.request_id)
            origin_ticket = await session.get(Ticket, origin.ticket_id) if origin else None
            return st(
                "objection_card",
                request=origin_ticket.number if origin_ticket else "?",
                ground=objection.ground,
                ground_text=self.grounds.get(objection.ground, ""),
                explanation=objection.explanation,
                due=self.fmt(objection.due_on),
            )
        return ""

    async def deadline_text(self, session: AsyncSession, ticket: Ticket, who: str) -> str:
        """A statutory deadline reminder: due on a date, or overdue past it."""
        due: date | None = None
        request = await self.request_of(session, ticket)
        if request is not None:
            due = request.extended_to or request.due_on
        else:
            objection = await self.objection_of(session, ticket)
            due = objection.due_on if objection else None
        key = "deadline_overdue" if due is not None and due < self.today() else "deadline_step"
        return st(key, number=ticket.number, due=self.fmt(due) if due else "-", who=Markup(who))
