"""Personal data kept only as long as needed (UU 27/2022 on personal data protection).

What goes, by kind, once its time in ``[retention]`` has passed:
- inbox payloads: the raw update of an inbound message handled (or given up) ``payload_days``
  ago. The row stays: its unique key is the update's exactly-once bookkeeping.
- outbox payloads: what was sent (or given up, or of unknown fate after a crash)
  ``payload_days`` ago, and the notice PDFs those rows referred to. The row stays: its
  platform message id, status and delivery receipts are the sends' bookkeeping, and a crash
  recovery reads the ids. Rows still to be sent (pending, held) keep theirs.
- transcripts: the text and file references of messages of live chats closed
  ``transcript_days`` ago, and of messages in no ticket (FAQ answers, form steps) as old. The
  message rows (time, direction, kind) and the tickets (times, rating, close reason) stay, so
  the reports count what they counted; a ticket's subject (its first message) is cleared.
- identities: ``identity_days`` after a formal request is finished, its NIK is masked to the
  last four digits and the ID-card scan's file reference is removed (also from the
  requester's own messages). Finished: decided (or closed), the 30 working days to object
  (Pasal 35) passed, every objection decided and its 14 working days to go to the Komisi
  Informasi (Pasal 37) passed. The registers (UU 14/2008) keep what the law asks of them:
  name, address, contact, occupation, the information, the decision and its dates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.clock import Clock
from bot.core.formal.request_form import mask_nik
from bot.core.formal.requests import COMMISSION_DAYS, OBJECTION_WINDOW_DAYS
from storage.models import InfoRequest, Objection, Ticket
from storage.repositories import RetentionRepo, claim_job

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger(__name__)

JOB = "retention"


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What a purge removed (or, dry, would remove), by kind."""

    inbox_payloads: int = 0
    outbox_payloads: int = 0
    notices: int = 0
    transcript_messages: int = 0
    transcript_tickets: int = 0
    identities: int = 0

    def lines(self) -> list[str]:
        return [
            f"inbox payloads: {self.inbox_payloads}",
            f"outbox payloads: {self.outbox_payloads}",
            f"notice PDFs: {self.notices}",
            f"transcript messages: {self.transcript_messages} "
            f"(live chats: {self.transcript_tickets})",
            f"request identities (NIK masked, ID scan removed): {self.identities}",
        ]


class RetentionService:
    def __init__(
        self,
        *,
        clock: Clock,
        calendar: OfficeCalendar,
        payload_days: int = 30,
        transcript_days: int = 365,
        identity_days: int = 30,
        live_chat_prefix: str = "LC",
        from_next_day: bool = True,
    ) -> None:
        self.clock = clock
        self.calendar = calendar
        self.payload_days = payload_days
        self.transcript_days = transcript_days
        self.identity_days = identity_days
        self.live_chat_prefix = live_chat_prefix
        # Working days are counted as the request service counts them ([requests]).
        self.from_next_day = from_next_day

    @classmethod
    def from_config(cls, config: Config, clock: Clock) -> RetentionService:
        """As ``loket run`` and ``loket purge`` build it."""
        return cls(
            clock=clock,
            calendar=config.hours.calendar(),
            payload_days=config.retention.payload_days,
            transcript_days=config.retention.transcript_days,
            identity_days=config.retention.identity_days,
            live_chat_prefix=config.tickets.prefix,
            from_next_day=config.hours.count_from_next_day,
        )

    def _local(self, at: datetime) -> date:
        return at.astimezone(self.calendar.tz).date()

    def _add(self, start: date, n: int) -> date:
        return self.calendar.add_working_days(start, n, from_next_day=self.from_next_day)

    def finished_on(
        self, request: InfoRequest, ticket: Ticket, objections: list[Objection]
    ) -> date | None:
        """The last day anything can still happen to a request (an objection, a dispute at the
        Komisi Informasi); None while it is open or an objection awaits its decision."""
        if request.decision is None and ticket.status != "closed":
            return None
        # The window to object runs from the written notice, or from the missed deadline.
        start = request.notice_on or request.extended_to or request.due_on
        last = self._add(start, OBJECTION_WINDOW_DAYS)
        for objection in objections:
            if objection.decision is None or objection.decided_at is None:
                return None
            last = max(last, self._add(self._local(objection.decided_at), COMMISSION_DAYS))
        return last

    async def purge(self, session: AsyncSession, *, dry_run: bool = False) -> PurgeReport:
        """Apply [retention] as of the clock's now, in the caller's transaction (the caller
        commits); ``dry_run`` counts and changes nothing."""
        now = self.clock.now()
        apply = not dry_run
        repo = RetentionRepo(session)
        payload_cutoff = now - timedelta(days=self.payload_days)
        inbox = await repo.inbox_payloads(payload_cutoff, apply)
        outbox, notices = await repo.outbox_payloads(payload_cutoff, apply)
        messages, chats = await repo.transcripts(
            now - timedelta(days=self.transcript_days), self.live_chat_prefix, apply
        )
        today = self._local(now)
        identities = 0
        for request, ticket, objections in await repo.identities_kept():
            finished = self.finished_on(request, ticket, objections)
            if finished is None or today < finished + timedelta(days=self.identity_days):
                continue
            identities += 1
            if apply:
                await repo.purge_identity(request, ticket, mask_nik(request.id_number), now)
        return PurgeReport(
            inbox_payloads=inbox,
            outbox_payloads=outbox,
            notices=notices,
            transcript_messages=messages,
            transcript_tickets=chats,
            identities=identities,
        )

    async def daily(self, session: AsyncSession) -> bool:
        """The scheduler's purge: once per office day, claimed in the database with the purge
        itself, so one replica does it and a failed run is retried by the next tick."""
        now = self.clock.now()
        if not await claim_job(session, JOB, self._local(now).isoformat(), now):
            return False
        report = await self.purge(session)
        log.info("retention purge: %s", "; ".join(report.lines()))
        return True
