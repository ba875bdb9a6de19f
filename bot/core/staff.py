"""The staff desk: what officers do in the staff group. One call, one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.callbacks import CallbackCodec
from bot.core.commands import CommandSpec, Where, Who, staff_help
from bot.core.dip import DipError, DipIndex
from bot.core.dip.service import DipService
from bot.core.dto import Button, StaffEvent
from bot.core.faq_service import BUTTON_PREFIX, FaqService, button_data, fingerprint
from bot.core.formal.requests import RequestService
from bot.core.offload import Offload
from bot.core.postman import Postman
from bot.core.reports import build_report, chart_key, chart_month, month_of, summary_html
from bot.core.tickets import TicketService
from bot.texts import Markup, st, t
from faq import Entry, FaqIndex, KnowledgeBase, KnowledgeBaseError
from faq.thesaurus import Thesaurus
from storage.models import Citizen, Ticket
from storage.repositories import UnansweredRepo

log = logging.getLogger(__name__)

FaqLoaded = tuple[Thesaurus, KnowledgeBase, FaqIndex]  # what FaqService.load builds


_T = TypeVar("_T")


def _attempt(load: Callable[[], _T]) -> _T | KnowledgeBaseError | DipError:
    """What ``load`` built, or the file error it raised (reported, the old one kept)."""
    try:
        return load()
    except (KnowledgeBaseError, DipError) as exc:
        return exc


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
        dip: DipService | None = None,
    ) -> None:
        self.dip = dip
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

    async def commit(self, session: AsyncSession) -> None:
        await self._commit(session)

    async def ticket_for(self, session: AsyncSession, ev: StaffEvent) -> Ticket | None:
        return await self._ticket_for(session, ev)

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

    async def _dip(self, session: AsyncSession, ev: StaffEvent, words: str) -> None:
        """/dip <words>: the closest items of the information map, where it was asked."""
        words = " ".join(words.split())
        if not words or self.dip is None:
            await self._reply(session, ev, st("dip_usage"))
            return
        lines = self.dip.staff_lines(words)
        if not lines:
            await self._reply(session, ev, st("dip_none", words=words))
        else:
            await self._reply(session, ev, st("dip_found", words=words, lines=Markup(lines)))

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
        elif name == "faq":
            await self._faq(session, ev, args)
        elif name == "close":
            ticket = await self._ticket_for(session, ev)
            if ticket is None:
                await self._reply(session, ev, st("no_ticket"))
            elif ticket.kind != self.tickets.prefix:
                await self._reply(session, ev, st("close_by_decision", number=ticket.number))
            elif not await self.tickets.close_by_officer(session, ticket, ev.user_id):
                await self._reply(session, ev, st("already_closed", number=ticket.number))
        elif name == "alihkan":
            # Without an office: the card's "Alihkan" button (another officer); with one, a
            # network's front moves the ticket to that office, and one office has none.
            ticket = await self._ticket_for(session, ev)
            if ticket is None:
                await self._reply(session, ev, st("no_ticket"))
            elif args.strip():
                await self._reply(session, ev, st("transfer_no_network"))
            else:
                await self.tickets.reassign_prompt(session, ticket)
        elif name == "duty":
            await self._duty(session, ev, args)
        elif name == "queue":
            await self._queue(session, ev)
        elif name == "laporan":
            await self._month_report(session, ev)
        elif name == "dip":
            await self._dip(session, ev, args)
        elif spec.where in (Where.REQUEST_TOPIC, Where.OBJECTION_TOPIC):
            ticket = await self._ticket_for(session, ev)
            if ticket is None or self.requests is None:
                await self._reply(session, ev, st("no_ticket"))
            else:
                if name == "sengketa":
                    problem = await self.requests.record_commission(
                        session, ticket, ev.user_id, args
                    )
                elif spec.where is Where.OBJECTION_TOPIC:
                    problem = await self.requests.decide_objection(
                        session, ticket, ev.user_id, args
                    )
                else:
                    problem = await self.requests.decide(session, ticket, ev.user_id, name, args)
                if problem:
                    await self._reply(session, ev, problem)
        elif name == "reload":
            await self._reload(session, ev)
        await self._commit(session)

    async def _reload(self, session: AsyncSession, ev: StaffEvent) -> None:
        """/reload: the FAQ files and, when there is one, the information map, read and
        indexed again; a broken file keeps the old one in service and is reported."""
        dip = self.dip

        def load() -> tuple[
            FaqLoaded | KnowledgeBaseError | DipError, DipIndex | KnowledgeBaseError | DipError
        ]:
            # One piece of work outside the transaction for both (see bot.core.offload): a
            # second one would send the update round again, and the first result is taken.
            faq_loaded = _attempt(self.faq.load)
            # The map is read with the FAQ's thesaurus as just read (the office's own groups).
            thesaurus = None if isinstance(faq_loaded, Exception) else faq_loaded[0]
            if dip is None:
                return faq_loaded, DipError("no map")
            return faq_loaded, _attempt(lambda: dip.load(thesaurus))

        key: tuple[object, ...] = ("reload", fingerprint(self.faq.watched))
        if dip is not None:
            key += (fingerprint(dip.watched),)
        faq_loaded, dip_loaded = self.offload.result(key, load)
        if isinstance(faq_loaded, Exception):
            await self._reply(session, ev, st("reload_failed", error=str(faq_loaded)))
        else:
            await self._reply(session, ev, st("reload_ok", count=self.faq.install(faq_loaded)))
        if dip is None:
            return
        if isinstance(dip_loaded, Exception):
            await self._reply(session, ev, st("dip_reload_failed", error=str(dip_loaded)))
        else:
            await self._reply(session, ev, st("dip_reload_ok", count=dip.install(dip_loaded)))

    async def _month_report(self, session: AsyncSession, ev: StaffEvent) -> None:
        """This month's figures as text, and one chart drawn outside the transaction."""
        calendar = self.tickets.calendar
        today = self.tickets.clock.now().astimezone(calendar.tz).date()
        report = await build_report(
            session, calendar, month_of(today), today, office=self.tickets.office
        )
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

    async def _faq(self, session: AsyncSession, ev: StaffEvent, words: str) -> None:
        """/faq <entry id or words>: send that entry's answer to the ticket's citizen; when
        the words fit several entries, the officer chooses with buttons."""
        ticket = await self._ticket_for(session, ev)
        if ticket is None:
            await self._reply(session, ev, st("no_ticket"))
            return
        if not words.strip():
            await self._reply(session, ev, st("faq_usage"))
            return
        found = self.faq.find(words)
        if not found:
            await self._reply(session, ev, st("faq_none", words=words.strip()))
        elif len(found) == 1:
            await self._send_faq(session, ticket, found[0], ev.user_id, ev.thread_id)
        else:
            assert ticket.id is not None
            buttons = tuple(
                (
                    Button(
                        _entry_label(entry),
                        self.codec.pack(
                            "fq", str(ticket.id), button_data(entry.id)[len(BUTTON_PREFIX) :]
                        ),
                    ),
                )
                for entry in found
            )
            await self.postman.to_staff(
                session,
                st("faq_choose", words=words.strip()),
                thread_id=ev.thread_id,
                buttons=buttons,
            )

    async def _send_faq(
        self,
        session: AsyncSession,
        ticket: Ticket,
        entry: Entry,
        officer_id: int,
        thread_id: int | None,
    ) -> None:
        """The entry's answer to the citizen, in the citizen's language; the citizen's last
        unanswered question becomes a candidate phrasing of the entry."""
        citizen = await session.get(Citizen, ticket.citizen_id)
        if citizen is None:
            return
        lang = citizen.language
        html = t("faq_answer", lang, answer=entry.answer_for(lang).strip())
        await self.postman.to_citizen(
            session, citizen, html, ticket=ticket, author_id=officer_id, entry_id=entry.id
        )
        question = await UnansweredRepo(session).last_of(citizen.id or 0)
        if question is not None and question.taught_entry_id is None:
            question.taught_entry_id = entry.id
            session.add(question)
            text = st("faq_sent_learned", entry=entry.id, question=question.text)
        else:
            text = st("faq_sent", entry=entry.id)
        await self.postman.to_staff(session, text, thread_id=thread_id)

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
        elif action.name == "fq" and len(action.args) == 2:
            entry = self.faq.entry_for_button(BUTTON_PREFIX + action.args[1])
            if entry is None:
                answer = st("button_stale")
            else:
                await self._send_faq(session, ticket, entry, ev.user_id, ticket.topic_id)
        elif action.name == "tr":
            await self.tickets.reassign_prompt(session, ticket)
        elif action.name == "ta" and len(action.args) == 2 and action.args[1].isdigit():
            if not await self.tickets.reassign(session, ticket, int(action.args[1]), ev.user_id):
                answer = st("button_stale")
        else:
            answer = st("button_stale")
        await self._commit(session)
        return answer


def _entry_label(entry: Entry) -> str:
    label = f"{entry.id}: {entry.questions[0]}" if entry.questions else entry.id
    return label if len(label) <= 60 else label[:57] + "..."
