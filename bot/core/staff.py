"""The staff desk: what officers do in the staff group. One call, one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.callbacks import CallbackCodec
from bot.core.commands import CommandSpec, Where, Who, staff_help
from bot.core.dto import StaffEvent
from bot.core.faq_service import FaqService, fingerprint
from bot.core.formal.requests import RequestService
from bot.core.offload import Offload
from bot.core.postman import Postman
from bot.core.reports import build_report, chart_key, chart_month, month_of, summary_html
from bot.core.tickets import TicketService
from bot.texts import Markup, st
from faq import KnowledgeBaseError
from storage.models import Ticket

log = logging.getLogger(__name__)


class StaffDesk:
    def __init__(
        self,
        *,
        tickets: TicketService,
        postman: Postman,
        codec: CallbackCodec,
        faq: FaqService,
        on_commit: Callable[[], None],
        offload: Offload,
        requests: RequestService | None = None,
        coordinators: Collection[int] = (),
    ) -> None:
        self.offload = offload
        self.requests = requests
        self.coordinators = frozenset(coordinators)
        self.tickets = tickets
        self.postman = postman
        self.codec = codec
        self.faq = faq
        self.on_commit = on_commit

    async def _commit(self, session: AsyncSession) -> None:
        await session.commit()
        self.on_commit()

    async def _ticket_for(self, session: AsyncSession, ev: StaffEvent) -> Ticket | None:
        """The ticket a message belongs to: its forum topic, else the bot message it replies to."""
        if ev.thread_id is not None:
            ticket = await self.tickets.by_topic(session, ev.chat_id, ev.thread_id)
            if ticket is not None:
                return ticket
        if ev.reply_to_message_id is not None:
            return await self.tickets.by_staff_message(session, ev.chat_id, ev.reply_to_message_id)
        return None

    async def _reply(self, session: AsyncSession, ev: StaffEvent, html: str) -> None:
        await self.postman.to_staff(session, html, thread_id=ev.thread_id)

    async def message(self, session: AsyncSession, ev: StaffEvent) -> None:
        """A plain message in the group: an answer to the citizen when it is in a ticket."""
        ticket = await self._ticket_for(session, ev)
        if ticket is None:
            return  # ordinary talk among officers
        if not self.tickets.is_staff(ev.user_id):
            await self._reply(session, ev, st("not_relayed", name=ev.user_name))
        else:
            await self.tickets.learn_officer(session, ev.user_id, ev.user_name, ev.username)
            await self.tickets.relay_out(
                session,
                ticket,
                ev.user_id,
                chat_id=ev.chat_id,
                message_id=ev.message_id,
                kind=ev.kind,
                text=ev.text,
                thread_id=ev.thread_id,
                media_ref=ev.media_ref,
            )
        await self._commit(session)

    async def command(
        self, session: AsyncSession, ev: StaffEvent, spec: CommandSpec, args: str
    ) -> None:
        """A staff command of the table (bot.core.commands), called by its name or an alias."""
        if not self.tickets.is_staff(ev.user_id):
            await self._reply(session, ev, st("refused"))
            await self._commit(session)
            return
        await self.tickets.learn_officer(session, ev.user_id, ev.user_name, ev.username)
        name = spec.name
        if spec.who is Who.COORDINATOR and ev.user_id not in self.coordinators:
            await self._reply(session, ev, st("coordinator_only", command=name))
        elif name == "note":
            await self._note(session, ev, args)
        elif name == "close":
            ticket = await self._ticket_for(session, ev)
            if ticket is None:
                await self._reply(session, ev, st("no_ticket"))
            elif ticket.kind != self.tickets.prefix:
                await self._reply(session, ev, st("close_by_decision", number=ticket.number))
            elif not await self.tickets.close_by_officer(session, ticket, ev.user_id):
                await self._reply(session, ev, st("already_closed", number=ticket.number))
        elif name == "duty":
            await self._duty(session, ev, args)
        elif name == "queue":
            await self._queue(session, ev)
        elif name == "laporan":
            await self._month_report(session, ev)
        elif spec.where in (Where.REQUEST_TOPIC, Where.OBJECTION_TOPIC):
            ticket = await self._ticket_for(session, ev)
            if ticket is None or self.requests is None:
                await self._reply(session, ev, st("no_ticket"))
            else:
                if spec.where is Where.OBJECTION_TOPIC:
                    problem = await self.requests.decide_objection(
                        session, ticket, ev.user_id, args
                    )
                else:
                    problem = await self.requests.decide(session, ticket, ev.user_id, name, args)
                if problem:
                    await self._reply(session, ev, problem)
        elif name == "reload":
            try:
                # Built outside this transaction, in a thread (see bot.core.offload).
                key = ("faq", fingerprint(self.faq.paths))
                count = self.faq.install(self.offload.result(key, self.faq.load))
            except KnowledgeBaseError as exc:
                await self._reply(session, ev, st("reload_failed", error=str(exc)))
            else:
                await self._reply(session, ev, st("reload_ok", count=count))
        await self._commit(session)

    async def _month_report(self, session: AsyncSession, ev: StaffEvent) -> None:
        """This month's figures as text, and one chart drawn outside the transaction."""
        calendar = self.tickets.calendar
        today = self.tickets.clock.now().astimezone(calendar.tz).date()
        report = await build_report(session, calendar, month_of(today), today)
        png = self.offload.result(("laporan", *chart_key(report)), lambda: chart_month(report))
        await self._reply(session, ev, summary_html(report))
        await self.postman.file_to_staff(
            session,
            png,
            filename=f"laporan-{report.period.slug}.png",
            caption=f"Laporan {report.period.label}",
            thread_id=ev.thread_id,
        )

    async def unknown_command(self, session: AsyncSession, ev: StaffEvent, command: str) -> None:
        """A command the bot does not know: an officer gets the staff commands in the topic;
        anyone else in the group, nothing (their typos are not the bot's business)."""
        if not self.tickets.is_staff(ev.user_id):
            return
        await self._reply(
            session, ev, st("unknown_command", command=command, commands=staff_help())
        )
        await self._commit(session)

    async def _note(self, session: AsyncSession, ev: StaffEvent, text: str) -> None:
        ticket = await self._ticket_for(session, ev)
        if ticket is None:
            await self._reply(session, ev, st("no_ticket"))
        elif not text.strip():
            await self._reply(session, ev, st("note_empty"))
        else:
            await self.tickets.note(session, ticket, ev.user_id, text.strip())
            await self._reply(session, ev, st("note_saved"))

    async def _duty(self, session: AsyncSession, ev: StaffEvent, args: str) -> None:
        arg = args.strip().lower()
        if arg not in ("on", "off"):
            await self._reply(session, ev, st("duty_usage"))
            return
        if ev.user_id not in self.tickets.officers:
            await self._reply(session, ev, st("duty_not_officer"))
            return
        await self.tickets.set_duty(session, ev.user_id, arg == "on")
        who = await self.tickets.officer_display(session, ev.user_id)
        await self._reply(session, ev, st("duty_on" if arg == "on" else "duty_off", mention=who))

    async def _queue(self, session: AsyncSession, ev: StaffEvent) -> None:
        waiting = await self.tickets.queue(session)
        duty = await self.tickets.on_duty(session)
        names = [str(await self.tickets.officer_display(session, o)) for o in duty]
        on_duty = st("on_duty_now", names=Markup(", ".join(names) or "—"))
        if not waiting:
            await self._reply(session, ev, st("queue_empty") + "\n" + on_duty)
            return
        lines = "\n".join(
            st(
                "queue_line",
                number=ticket.number,
                name=citizen.name,
                opened=ticket.created_at.astimezone(self.tickets.zone).strftime("%d-%m %H:%M"),
            )
            for ticket, citizen in waiting
        )
        text = st("queue", count=len(waiting), lines=Markup(lines)) + "\n" + on_duty
        await self._reply(session, ev, text)

    async def button(self, session: AsyncSession, ev: StaffEvent, data: str) -> str:
        """A card button; returns the short answer shown on the officer's screen."""
        if not self.tickets.is_staff(ev.user_id):
            return st("refused")
        action = self.codec.unpack(data)
        if action is None or not action.args or not action.args[0].isdigit():
            return st("button_stale")
        ticket = await session.get(Ticket, int(action.args[0]))
        if ticket is None or ticket.staff_chat_id != ev.chat_id:
            return st("button_stale")
        await self.tickets.learn_officer(session, ev.user_id, ev.user_name, ev.username)
        answer = st("done")
        if action.name == "tc":
            if not await self.tickets.claim(session, ticket, ev.user_id):
                answer = st("already_closed", number=ticket.number)
        elif action.name == "tx":
            if ticket.kind != self.tickets.prefix:
                answer = st("button_stale")
            elif not await self.tickets.close_by_officer(session, ticket, ev.user_id):
                answer = st("already_closed", number=ticket.number)
        elif action.name == "tr":
            await self.tickets.reassign_prompt(session, ticket)
        elif action.name == "ta" and len(action.args) == 2 and action.args[1].isdigit():
            if not await self.tickets.reassign(session, ticket, int(action.args[1]), ev.user_id):
                answer = st("button_stale")
        else:
            answer = st("button_stale")
        await self._commit(session)
        return answer
