"""A network of offices on one bot ([[offices]]): which office serves a citizen, and the fronts
that hand each use case to that office's own desk.

Every office is an ``OfficeUnit``: the same services a single office has (postman, tickets,
requests, SLA, pushes, FAQ, desk, staff desk), built with that office's staff group, people,
calendar, ladder, knowledge and numbering. The fronts only choose the unit: a citizen's by the
office stored on the citizen, an officer's by the staff group the message came from. Without
[[offices]] there are no fronts and the one unit's desks are used as they are.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from rapidfuzz import fuzz
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.commands import CommandSpec
from bot.core.desk import Desk
from bot.core.dip.service import DipService
from bot.core.dto import Button, Inbound, StaffEvent
from bot.core.faq_service import FaqService
from bot.core.formal.requests import DECIDE_DAYS, RequestService, handled_now
from bot.core.postman import Postman
from bot.core.pushes import Pushes
from bot.core.reports import build_report, month_of, summary_html
from bot.core.sla import SlaService
from bot.core.staff import StaffDesk
from bot.core.tickets import OPEN_STATUSES, TicketService
from bot.texts import Markup, st, t
from storage.models import Citizen, FormState, InfoRequest, Message, Objection, Ticket

log = logging.getLogger(__name__)

OFFICE_CALLBACK = "kantor:"
# A typed place name is taken when every word of it fits the office (else the list is shown).
FULL_MATCH = 0.999
# A word that fits a word of an office's names this well (rapidfuzz ratio, 0-100) counts as
# the same word with a typo ("kuduss", "semarng").
WORD_RATIO = 80
# Words citizens add around a place name that name no place.
FILLER = frozenset({"ppid", "kantor", "di", "dari", "ke", "saya", "yang", "pemerintah", "pemda"})
# Short forms in Indonesian writing of administrative areas.
EXPANSIONS = {
    "kab": "kabupaten",
    "kabu": "kabupaten",
    "kot": "kota",
    "kt": "kota",
    "prov": "provinsi",
    "prop": "provinsi",
    "propinsi": "provinsi",
}
_VOWELS = frozenset("aeiou")
# The history copied into the receiving office's topic, in messages of at most this length
# (Telegram allows 4096 characters).
HISTORY_CHUNK = 3500


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    words = re.findall(r"[a-z0-9]+", folded)
    return [EXPANSIONS.get(w, w) for w in words if w not in FILLER]


def _skeleton_fits(short: str, word: str) -> bool:
    """Indonesian chat shortens words by dropping vowels ("smg" = semarang, "jkt" = jakarta,
    "sby" = surabaya): a vowel-less word fits one that starts with the same letter and holds
    its letters in order."""
    if len(short) < 2 or _VOWELS & set(short) or short[0] != word[0]:
        return False
    rest = iter(word)
    return all(ch in rest for ch in short)


def _word_fits(typed: str, word: str) -> bool:
    if typed == word:
        return True
    if len(typed) >= 3 and word.startswith(typed):
        return True
    if len(typed) >= 4 and fuzz.ratio(typed, word) >= WORD_RATIO:
        return True
    return _skeleton_fits(typed, word)


def deep_link(bot_username: str, office_id: str) -> str:
    """The link that opens the bot with the office chosen: /start <office id>. Office ids are
    kebab-case, within what a start parameter allows (A-Z, a-z, 0-9, _ and -, up to 64;
    https://core.telegram.org/bots/features#deep-linking)."""
    return f"https://t.me/{bot_username.removeprefix('@')}?start={office_id}"


def write_qr(link: str, path: str | Path) -> None:
    """A PNG QR code of ``link`` for posters at the office's front desk."""
    import segno

    # Level M survives a printed code that is a little worn or dirty (about 15% of it).
    segno.make(link, error="m", micro=False).save(str(path), kind="png", scale=10, border=4)


@dataclass
class OfficeUnit:
    """One office's services. ``id`` is None for the one office of a configuration without
    [[offices]]."""

    id: str | None
    name: str
    staff_chat_id: int | None
    calendar: OfficeCalendar
    postman: Postman
    sla: SlaService
    tickets: TicketService
    requests: RequestService
    faq: FaqService
    # Its information map: the shared one, or the office's own items laid over it.
    dip: DipService | None
    pushes: Pushes
    coordinators: frozenset[int]
    places: tuple[str, ...] = ()
    parent: str | None = None
    desk: Desk | None = None
    staff: StaffDesk | None = None


class Named(Protocol):
    """What the place search reads of an office (a unit, or its configuration)."""

    @property
    def id(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def places(self) -> tuple[str, ...]: ...


def _names(office: Named) -> list[list[str]]:
    return _spelled_names(office.id, office.name, office.places)


@functools.cache
def _spelled_names(office_id: str | None, name: str, places: tuple[str, ...]) -> list[list[str]]:
    # Folded once per office (offices come from the configuration, a few dozen at most).
    spelled = [name, (office_id or "").replace("-", " "), *places]
    return [words for text in spelled if (words := _words(text))]


def _fit(office: Named, typed: Sequence[str], fits: dict[str, set[str]]) -> float:
    """The share of the typed words that fit one of the office's names (0..1); ``fits``: the
    offices' words each typed word fits."""
    if not typed:
        return 0.0
    return max(
        (sum(1 for w in typed if fits[w].intersection(name)) / len(typed))
        for name in _names(office) or [[]]
    )


N = TypeVar("N", bound=Named)


def search_offices(offices: Sequence[N], text: str) -> list[N]:
    """Offices a typed place name (or office id) may mean: one when it is clear, several for
    the citizen to choose from, none when nothing fits."""
    wanted = text.strip().lower()
    exact = [office for office in offices if office.id == wanted]
    if exact:
        return exact
    typed = _words(text)
    # Each typed word is compared once with each distinct word of the offices' names (many
    # are shared: "kabupaten", "kota"), not once per office.
    vocabulary = {word for office in offices for name in _names(office) for word in name}
    fits = {w: {v for v in vocabulary if _word_fits(w, v)} for w in set(typed)}
    scored = [(_fit(office, typed, fits), office) for office in offices]
    best = max((score for score, _ in scored), default=0.0)
    if best <= 0:
        return []
    top = [office for score, office in scored if score >= best - 1e-9]
    if best >= FULL_MATCH and len(top) > 1:
        # Every word fits several ("semarang": the regency and the city): the one whose name
        # is exactly the typed words wins ("kota semarang"), else the citizen chooses.
        whole = [office for office in top if typed in _names(office)]
        if len(whole) == 1:
            return whole
    return top


class Network:
    """The offices of the network, by id and by staff group."""

    def __init__(self, units: Sequence[OfficeUnit]) -> None:
        self.units = tuple(units)
        self.by_id = {u.id: u for u in units if u.id is not None}
        self.by_chat = {u.staff_chat_id: u for u in units if u.staff_chat_id is not None}

    def search(self, text: str) -> list[OfficeUnit]:
        """Offices a typed place name may mean, best first: one when it is clear."""
        return search_offices(self.units, text)

    def for_ticket(self, ticket: Ticket) -> OfficeUnit:
        return self.by_id.get(ticket.office or "", self.units[0])

    @functools.cached_property
    def coordinating(self) -> OfficeUnit:
        """The office that coordinates the network (the one whose coordinators see the most
        offices with /queue all): the one whose family is largest, an office without parent
        before one with, else the first listed. The only office of a bot without a network."""
        return max(self.units, key=lambda u: (len(self.family(u)), u.parent is None))

    def for_notice(self, office: str | None) -> OfficeUnit:
        """The office whose staff group hears a notice: the office it concerns, or, for a
        notice about the whole network (``office`` None: the shared FAQ reloaded, updates set
        aside), the coordinating office."""
        if office is None:
            return self.coordinating
        return self.by_id.get(office, self.coordinating)

    def family(self, unit: OfficeUnit) -> list[OfficeUnit]:
        """The office and every office it coordinates, directly or through others."""
        out = [unit]
        for member in out:
            out.extend(u for u in self.units if u.parent == member.id and u not in out)
        return out


class NetworkDesk:
    """The citizens' desk of a network: the citizen's office's desk, once one is chosen."""

    def __init__(self, network: Network) -> None:
        self.network = network
        # Stores the message and answers a citizen who has no office yet; any unit's desk
        # does (the reply goes to the citizen, whatever the office).
        lobby = network.units[0].desk
        assert lobby is not None
        self.lobby = lobby

    async def _unit(self, session: AsyncSession, event: Inbound) -> OfficeUnit | None:
        stmt = (
            select(Citizen.office, Citizen.office_choosing, FormState.kind, FormState.data)
            .outerjoin(FormState, col(FormState.citizen_id) == col(Citizen.id))
            .where(
                Citizen.channel == event.contact.channel,
                Citizen.external_id == event.contact.external_id,
            )
        )
        row = (await session.exec(stmt)).first()
        if row is None or row[1] or row[0] is None:
            return None
        office, _, form, data = row
        if (
            form == "objection"
            and isinstance(data, dict)
            and data.get("office") in self.network.by_id
        ):
            # An objection being filed belongs to the office holding the request, whichever
            # office serves the citizen now (/kantor since, or another office's request).
            office = data["office"]
        return self.network.by_id.get(office)

    async def _desk(self, session: AsyncSession, event: Inbound) -> Desk | None:
        unit = await self._unit(session, event)
        return unit.desk if unit is not None else None

    # -- choosing the office -----------------------------------------------------------------

    async def choose(self, session: AsyncSession, event: Inbound, typed: str | None) -> None:
        """A place name (or office id) typed, or nothing: set the office when it is clear,
        else show the offices to choose from."""
        citizen, lang = await self.lobby.receive(session, event)
        if citizen is not None:
            found = self.network.search(typed) if typed and typed.strip() else []
            current = self.network.by_id.get(citizen.office or "")
            if len(found) == 1:
                await self._set(session, citizen, lang, found[0])
            elif not found and typed and typed.strip() and current is not None:
                # Asked to change (/kantor) but wrote something else: the office stays, and
                # the citizen is not held in the choice.
                citizen.office_choosing = False
                await self.lobby.postman.to_citizen(
                    session, citizen, t("office_kept", lang, office=current.name)
                )
            else:
                await self._prompt(session, citizen, lang, found, typed)
        await self.lobby.commit(session)

    async def _set(
        self, session: AsyncSession, citizen: Citizen, lang: str, unit: OfficeUnit
    ) -> None:
        citizen.office = unit.id
        citizen.office_choosing = False
        await unit.postman.to_citizen(session, citizen, t("office_chosen", lang, office=unit.name))

    async def _prompt(
        self,
        session: AsyncSession,
        citizen: Citizen,
        lang: str,
        found: Sequence[OfficeUnit],
        typed: str | None,
    ) -> None:
        citizen.office_choosing = True
        choices = list(found) or list(self.network.units)
        lines = "\n".join(f"• {html.escape(u.name)} (<code>{u.id}</code>)" for u in choices)
        key = "office_prompt_some" if found else "office_prompt"
        text = t(key, lang, typed=(typed or "").strip()[:60], offices=Markup(lines))
        buttons = tuple((Button(u.name[:60], OFFICE_CALLBACK + (u.id or "")),) for u in choices)
        await self.lobby.postman.to_citizen(session, citizen, text, buttons=buttons)

    async def office(self, session: AsyncSession, event: Inbound, args: str | None) -> None:
        """/kantor [place]: change the office (the list when no place is given)."""
        if args and args.strip():
            await self.choose(session, event, args)
            return
        citizen, lang = await self.lobby.receive(session, event)
        if citizen is not None:
            current = self.network.by_id.get(citizen.office or "")
            await self._prompt(session, citizen, lang, [], None)
            if current is not None:
                await self.lobby.postman.to_citizen(
                    session, citizen, t("office_current", lang, office=current.name)
                )
        await self.lobby.commit(session)

    # -- the desk's use cases, handed to the citizen's office ------------------------------------

    async def start(self, session: AsyncSession, event: Inbound, args: str | None = None) -> None:
        """/start, or /start <office id> from a deep link (t.me/<bot>?start=<id>)."""
        if args and args.strip().lower() in self.network.by_id:
            citizen, lang = await self.lobby.receive(session, event)
            if citizen is not None:
                unit = self.network.by_id[args.strip().lower()]
                citizen.office, citizen.office_choosing = unit.id, False
                assert unit.desk is not None
                await unit.desk.greet(session, citizen, lang, event)
            await self.lobby.commit(session)
            return
        desk = await self._desk(session, event)
        if desk is not None:
            await desk.start(session, event)
        else:
            await self.choose(session, event, None)

    async def ask(self, session: AsyncSession, event: Inbound) -> None:
        desk = await self._desk(session, event)
        if desk is None:
            await self.choose(session, event, event.text)
        else:
            await desk.ask(session, event)

    async def button(self, session: AsyncSession, event: Inbound, data: str) -> None:
        if data.startswith(OFFICE_CALLBACK):
            unit = self.network.by_id.get(data[len(OFFICE_CALLBACK) :])
            citizen, lang = await self.lobby.receive(session, event)
            if citizen is not None:
                if unit is None:
                    await self._prompt(session, citizen, lang, [], None)
                else:
                    await self._set(session, citizen, lang, unit)
            await self.lobby.commit(session)
            return
        desk = await self._desk(session, event)
        if desk is None:
            await self.choose(session, event, None)
        else:
            await desk.button(session, event, data)

    async def _routed(self, session: AsyncSession, event: Inbound) -> Desk | None:
        """The office's desk; None when the citizen must choose first (the list was sent)."""
        desk = await self._desk(session, event)
        if desk is None:
            await self.choose(session, event, None)
        return desk

    async def call_officer(self, session: AsyncSession, event: Inbound) -> None:
        if (desk := await self._routed(session, event)) is not None:
            await desk.call_officer(session, event)

    async def cancel(self, session: AsyncSession, event: Inbound) -> None:
        if (desk := await self._routed(session, event)) is not None:
            await desk.cancel(session, event)

    async def back(self, session: AsyncSession, event: Inbound) -> None:
        if (desk := await self._routed(session, event)) is not None:
            await desk.back(session, event)

    async def status(self, session: AsyncSession, event: Inbound, number: str | None) -> None:
        if (desk := await self._routed(session, event)) is not None:
            await desk.status(session, event, number)

    async def language(self, session: AsyncSession, event: Inbound, choice: str | None) -> None:
        # The language is the citizen's, whatever the office: no choice of office needed.
        desk = await self._desk(session, event) or self.lobby
        await desk.language(session, event, choice)

    async def media(self, session: AsyncSession, event: Inbound) -> None:
        if (desk := await self._routed(session, event)) is not None:
            await desk.media(session, event)

    async def unsupported(self, session: AsyncSession, event: Inbound) -> None:
        if (desk := await self._routed(session, event)) is not None:
            await desk.unsupported(session, event)

    async def edited(self, session: AsyncSession, event: Inbound) -> None:
        desk = await self._desk(session, event) or self.lobby
        await desk.edited(session, event)

    async def request(self, session: AsyncSession, event: Inbound) -> None:
        if (desk := await self._routed(session, event)) is not None:
            await desk.request(session, event)

    async def objection(self, session: AsyncSession, event: Inbound, number: str | None) -> None:
        """/keberatan <PI number>: heard by the office that holds that request (its coordinator
        decides), whichever office serves the citizen now; by the office it was transferred
        to, if it was."""
        desk = await self._routed(session, event)
        if desk is None:
            return
        if number and number.strip():
            stmt = select(Ticket).where(Ticket.number == number.strip().upper())
            ticket = (await session.exec(stmt)).first()
            if ticket is not None:
                # A transferred request: the office that handles it now.
                ticket = await handled_now(session, ticket)
            holder = self.network.by_id.get(ticket.office or "") if ticket is not None else None
            if holder is not None and holder.desk is not None:
                desk = holder.desk
        await desk.objection(session, event, number)

    async def unknown_command(self, session: AsyncSession, event: Inbound) -> None:
        desk = await self._desk(session, event) or self.lobby
        await desk.unknown_command(session, event)


class NetworkStaff:
    """The staff desk of a network: each staff group's office acts on its own tickets; the
    network's commands (/queue all, /alihkan <office>) are answered here."""

    def __init__(self, network: Network, *, transfer_deadline: str = "keep") -> None:
        self.network = network
        self.transfer_deadline = transfer_deadline

    def _unit(self, ev: StaffEvent) -> OfficeUnit | None:
        return self.network.by_chat.get(ev.chat_id)

    async def message(self, session: AsyncSession, ev: StaffEvent) -> None:
        unit = self._unit(ev)
        if unit is not None and unit.staff is not None:
            await unit.staff.message(session, ev)

    async def unknown_command(self, session: AsyncSession, ev: StaffEvent, command: str) -> None:
        unit = self._unit(ev)
        if unit is not None and unit.staff is not None:
            await unit.staff.unknown_command(session, ev, command)

    async def button(self, session: AsyncSession, ev: StaffEvent, data: str) -> str:
        unit = self._unit(ev)
        if unit is None or unit.staff is None:
            return st("button_stale")
        return await unit.staff.button(session, ev, data)

    async def command(
        self, session: AsyncSession, ev: StaffEvent, spec: CommandSpec, args: str
    ) -> None:
        unit = self._unit(ev)
        if unit is None or unit.staff is None:
            return
        word = args.strip().lower()
        staff = unit.staff
        if spec.name == "queue" and word in ("all", "semua") and unit.tickets.is_staff(ev.user_id):
            await self._network_queue(session, ev, unit)
            await staff.commit(session)
        elif (
            spec.name == "laporan"
            and word in ("all", "semua")
            and unit.tickets.is_staff(ev.user_id)
        ):
            await self._network_report(session, ev, unit)
            await staff.commit(session)
        elif spec.name == "alihkan" and word and unit.tickets.is_staff(ev.user_id):
            await self._transfer(session, ev, unit, word)
            await staff.commit(session)
        else:
            await staff.command(session, ev, spec, args)

    # -- /queue all ----------------------------------------------------------------------------

    async def _network_queue(self, session: AsyncSession, ev: StaffEvent, unit: OfficeUnit) -> None:
        """Open tickets and requests of the offices a coordinator's office coordinates."""
        family = self.network.family(unit)
        if ev.user_id not in unit.coordinators or len(family) < 2:
            await unit.postman.to_staff(
                session, st("network_queue_refused"), thread_id=ev.thread_id
            )
            return
        ids = [u.id for u in family]
        stmt = (
            select(Ticket)
            .where(col(Ticket.office).in_(ids), col(Ticket.status).in_(OPEN_STATUSES))
            .order_by(col(Ticket.id))
        )
        open_tickets = (await session.exec(stmt)).all()
        lines = []
        for member in family:
            mine = [tk for tk in open_tickets if tk.office == member.id]
            unassigned = sum(1 for tk in mine if tk.assignee_id is None)
            requests = sum(1 for tk in mine if tk.kind == member.requests.prefix)
            lines.append(
                st(
                    "network_queue_line",
                    office=member.name,
                    open=len(mine),
                    unassigned=unassigned,
                    requests=requests,
                    numbers=", ".join(tk.number for tk in mine[:5]) or "—",
                )
            )
        text = st("network_queue", total=len(open_tickets), lines=Markup("\n".join(lines)))
        await unit.postman.to_staff(session, text, thread_id=ev.thread_id)

    # -- /laporan all ----------------------------------------------------------------------------

    async def _network_report(
        self, session: AsyncSession, ev: StaffEvent, unit: OfficeUnit
    ) -> None:
        """This month's figures of the offices a coordinator's office coordinates: in total
        (when that is the whole network) and one line per office."""
        family = self.network.family(unit)
        if ev.user_id not in unit.coordinators or len(family) < 2:
            await unit.postman.to_staff(
                session, st("network_report_refused"), thread_id=ev.thread_id
            )
            return
        calendar = unit.calendar
        today = unit.tickets.clock.now().astimezone(calendar.tz).date()
        period = month_of(today)
        parts = []
        if len(family) == len(self.network.units):
            total = await build_report(session, calendar, period, today)
            parts.append(summary_html(total))
        lines = []
        for member in family:
            mine = await build_report(session, member.calendar, period, today, office=member.id)
            lines.append(
                st(
                    "network_report_line",
                    office=member.name,
                    requests=mine.requests,
                    past=mine.past_deadline,
                    tickets=mine.tickets,
                    chats=mine.chats,
                )
            )
        parts.append(st("network_report", lines=Markup("\n".join(lines))))
        await unit.postman.to_staff(session, Markup("\n\n".join(parts)), thread_id=ev.thread_id)

    # -- /alihkan <office> ---------------------------------------------------------------------

    async def _transfer(
        self, session: AsyncSession, ev: StaffEvent, src: OfficeUnit, word: str
    ) -> None:
        """Move the topic's ticket or request to another office, with its whole history."""
        assert src.staff is not None
        ticket = await src.staff.ticket_for(session, ev)
        say = src.postman.to_staff
        if ticket is None:
            await say(session, st("no_ticket"), thread_id=ev.thread_id)
            return
        dst = self.network.by_id.get(word)
        if dst is None or dst is src:
            offices = ", ".join(u.id or "" for u in self.network.units if u is not src)
            await say(session, st("transfer_unknown", word=word, offices=offices), ticket=ticket)
            return
        if ticket.kind == src.requests.objection_prefix and ticket.status != "closed":
            await self._objection_stays(session, src, ticket)
            return
        if ticket.status == "closed" or ticket.kind not in (
            src.tickets.prefix,
            src.requests.prefix,
        ):
            await say(session, st("transfer_not_open", number=ticket.number), ticket=ticket)
            return
        citizen = await src.tickets.citizen_of(session, ticket)
        formal = ticket.kind == src.requests.prefix
        request = None
        if formal:
            request = (
                await session.exec(select(InfoRequest).where(InfoRequest.ticket_id == ticket.id))
            ).first()
        today = dst.requests.today()
        restart = formal and self.transfer_deadline == "restart"
        if restart and request is not None:
            # First, before anything is written: its PDF is rendered outside the transaction.
            await src.requests.held_elsewhere_notice(session, ticket, request, ev.user_id, dst.name)
        received = today if restart or request is None else request.received_on
        due = dst.requests.add_days(received, DECIDE_DAYS)

        async def copy_request(new: Ticket) -> None:
            if request is None or new.id is None:
                return
            fields = {"id", "ticket_id", "received_on", "due_on"}
            if restart:
                # The receiving office's own ten days: the old office's extension is not its.
                fields |= {"extended_to", "extension_reason"}
            data = request.model_dump(exclude=fields)
            session.add(InfoRequest(**data, ticket_id=new.id, received_on=received, due_on=due))
            await session.flush()

        start = None
        if formal and not restart:
            start = ticket.created_at  # the law's clock keeps running from the first receipt
        new = await dst.tickets.create(
            session,
            citizen,
            prefix=ticket.kind,
            subject=ticket.subject,
            detail=f"transferred from {ticket.number}",
            ladder=dst.requests.ladder if formal else None,
            start=start,
            prepare=copy_request,
        )
        new.transferred_from = ticket.id
        ticket.transferred_to = new.id
        citizen.office = dst.id  # the citizen's later messages go to the office handling it
        # The receiving topic: where it came from, then the history and the files.
        await dst.postman.to_staff(
            session,
            st("transfer_received", number=ticket.number, office=src.name, new=new.number),
            ticket=new,
        )
        await self._copy_history(session, ticket, new, dst, request)
        # The old topic: closed, naming where it went; its register records the transfer.
        if request is not None:
            request.decision = "transferred"
            request.holder = dst.name
            request.decision_note = new.number
            request.decided_at = src.tickets.clock.now()
            request.notice_on = src.requests.today()
            request.decided_by = ev.user_id
        await src.tickets.close_transferred(session, ticket, ev.user_id, dst.name, new)
        lang = citizen.language
        await dst.postman.to_citizen(
            session,
            citizen,
            t("transferred", lang, number=ticket.number, office=dst.name, new=new.number),
            ticket=new,
        )
        if formal:
            key = "transferred_restart" if restart else "transferred_keep"
            # Kept: the date that binds, an extension's if the old office extended it.
            kept = request.extended_to if request is not None and not restart else None
            shown_due = kept or due
            await dst.postman.to_citizen(
                session,
                citizen,
                t(
                    key,
                    lang,
                    number=new.number,
                    old=ticket.number,
                    office=dst.name,
                    held_by=dst.name,
                    received=dst.requests.fmt(received, lang),
                    due=dst.requests.fmt(shown_due, lang),
                ),
                ticket=new,
            )

    async def _objection_stays(
        self, session: AsyncSession, src: OfficeUnit, ticket: Ticket
    ) -> None:
        """An objection is not moved: the law has it decided by the superior of the PPID of
        the body that handled the request (UU 14/2008 Pasal 35(1), 36), whatever office holds
        the information. The officer is told why, and what to do instead."""
        found = (
            await session.exec(
                select(Objection, InfoRequest, Ticket)
                .join(InfoRequest, col(InfoRequest.id) == col(Objection.request_id))
                .join(Ticket, col(Ticket.id) == col(InfoRequest.ticket_id))
                .where(Objection.ticket_id == ticket.id)
            )
        ).first()
        if found is None:
            await src.postman.to_staff(
                session, st("transfer_not_open", number=ticket.number), ticket=ticket
            )
            return
        objection, _, origin = found
        now = await handled_now(session, origin)
        moved = ""
        if now is not origin:
            holder = self.network.by_id.get(now.office or "")
            moved = st(
                "transfer_objection_now",
                request=origin.number,
                office=holder.name if holder is not None else now.office or "",
                new=now.number,
            )
        text = st(
            "transfer_objection",
            number=ticket.number,
            request=origin.number,
            office=src.name,
            due=src.requests.fmt(objection.due_on),
            now=Markup(moved),
        )
        await src.postman.to_staff(session, text, ticket=ticket)

    async def _copy_history(
        self,
        session: AsyncSession,
        old: Ticket,
        new: Ticket,
        dst: OfficeUnit,
        request: InfoRequest | None,
    ) -> None:
        # The whole chain (A→B→C): the messages of every ticket this one came from.
        chain = [old.id]
        earlier = old.transferred_from
        while earlier is not None and earlier not in chain:
            chain.append(earlier)
            before = await session.get(Ticket, earlier)
            earlier = before.transferred_from if before is not None else None
        stmt = select(Message).where(col(Message.ticket_id).in_(chain)).order_by(col(Message.id))
        messages = (await session.exec(stmt)).all()
        zone = dst.calendar.tz
        lines = []
        files: list[tuple[str, str]] = []
        for m in messages:
            who = "Warga" if m.direction == "in" else "Petugas" if m.author_id else "Bot"
            when = m.created_at.astimezone(zone).strftime("%d-%m %H:%M")
            body = m.text or f"[{m.kind}]"
            lines.append(f"{when} {who}: {html.escape(body[:800])}")
            if m.media_ref and m.kind in ("photo", "document") and m.direction == "in":
                files.append((m.media_ref, m.text))
        if request is not None and request.id_document_file_id:
            files.insert(0, (request.id_document_file_id, "KTP"))
        header = st("transfer_history", number=old.number, count=len(messages))
        chunk = header
        for line in lines or [st("transfer_history_empty")]:
            if len(chunk) + len(line) + 1 > HISTORY_CHUNK:
                await dst.postman.to_staff(session, chunk, ticket=new, silent=True)
                chunk = ""
            chunk = f"{chunk}\n{line}" if chunk else line
        await dst.postman.to_staff(session, chunk, ticket=new, silent=True)
        for file_id, caption in files:
            await dst.postman.document_to_staff(session, new, file_id=file_id, caption=caption)


# What the citizens' handlers call: the one office's desk, or a network's front.
CitizenDesk = Desk | NetworkDesk
