"""Telegram adapter: aiogram objects in, plain DTOs out; outbox rows to Bot API calls."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Protocol, cast

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    CreateForumTopic,
    EditMessageText,
    GetFile,
    GetUpdates,
    Response,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import PermanentError, RetryLater, TransientError
from bot.core.clock import Clock
from bot.core.dto import Contact, Inbound
from bot.setaside import WarnEvery, raw_key, utf8_text, validation_error
from storage.models import Citizen, Inbox, Outbox, Ticket
from storage.repositories import InboxRepo

log = logging.getLogger(__name__)

CHANNEL = "telegram"


class SentId(BaseModel):
    """What the sender keeps of a sent message: its id. The rest of the answer is skipped."""

    model_config = ConfigDict(extra="ignore")

    message_id: int


class GetRawUpdates(GetUpdates):
    """getUpdates whose result is read as raw JSON objects; the poller validates each one.

    Read as ``list[Update]`` (aiogram's way), one update the installed aiogram cannot read (the
    Bot API added or changed a field before the library caught up) makes the whole batch a
    ClientDecodeError, fetched again and again: the desk is down. Read raw, only that update is
    set aside.
    """

    __returning__ = list[Any]


class SendMessageForId(SendMessage):
    """sendMessage whose answer is read only as far as the message id.

    aiogram reads the answer into a full Message (chat, user, entities, reply markup): about a
    third of the CPU of a send. Errors are read the same way as for SendMessage (the same
    ``Response`` fields), so 429s, 403s and 400s map to the same exceptions.
    """

    # aiogram types this as the full result (a Message); this method reads the id only.
    __returning__ = SentId  # type: ignore[assignment]  # a narrower result on purpose


# aiogram reads every API answer as Response[<method's result type>]; pydantic keeps such a
# parametrized model only in a weak cache, so it is collected soon after and built again for the
# next call (a model build per sendMessage, most of the cost of reading the answer). Holding the
# ones loket calls keeps them cached for the life of the process.
_RESPONSE_MODELS = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]  # built at run time, not a type hint
    for method in (
        SendMessage,
        SendMessageForId,
        CopyMessage,
        SendDocument,
        SendPhoto,
        EditMessageText,
        CreateForumTopic,
        GetFile,
        GetUpdates,
        GetRawUpdates,
        AnswerCallbackQuery,
    )
)


def contact_of(user: User, chat_id: int) -> Contact:
    return Contact(
        channel=CHANNEL,
        external_id=str(chat_id),
        name=user.full_name,
        username=user.username,
        language_code=user.language_code,
    )


def message_kind(message: Message) -> str:
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    for kind in (
        "photo",
        "document",
        "sticker",
        "voice",
        "video",
        "audio",
        "animation",
        "video_note",
        "location",
        "contact",
        "poll",
        "dice",
        "venue",
    ):
        if getattr(message, kind, None):
            return kind
    return "other"


def inbound_of(message: Message) -> Inbound:
    """A private-chat message as a core event; media are referenced by file id."""
    assert message.from_user is not None
    media_ref = file_name = mime_type = None
    file_size = None
    if message.photo:
        largest = message.photo[-1]
        media_ref, file_size, mime_type = largest.file_id, largest.file_size, "image/jpeg"
        file_name = "foto.jpg"
    elif message.document:
        doc = message.document
        media_ref, file_size, mime_type = doc.file_id, doc.file_size, doc.mime_type
        file_name = doc.file_name
    return Inbound(
        contact=contact_of(message.from_user, message.chat.id),
        kind=message_kind(message),
        text=message.text or message.caption or "",
        external_message_id=str(message.message_id),
        media_ref=media_ref,
        file_name=file_name,
        mime_type=mime_type,
        file_size=file_size,
    )


def keyboard(buttons: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(text=b["label"], callback_data=b["data"]) for b in row]
        for row in buttons
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


NOT_MODIFIED = "message is not modified"


class ForeignMedia(Protocol):
    """Files of citizens on other channels, fetched when their row is sent to the staff group."""

    def owns(self, ref: str) -> bool: ...

    async def fetch(self, ref: str, name: str | None) -> tuple[bytes, str, str]:
        """(bytes, file name, mime type); raises a SendError when it cannot."""
        ...


async def download(bot: Bot, file_id: str) -> tuple[bytes, str]:
    """A file from Telegram (an officer's photo or document) and its path there."""
    try:
        file = await bot.get_file(file_id)
        if file.file_path is None:
            raise PermanentError("Telegram gave no path for the file")
        data = await bot.download_file(file.file_path)
    except TelegramRetryAfter as exc:
        raise RetryLater(float(exc.retry_after), "429 Too Many Requests") from None
    except TelegramBadRequest as exc:
        raise PermanentError(f"file not available: {exc.message}") from None
    except (TelegramNetworkError, TelegramServerError) as exc:
        raise TransientError(type(exc).__name__) from None
    if data is None:
        raise TransientError("empty download")
    return data.read(), file.file_path


class TelegramSender:
    """Sends outbox rows through the Bot API and maps its errors to retry decisions."""

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        staff_chat_id: int | None,
        on_topic_lost: Callable[[int | None], Awaitable[None]] | None = None,
        foreign_media: ForeignMedia | None = None,
        more_staff_chats: Collection[int] = (),
    ) -> None:
        # A network's offices each have a staff group: a ticket's rows go to the topic in its.
        self.staff_chats = frozenset(
            str(c) for c in (staff_chat_id, *more_staff_chats) if c is not None
        )
        self.bot = bot
        self.foreign_media = foreign_media
        self.sessionmaker = sessionmaker
        self.staff_chat_id = staff_chat_id
        # Called (ticket id) when a ticket's topic is gone, to post its card in the new one.
        self.on_topic_lost = on_topic_lost

    async def probe(
        self, chat_id: str, method: str, payload: dict[str, Any], candidates: list[int]
    ) -> str | bool | None:
        """Did a text row caught mid-send by a crash reach the chat?

        The Bot API cannot list a chat's messages, but editing a message to exactly the content
        it already has fails with "message is not modified" and changes nothing
        (https://core.telegram.org/bots/api#editmessagetext). Candidates are the ids just past
        the last one we know in this chat and not known to be anyone else's; one row at most
        per chat is ever in flight, so no other message of ours can sit among them.
        """
        if method != "text":
            return False
        for message_id in candidates:
            try:
                await self.bot.edit_message_text(
                    chat_id=int(chat_id),
                    message_id=message_id,
                    text=payload["text"],
                    parse_mode=payload.get("parse_mode"),
                    reply_markup=keyboard(payload.get("buttons")),
                )
            except TelegramBadRequest as exc:
                if NOT_MODIFIED in exc.message:
                    return str(message_id)
                continue  # not found, or not ours ("can't be edited"): try the next id
            except TelegramAPIError:
                return False
            # The edit went through: a message of ours with other content sat there. That
            # breaks the one-in-flight assumption, so stop guessing.
            log.error("probe edited message %s in chat %s unexpectedly", message_id, chat_id)
            return False
        return None

    async def send(self, row: Outbox) -> str:
        try:
            if row.ticket_id is not None and row.chat_id in self.staff_chats:
                return await self._send_staff(row)
            return await self._deliver(row, int(row.chat_id), row.thread_id, None)
        except TelegramRetryAfter as exc:
            raise RetryLater(float(exc.retry_after), "429 Too Many Requests") from None
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            raise PermanentError(exc.message) from None
        except TelegramBadRequest as exc:
            raise PermanentError(exc.message) from None
        except TelegramUnauthorizedError:
            # A revoked token: retrying will not help, but the row must not be lost either.
            raise TransientError("unauthorized: check the bot token") from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise TransientError(type(exc).__name__) from None
        except ClientDecodeError:
            # Not JSON: an error page of a proxy in front of the Bot API (a 502), say.
            raise TransientError("unreadable answer from the Bot API") from None

    async def _deliver(
        self, row: Outbox, chat_id: int, thread_id: int | None, reply_to: int | None
    ) -> str:
        payload = row.payload
        silent = bool(payload.get("silent", False))
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to
            else None
        )
        if row.method in ("text", "edit_card"):
            sent_id = await self.bot(
                SendMessageForId(
                    chat_id=chat_id,
                    text=payload["text"],
                    parse_mode=payload.get("parse_mode"),
                    message_thread_id=thread_id,
                    reply_markup=keyboard(payload.get("buttons")),
                    disable_notification=silent,
                    reply_parameters=reply,
                )
            )
            return str(sent_id.message_id)
        if row.method == "copy":
            copied = await self.bot.copy_message(
                chat_id=chat_id,
                from_chat_id=int(payload["from_chat_id"]),
                message_id=int(payload["message_id"]),
                message_thread_id=thread_id,
                disable_notification=silent,
                reply_parameters=reply,
            )
            return str(copied.message_id)
        if row.method == "document":
            if "b64" in payload:
                upload = BufferedInputFile(base64.b64decode(payload["b64"]), payload["filename"])
                sent = await self.bot.send_document(
                    chat_id=chat_id,
                    document=upload,
                    caption=payload.get("caption"),
                    parse_mode=None,  # captions of notices are plain text
                    message_thread_id=thread_id,
                    disable_notification=silent,
                )
            elif self.foreign_media is not None and self.foreign_media.owns(payload["file_id"]):
                # A file a citizen sent on another channel: fetched from there now.
                data, name, mime = await self.foreign_media.fetch(
                    payload["file_id"], payload.get("filename")
                )
                upload = BufferedInputFile(data, name)
                common: dict[str, Any] = {
                    "chat_id": chat_id,
                    "caption": payload.get("caption"),
                    "parse_mode": None,
                    "message_thread_id": thread_id,
                    "disable_notification": silent,
                }
                if mime in ("image/jpeg", "image/png"):  # shown inline, like a Telegram photo
                    sent = await self.bot.send_photo(photo=upload, **common)
                else:
                    sent = await self.bot.send_document(document=upload, **common)
            else:
                # A file we received (a KTP photo is a photo, a scan may be a document).
                file_id = payload["file_id"]
                try:
                    sent = await self.bot.send_document(
                        chat_id=chat_id,
                        document=file_id,
                        caption=payload.get("caption"),
                        parse_mode=None,
                        message_thread_id=thread_id,
                        disable_notification=silent,
                    )
                except TelegramBadRequest as exc:
                    if "type" not in exc.message.lower() and "photo" not in exc.message.lower():
                        raise
                    sent = await self.bot.send_photo(
                        chat_id=chat_id,
                        photo=file_id,
                        caption=payload.get("caption"),
                        parse_mode=None,
                        message_thread_id=thread_id,
                        disable_notification=silent,
                    )
            return str(sent.message_id)
        raise PermanentError(f"unknown outbox method {row.method!r}")

    # -- the staff group: topics, cards, fallbacks ------------------------------------------

    async def _send_staff(self, row: Outbox) -> str:
        """A ticket's message in the staff group, in the ticket's topic (made on first use)."""
        assert row.ticket_id is not None
        ticket, citizen_name = await self._ticket(row.ticket_id)
        chat = int(row.chat_id)
        thread = await self._ensure_topic(ticket, citizen_name, chat)
        if row.payload.get("link_ticket") is not None:
            row.payload = {**row.payload, "text": await self._with_link(row)}
        new_card = bool(row.payload.get("card")) or row.method == "edit_card"
        # Without topics, a ticket's messages answer its card so officers see which is which.
        reply_to = None if thread or new_card else ticket.card_message_id
        try:
            if row.method == "edit_card" and ticket.card_message_id is not None:
                try:
                    await self.bot.edit_message_text(
                        chat_id=chat,
                        message_id=ticket.card_message_id,
                        text=row.payload["text"],
                        parse_mode=row.payload.get("parse_mode"),
                        reply_markup=keyboard(row.payload.get("buttons")),
                    )
                    return str(ticket.card_message_id)
                except TelegramBadRequest as exc:
                    if NOT_MODIFIED in exc.message:
                        return str(ticket.card_message_id)
                    if "not found" not in exc.message:
                        raise
                    # The card was deleted: post it again below.
            message_id = await self._deliver(row, chat, thread, reply_to)
        except TelegramBadRequest as exc:
            if thread is not None and _topic_gone(exc.message):
                # The topic was deleted (or closed by hand): make a new one and try again.
                log.warning("topic of %s is gone (%s); new topic", ticket.number, exc.message)
                await self._update_ticket(ticket.id, topic_id=None, card_message_id=None)
                if self.on_topic_lost is not None:
                    await self.on_topic_lost(ticket.id)
                raise RetryLater(0.0, "topic gone") from None
            raise
        if new_card:
            await self._update_ticket(ticket.id, card_message_id=int(message_id))
        if row.payload.get("close_topic") and thread is not None:
            try:
                await self.bot.close_forum_topic(chat_id=chat, message_thread_id=thread)
            except TelegramBadRequest as exc:  # closed by hand already: nothing to do
                log.info("topic of %s not closed: %s", ticket.number, exc.message)
        return message_id

    async def _with_link(self, row: Outbox) -> str:
        """The text with a link to another ticket's topic (a transfer's new one), once the
        sender has made that topic; waited for a few tries, then sent without."""
        linked, _ = await self._ticket(int(row.payload["link_ticket"]))
        text = str(row.payload["text"])
        place = linked.topic_id or linked.card_message_id
        if not place:
            if row.attempts < 5:
                raise TransientError("the linked topic is not made yet")
            return text
        # https://core.telegram.org/api/links#message-links: t.me/c/<channel id>/<message id>
        # (a topic's id is the id of the message that opened it).
        channel = str(linked.staff_chat_id).removeprefix("-100")
        return f'{text}\n<a href="https://t.me/c/{channel}/{place}">{linked.number}</a>'

    async def _ensure_topic(self, ticket: Ticket, citizen_name: str, chat: int) -> int | None:
        """The ticket's forum topic, made now if needed; None when the group has no topics."""
        if ticket.topic_id is not None:
            return ticket.topic_id or None  # 0 marks "this group is not a forum"
        name = f"{ticket.number} · {citizen_name}"[:128]  # Telegram's limit for topic names
        try:
            topic = await self.bot.create_forum_topic(chat_id=chat, name=name)
        except TelegramBadRequest as exc:
            if "not a forum" not in exc.message and "TOPICS_DISABLED" not in exc.message.upper():
                raise
            log.warning("staff group has no topics; tickets go to the group as cards")
            await self._update_ticket(ticket.id, topic_id=0)
            ticket.topic_id = 0
            return None
        await self._update_ticket(ticket.id, topic_id=topic.message_thread_id)
        ticket.topic_id = topic.message_thread_id
        return topic.message_thread_id

    async def _ticket(self, ticket_id: int) -> tuple[Ticket, str]:
        async with self.sessionmaker() as session:
            ticket = await session.get(Ticket, ticket_id)
            if ticket is None:
                raise PermanentError(f"ticket {ticket_id} does not exist")
            citizen = await session.get(Citizen, ticket.citizen_id)
            return ticket, (citizen.name if citizen else "")

    async def _update_ticket(self, ticket_id: int | None, **values: Any) -> None:
        async with self.sessionmaker() as session:
            await session.exec(update(Ticket).where(col(Ticket.id) == ticket_id).values(**values))
            await session.commit()


def _topic_gone(description: str) -> bool:
    text = description.lower()
    return "thread not found" in text or "topic_deleted" in text or "topic_closed" in text


def chat_key_of(update: Update) -> str:
    """The chat an update belongs to: updates of one chat are handled strictly in order."""
    for event in (
        update.message,
        update.edited_message,
        update.channel_post,
        update.edited_channel_post,
        update.business_message,
    ):
        if event is not None:
            return f"tg:{event.chat.id}"
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        return f"tg:{chat}"
    if update.message_reaction is not None:
        return f"tg:{update.message_reaction.chat.id}"
    return f"tg:update:{update.update_id}"


def inbox_row(update: Update) -> dict[str, Any]:
    return {
        "channel": CHANNEL,
        "update_id": str(update.update_id),
        "chat_key": chat_key_of(update),
        "payload": update.model_dump(mode="json", exclude_none=True, by_alias=True),
    }


class TelegramPoller:
    """Long polling that stores updates in the inbox before acknowledging them.

    aiogram's own start_polling acknowledges a batch (the next getUpdates offset) as soon as
    it has been read; a crash then loses updates still being handled. Storing first and
    moving the offset only after the commit means a received update is never dropped; the
    inbox's unique key makes the redelivery after a crash harmless.
    """

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        on_stored: Callable[[], None],
        timeout: int,
        allowed_updates: list[str],
        clock: Clock,
        parsed: ParsedUpdates | None = None,
        on_set_aside: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.on_stored = on_stored
        self.on_set_aside = on_set_aside
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self.clock = clock
        self.parsed = parsed

    async def run(self) -> None:
        """Polls until cancelled; returns only by raising TelegramUnauthorizedError (a token
        Telegram rejects: a restart cannot fix it). Every other failure is waited out."""
        offset: int | None = None
        failures = 0
        trouble = WarnEvery(log)
        while True:
            try:
                # aiogram types the call by GetUpdates' result; GetRawUpdates reads raw JSON.
                items = cast(
                    list[Any],
                    await self.bot(
                        GetRawUpdates(
                            offset=offset,
                            timeout=self.timeout,
                            allowed_updates=self.allowed_updates,
                        ),
                        request_timeout=self.timeout + 15,
                    ),
                )
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
                continue
            except TelegramUnauthorizedError:
                raise
            except (TelegramAPIError, ClientDecodeError) as exc:
                # Unreachable, 5xx, timing out, a conflict, an unreadable answer: wait it out.
                failures += 1
                delay = min(30.0, 0.5 * 2**failures)
                reason = (
                    "an answer that is not JSON (a proxy's error page?)"
                    if isinstance(exc, ClientDecodeError)
                    else f"{type(exc).__name__}: {exc.message}"
                )
                trouble.warning("getUpdates failed (%s); retrying with backoff", reason)
                await asyncio.sleep(delay)
                continue
            except Exception as exc:  # a bug must not stop the polling either
                failures += 1
                trouble.warning("getUpdates failed unexpectedly (%r); retrying", exc, exc=exc)
                await asyncio.sleep(min(30.0, 0.5 * 2**failures))
                continue
            trouble.recovered("getUpdates works again after %d failed tries", failures)
            failures = 0
            if not items:
                continue
            updates, poison = self.validate(items)
            try:
                await store_received(self.sessionmaker, self.clock, updates, poison)
            except Exception as exc:
                # Not stored, so not acknowledged: Telegram hands the batch out again.
                trouble.warning(
                    "storing %d update(s) failed (%r); fetching them again", len(items), exc
                )
                await asyncio.sleep(1.0)
                continue
            ids = [item["update_id"] for item in items if _update_id(item) is not None]
            if ids:
                offset = max(ids) + 1
            if self.parsed is not None:
                self.parsed.keep(updates)
            self.on_stored()
            if poison:
                log.warning("%d update(s) that do not parse were set aside", len(poison))
                if self.on_set_aside is not None:
                    await self.on_set_aside()

    def validate(self, items: list[Any]) -> tuple[list[Update], list[dict[str, Any]]]:
        return validate_updates(self.bot, items)


async def store_received(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    updates: list[Update],
    poison: list[dict[str, Any]],
) -> None:
    """Received updates into the inbox in one transaction, committed when this returns:
    the ones that parse as pending (a redelivered update id stores nothing new), the others
    set aside. Polled and pushed updates are stored the same way."""
    async with sessionmaker() as session:
        now = clock.now()
        await InboxRepo(session).store([inbox_row(u) for u in updates], now)
        await InboxRepo(session).set_aside(poison, now)
        await session.commit()


def validate_updates(bot: Bot, items: list[Any]) -> tuple[list[Update], list[dict[str, Any]]]:
    """Each raw update on its own: the ones aiogram reads, and inbox rows of the others
    (polled or pushed to the webhook alike)."""
    updates: list[Update] = []
    poison: list[dict[str, Any]] = []
    for item in map(utf8_text, items):
        try:
            updates.append(Update.model_validate(item, context={"bot": bot}))
        except ValidationError as exc:
            poison.append(poison_row(item, validation_error(exc, "an aiogram Update")))
        except Exception as exc:  # whatever else reading it raises: set aside too
            poison.append(poison_row(item, f"{type(exc).__name__}: {exc}"[:2000]))
    return updates, poison


def _update_id(item: Any) -> int | None:
    value = item.get("update_id") if isinstance(item, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def raw_chat_key(item: Any) -> str:
    """``chat_key_of`` for an update aiogram cannot read, from its raw JSON where possible."""
    update_id = _update_id(item)
    if isinstance(item, dict):
        for name, event in item.items():
            if not isinstance(event, dict):
                continue
            if name == "callback_query":
                message, sender = event.get("message"), event.get("from")
                event = message if isinstance(message, dict) else {"chat": sender}
            chat = event.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return f"tg:{chat['id']}"
    return f"tg:update:{update_id}" if update_id is not None else raw_key(item)[:64]


def poison_row(item: Any, error: str) -> dict[str, Any]:
    """An inbox row keeping an update that does not validate, raw, with why."""
    update_id = _update_id(item)
    return {
        "channel": CHANNEL,
        "update_id": str(update_id) if update_id is not None else raw_key(item),
        "chat_key": raw_chat_key(item),
        "payload": item if isinstance(item, dict) else {"raw": item},
        "error": error,
    }


class ParsedUpdates:
    """Updates the poller has stored, as aiogram already parsed them, until the worker takes them.

    Reading the stored payload into an Update again costs about 50 µs of CPU per update. The
    payload stays the source of truth: an update not found here (after a restart, a retry, a
    redelivered duplicate that was never handled, or one pushed out of a full map) is read from
    it, and both give the same Update (the payload is that Update's dump). Holding them costs
    memory (about 7 MB for a 1000-update backlog), hence the bound.
    """

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self._updates: dict[str, Update] = {}

    def keep(self, updates: list[Update]) -> None:
        """Called only after the batch is committed to the inbox."""
        for parsed in updates:
            if len(self._updates) >= self.limit:
                # Bounded: duplicates are never taken, so the oldest entry goes.
                del self._updates[next(iter(self._updates))]
            self._updates[str(parsed.update_id)] = parsed

    def take(self, update_id: str) -> Update | None:
        return self._updates.pop(update_id, None)


def update_handler(
    bot: Bot, dispatcher: Dispatcher, parsed: ParsedUpdates | None = None
) -> Callable[..., Awaitable[None]]:
    """Feeds a stored update to the real aiogram dispatcher; errors propagate to the worker.
    The update's work has a transaction of its own (see DbSessionMiddleware)."""

    async def handle(row: Inbox) -> None:
        # Taken once: a retry of a failed update reads the stored payload afresh.
        update = parsed.take(row.update_id) if parsed is not None else None
        if update is None:
            update = Update.model_validate(row.payload, context={"bot": bot})
        await dispatcher.feed_update(bot, update, inbox_id=row.id)

    return handle
