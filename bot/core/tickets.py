"""Live handoff: tickets, routing to the officer on duty, relaying both ways, closing, rating.

Telegram-free: callers pass plain DTOs; outgoing messages go through the Postman into the
outbox within the caller's transaction. Use cases end with a commit (see Desk/StaffDesk).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.callbacks import CallbackCodec
from bot.core.clock import Clock
from bot.core.dto import Button, Inbound
from bot.core.durations import Duration
from bot.core.officers import OfficerDirectory
from bot.core.postman import PRIORITY_BULK, STAFF_CHANNEL, Postman
from bot.core.sla import SlaService
from bot.core.survey import SurveyService
from bot.texts import Markup, mention, st, t
from storage.models import Citizen, Officer, Outbox, Ticket, TicketEvent
from storage.repositories import OPEN_TICKET_STATUSES as OPEN_STATUSES
from storage.repositories import next_number, office_clause

log = logging.getLogger(__name__)

# The lines under a ticket's card that its kind adds (a formal request's fields).
CardExtra = Callable[[AsyncSession, Ticket], Awaitable[str]]
SUBJECT_PREVIEW = 600


class TicketService:
    def __init__(
        self,
        *,
        clock: Clock,
        postman: Postman,
        directory: OfficerDirectory,
        sla: SlaService,
        calendar: OfficeCalendar,
        codec: CallbackCodec,
        officers: Sequence[int],
        coordinators: Sequence[int],
        prefix: str,
        reopen_within: timedelta,
        timezone: str,
        max_open_per_citizen: int,
        card_extra: CardExtra | None = None,
        survey: SurveyService | None = None,
        survey_after_chat: bool = False,
        office: str | None = None,
        number_tag: str = "",
        takes_unrouted: bool = False,
    ) -> None:
        # The network office these tickets belong to (None: the one office, no network) and
        # the tag in their numbers ("KDS": LC-KDS-2026-000123), counted per office.
        self.office = office
        # The network's first office also works on tickets from before the network (NULL).
        self.takes_unrouted = takes_unrouted
        self.number_tag = number_tag
        self.clock = clock
        self.postman = postman
        self.directory = directory
        self.codec = codec
        self.officers = frozenset(officers)
        self.staff = frozenset(officers) | frozenset(coordinators)
        self.prefix = prefix
        self.reopen_within = reopen_within
        self.zone = ZoneInfo(timezone)
        self.max_open_per_citizen = max_open_per_citizen
        self.sla = sla
        self.calendar = calendar
        # Extra card lines for formal requests and objections.
        self.card_extra = card_extra
        # The IKM survey ([survey] mode = "ikm"): after every written decision, and after a
        # closed chat instead of the single rating when survey_after_chat.
        self.survey = survey
        self.survey_after_chat = survey_after_chat and survey is not None

    @property
    def enabled(self) -> bool:
        return self.postman.staff_chat_id is not None

    # -- lookups --------------------------------------------------------------------------

    async def open_ticket_of(self, session: AsyncSession, citizen: Citizen) -> Ticket | None:
        """The citizen's open live chat: follow-ups go there (formal requests have no chat)."""
        stmt = (
            select(Ticket)
            .where(
                Ticket.citizen_id == citizen.id,
                Ticket.kind == self.prefix,
                col(Ticket.status).in_(OPEN_STATUSES),
            )
            .order_by(col(Ticket.id).desc())
        )
        return (await session.exec(stmt)).first()

    async def reopenable_ticket_of(self, session: AsyncSession, citizen: Citizen) -> Ticket | None:
        """The citizen's ticket closed by an officer within the reopen window, if any."""
        since = self.clock.now() - self.reopen_within
        stmt = (
            select(Ticket)
            .where(
                Ticket.citizen_id == citizen.id,
                Ticket.kind == self.prefix,
                Ticket.status == "closed",
                Ticket.close_reason == "officer",
                col(Ticket.closed_at) >= since,
            )
            .order_by(col(Ticket.id).desc())
        )
        return (await session.exec(stmt)).first()

    async def by_topic(self, session: AsyncSession, chat_id: int, topic_id: int) -> Ticket | None:
        stmt = select(Ticket).where(Ticket.staff_chat_id == chat_id, Ticket.topic_id == topic_id)
        return (await session.exec(stmt.order_by(col(Ticket.id).desc()))).first()

    async def by_staff_message(
        self, session: AsyncSession, chat_id: int, message_id: int
    ) -> Ticket | None:
        """The ticket a staff-group message of ours belongs to (for reply-based answering)."""
        stmt = select(Outbox.ticket_id).where(
            Outbox.chat_id == str(chat_id),
            Outbox.external_message_id == str(message_id),
            col(Outbox.ticket_id).is_not(None),
        )
        ticket_id = (await session.exec(stmt)).first()
        if ticket_id is None:
            stmt2 = select(Ticket).where(
                Ticket.staff_chat_id == chat_id, Ticket.card_message_id == message_id
            )
            return (await session.exec(stmt2)).first()
        return await session.get(Ticket, ticket_id)

    async def citizen_of(self, session: AsyncSession, ticket: Ticket) -> Citizen:
        citizen = await session.get(Citizen, ticket.citizen_id)
        assert citizen is not None
        return citizen

    # -- citizen side -----------------------------------------------------------------------

    async def open_count(self, session: AsyncSession, citizen: Citizen) -> int:
        stmt = select(func.count()).where(
            Ticket.citizen_id == citizen.id, col(Ticket.status).in_(OPEN_STATUSES)
        )
        return int((await session.exec(stmt)).one())

    async def create(
        self,
        session: AsyncSession,
        citizen: Citizen,
        *,
        prefix: str,
        subject: str,
        detail: str,
        ladder: Sequence[tuple[Duration, str]] | None = None,
        start: datetime | None = None,
        prepare: Callable[[Ticket], Awaitable[None]] | None = None,
    ) -> Ticket:
        """A new ticket of any kind (LC, PI, KB): number, routing, topic card, clock.

        ``prepare`` runs once the ticket has its id, before the card is drawn: a request or
        objection adds its own row there so the card shows its fields from the start.
        """
        assert citizen.id is not None
        now = self.clock.now()
        series = f"{prefix}-{self.number_tag}" if self.number_tag else prefix
        number = await next_number(session, series, now.astimezone(self.zone).year)
        ticket = Ticket(
            office=self.office,
            number=number,
            kind=prefix,
            citizen_id=citizen.id,
            channel=citizen.channel,
            status="open",
            staff_chat_id=self.postman.staff_chat_id,
            subject=subject,
            created_at=now,
            updated_at=now,
            last_citizen_at=now,
        )
        session.add(ticket)
        await session.flush()
        await self._event(session, ticket, "citizen", "opened", detail)
        if prepare is not None:
            await prepare(ticket)
        await self.sla.start_round(session, ticket, start or now, ladder=ladder)
        assignee = await self._pick_officer(session)
        if assignee is not None:
            ticket.assignee_id = assignee
            ticket.status = "assigned"
            await self._event(session, ticket, "system", "assigned", str(assignee))
        await self._post_card(session, ticket, citizen)
        if assignee is not None:
            name = await self.officer_name(session, assignee)
            await self.postman.to_staff(
                session,
                st("assigned", number=number, mention=mention(assignee, name)),
                ticket=ticket,
            )
        else:
            await self.postman.to_staff(session, st("unassigned", number=number), ticket=ticket)
        return ticket

    def after_hours_note(self, lang: str) -> str:
        """Said in the same reply: nobody should wait all night for an answer in vain."""
        now = self.clock.now()
        if self.calendar.is_open(now):
            return ""
        back = self.calendar.format_when(self.calendar.next_opening(now), lang)
        return t("after_hours", lang, when=back)

    async def open(
        self,
        session: AsyncSession,
        citizen: Citizen,
        lang: str,
        event: Inbound,
        *,
        unanswered: bool,
    ) -> Ticket | None:
        """Open a live-chat ticket and route it; None when over the open-ticket limit."""
        count = await self.open_count(session, citizen)
        if count >= self.max_open_per_citizen:
            await self.postman.to_citizen(session, citizen, t("ticket_limit", lang, count=count))
            return None
        ticket = await self.create(
            session,
            citizen,
            prefix=self.prefix,
            subject=event.text.strip() or f"[{event.kind}]",
            detail="unanswered" if unanswered else "asked",
        )
        key = "ticket_opened_unanswered" if unanswered else "ticket_opened"
        reply = t(key, lang, number=ticket.number) + self.after_hours_note(lang)
        await self.postman.to_citizen(session, citizen, reply, ticket=ticket)
        if event.kind not in ("text", "command"):
            # A photo or document that opened the ticket reaches the officers as it is.
            await self.relay_in(session, ticket, citizen, event, record=False)
        return ticket

    async def relay_in(
        self,
        session: AsyncSession,
        ticket: Ticket,
        citizen: Citizen,
        event: Inbound,
        *,
        record: bool = True,
    ) -> None:
        """A citizen's follow-up: copied silently into the ticket's topic, not FAQ-matched."""
        now = self.clock.now()
        live = ticket.kind == self.prefix
        if ticket.status in ("closed", "waiting") and live:
            # The citizen waits again: a new round of the response clock.
            await self.sla.start_round(session, ticket, now)
        if ticket.status == "closed":
            ticket.status = "assigned" if ticket.assignee_id else "open"
            ticket.closed_at = None
            ticket.close_reason = None
            await self._event(session, ticket, "citizen", "reopened", "")
            await self.postman.to_staff(
                session, st("citizen_followup_reopened", number=ticket.number), ticket=ticket
            )
            lang = citizen.language
            await self.postman.to_citizen(
                session, citizen, t("ticket_reopened", lang, number=ticket.number), ticket=ticket
            )
            await self.refresh_card(session, ticket, citizen)
        elif ticket.status == "waiting":
            ticket.status = "assigned" if ticket.assignee_id else "open"
        ticket.last_citizen_at = now
        ticket.updated_at = now
        if record:
            await self._event(session, ticket, "citizen", "message", event.kind)
        if citizen.channel != STAFF_CHANNEL:
            await self.postman.show_to_staff(session, ticket, event)
        elif event.external_message_id is not None:
            await self.postman.copy_to_staff(
                session,
                ticket,
                from_chat_id=citizen.external_id,
                message_id=int(event.external_message_id),
            )

    async def cancel(self, session: AsyncSession, citizen: Citizen, lang: str) -> None:
        ticket = await self.open_ticket_of(session, citizen)
        if ticket is None:
            await self.postman.to_citizen(session, citizen, t("nothing_to_cancel", lang))
            return
        await self._close(session, ticket, "citizen", "citizen")
        await self.postman.to_citizen(
            session, citizen, t("cancelled", lang, number=ticket.number), ticket=ticket
        )
        await self.postman.to_staff(session, st("cancelled", number=ticket.number), ticket=ticket)
        await self.refresh_card(session, ticket, citizen)

    async def status(
        self, session: AsyncSession, citizen: Citizen, lang: str, number: str | None
    ) -> None:
        """The citizen's own tickets only: another citizen's number reads as not found."""
        stmt = select(Ticket).where(Ticket.citizen_id == citizen.id)
        if number:
            wanted = number.strip().upper()
            ticket = (await session.exec(stmt.where(Ticket.number == wanted))).first()
            if ticket is None:
                text = t("status_not_found", lang, number=wanted[:40])
            else:
                subject = ticket.subject[:200]
                text = t(
                    "status_one",
                    lang,
                    number=ticket.number,
                    status=t(f"status_{ticket.status}", lang),
                    opened=self._local(ticket.created_at),
                    subject=subject,
                )
            await self.postman.to_citizen(session, citizen, text)
            return
        tickets = (await session.exec(stmt.order_by(col(Ticket.id).desc()).limit(10))).all()
        if not tickets:
            await self.postman.to_citizen(session, citizen, t("status_none", lang))
            return
        lines = "\n".join(
            t(
                "status_line",
                lang,
                number=tk.number,
                status=t(f"status_{tk.status}", lang),
                opened=self._local(tk.created_at),
            )
            for tk in tickets
        )
        await self.postman.to_citizen(session, citizen, t("status_list", lang, lines=Markup(lines)))

    async def rate(
        self, session: AsyncSession, citizen: Citizen, lang: str, ticket_id: int, score: int
    ) -> None:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.citizen_id != citizen.id or not 1 <= score <= 4:
            await self.postman.to_citizen(session, citizen, t("faq_stale_choice", lang))
            return
        if ticket.rating is not None:
            await self.postman.to_citizen(session, citizen, t("rating_done", lang), ticket=ticket)
            return
        ticket.rating = score
        ticket.rated_at = self.clock.now()
        await self._event(session, ticket, "citizen", "rated", str(score))
        await self.postman.to_citizen(
            session, citizen, t("rating_thanks", lang, score=score), ticket=ticket
        )
        await self.postman.to_staff(
            session, st("rated", number=ticket.number, score=score), ticket=ticket, silent=True
        )

    # -- officer side -------------------------------------------------------------------------

    def is_staff(self, user_id: int) -> bool:
        return user_id in self.staff

    async def learn_officer(
        self, session: AsyncSession, user_id: int, name: str, username: str | None
    ) -> Officer:
        officer = await session.get(Officer, user_id)
        if officer is None:
            officer = Officer(user_id=user_id, name=name, username=username)
            session.add(officer)
        else:
            officer.name, officer.username = name or officer.name, username
        await session.flush()
        return officer

    async def relay_out(
        self,
        session: AsyncSession,
        ticket: Ticket,
        officer_id: int,
        *,
        chat_id: int,
        message_id: int,
        kind: str,
        text: str,
        thread_id: int | None,
        media_ref: str | None = None,
    ) -> None:
        """An officer's message in the topic: copied to the citizen."""
        # A decided request still delivers: the granted documents follow the written notice.
        decided = ticket.status == "closed" and ticket.close_reason == "decided"
        if ticket.status == "closed" and not decided:
            await self.postman.to_staff(
                session,
                st("ticket_closed_no_relay", number=ticket.number),
                ticket=None,
                thread_id=thread_id,
            )
            return
        now = self.clock.now()
        citizen = await self.citizen_of(session, ticket)
        if ticket.assignee_id is None and officer_id in self.officers:
            ticket.assignee_id = officer_id
            await self._event(session, ticket, f"officer:{officer_id}", "claimed", "by answering")
            await self.refresh_card(session, ticket, citizen)
        if not decided:
            ticket.status = "waiting"
        if ticket.kind == self.prefix:
            # Live chat: an answer stops the response clock. A formal request's statutory
            # deadline runs until its written decision, whatever is said in between.
            await self.sla.stop_round(session, ticket)
        ticket.first_response_at = ticket.first_response_at or now
        ticket.last_officer_at = now
        ticket.updated_at = now
        await self._event(session, ticket, f"officer:{officer_id}", "answered", kind)
        await self.postman.copy_to_citizen(
            session,
            citizen,
            from_chat_id=chat_id,
            message_id=message_id,
            kind=kind,
            text=text,
            ticket=ticket,
            author_id=officer_id,
            media_ref=media_ref,
        )

    async def note(self, session: AsyncSession, ticket: Ticket, officer_id: int, text: str) -> None:
        await self._event(session, ticket, f"officer:{officer_id}", "note", text)

    async def claim(self, session: AsyncSession, ticket: Ticket, officer_id: int) -> bool:
        if ticket.status == "closed":
            return False
        ticket.assignee_id = officer_id
        if ticket.status == "open":
            ticket.status = "assigned"
        ticket.updated_at = self.clock.now()
        await self._event(session, ticket, f"officer:{officer_id}", "claimed", "")
        name = await self.officer_name(session, officer_id)
        await self.postman.to_staff(
            session,
            st("claimed", number=ticket.number, mention=mention(officer_id, name)),
            ticket=ticket,
        )
        await self.refresh_card(session, ticket, await self.citizen_of(session, ticket))
        return True

    async def reassign(
        self, session: AsyncSession, ticket: Ticket, officer_id: int, by: int
    ) -> bool:
        if ticket.status == "closed" or officer_id not in self.officers:
            return False
        ticket.assignee_id = officer_id
        if ticket.status == "open":
            ticket.status = "assigned"
        ticket.updated_at = self.clock.now()
        await self._event(session, ticket, f"officer:{by}", "reassigned", str(officer_id))
        name = await self.officer_name(session, officer_id)
        by_name = await self.officer_name(session, by)
        await self.postman.to_staff(
            session,
            st("reassigned", number=ticket.number, mention=mention(officer_id, name), by=by_name),
            ticket=ticket,
        )
        await self.refresh_card(session, ticket, await self.citizen_of(session, ticket))
        return True

    async def reassign_prompt(self, session: AsyncSession, ticket: Ticket) -> None:
        assert ticket.id is not None
        choices = []
        for officer_id in sorted(self.officers):
            if officer_id == ticket.assignee_id:
                continue
            name = await self.officer_name(session, officer_id)
            data = self.codec.pack("ta", str(ticket.id), str(officer_id))
            choices.append((Button(label=name[:40], data=data),))
        if not choices:
            await self.postman.to_staff(session, st("reassign_nobody"), ticket=ticket)
            return
        await self.postman.to_staff(
            session,
            st("reassign_prompt", number=ticket.number),
            ticket=ticket,
            buttons=tuple(choices),
        )

    async def close_by_officer(
        self, session: AsyncSession, ticket: Ticket, officer_id: int
    ) -> bool:
        if ticket.status == "closed" or ticket.kind != self.prefix:
            return False
        assert ticket.id is not None
        await self._close(session, ticket, f"officer:{officer_id}", "officer")
        citizen = await self.citizen_of(session, ticket)
        lang = citizen.language
        scale = None if self.survey_after_chat else self.rating_buttons(ticket, lang)
        await self.postman.to_citizen(
            session,
            citizen,
            t("ticket_closed_by_officer", lang, number=ticket.number),
            buttons=scale,
            ticket=ticket,
        )
        if self.survey is not None and self.survey_after_chat:
            await self.survey.offer(session, citizen, ticket)
        by_name = await self.officer_name(session, officer_id)
        await self.postman.to_staff(
            session, st("closed", number=ticket.number, by=by_name), ticket=ticket
        )
        await self.refresh_card(session, ticket, citizen)
        return True

    def rating_buttons(self, ticket: Ticket, lang: str) -> tuple[tuple[Button, ...], ...]:
        """The 1-4 satisfaction scale (PermenPANRB 14/2017), best first, signed per ticket."""
        assert ticket.id is not None
        return tuple(
            (Button(t(f"rating_{score}", lang), self.codec.pack("r", str(ticket.id), str(score))),)
            for score in (4, 3, 2, 1)
        )

    async def set_duty(self, session: AsyncSession, officer_id: int, on: bool) -> None:
        officer = await session.get(Officer, officer_id)
        assert officer is not None
        officer.duty = "on" if on else "off"
        officer.duty_changed_at = self.clock.now()

    async def on_duty(self, session: AsyncSession) -> list[int]:
        return await self.directory.on_duty(session)

    async def queue(self, session: AsyncSession) -> Sequence[tuple[Ticket, Citizen]]:
        stmt = (
            select(Ticket, Citizen)
            .join(Citizen, col(Citizen.id) == col(Ticket.citizen_id))
            .where(col(Ticket.status).in_(OPEN_STATUSES), col(Ticket.assignee_id).is_(None))
            .order_by(col(Ticket.id))
            .limit(50)
        )
        if self.office is not None:
            stmt = stmt.where(office_clause(self.office, self.takes_unrouted))
        return (await session.exec(stmt)).all()

    async def officer_display(self, session: AsyncSession, officer_id: int) -> Markup:
        return await self.directory.display(session, officer_id)

    async def delivery_failed(self, session: AsyncSession, row: Outbox, error: str) -> None:
        """A message to a citizen can never be delivered (blocked the bot, chat gone): kept on
        the ticket and shown to the officers in its topic."""
        if row.ticket_id is None or row.chat_id == str(self.postman.staff_chat_id):
            return
        ticket = await session.get(Ticket, row.ticket_id)
        if ticket is None:
            return
        ticket.delivery_error = error[:500]
        await self._event(session, ticket, "system", "delivery_failed", error[:500])
        if row.priority >= PRIORITY_BULK:
            return  # a reminder that did not arrive needs nobody's attention
        await self.postman.to_staff(
            session, st("delivery_failed", error=error[:200]), ticket=ticket
        )

    async def close_decided(
        self, session: AsyncSession, ticket: Ticket, actor_id: int, decision: str
    ) -> None:
        """A request or objection got its written decision: the ticket is done."""
        await self._close(session, ticket, f"officer:{actor_id}", "decided")
        await self._event(session, ticket, f"officer:{actor_id}", "decided", decision)
        await self.refresh_card(session, ticket)
        if self.survey is not None:
            await self.survey.offer(session, await self.citizen_of(session, ticket), ticket)

    async def close_transferred(
        self, session: AsyncSession, ticket: Ticket, officer_id: int, office: str, new: Ticket
    ) -> None:
        """The ticket went to another office of the network (as ``new``): closed here, its
        topic closed with a link to the new one."""
        await self._close(session, ticket, f"officer:{officer_id}", "transferred")
        await self._event(session, ticket, f"officer:{officer_id}", "transferred", new.number)
        by_name = await self.officer_name(session, officer_id)
        await self.postman.to_staff(
            session,
            st("transfer_sent", number=ticket.number, office=office, new=new.number, by=by_name),
            ticket=ticket,
            link_ticket=new.id,
            close_topic=True,
        )
        await self.refresh_card(session, ticket)

    async def log_event(
        self, session: AsyncSession, ticket: Ticket, actor: str, kind: str, detail: str
    ) -> None:
        await self._event(session, ticket, actor, kind, detail)

    async def repost_card(self, session: AsyncSession, ticket_id: int) -> None:
        """The ticket's topic was lost: its card opens the new one."""
        ticket = await session.get(Ticket, ticket_id)
        if ticket is not None:
            await self._post_card(session, ticket, await self.citizen_of(session, ticket))

    # -- internals -------------------------------------------------------------------------

    async def _close(self, session: AsyncSession, ticket: Ticket, actor: str, reason: str) -> None:
        now = self.clock.now()
        ticket.status = "closed"
        ticket.closed_at = now
        ticket.close_reason = reason
        ticket.updated_at = now
        await self.sla.stop_round(session, ticket)
        await self._event(session, ticket, actor, "closed", reason)

    async def _pick_officer(self, session: AsyncSession) -> int | None:
        """The on-duty officer with the fewest open tickets (ties: the lowest id)."""
        duty = await self.on_duty(session)
        if not duty:
            return None
        stmt = (
            select(Ticket.assignee_id, func.count())
            .where(col(Ticket.status).in_(OPEN_STATUSES), col(Ticket.assignee_id).in_(duty))
            .group_by(col(Ticket.assignee_id))
        )
        if self.office is not None:
            stmt = stmt.where(office_clause(self.office, self.takes_unrouted))
        load = dict((await session.exec(stmt)).all())
        return min(duty, key=lambda officer: (load.get(officer, 0), officer))

    async def officer_name(self, session: AsyncSession, officer_id: int) -> str:
        return await self.directory.name(session, officer_id)

    def _local(self, when: datetime) -> str:
        return when.astimezone(self.zone).strftime("%d-%m-%Y %H:%M")

    async def card_text(self, session: AsyncSession, ticket: Ticket, citizen: Citizen) -> str:
        assignee: str | Markup = st("nobody")
        if ticket.assignee_id is not None:
            assignee = await self.officer_display(session, ticket.assignee_id)
        subject = ticket.subject
        if len(subject) > SUBJECT_PREVIEW:
            subject = subject[: SUBJECT_PREVIEW - 1] + "…"
        extra = await self.card_extra(session, ticket) if self.card_extra is not None else ""
        return (
            st(
                "card",
                number=ticket.number,
                name=citizen.name or citizen.external_id,
                status=st(f"status_{ticket.status}"),
                assignee=Markup(assignee) if isinstance(assignee, Markup) else assignee,
                channel=citizen.channel,
                opened=self._local(ticket.created_at),
                subject=subject,
            )
            + extra
        )

    def card_buttons(self, ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
        assert ticket.id is not None
        if ticket.status == "closed":
            return ()
        tid = str(ticket.id)
        claim = Button(st("btn_claim"), self.codec.pack("tc", tid))
        reassign = Button(st("btn_reassign"), self.codec.pack("tr", tid))
        if ticket.kind != self.prefix:
            # A formal request or objection ends with its written decision, not a close.
            return ((claim, reassign),)
        return ((claim, Button(st("btn_close"), self.codec.pack("tx", tid)), reassign),)

    async def _post_card(self, session: AsyncSession, ticket: Ticket, citizen: Citizen) -> None:
        text = await self.card_text(session, ticket, citizen)
        await self.postman.to_staff(
            session, text, ticket=ticket, buttons=self.card_buttons(ticket), card=True
        )

    async def refresh_card(
        self, session: AsyncSession, ticket: Ticket, citizen: Citizen | None = None
    ) -> None:
        citizen = citizen or await self.citizen_of(session, ticket)
        text = await self.card_text(session, ticket, citizen)
        await self.postman.to_staff(
            session, text, ticket=ticket, buttons=self.card_buttons(ticket), edit_card=True
        )

    async def _event(
        self, session: AsyncSession, ticket: Ticket, actor: str, kind: str, detail: str
    ) -> None:
        assert ticket.id is not None
        session.add(
            TicketEvent(
                ticket_id=ticket.id, at=self.clock.now(), actor=actor, kind=kind, detail=detail
            )
        )
