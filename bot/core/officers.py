"""Who the officers are and who is on duty: read by tickets, SLA reminders and the staff desk."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.core.roster import Roster
from bot.texts import Markup, mention
from storage.models import Officer


class OfficerDirectory:
    """Officers' names and the duty roster with its manual /duty overrides. It needs no other
    service, so the ticket and SLA services both take it when they are built."""

    def __init__(self, *, clock: Clock, roster: Roster) -> None:
        self.clock = clock
        self.roster = roster

    async def on_duty(self, session: AsyncSession) -> list[int]:
        rows = (await session.exec(select(Officer))).all()
        manual = {o.user_id: (o.duty, o.duty_changed_at) for o in rows}
        return self.roster.on_duty(self.clock.now(), manual)

    async def name(self, session: AsyncSession, officer_id: int) -> str:
        officer = await session.get(Officer, officer_id)
        return officer.name if officer and officer.name else f"Petugas {officer_id}"

    async def display(self, session: AsyncSession, officer_id: int) -> Markup:
        return mention(officer_id, await self.name(session, officer_id))
