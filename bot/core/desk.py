"""The desk: what happens when a citizen writes. One call is one use case and one transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.core.dto import Button, Contact, Inbound, Reply
from bot.core.faq_service import FaqService
from bot.texts import language_for, t
from faq import Entry, normalize
from storage.models import Citizen, Message, Outbox, UnansweredQuestion
from storage.repositories import CitizenRepo, MessageRepo, OutboxRepo, UnansweredRepo

log = logging.getLogger(__name__)

# Replies to citizens go before bulk pushes (digests, reminders) in the outbox.
PRIORITY_REPLY = 0
PRIORITY_BULK = 10
FAQ_CALLBACK_PREFIX = "faq:"


def faq_callback_data(entry_id: str) -> str:
    """Short, fixed-size button data for an entry (Telegram allows 64 bytes)."""
    return FAQ_CALLBACK_PREFIX + hashlib.sha256(entry_id.encode()).hexdigest()[:16]


class Desk:
    def __init__(
        self,
        *,
        faq: FaqService,
        clock: Clock,
        office_name: str,
        default_language: str = "id",
        max_text_length: int = 4000,
        messages_per_minute: int = 20,
        max_document_bytes: int = 20 * 1024 * 1024,
        document_types: tuple[str, ...] = (),
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.faq = faq
        self.clock = clock
        self.office_name = office_name
        self.default_language = default_language
        self.max_text_length = max_text_length
        self.messages_per_minute = messages_per_minute
        self.max_document_bytes = max_document_bytes
        self.document_types = frozenset(t.lower() for t in document_types)
        # Wakes the outbox sender once the transaction holding new rows is committed.
        self.on_commit = on_commit or (lambda: None)

    # -- use cases -----------------------------------------------------------------------

    async def start(self, session: AsyncSession, event: Inbound) -> None:
        citizen, lang = await self._receive(session, event)
        if citizen is not None:
            name = event.contact.name or ("Sobat" if lang == "id" else "there")
            reply = Reply(t("start", lang, name=name, office=self.office_name))
            await self._reply(session, citizen, reply)
        await self._commit(session)

    async def ask(self, session: AsyncSession, event: Inbound) -> None:
        """A free-text question: answer from the FAQ, or record it as unanswered."""
        citizen, lang = await self._receive(session, event)
        if citizen is not None:
            text = event.text.strip()
            if not text:
                await self._reply(session, citizen, Reply(t("empty", lang)))
            elif len(text) > self.max_text_length:
                reply = t("too_long", lang, length=len(text), limit=self.max_text_length)
                await self._reply(session, citizen, Reply(reply))
            else:
                await self._answer(session, citizen, lang, text)
        await self._commit(session)

    async def pick_faq(self, session: AsyncSession, event: Inbound, data: str) -> None:
        """The citizen chose one entry offered as a button after an ambiguous match."""
        citizen, lang = await self._receive(session, event)
        if citizen is not None:
            entry = self._entry_for_callback(data)
            if entry is None:
                await self._reply(session, citizen, Reply(t("faq_stale_choice", lang)))
            else:
                reply = self._answer_reply(entry, lang)
                await self._reply(session, citizen, reply, entry_id=entry.id)
        await self._commit(session)

    async def media(self, session: AsyncSession, event: Inbound) -> None:
        """A photo or document: kept when of an accepted type and size, refused otherwise."""
        citizen, lang = await self._receive(session, event, keep_media=self._accepts(event))
        if citizen is not None:
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
            elif not self._accepts(event):
                reply = t("document_refused", lang, name=name)
            else:
                reply = t("document_saved", lang, name=name)
            await self._reply(session, citizen, Reply(reply))
        await self._commit(session)

    async def unsupported(self, session: AsyncSession, event: Inbound) -> None:
        citizen, lang = await self._receive(session, event)
        if citizen is not None:
            await self._reply(session, citizen, Reply(t("unsupported", lang)))
        await self._commit(session)

    async def edited(self, session: AsyncSession, event: Inbound) -> None:
        citizen, lang = await self._receive(session, event)
        if citizen is not None:
            await self._reply(session, citizen, Reply(t("edited", lang)))
        await self._commit(session)

    async def unknown_command(self, session: AsyncSession, event: Inbound) -> None:
        citizen, lang = await self._receive(session, event)
        if citizen is not None:
            command = event.text.split(maxsplit=1)[0][:64] if event.text.strip() else "/"
            reply = Reply(t("unknown_command", lang, command=command))
            await self._reply(session, citizen, reply)
        await self._commit(session)

    # -- helpers -------------------------------------------------------------------------

    def _accepts(self, event: Inbound) -> bool:
        if (event.file_size or 0) > self.max_document_bytes:
            return False
        return (event.mime_type or "").lower() in self.document_types

    async def _receive(
        self, session: AsyncSession, event: Inbound, *, keep_media: bool = True
    ) -> tuple[Citizen | None, str]:
        """Store the inbound message; the citizen, or None when flood control holds the reply."""
        now = self.clock.now()
        contact: Contact = event.contact
        lang = language_for(contact.language_code, self.default_language)
        citizen = await CitizenRepo(session).upsert(
            channel=contact.channel,
            external_id=contact.external_id,
            name=contact.name,
            username=contact.username,
            language=lang,
            now=now,
        )
        assert citizen.id is not None
        messages = MessageRepo(session)
        await messages.add(
            Message(
                citizen_id=citizen.id,
                channel=contact.channel,
                direction="in",
                kind=event.kind,
                text=event.text,
                media_ref=event.media_ref if keep_media else None,
                external_id=event.external_message_id,
                created_at=now,
            )
        )
        recent = await messages.count_inbound_since(citizen.id, now - timedelta(minutes=1))
        if recent > self.messages_per_minute:
            # Stored, not answered; the one notice goes with the first message over the limit.
            if recent == self.messages_per_minute + 1:
                await self._reply(session, citizen, Reply(t("flood", lang)))
            return None, lang
        return citizen, lang

    async def _answer(self, session: AsyncSession, citizen: Citizen, lang: str, text: str) -> None:
        match = self.faq.match(text)
        if match.outcome == "greeting":
            await self._reply(session, citizen, Reply(t("greeting", lang)))
        elif match.outcome == "thanks":
            await self._reply(session, citizen, Reply(t("thanks", lang)))
        elif match.outcome == "answer" and match.entry is not None:
            reply = self._answer_reply(match.entry, lang)
            await self._reply(session, citizen, reply, entry_id=match.entry.id, score=match.score)
        elif match.outcome == "ambiguous" and match.entry is not None:
            options = [match.entry, *(entry for entry, _ in match.alternatives[:2])]
            buttons = tuple(
                (Button(label=_button_label(e), data=faq_callback_data(e.id)),) for e in options
            )
            await self._reply(session, citizen, Reply(t("faq_ambiguous", lang), buttons=buttons))
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
            await self._reply(session, citizen, Reply(t("faq_abstain", lang)))

    def _answer_reply(self, entry: Entry, lang: str) -> Reply:
        return Reply(t("faq_answer", lang, answer=entry.answer.strip()))

    def _entry_for_callback(self, data: str) -> Entry | None:
        for entry in self.faq.kb.entries:
            if faq_callback_data(entry.id) == data:
                return entry
        return None

    async def _reply(
        self,
        session: AsyncSession,
        citizen: Citizen,
        reply: Reply,
        *,
        entry_id: str | None = None,
        score: float | None = None,
        priority: int = PRIORITY_REPLY,
    ) -> None:
        """Store the outgoing message in the transcript and queue it in the outbox."""
        assert citizen.id is not None
        now = self.clock.now()
        message = await MessageRepo(session).add(
            Message(
                citizen_id=citizen.id,
                channel=citizen.channel,
                direction="out",
                text=reply.html,
                faq_entry_id=entry_id,
                faq_score=score,
                created_at=now,
            )
        )
        payload: dict[str, object] = {"text": reply.html, "parse_mode": "HTML"}
        if reply.buttons:
            payload["buttons"] = [
                [{"label": b.label, "data": b.data} for b in row] for row in reply.buttons
            ]
        await OutboxRepo(session).add(
            Outbox(
                channel=citizen.channel,
                chat_id=citizen.external_id,
                method="text",
                payload=payload,
                priority=priority,
                not_before=now,
                created_at=now,
                message_id=message.id,
            )
        )

    async def _commit(self, session: AsyncSession) -> None:
        await session.commit()
        self.on_commit()


def _button_label(entry: Entry) -> str:
    label = entry.questions[0] if entry.questions else entry.id
    return label if len(label) <= 60 else label[:57] + "..."
