"""Formal requests for public information and objections (UU 14/2008), Telegram-free.

A request is a ticket of kind PI (its number, topic, card and routing come from the ticket
machinery) plus an info_request row with the form's fields and the statutory dates. Its clock
is the law's: 10 working days from the day after receipt (Pasal 22(7)), once extendable by 7
(Pasal 22(8)); officers' messages in between do not stop it, only the written decision does.
An objection (keberatan, Pasal 35) is a ticket of kind KB decided by a coordinator (atasan PPID)
within 30 working days (Pasal 36), after which a dispute may go to the Komisi Informasi within
14 working days (Pasal 37).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.calendar import OfficeCalendar
from bot.core.clock import Clock
from bot.core.dip.service import DipService
from bot.core.dto import Button
from bot.core.durations import Duration
from bot.core.formal.lookup import OBTAIN, RequestLookup
from bot.core.formal.notices import (
    DEFAULT_TEXTS,
    PASAL_17,
    PASAL_35,
    Decision,
    NoticeTexts,
    ObjectionDecision,
    ObjectionDecisionKind,
    ObjectionInfo,
    Office,
    RequestDecisionKind,
    RequestInfo,
    render_objection_notice,
    render_request_notice,
)
from bot.core.formal.request_form import (
    FIELD_STEPS,
    FormInput,
    FormOutput,
    Offer,
    RequestForm,
    Step,
    mask_nik,
)
from bot.core.offload import Offload
from bot.core.postman import Postman
from bot.core.tickets import TicketService
from bot.texts import st, t
from storage.models import Citizen, DipDeflection, FormState, InfoRequest, Objection, Ticket

log = logging.getLogger(__name__)

# The data of the desk's "file a request" button (bot.core.desk.REQUEST_CALLBACK; the desk
# imports this module, so the value is repeated here).
REQUEST_BUTTON = "permohonan"
# The steps up to "information requested": the form is still (or back) there.
_UP_TO_INFORMATION = frozenset(FIELD_STEPS[: FIELD_STEPS.index(Step.INFORMATION) + 1])
_FORM_OF = select(FormState).where(col(FormState.citizen_id) == bindparam("citizen_id"))

DECIDE_DAYS = 10  # Pasal 22(7)
EXTEND_DAYS = 7  # Pasal 22(8)
OBJECTION_WINDOW_DAYS = 30  # Pasal 35-36
OBJECTION_DECIDE_DAYS = 30  # Pasal 36
COMMISSION_DAYS = 14  # Pasal 37
DECISIONS: dict[str, tuple[RequestDecisionKind, str]] = {
    "kabulkan": ("granted", "/kabulkan [catatan]"),
    "kabulkan_sebagian": (
        "partly_granted",
        "/kabulkan_sebagian <catatan: apa yang diberikan dan apa yang tidak>",
    ),
    "tolak": ("rejected", "/tolak <huruf Pasal 17, a-j> <alasan>"),
    "tidak_dikuasai": ("not_held", "/tidak_dikuasai <badan publik yang menguasai>"),
    "perpanjang": ("extended", "/perpanjang <alasan>"),
}
DECISION_WORDS = {
    "granted": "diterima",
    "partly_granted": "diterima sebagian",
    "rejected": "ditolak",
    "not_held": "tidak dikuasai",
    "extended": "diperpanjang",
    # Moved to another office of the network (/alihkan <office>): its holder names that office.
    "transferred": "dialihkan",
}


async def handled_now(session: AsyncSession, ticket: Ticket) -> Ticket:
    """The ticket that carries a request now: the last of its transfers between offices
    (A→B→C gives C's), else the ticket itself."""
    seen = {ticket.id}
    while ticket.transferred_to is not None and ticket.transferred_to not in seen:
        later = await session.get(Ticket, ticket.transferred_to)
        if later is None:
            break
        seen.add(later.id)
        ticket = later
    return ticket


class RequestService:
    def __init__(
        self,
        *,
        clock: Clock,
        calendar: OfficeCalendar,
        postman: Postman,
        tickets: TicketService,
        lookup: RequestLookup,
        office: Office,
        coordinators: Sequence[int],
        prefix: str = "PI",
        objection_prefix: str = "KB",
        from_next_day: bool = True,
        reminder_days: Sequence[int] = (5, 8),
        notice_texts: NoticeTexts = DEFAULT_TEXTS,
        offload: Offload | None = None,
        dip: DipService | None = None,
    ) -> None:
        # The information map: published items close to the information requested are
        # offered before the request goes on; an exempt one is explained (never refused).
        self.dip = dip
        # PDF notices are rendered through it, outside the transaction (bot.core.offload).
        self.offload = offload or Offload()
        self.clock = clock
        self.calendar = calendar
        self.postman = postman
        self.tickets = tickets
        self.lookup = lookup
        self.office = office
        self.notice_texts = notice_texts
        self.coordinators = tuple(coordinators)
        self.prefix = prefix
        self.objection_prefix = objection_prefix
        self.from_next_day = from_next_day
        # Reminders to the assignee at these working days, then the coordinators on the due
        # day and every working day after while it is undecided.
        self.ladder: list[tuple[Duration, str]] = [
            (Duration(working_days=n), "assignee") for n in reminder_days
        ]
        self.ladder.append((Duration(working_days=DECIDE_DAYS), "coordinators_daily"))

    # -- dates -----------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock.now().astimezone(self.calendar.tz).date()

    def add_days(self, start: date, n: int) -> date:
        return self.calendar.add_working_days(start, n, from_next_day=self.from_next_day)

    def fmt(self, d: date, lang: str = "id") -> str:
        return self.calendar.format_day(d, lang)

    # -- forms -----------------------------------------------------------------------------

    async def form_of(self, session: AsyncSession, citizen: Citizen) -> FormState | None:
        return (await session.exec(_FORM_OF, params={"citizen_id": citizen.id})).first()

    async def _say(self, session: AsyncSession, citizen: Citizen, out: FormOutput) -> None:
        buttons = tuple(tuple(Button(label, data) for label, data in row) for row in out.buttons)
        await self.postman.to_citizen(session, citizen, out.text, buttons=buttons or None)

    async def start_request(self, session: AsyncSession, citizen: Citizen, lang: str) -> None:
        assert citizen.id is not None
        if await self.form_of(session, citizen) is not None:
            await self.postman.to_citizen(session, citizen, t("request_form_busy", lang))
            return
        count = await self.tickets.open_count(session, citizen)
        if count >= self.tickets.max_open_per_citizen:
            await self.postman.to_citizen(session, citizen, t("ticket_limit", lang, count=count))
            return
        form = RequestForm.new(lang=lang)
        out = form.start()
        session.add(
            FormState(
                citizen_id=citizen.id,
                kind="request",
                data=form.to_dict(),
                updated_at=self.clock.now(),
            )
        )
        await self._say(session, citizen, out)

    async def handle_form(
        self, session: AsyncSession, citizen: Citizen, lang: str, state: FormState, inp: FormInput
    ) -> None:
        """The citizen's next answer in a form (a request or an objection)."""
        if state.kind == "objection":
            await self._objection_step(session, citizen, lang, state, inp)
            return
        try:
            form = RequestForm.from_dict(state.data)
        except ValueError:
            # A form saved by another version, or damaged: start again rather than fail.
            log.warning("form state of citizen %s unreadable; starting afresh", citizen.id)
            form = RequestForm.new(lang=lang)
            state.data = form.to_dict()
            await self._say(session, citizen, form.start())
            return
        answering = form.step
        out = form.handle(inp)
        if out.deflected is not None:
            await session.delete(state)
            await self._deflected(session, citizen, form.lang, out)
            return
        if out.cancelled:
            await session.delete(state)
            await self._say(session, citizen, out)
            return
        if answering is Step.INFORMATION and form.step not in _UP_TO_INFORMATION:
            # The information was answered (the form moved on, not back with /kembali).
            out = self._offer_dip(form, out)
        if out.done:
            await session.delete(state)
            await self._submit(session, citizen, lang, out.values)
            return
        state.data = form.to_dict()
        state.updated_at = self.clock.now()
        await self._say(session, citizen, out)

    def _offer_dip(self, form: RequestForm, out: FormOutput) -> FormOutput:
        """After "information requested": the published items close to it, offered first;
        the closest exempt item explained on its own, above the next question."""
        if self.dip is None or out.done:
            return out
        found = self.dip.find(str(form.values.get("information") or ""))
        note = self.dip.exempt_html(found.exempt.item, form.lang) if found.exempt else ""
        if found.published:
            offers = tuple(Offer(h.item.id, h.item.title, h.item.format) for h in found.published)
            return form.offer(offers, note)
        if note:
            return FormOutput(f"{note}\n\n{out.text}", out.buttons)
        return out

    async def _deflected(
        self, session: AsyncSession, citizen: Citizen, lang: str, out: FormOutput
    ) -> None:
        """The citizen took a published item instead of filing: recorded, and handed over."""
        assert citizen.id is not None and out.deflected is not None
        item = self.dip.item(out.deflected) if self.dip is not None else None
        if item is None:  # the map was reloaded meanwhile: nothing to hand over, nothing to count
            buttons = ((Button(t("request_button", lang), REQUEST_BUTTON),),)
            await self.postman.to_citizen(
                session, citizen, t("dip_item_gone", lang), buttons=buttons
            )
            return
        session.add(
            DipDeflection(
                citizen_id=citizen.id,
                item_id=item.id,
                category=item.category,
                channel=citizen.channel,
                office=self.tickets.office,  # where it happened, whatever the citizen does later
                created_at=self.clock.now(),
            )
        )
        assert self.dip is not None
        text = f"{out.text}\n\n{self.dip.published_html(item, lang)}"
        buttons = ((Button(t("request_button", lang), REQUEST_BUTTON),),)
        await self.postman.to_citizen(session, citizen, text, buttons=buttons)

    async def _submit(
        self, session: AsyncSession, citizen: Citizen, lang: str, values: dict[str, Any]
    ) -> None:
        received = self.today()
        due = self.add_days(received, DECIDE_DAYS)
        info = str(values["information"])

        async def add_request(ticket: Ticket) -> None:
            assert ticket.id is not None
            session.add(
                InfoRequest(
                    ticket_id=ticket.id,
                    requester_kind=str(values["requester_kind"]),
                    name=str(values["name"]),
                    id_number=str(values["id_number"]),
                    id_document_file_id=values.get("id_document_file_id"),
                    address=str(values["address"]),
                    occupation=str(values["occupation"]),
                    phone=str(values["phone"]),
                    email=values.get("email"),
                    information=info,
                    purpose=str(values["purpose"]),
                    obtain=str(values["obtain"]),
                    receive=str(values["receive"]),
                    received_on=received,
                    due_on=due,
                )
            )
            await session.flush()

        ticket = await self.tickets.create(
            session,
            citizen,
            prefix=self.prefix,
            subject=info,
            detail="request",
            ladder=self.ladder,
            prepare=add_request,
        )
        text = t(
            "request_registered",
            lang,
            number=ticket.number,
            received=self.fmt(received, lang),
            due=self.fmt(due, lang),
        )
        await self.postman.to_citizen(session, citizen, text, ticket=ticket)
        if values.get("id_document_file_id"):
            # The KTP scan goes to the officers' topic with the card.
            await self.postman.document_to_staff(
                session, ticket, file_id=str(values["id_document_file_id"])
            )

    # -- officers' decisions ----------------------------------------------------------------

    async def decide(
        self, session: AsyncSession, ticket: Ticket, officer_id: int, command: str, args: str
    ) -> str | None:
        """A decision command in a request's topic; returns a staff-facing problem, if any."""
        if ticket.kind != self.prefix:
            return st("decision_not_request")
        request = await self.lookup.request_of(session, ticket)
        if request is None:
            return st("decision_not_request")
        kind, usage = DECISIONS[command]
        if request.decision is not None:
            return st(
                "decision_done", number=ticket.number, decision=DECISION_WORDS[request.decision]
            )
        args = args.strip()
        exemption = None
        reason = args
        if kind == "rejected":
            letter, _, rest = args.partition(" ")
            letter = letter.lower().strip("().")
            if letter not in PASAL_17 or not rest.strip():
                return st("decision_usage", usage=usage)
            exemption, reason = letter, rest.strip()
        elif kind in ("partly_granted", "not_held", "extended") and not args:
            return st("decision_usage", usage=usage)
        if kind == "extended" and request.extended_to is not None:
            return st("decision_extended_once", number=ticket.number)
        citizen = await self.tickets.citizen_of(session, ticket)
        officer = await self.tickets.officer_name(session, officer_id)
        today = self.today()
        objection_deadline = (
            None if kind == "extended" else self.add_days(today, OBJECTION_WINDOW_DAYS)
        )
        new_due = self.add_days(request.due_on, EXTEND_DAYS) if kind == "extended" else None
        decision = Decision(
            kind=kind,
            decided=today,
            officer_name=officer,
            note=args if kind in ("granted", "partly_granted") else "",
            exemption=exemption,
            reason=reason if kind in ("rejected", "extended") else "",
            holder=args if kind == "not_held" else "",
            what_given=args if kind in ("granted", "partly_granted") else "",
            format=OBTAIN.get(request.obtain, request.obtain),
            cost="Tidak dipungut biaya" if kind in ("granted", "partly_granted") else "",
            new_due=new_due,
            objection_deadline=objection_deadline,
        )
        await self._send_notice(session, ticket, request, citizen, decision)
        if kind == "extended":
            assert new_due is not None
            request.extended_to = new_due
            request.extension_reason = reason
            if self.tickets.sla is not None:
                # The law's clock moves to the new date: the coordinators hear of it then.
                days = self.calendar.working_days_between(request.received_on, new_due)
                await self.tickets.sla.start_round(
                    session,
                    ticket,
                    self.clock.now(),
                    ladder=[
                        (
                            Duration(
                                working_days=max(
                                    days
                                    - self.calendar.working_days_between(
                                        request.received_on, today
                                    ),
                                    1,
                                )
                            ),
                            "coordinators_daily",
                        )
                    ],
                )
            await self.tickets.log_event(
                session, ticket, f"officer:{officer_id}", "extended", reason
            )
            await self.postman.to_staff(
                session,
                st("extended_staff", number=ticket.number, due=self.fmt(new_due), reason=reason),
                ticket=ticket,
            )
            return None
        request.decision = kind
        request.decision_note = reason if kind == "rejected" else args
        request.exemption = exemption
        request.holder = args if kind == "not_held" else None
        request.decided_at = self.clock.now()
        request.notice_on = today
        request.decided_by = officer_id
        await self.tickets.close_decided(session, ticket, officer_id, kind)
        await self.postman.to_staff(
            session,
            st("decision_sent", number=ticket.number, decision=DECISION_WORDS[kind]),
            ticket=ticket,
        )
        return None

    async def held_elsewhere_notice(
        self,
        session: AsyncSession,
        ticket: Ticket,
        request: InfoRequest,
        officer_id: int,
        holder: str,
    ) -> None:
        """The written notice (PDF, this office's letterhead) that the information is not held
        here but by ``holder`` (UU 14/2008 Pasal 22(7)): sent when a request moved to another
        office of the network starts anew there. Rendered outside the transaction
        (bot.core.offload): call it before the use case writes anything."""
        citizen = await self.tickets.citizen_of(session, ticket)
        today = self.today()
        decision = Decision(
            kind="not_held",
            decided=today,
            officer_name=await self.tickets.officer_name(session, officer_id),
            holder=holder,
            objection_deadline=self.add_days(today, OBJECTION_WINDOW_DAYS),
        )
        await self._send_notice(session, ticket, request, citizen, decision)

    async def _send_notice(
        self,
        session: AsyncSession,
        ticket: Ticket,
        request: InfoRequest,
        citizen: Citizen,
        decision: Decision,
    ) -> None:
        """The written notice of ``decision`` (a PDF rendered in a worker thread, see
        bot.core.offload) sent to the citizen with its summary as the caption."""
        notice = (self.office, self._info(ticket, request), decision, citizen.language)
        pdf, summary = self.offload.result(
            notice, lambda: render_request_notice(*notice, texts=self.notice_texts)
        )
        await self.postman.document_to_citizen(
            session,
            citizen,
            pdf,
            filename=f"{ticket.number}-{decision.kind}.pdf",
            caption=summary,
            ticket=ticket,
        )

    def _info(self, ticket: Ticket, request: InfoRequest) -> RequestInfo:
        return RequestInfo(
            number=ticket.number,
            received=request.received_on,
            due=request.extended_to or request.due_on,
            requester_name=request.name,
            requester_kind=request.requester_kind,
            nik_masked=mask_nik(request.id_number),
            address=request.address,
            phone=request.phone,
            email=request.email,
            information=request.information,
            purpose=request.purpose,
            obtain=request.obtain,
            receive=request.receive,
        )

    # -- objections ------------------------------------------------------------------------------

    async def start_objection(
        self, session: AsyncSession, citizen: Citizen, lang: str, number: str | None
    ) -> None:
        assert citizen.id is not None
        if not number:
            await self.postman.to_citizen(session, citizen, t("objection_usage", lang))
            return
        if await self.form_of(session, citizen) is not None:
            await self.postman.to_citizen(session, citizen, t("request_form_busy", lang))
            return
        wanted = number.strip().upper()[:40]
        stmt = (
            select(Ticket, InfoRequest)
            .join(InfoRequest, col(InfoRequest.ticket_id) == col(Ticket.id))
            .where(Ticket.number == wanted, Ticket.citizen_id == citizen.id)
        )
        found = (await session.exec(stmt)).first()
        if found is None:
            await self.postman.to_citizen(
                session, citizen, t("objection_not_found", lang, number=wanted)
            )
            return
        ticket, request = found
        transferred = ""
        holder = await handled_now(session, ticket)
        office = holder.office
        if holder is not ticket:
            # Moved to another office: the objection is to the body that handles it now
            # (Pasal 35(1): its PPID's superior), against the request as registered there.
            moved = (
                await session.exec(select(InfoRequest).where(InfoRequest.ticket_id == holder.id))
            ).first()
            if moved is not None:
                transferred = t(
                    "objection_follows_transfer",
                    lang,
                    old=wanted,
                    number=holder.number,
                    office=self.office.name,
                )
                wanted, request = holder.number, moved
        existing = (
            await session.exec(
                select(Objection, Ticket)
                .join(Ticket, col(Ticket.id) == col(Objection.ticket_id))
                .where(Objection.request_id == request.id)
            )
        ).first()
        if existing is not None:
            await self.postman.to_citizen(
                session,
                citizen,
                t("objection_exists", lang, number=wanted, objection=existing[1].number),
            )
            return
        today = self.today()
        due = request.extended_to or request.due_on
        # The window runs from the written decision, or from the day the deadline was missed.
        start = (
            request.notice_on if request.notice_on is not None else (due if today > due else None)
        )
        if start is None:
            await self.postman.to_citizen(
                session,
                citizen,
                t("objection_too_early", lang, number=wanted, due=self.fmt(due, lang)),
            )
            return
        until = self.add_days(start, OBJECTION_WINDOW_DAYS)
        if today > until:
            await self.postman.to_citizen(
                session,
                citizen,
                t("objection_too_late", lang, number=wanted, until=self.fmt(until, lang)),
            )
            return
        assert request.id is not None
        session.add(
            FormState(
                citizen_id=citizen.id,
                kind="objection",
                # The office that hears it: the form's next steps go to it (a network routes
                # a citizen's messages by it while the form is open).
                data={
                    "request_id": request.id,
                    "number": wanted,
                    "step": "ground",
                    "lang": lang,
                    "office": office,
                },
                updated_at=self.clock.now(),
            )
        )
        await self._ask_ground(session, citizen, lang, wanted, transferred)

    async def _ask_ground(
        self, session: AsyncSession, citizen: Citizen, lang: str, number: str, before: str = ""
    ) -> None:
        grounds = [
            (Button(f"{letter}. {text}"[:60], f"kb:ground:{letter}"),)
            for letter, text in self.notice_texts.grounds("id").items()
        ]
        cancel = (Button("Batal" if lang == "id" else "Cancel", "kb:cancel"),)
        buttons = (*grounds, cancel)
        text = t("objection_ground", lang, number=number)
        await self.postman.to_citizen(
            session, citizen, f"{before}\n\n{text}" if before else text, buttons=buttons
        )

    async def _objection_step(
        self, session: AsyncSession, citizen: Citizen, lang: str, state: FormState, inp: FormInput
    ) -> None:
        data = dict(state.data)
        command = inp.text.strip().lower() if inp.kind == "command" else ""
        if command.startswith("/batal") or inp.data == "kb:cancel":
            await session.delete(state)
            await self.postman.to_citizen(session, citizen, t("objection_cancelled", lang))
            return
        if data.get("step") == "ground":
            letter = (inp.data or "").removeprefix("kb:ground:") if inp.kind == "button" else ""
            if letter not in PASAL_35:
                await self.postman.to_citizen(session, citizen, t("objection_pick_ground", lang))
                return
            data.update(step="explanation", ground=letter)
            state.data = data
            await self.postman.to_citizen(session, citizen, t("objection_explain", lang))
            return
        text = inp.text.strip() if inp.kind == "text" else ""
        if len(text) < 10:
            await self.postman.to_citizen(session, citizen, t("objection_explain_short", lang))
            return
        await session.delete(state)
        await self._submit_objection(
            session, citizen, lang, int(data["request_id"]), data["ground"], text[:2000]
        )

    async def _submit_objection(
        self,
        session: AsyncSession,
        citizen: Citizen,
        lang: str,
        request_id: int,
        ground: str,
        text: str,
    ) -> None:
        request = await session.get(InfoRequest, request_id)
        assert request is not None
        origin = await session.get(Ticket, request.ticket_id)
        assert origin is not None
        received = self.today()
        due = self.add_days(received, OBJECTION_DECIDE_DAYS)

        async def add_objection(ticket: Ticket) -> None:
            assert ticket.id is not None and request.id is not None
            session.add(
                Objection(
                    ticket_id=ticket.id,
                    request_id=request.id,
                    ground=ground,
                    explanation=text,
                    received_on=received,
                    due_on=due,
                )
            )
            await session.flush()

        ticket = await self.tickets.create(
            session,
            citizen,
            prefix=self.objection_prefix,
            subject=text,
            detail="objection",
            ladder=[(Duration(working_days=OBJECTION_DECIDE_DAYS), "coordinators_daily")],
            prepare=add_objection,
        )
        await self.postman.to_citizen(
            session,
            citizen,
            t(
                "objection_registered",
                lang,
                number=ticket.number,
                request=origin.number,
                due=self.fmt(due, lang),
            ),
            ticket=ticket,
        )
        private = st(
            "objection_new_private",
            number=ticket.number,
            request=origin.number,
            name=request.name,
            ground=ground,
            due=self.fmt(due),
        )
        for coordinator in self.coordinators:
            await self.postman.to_user(session, coordinator, private)

    def _not_coordinator(self, user_id: int) -> str | None:
        """Why ``user_id`` may not decide an objection (only coordinators, the PPID's superiors,
        may; an office without any is told what to configure), or None."""
        if user_id in self.coordinators:
            return None
        return st("objection_only_coordinator" if self.coordinators else "no_coordinators")

    async def decide_objection(
        self, session: AsyncSession, ticket: Ticket, user_id: int, args: str
    ) -> str | None:
        if (refusal := self._not_coordinator(user_id)) is not None:
            return refusal
        if ticket.kind != self.objection_prefix:
            return st("objection_not_here")
        objection = (
            await session.exec(select(Objection).where(Objection.ticket_id == ticket.id))
        ).first()
        if objection is None:
            return st("objection_not_here")
        verdict, _, reason = args.strip().partition(" ")
        verdicts: dict[str, ObjectionDecisionKind] = {"terima": "accepted", "tolak": "rejected"}
        kind = verdicts.get(verdict.lower())
        if kind is None or not reason.strip():
            return st("decision_usage", usage="/putusan_keberatan terima|tolak <alasan>")
        if objection.decision is not None:
            return st("decision_done", number=ticket.number, decision=objection.decision)
        today = self.today()
        request = await session.get(InfoRequest, objection.request_id)
        origin = await session.get(Ticket, request.ticket_id) if request else None
        citizen = await self.tickets.citizen_of(session, ticket)
        coordinator = await self.tickets.officer_name(session, user_id)
        info = ObjectionInfo(
            number=ticket.number,
            request_number=origin.number if origin else "",
            received=objection.received_on,
            due=objection.due_on,
            requester_name=request.name if request else citizen.name,
            ground=objection.ground,
            explanation=objection.explanation,
        )
        decision = ObjectionDecision(
            kind=kind,
            decided=today,
            coordinator_name=coordinator,
            reason=reason.strip(),
            commission_deadline=self.add_days(today, COMMISSION_DAYS),
        )
        notice = (self.office, info, decision, citizen.language)
        pdf, summary = self.offload.result(
            notice, lambda: render_objection_notice(*notice, texts=self.notice_texts)
        )
        objection.decision = kind
        objection.reason = reason.strip()
        objection.decided_at = self.clock.now()
        objection.decided_by = user_id
        await self.postman.document_to_citizen(
            session,
            citizen,
            pdf,
            filename=f"{ticket.number}-{kind}.pdf",
            caption=summary,
            ticket=ticket,
        )
        await self.tickets.close_decided(session, ticket, user_id, kind)
        words = "diterima" if kind == "accepted" else "ditolak"
        await self.postman.to_staff(
            session, st("objection_decided", number=ticket.number, decision=words), ticket=ticket
        )
        return None

    async def record_commission(
        self, session: AsyncSession, ticket: Ticket, user_id: int, args: str
    ) -> str | None:
        """/sengketa [YYYY-MM-DD] [note]: the requester took the decided objection to the
        Komisi Informasi (Pasal 37); the date is when the office learned it was registered
        there (today by default). Returns the polite refusal, or None when it was recorded."""
        if (refusal := self._not_coordinator(user_id)) is not None:
            return refusal
        if ticket.kind != self.objection_prefix:
            return st("objection_not_here")
        objection = (
            await session.exec(select(Objection).where(Objection.ticket_id == ticket.id))
        ).first()
        if objection is None:
            return st("objection_not_here")
        if objection.decided_at is None:
            return st("commission_undecided", number=ticket.number)
        if objection.commission_on is not None:
            return st(
                "commission_done", number=ticket.number, day=self.fmt(objection.commission_on)
            )
        first, _, rest = args.strip().partition(" ")
        day = self.today()
        note = args.strip()
        if first[:1].isdigit():
            try:
                day = date.fromisoformat(first)
            except ValueError:
                return st("decision_usage", usage="/sengketa [YYYY-MM-DD] [catatan]")
            note = rest.strip()
        decided = objection.decided_at.astimezone(self.calendar.tz).date()
        if day < decided or day > self.today():
            return st("commission_bad_day", day=self.fmt(day), decided=self.fmt(decided))
        objection.commission_on = day
        objection.commission_note = note
        await self.postman.to_staff(
            session,
            st(
                "commission_recorded",
                number=ticket.number,
                day=self.fmt(day),
                note=f": {note}" if note else "",
            ),
            ticket=ticket,
        )
        return None
