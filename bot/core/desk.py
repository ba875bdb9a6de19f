"""The desk: what happens when a citizen writes. One call is one use case and one transaction."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.callbacks import CallbackCodec
from bot.core.clock import Clock
from bot.core.commands import Where, where_help
from bot.core.dto import Button, Contact, Inbound
from bot.core.faq_service import BUTTON_PREFIX, FaqService, button_data
from bot.core.formal.request_form import FormInput
from bot.core.formal.requests import RequestService
from bot.core.intents import wants_person
from bot.core.postman import Postman
from bot.core.survey import ACTION as SURVEY_ACTION
from bot.core.tickets import TicketService
from bot.texts import language_for, t
from faq import Entry, normalize
from storage.models import Citizen, Ticket, UnansweredQuestion
from storage.repositories import CitizenRepo, MessageRepo, UnansweredRepo

log = logging.getLogger(__name__)

CONTACT_CALLBACK = "petugas"
REQUEST_CALLBACK = "permohonan"
REQUEST_CATEGORIES = frozenset({"permohonan", "permohonan-informasi", "request"})
LANGUAGE_CALLBACK = "bahasa:"
# What /bahasa accepts, folded to lower case.
LANGUAGE_WORDS = {
    "id": "id",
    "indonesia": "id",
    "indonesian": "id",
    "bahasa indonesia": "id",
    "en": "en",
    "english": "en",
    "inggris": "en",
    "bahasa inggris": "en",
}


class Known(NamedTuple):
    """What the read of the citizen that comes with every message told (CitizenRepo.seen):
    False when it has no form open / no live chat that would take the message, so the desk
    asks the database no more (nearly every message)."""

    form: bool
    chat: bool


# The rating question's answers as a citizen may type them (the buttons' labels, in both
# languages); words are matched whole, the longest first ("sangat puas" before "puas").
_RATING_WORDS = {
    "sangat puas": 4,
    "very satisfied": 4,
    "kurang puas": 2,
    "somewhat unsatisfied": 2,
    "tidak puas": 1,
    "unsatisfied": 1,
    "not satisfied": 1,
    "puas": 3,
    "satisfied": 3,
}
_RATING_TEXT = re.compile(r"^(?:([1-4])(?:\s*/\s*4)?)?\s*[·.:,-]?\s*([a-z ]*?)[\s!.]*$")


def typed_rating(text: str) -> int | None:
    """1-4 when ``text`` is only an answer to the rating question ("4", "4/4", "sangat
    puas", "4 · Sangat puas"), else None."""
    match = _RATING_TEXT.match(" ".join(text.lower().split()))
    if match is None:
        return None
    digit, words = match.group(1), match.group(2).strip()
    from_words = _RATING_WORDS.get(words) if words else None
    if words and from_words is None:
        return None
    if digit and from_words is not None and int(digit) != from_words:
        return None
    return int(digit) if digit else from_words


class Desk:
    def __init__(
        self,
        *,
        faq: FaqService,
        clock: Clock,
        postman: Postman,
        tickets: TicketService,
        codec: CallbackCodec,
        office_name: str,
        default_language: str = "id",
        max_text_length: int = 4000,
        messages_per_minute: int = 20,
        max_document_bytes: int = 20 * 1024 * 1024,
        document_types: tuple[str, ...] = (),
        on_commit: Callable[[], None] | None = None,
        requests: RequestService | None = None,
        on_faq_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.requests = requests
        # Told each FAQ match's outcome for a citizen's question (the metrics count them).
        self.on_faq_outcome = on_faq_outcome or (lambda outcome: None)
        self.faq = faq
        self.clock = clock
        self.postman = postman
        self.tickets = tickets
        self.codec = codec
        self.office_name = office_name
        self.default_language = default_language
        self.max_text_length = max_text_length
        self.messages_per_minute = messages_per_minute
        self.max_document_bytes = max_document_bytes
        self.document_types = frozenset(t.lower() for t in document_types)
        # Wakes the outbox sender once the transaction holding new rows is committed.
        self.on_commit = on_commit or (lambda: None)

    # -- use cases -----------------------------------------------------------------------

    async def start(self, session: AsyncSession, event: Inbound, args: str | None = None) -> None:
        # ``args``: a deep link's payload; one office has no use for it (a network's front does).
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            await self.greet(session, citizen, lang, event)
        await self._commit(session)

    async def greet(
        self, session: AsyncSession, citizen: Citizen, lang: str, event: Inbound
    ) -> None:
        """The /start greeting, naming this desk's office."""
        name = event.contact.name or ("Sobat" if lang == "id" else "there")
        await self._say(session, citizen, t("start", lang, name=name, office=self.office_name))

    async def office(self, session: AsyncSession, event: Inbound, args: str | None) -> None:
        """/kantor without a network of offices: this bot serves one office."""
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            await self._say(session, citizen, t("office_single", lang, office=self.office_name))
        await self._commit(session)

    async def receive(self, session: AsyncSession, event: Inbound) -> tuple[Citizen | None, str]:
        """Store an inbound message for another front (a network's): the citizen (None when
        flood control holds the reply) and the reply language."""
        citizen, lang, _, _ = await self._receive(session, event)
        return citizen, lang

    async def commit(self, session: AsyncSession) -> None:
        await self._commit(session)

    async def ask(self, session: AsyncSession, event: Inbound) -> None:
        """Free text: relayed while a ticket is open, else answered from the FAQ, else a ticket."""
        citizen, lang, message_id, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            text = event.text.strip()
            if not text:
                await self._say(session, citizen, t("empty", lang))
            elif len(text) > self.max_text_length:
                limit = self.max_text_length
                await self._say(
                    session, citizen, t("too_long", lang, length=len(text), limit=limit)
                )
            elif await self._typed_rating(session, citizen, lang, text):
                pass  # "4" or "sangat puas" after the rating question: a rating, not a reopen
            elif not await self._relay_if_in_ticket(session, known, citizen, event, message_id):
                await self._answer(session, citizen, lang, event, message_id)
        await self._commit(session)

    async def _typed_rating(
        self, session: AsyncSession, citizen: Citizen, lang: str, text: str
    ) -> bool:
        """A citizen who types the answer to the rating question instead of pressing a button
        is rated (True), when the ticket just closed has no rating yet."""
        score = typed_rating(text)
        if score is None or not self.tickets.enabled:
            return False
        if await self.tickets.open_ticket_of(session, citizen) is not None:
            return False
        ticket = await self.tickets.reopenable_ticket_of(session, citizen)
        if ticket is None or ticket.id is None or ticket.rating is not None:
            return False
        await self.tickets.rate(session, citizen, lang, ticket.id, score)
        return True

    async def call_officer(self, session: AsyncSession, event: Inbound) -> None:
        """/petugas or the "Hubungi petugas" button."""
        citizen, lang, message_id, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            await self._open_ticket(session, citizen, lang, event, message_id, unanswered=False)
        await self._commit(session)

    async def cancel(self, session: AsyncSession, event: Inbound) -> None:
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            await self.tickets.cancel(session, citizen, lang)
        await self._commit(session)

    async def back(self, session: AsyncSession, event: Inbound) -> None:
        """/kembali: one step back in the open form; outside a form there is nothing to undo."""
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            await self._say(session, citizen, t("nothing_to_go_back", lang))
        await self._commit(session)

    async def status(self, session: AsyncSession, event: Inbound, number: str | None) -> None:
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            await self.tickets.status(session, citizen, lang, number)
        await self._commit(session)

    async def button(self, session: AsyncSession, event: Inbound, data: str) -> None:
        """An inline button of a citizen: FAQ choice, contact, or a signed rating."""
        citizen, lang, message_id, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(
            session, known, citizen, lang, event, data
        ):
            if data == REQUEST_CALLBACK and self.requests is not None:
                await self.requests.start_request(session, citizen, lang)
            elif data.startswith(LANGUAGE_CALLBACK) and data[len(LANGUAGE_CALLBACK) :] in (
                "id",
                "en",
            ):
                await self._set_language(session, citizen, lang, data[len(LANGUAGE_CALLBACK) :])
            elif data.startswith(BUTTON_PREFIX):
                entry = self.faq.entry_for_button(data)
                if entry is None:
                    await self._say(session, citizen, t("faq_stale_choice", lang))
                else:
                    await self._send_answer(session, citizen, lang, entry, None)
            elif data == CONTACT_CALLBACK:
                await self._open_ticket(session, citizen, lang, event, message_id, unanswered=False)
            else:
                action = self.codec.unpack(data)
                if action is not None and action.name == "r" and len(action.args) == 2:
                    ticket_id, score = action.args
                    if ticket_id.isdigit() and score.isdigit():
                        await self.tickets.rate(session, citizen, lang, int(ticket_id), int(score))
                elif action is not None and action.name == SURVEY_ACTION:
                    survey = self.tickets.survey
                    if survey is None or not await survey.answer(session, citizen, action.args):
                        await self._say(session, citizen, t("faq_stale_choice", lang))
                else:
                    await self._say(session, citizen, t("faq_stale_choice", lang))
        await self._commit(session)

    async def language(self, session: AsyncSession, event: Inbound, choice: str | None) -> None:
        """/bahasa [id|en]: the language of every later reply, whatever the app reports."""
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            await self._set_language(session, citizen, lang, choice)
        await self._commit(session)

    async def _set_language(
        self, session: AsyncSession, citizen: Citizen, lang: str, choice: str | None
    ) -> None:
        chosen = LANGUAGE_WORDS.get(" ".join((choice or "").lower().split()))
        if chosen is None:
            buttons = (
                (
                    Button("🇮🇩 Bahasa Indonesia", LANGUAGE_CALLBACK + "id"),
                    Button("🇬🇧 English", LANGUAGE_CALLBACK + "en"),
                ),
            )
            await self.postman.to_citizen(
                session, citizen, t("language_prompt", lang), buttons=buttons
            )
            return
        citizen.language = chosen
        citizen.language_chosen = True
        await self._say(session, citizen, t("language_set", chosen))

    async def media(self, session: AsyncSession, event: Inbound) -> None:
        """A photo or document: relayed in a ticket, else kept or refused by type and size."""
        accepted = self._accepts(event)
        citizen, lang, message_id, known = await self._receive(session, event, keep_media=accepted)
        if (
            citizen is not None
            and accepted
            and await self._in_form(session, known, citizen, lang, event)
        ):
            pass  # the form took it (the ID scan of a request)
        elif citizen is not None:
            name = event.file_name or event.kind
            size = event.file_size or 0
            if size > self.max_document_bytes:
                reply = t(
                    "document_too_big",
                    lang,
                    name=name,
                    size=f"{size / 1048576:.1f}",
                    limit=f"{self.max_document_bytes / 1048576:g}",
                )
                await self._say(session, citizen, reply)
            elif not accepted:
                await self._say(session, citizen, t("document_refused", lang, name=name))
            elif not await self._relay_if_in_ticket(session, known, citizen, event, message_id):
                await self._say(session, citizen, t("document_saved", lang, name=name))
        await self._commit(session)

    async def unsupported(self, session: AsyncSession, event: Inbound) -> None:
        """Stickers, voice, locations...: relayed in a ticket (officers can listen), else a
        polite note that only text is read."""
        citizen, lang, message_id, known = await self._receive(session, event)
        if citizen is None or await self._in_form(session, known, citizen, lang, event):
            pass
        elif not await self._relay_if_in_ticket(session, known, citizen, event, message_id):
            await self._say(session, citizen, t("unsupported", lang))
        await self._commit(session)

    async def edited(self, session: AsyncSession, event: Inbound) -> None:
        citizen, lang, _, _ = await self._receive(session, event)
        if citizen is not None:
            await self._say(session, citizen, t("edited", lang))
        await self._commit(session)

    async def request(self, session: AsyncSession, event: Inbound) -> None:
        """/permohonan: the formal request form."""
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            if self.requests is None or not self.tickets.enabled:
                await self._say(session, citizen, t("no_staff", lang))
            else:
                await self.requests.start_request(session, citizen, lang)
        await self._commit(session)

    async def objection(self, session: AsyncSession, event: Inbound, number: str | None) -> None:
        """/keberatan <PI number>: an objection to the citizen's own request."""
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            if self.requests is None or not self.tickets.enabled:
                await self._say(session, citizen, t("no_staff", lang))
            else:
                await self.requests.start_objection(session, citizen, lang, number)
        await self._commit(session)

    async def unknown_command(self, session: AsyncSession, event: Inbound) -> None:
        citizen, lang, _, known = await self._receive(session, event)
        if citizen is not None and not await self._in_form(session, known, citizen, lang, event):
            command = event.text.split(maxsplit=1)[0][:64] if event.text.strip() else "/"
            listed = where_help(Where.PRIVATE)
            await self._say(
                session, citizen, t("unknown_command", lang, command=command, commands=listed)
            )
        await self._commit(session)

    # -- helpers -------------------------------------------------------------------------

    async def _in_form(
        self,
        session: AsyncSession,
        known: Known,
        citizen: Citizen,
        lang: str,
        event: Inbound,
        data: str | None = None,
    ) -> bool:
        """While a form is open every input is its next answer; True when the form took it."""
        if self.requests is None or not known.form:
            return False
        state = await self.requests.form_of(session, citizen)
        if state is None:
            return False
        if data is not None:
            inp = FormInput(kind="button", data=data)
        elif event.kind in ("photo", "document"):
            inp = FormInput(kind=event.kind, text=event.text, file_id=event.media_ref)
        else:
            inp = FormInput(kind=event.kind, text=event.text)
        await self.requests.handle_form(session, citizen, lang, state, inp)
        return True

    def _accepts(self, event: Inbound) -> bool:
        if (event.file_size or 0) > self.max_document_bytes:
            return False
        return (event.mime_type or "").lower() in self.document_types

    async def _receive(
        self, session: AsyncSession, event: Inbound, *, keep_media: bool = True
    ) -> tuple[Citizen | None, str, int, Known]:
        """Store the inbound message; the citizen (None when flood control holds the reply), the
        reply language, the message's id and what the citizen's read told of its state."""
        now = self.clock.now()
        contact: Contact = event.contact
        lang = language_for(contact.language_code, self.default_language)
        # The citizen and its inbound messages of the last minute in one statement, read
        # before this message is written, so it counts as one more.
        citizen, earlier, has_form, has_chat = await CitizenRepo(session).seen(
            channel=contact.channel,
            external_id=contact.external_id,
            name=contact.name,
            username=contact.username,
            language=lang,
            now=now,
            inbound_since=now - timedelta(minutes=1),
            ticket_kind=self.tickets.prefix,
            reopen_since=now - self.tickets.reopen_within,
        )
        assert citizen.id is not None
        known = Known(form=has_form is not False, chat=has_chat is not False)
        if citizen.language_chosen:
            lang = citizen.language
        # Written at once, before any reply: the transcript keeps the question ahead of it.
        message_id = await MessageRepo(session).write(
            citizen_id=citizen.id,
            channel=contact.channel,
            direction="in",
            kind=event.kind,
            text=event.text,
            media_ref=event.media_ref if keep_media else None,
            external_id=event.external_message_id,
            created_at=now,
        )
        recent = earlier + 1
        if recent > self.messages_per_minute:
            # Stored, not answered; the one notice goes with the first message over the limit.
            if recent == self.messages_per_minute + 1:
                await self._say(session, citizen, t("flood", lang))
            return None, lang, message_id, known
        return citizen, lang, message_id, known

    async def _active_ticket(
        self, session: AsyncSession, known: Known, citizen: Citizen
    ) -> Ticket | None:
        if not self.tickets.enabled or not known.chat:
            return None
        ticket = await self.tickets.open_ticket_of(session, citizen)
        return ticket or await self.tickets.reopenable_ticket_of(session, citizen)

    async def _relay_if_in_ticket(
        self, session: AsyncSession, known: Known, citizen: Citizen, event: Inbound, message_id: int
    ) -> bool:
        ticket = await self._active_ticket(session, known, citizen)
        if ticket is None:
            return False
        await MessageRepo(session).set_ticket(message_id, ticket.id)
        await self.tickets.relay_in(session, ticket, citizen, event)
        return True

    async def _open_ticket(
        self,
        session: AsyncSession,
        citizen: Citizen,
        lang: str,
        event: Inbound,
        message_id: int,
        *,
        unanswered: bool,
    ) -> None:
        if not self.tickets.enabled:
            await self._say(
                session, citizen, t("no_staff" if not unanswered else "faq_abstain", lang)
            )
            return
        existing = await self.tickets.open_ticket_of(session, citizen)
        if existing is not None:
            await self._say(session, citizen, t("ticket_exists", lang, number=existing.number))
            return
        ticket = await self.tickets.open(session, citizen, lang, event, unanswered=unanswered)
        if ticket is not None:
            await MessageRepo(session).set_ticket(message_id, ticket.id)

    async def _answer(
        self, session: AsyncSession, citizen: Citizen, lang: str, event: Inbound, message_id: int
    ) -> None:
        text = event.text.strip()
        if wants_person(text):
            await self._open_ticket(session, citizen, lang, event, message_id, unanswered=False)
            return
        match = self.faq.match(text)
        self.on_faq_outcome(match.outcome)
        if match.outcome == "greeting":
            await self._say(session, citizen, t("greeting", lang))
        elif match.outcome == "thanks":
            await self._say(session, citizen, t("thanks", lang))
        elif match.outcome == "answer" and match.entry is not None:
            await self._send_answer(session, citizen, lang, match.entry, match.score)
        elif match.outcome == "ambiguous" and match.entry is not None:
            options = [match.entry, *(entry for entry, _ in match.alternatives[:2])]
            buttons = tuple(
                (Button(label=_button_label(e), data=button_data(e.id)),) for e in options
            )
            buttons += ((self._contact_button(lang),),)
            await self.postman.to_citizen(
                session, citizen, t("faq_ambiguous", lang), buttons=buttons
            )
        else:
            assert citizen.id is not None
            best = match.entry or (match.alternatives[0][0] if match.alternatives else None)
            await UnansweredRepo(session).add(
                UnansweredQuestion(
                    citizen_id=citizen.id,
                    text=text,
                    normalized=normalize(text),
                    best_entry_id=best.id if best else None,
                    best_score=match.score,
                    created_at=self.clock.now(),
                )
            )
            await self._open_ticket(session, citizen, lang, event, message_id, unanswered=True)

    async def _send_answer(
        self, session: AsyncSession, citizen: Citizen, lang: str, entry: Entry, score: float | None
    ) -> None:
        html = t("faq_answer", lang, answer=entry.answer_for(lang).strip())
        buttons: tuple[tuple[Button, ...], ...] | None = None
        if self.tickets.enabled:
            rows = [(self._contact_button(lang),)]
            if self.requests is not None and entry.category in REQUEST_CATEGORIES:
                # An answer about requesting information offers to file one right here.
                rows.insert(0, (Button(t("request_button", lang), REQUEST_CALLBACK),))
            buttons = tuple(rows)
        await self.postman.to_citizen(
            session, citizen, html, buttons=buttons, entry_id=entry.id, score=score
        )

    def _contact_button(self, lang: str) -> Button:
        return Button(label=t("contact_button", lang), data=CONTACT_CALLBACK)

    async def _say(self, session: AsyncSession, citizen: Citizen, html: str) -> None:
        await self.postman.to_citizen(session, citizen, html)

    async def _commit(self, session: AsyncSession) -> None:
        await session.commit()
        self.on_commit()


def _button_label(entry: Entry) -> str:
    label = entry.questions[0] if entry.questions else entry.id
    return label if len(label) <= 60 else label[:57] + "..."
