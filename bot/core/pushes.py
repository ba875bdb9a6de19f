"""Scheduled pushes: the opening digest, rating reminders and the weekly FAQ-gaps digest.

Each push is keyed (a day, a ticket, a week) and claimed by inserting a job_run row in the
same transaction as its messages: it happens once, whichever replica or restart gets there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.clock import Clock
from bot.core.postman import PRIORITY_BULK, Postman
from bot.core.sla import SlaService
from bot.core.tickets import OPEN_STATUSES, TicketService
from bot.texts import Markup, st, t
from faq import group_similar
from storage.models import Citizen, SlaStep, Ticket, UnansweredQuestion
from storage.repositories import citizen_office_clause, claim_job, office_clause

log = logging.getLogger(__name__)

# A bot started later than this after opening does not send a stale "opening" digest.
DIGEST_WINDOW = timedelta(hours=2)
REMINDER_HORIZON = timedelta(days=7)


class Pushes:
    def __init__(
        self,
        *,
        calendar: OfficeCalendar,
        clock: Clock,
        postman: Postman,
        tickets: TicketService,
        sla: SlaService,
        rating_reminder_after: timedelta | None,
        office: str | None = None,
        takes_unrouted: bool = False,
    ) -> None:
        # A network office's digest counts its own tickets only (None: all of them); the
        # first office's also those from before the network (office NULL).
        self.office = office
        self.takes_unrouted = takes_unrouted
        self.calendar = calendar
        self.clock = clock
        self.postman = postman
        self.tickets = tickets
        self.sla = sla
        self.rating_reminder_after = rating_reminder_after

    def _opened_today(self, now: datetime) -> datetime | None:
        """Today's first opening, if the office is open now and opened within the window."""
        if not self.calendar.is_open(now):
            return None
        local = now.astimezone(self.calendar.tz)
        ranges = self.calendar.hours_on(local.date())
        if not ranges:
            return None
        start_min = ranges[0][0]
        opening = datetime.combine(local.date(), datetime.min.time(), self.calendar.tz)
        opening += timedelta(minutes=start_min)
        return opening if now - opening <= DIGEST_WINDOW else None

    async def opening_digest(self, session: AsyncSession) -> bool:
        now = self.clock.now()
        if self.postman.staff_chat_id is None or self._opened_today(now) is None:
            return False
        local_day = now.astimezone(self.calendar.tz).date()
        key = local_day.isoformat() + (f":{self.office}" if self.office else "")
        if not await claim_job(session, "opening-digest", key, now):
            return False
        open_filter = col(Ticket.status).in_(OPEN_STATUSES) & (
            office_clause(self.office, self.takes_unrouted)
        )
        count = (await session.exec(select(func.count()).where(open_filter))).one()
        unassigned = (
            await session.exec(
                select(func.count()).where(open_filter, col(Ticket.assignee_id).is_(None))
            )
        ).one()
        waiting = (
            await session.exec(
                select(Ticket, Citizen)
                .join(Citizen, col(Citizen.id) == col(Ticket.citizen_id))
                .where(open_filter, col(Ticket.awaiting_since).is_not(None))
                .order_by(col(Ticket.awaiting_since))
            )
        ).all()
        overdue = [
            (tk, c)
            for tk, c in waiting
            if tk.awaiting_since is not None and self.sla.overdue(tk.awaiting_since, now)
        ]
        day_end = datetime.combine(
            local_day + timedelta(days=1), datetime.min.time(), self.calendar.tz
        )
        due_today = (
            await session.exec(
                select(func.count())
                .select_from(SlaStep)
                .join(Ticket, col(Ticket.id) == col(SlaStep.ticket_id))
                .where(
                    SlaStep.status == "pending",
                    col(SlaStep.due_at) < day_end,
                    office_clause(self.office or None, self.takes_unrouted),
                )
            )
        ).one()
        text = st(
            "digest",
            date=self.calendar.format_day(local_day, "id"),
            open=count,
            unassigned=unassigned,
            target=str(self.sla.first_response),
            overdue=len(overdue),
            due_today=due_today,
        )
        for ticket, citizen in overdue[:15]:
            assert ticket.awaiting_since is not None
            text += st(
                "digest_overdue_line",
                number=ticket.number,
                name=citizen.name,
                since=self.calendar.format_when(ticket.awaiting_since, "id"),
            )
        await self.postman.to_staff(session, Markup(text), priority_bulk=True)
        return True

    async def rating_reminders(self, session: AsyncSession) -> int:
        if self.rating_reminder_after is None:
            return 0
        now = self.clock.now()
        stmt = (
            select(Ticket, Citizen)
            .join(Citizen, col(Citizen.id) == col(Ticket.citizen_id))
            .where(
                Ticket.status == "closed",
                Ticket.close_reason == "officer",
                col(Ticket.rating).is_(None),
                col(Ticket.closed_at) <= now - self.rating_reminder_after,
                col(Ticket.closed_at) >= now - REMINDER_HORIZON,
            )
            .limit(100)
        )
        sent = 0
        for ticket, citizen in (await session.exec(stmt)).all():
            if not await claim_job(session, "rating-reminder", str(ticket.id), now):
                continue
            lang = citizen.language
            scale = self.tickets.rating_buttons(ticket, lang)
            await self.postman.to_citizen(
                session,
                citizen,
                t("rating_reminder", lang, number=ticket.number),
                buttons=scale,
                ticket=ticket,
                priority=PRIORITY_BULK,
            )
            sent += 1
        return sent

    async def faq_weekly(self, session: AsyncSession) -> bool:
        now = self.clock.now()
        if self.postman.staff_chat_id is None or self._opened_today(now) is None:
            return False
        local = now.astimezone(self.calendar.tz)
        if local.weekday() != 0:  # Monday's opening
            return False
        year, week, _ = local.isocalendar()
        key = f"{year}-W{week:02d}" + (f":{self.office}" if self.office else "")
        if not await claim_job(session, "faq-weekly", key, now):
            return False
        since = now - timedelta(days=7)
        stmt = select(UnansweredQuestion.text).where(col(UnansweredQuestion.created_at) >= since)
        if self.office is not None:
            # A network office's editors get its citizens' questions; the first office's also
            # those of citizens from before the network (or erased since: no office).
            stmt = stmt.outerjoin(
                Citizen, col(Citizen.id) == col(UnansweredQuestion.citizen_id)
            ).where(citizen_office_clause(self.office, self.takes_unrouted))
        texts = (await session.exec(stmt)).all()
        if not texts:
            await self.postman.to_staff(session, st("faq_weekly_none"), priority_bulk=True)
            return True
        groups = group_similar(list(texts))[:10]
        lines = "\n".join(
            st("faq_weekly_line", count=count, text=rep[:120]) for rep, count, _ in groups
        )
        text = st("faq_weekly", total=len(texts), lines=Markup(lines))
        await self.postman.to_staff(session, text, priority_bulk=True)
        return True
