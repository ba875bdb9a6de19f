"""Response deadlines and escalations, kept in the database so that they survive a crash.

A "round" is one period in which a citizen waits for an answer: it starts when the ticket
opens, or when the citizen writes again after an officer's answer, and ends with the next
answer (or the close). Each round gets one row per escalation step with its due time in office
(business) time. A step fires once: it is claimed (pending -> fired) in the same transaction
that queues its messages, so neither a crash nor a second replica can fire it twice, and one
that came due while the bot was down fires at the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.clock import Clock
from bot.core.durations import Duration
from bot.core.officers import OfficerDirectory
from bot.core.postman import Postman
from bot.texts import Markup, st
from storage.models import Citizen, SlaStep, Ticket
from storage.repositories import office_clause

if TYPE_CHECKING:  # tickets imports this module
    pass

log = logging.getLogger(__name__)

# The wording of a statutory deadline step: (session, ticket, who is reminded) -> text.
DeadlineText = Callable[[AsyncSession, Ticket, str], Awaitable[str]]


def human(delta: timedelta) -> str:
    """A waited time for officers: "15 menit", "2 jam 5 menit", "1 hari 3 jam"."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} hari")
    if hours:
        parts.append(f"{hours} jam")
    if minutes or not parts:
        parts.append(f"{minutes} menit")
    return " ".join(parts[:2])


class SlaService:
    def __init__(
        self,
        *,
        calendar: OfficeCalendar,
        clock: Clock,
        postman: Postman,
        ladder: Sequence[tuple[Duration, str]],
        first_response: Duration,
        coordinators: Sequence[int],
        officers: OfficerDirectory,
        live_prefix: str,
        deadline_text: DeadlineText | None = None,
        from_next_day: bool = True,
        office: str | None = None,
        takes_unrouted: bool = False,
    ) -> None:
        # A network office's service fires its own tickets' steps only (None: all of them);
        # the first office's also those from before the network (office NULL).
        self.office = office
        self.takes_unrouted = takes_unrouted
        self.from_next_day = from_next_day
        self.calendar = calendar
        self.clock = clock
        self.postman = postman
        self.ladder = tuple(ladder)
        self.first_response = first_response
        self.coordinators = tuple(coordinators)
        self.officers = officers
        # Live chats (this prefix) get the escalation texts; other kinds (formal requests,
        # objections) have statutory deadlines, worded by ``deadline_text``.
        self.live_prefix = live_prefix
        self.deadline_text = deadline_text

    def due(self, start: datetime, duration: Duration) -> datetime:
        """When ``duration`` of office time has passed since ``start``."""
        if duration.working_days:
            # N working days later, at the same time of day (or the next opening after it).
            local = start.astimezone(self.calendar.tz)
            day = self.calendar.add_working_days(
                local.date(), duration.working_days, from_next_day=self.from_next_day
            )
            same_time = datetime.combine(day, local.timetz())
            return self.calendar.next_opening(same_time)
        return self.calendar.add_business_time(start, duration.delta)

    async def start_round(
        self,
        session: AsyncSession,
        ticket: Ticket,
        start: datetime,
        ladder: Sequence[tuple[Duration, str]] | None = None,
    ) -> None:
        """The citizen begins to wait: schedule this round's steps (old ones are cancelled)."""
        assert ticket.id is not None
        await self.stop_round(session, ticket)
        ticket.sla_round += 1
        ticket.awaiting_since = start
        for index, (after, notify) in enumerate(self.ladder if ladder is None else ladder):
            session.add(
                SlaStep(
                    ticket_id=ticket.id,
                    round=ticket.sla_round,
                    step=index,
                    notify=notify,
                    started_at=start,
                    due_at=self.due(start, after),
                )
            )

    async def stop_round(self, session: AsyncSession, ticket: Ticket) -> None:
        """An officer answered (or the ticket closed): the steps still waiting never fire."""
        ticket.awaiting_since = None
        await session.exec(
            update(SlaStep)
            .where(col(SlaStep.ticket_id) == ticket.id, col(SlaStep.status) == "pending")
            .values(status="cancelled")
        )

    async def fire_due(self, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        """Fire every step that is due; returns how many fired. Safe to run concurrently."""
        now = self.clock.now()
        async with sessionmaker() as session:
            stmt = (
                select(SlaStep.id)
                .where(SlaStep.status == "pending", col(SlaStep.due_at) <= now)
                .order_by(col(SlaStep.due_at))
                .limit(100)
            )
            if self.office is not None:
                stmt = stmt.join(Ticket, col(Ticket.id) == col(SlaStep.ticket_id)).where(
                    office_clause(self.office, self.takes_unrouted)
                )
            due_ids = list((await session.exec(stmt)).all())
        fired = 0
        for step_id in due_ids:
            async with sessionmaker() as session:
                claimed = await session.exec(
                    update(SlaStep)
                    .where(col(SlaStep.id) == step_id, col(SlaStep.status) == "pending")
                    .values(status="fired", fired_at=now)
                )
                if not claimed.rowcount:
                    continue  # another replica (or an answer) got there first
                step = await session.get(SlaStep, step_id)
                assert step is not None
                ticket = await session.get(Ticket, step.ticket_id)
                if ticket is not None and ticket.status != "closed":
                    await self._notify(session, ticket, step)
                    fired += 1
                await session.commit()
        return fired

    async def _notify(self, session: AsyncSession, ticket: Ticket, step: SlaStep) -> None:
        statutory = ticket.kind != self.live_prefix and self.deadline_text is not None
        if step.notify == "coordinators_daily":
            # Due day, then every working day it stays undecided: chain the next one.
            local = step.due_at.astimezone(self.calendar.tz)
            next_day = self.calendar.add_working_days(local.date(), 1)
            session.add(
                SlaStep(
                    ticket_id=step.ticket_id,
                    round=step.round,
                    step=step.step + 1,
                    notify="coordinators_daily",
                    started_at=step.started_at,
                    due_at=self.calendar.next_opening(datetime.combine(next_day, local.timetz())),
                )
            )
        citizen = await session.get(Citizen, ticket.citizen_id)
        since = self.calendar.format_when(step.started_at, "id")
        waited = human(self.calendar.business_time_between(step.started_at, self.clock.now()))
        if step.notify in ("coordinators", "coordinators_daily"):
            if statutory:
                assert self.deadline_text is not None
                text = await self.deadline_text(session, ticket, "")
                topic = text
            else:
                text = st(
                    "escalate_coordinator",
                    number=ticket.number,
                    name=citizen.name if citizen else "",
                    since=since,
                    waited=waited,
                    subject=ticket.subject[:300],
                )
                topic = st(
                    "escalate_coordinators_topic", number=ticket.number, since=since, waited=waited
                )
            for coordinator in self.coordinators:
                await self.postman.to_user(session, coordinator, text)
            await self.postman.to_staff(session, topic, ticket=ticket, urgent=True)
            return
        duty = await self.officers.on_duty(session)
        if step.notify == "assignee" and ticket.assignee_id is not None:
            who: Markup = await self.officers.display(session, ticket.assignee_id)
            key = "escalate_assignee"
        else:
            names = [str(await self.officers.display(session, o)) for o in duty]
            who = Markup(", ".join(names)) if names else Markup(st("nobody_on_duty"))
            key = "escalate_duty" if step.notify == "duty" or not names else "escalate_assignee"
        if statutory:
            assert self.deadline_text is not None
            text = await self.deadline_text(session, ticket, str(who))
        else:
            text = st(key, number=ticket.number, since=since, waited=waited, who=who)
        await self.postman.to_staff(session, text, ticket=ticket, urgent=True)

    def overdue(self, started_at: datetime, now: datetime) -> bool:
        """Past the first-response target (in office time)."""
        return self.due(started_at, self.first_response) <= now
