"""A local Telegram Bot API emulator speaking the real HTTP protocol.

An unmodified aiogram bot pointed at ``TelegramAPIServer.from_base(emu.api_base)`` talks to
it exactly as to Telegram: ``POST {base}/bot{token}/{method}`` with form, multipart or JSON
bodies, downloads at ``{base}/file/bot{token}/{path}``. Tests play the users (``send_text``,
``press_button``, ...) and inspect what the bot did (``sent``, ``calls``, ``wait_for_message``).

Everything runs on one asyncio loop; state is only mutated between awaits, so no locks are
needed. Hot paths (enqueue, getUpdates, send) are O(1) amortised so the same emulator can
serve load benchmarks with thousands of messages.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import math
import mimetypes
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Self

from aiohttp import web

from .files import PLACEHOLDER_STICKER, PLACEHOLDER_VOICE, TINY_PNG
from .formatting import detect_entities, to_entities
from .methods import BotApiMethods
from .models import ApiCall, FakeChat, FakeUser, SentMessage
from .state import (
    DEFAULT_TOKEN,
    SENDING_METHODS,
    ApiError,
    ChatState,
    Handler,
    Upload,
    bad_request,
    coerce_params,
    command_scope_key,
    is_int,
    unix_now,
)
from .waiting import serve_app

_ERROR_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class _RateLimiter:
    """Sliding-window limits resembling Telegram's flood control."""

    def __init__(
        self,
        per_second: float | None,
        per_chat_per_second: float | None,
        per_group_per_minute: int | None,
    ) -> None:
        self._limits: list[tuple[str, float, int]] = []
        if per_second:
            self._limits.append(("global", 1.0, max(1, int(per_second))))
        if per_chat_per_second:
            self._limits.append(("chat", 1.0, max(1, int(per_chat_per_second))))
        if per_group_per_minute:
            self._limits.append(("group", 60.0, max(1, int(per_group_per_minute))))
        self._hits: dict[tuple[str, Any], deque[float]] = {}

    def check(self, chat_id: Any) -> None:
        now = time.monotonic()
        windows = []
        for scope, window, limit in self._limits:
            if scope == "global":
                key: tuple[str, Any] = ("global", None)
            elif scope == "group" and not (is_int(chat_id) and chat_id < 0):
                continue
            else:
                key = (scope, chat_id)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                retry = max(1, math.ceil(hits[0] + window - now))
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
            windows.append(hits)
        for hits in windows:
            hits.append(now)


class BotApiEmulator(BotApiMethods):
    """Local Bot API server plus a test-side API to play users and inspect the bot.

    Use as ``async with BotApiEmulator() as emu:`` or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "Loket Test Bot",
        bot_username: str = "loket_test_bot",
        strict_html: bool = True,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 10.0,
    ) -> None:
        super().__init__(
            token,
            bot_name=bot_name,
            bot_username=bot_username,
            strict_html=strict_html,
            webhook_retry_delay=webhook_retry_delay,
            webhook_timeout=webhook_timeout,
        )
        self.host = host
        self.port = port
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(1)
        # wait_for_message bookkeeping per chat: first index not yet returned, and the
        # returned indices beyond it (kept small by advancing the low-water mark).
        self._unreturned_from: dict[int, int] = {}
        self._returned: dict[int, set[int]] = {}
        self._failures: dict[str, deque[ApiError]] = {}
        self._flood: tuple[float, int, random.Random, frozenset[str]] | None = None
        self._rate: _RateLimiter | None = None
        self._latency = 0.0
        self._outage: str | None = None
        self._outage_over = asyncio.Event()
        self.outage_calls: list[str] = []  # methods of the calls that met an outage, in order
        # getUpdates requests counted as they arrive (calls records a long poll only once it
        # is answered): a bot is receiving updates from its first poll on.
        self.polls_received = 0
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_base(self) -> str:
        if self._runner is None:
            raise RuntimeError("emulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> Self:
        """Bind to ``host:port`` (a free port when 0) and start serving."""
        if self._runner is not None:
            return self
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation lets an abandoned long poll die with its connection.
        self._runner, self.port = await serve_app(
            app, self.host, self.port, handler_cancellation=True
        )
        return self

    async def stop(self) -> None:
        self._closing = True
        self._wake_poller("closed")
        await self._stop_webhook_worker()
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---------------------------------------------------------- world building

    def user(
        self,
        first_name: str,
        language_code: str | None = "id",
        username: str | None = None,
        last_name: str | None = None,
        is_bot: bool = False,
    ) -> FakeUser:
        """Create a user; ids are unique and increasing. Nobody has talked to the bot yet."""
        user_id = next(self._user_ids)
        while user_id in self._users:
            user_id = next(self._user_ids)
        new = FakeUser(user_id, first_name, last_name, username, language_code, is_bot)
        self._users[user_id] = new
        if username:
            self._usernames[username.lower()] = user_id
        return new

    def group(
        self,
        title: str,
        is_forum: bool = False,
        *,
        supergroup: bool = True,
        username: str | None = None,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        owner: FakeUser | None = None,
        bot_admin: bool = True,
    ) -> FakeChat:
        """Create a group the bot is in (as administrator unless ``bot_admin=False``)."""
        if is_forum and not supergroup:
            raise ValueError("only supergroups can be forums")
        number = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + number) if supergroup else -(4_000_000_000 + number)
        chat = FakeChat(
            chat_id,
            "supergroup" if supergroup else "group",
            title=title,
            username=username,
            is_forum=is_forum,
        )
        # Id 1 is the "group created" service message; forum topic ids are thus never 1,
        # which Telegram reserves for the General topic.
        state = ChatState(
            chat, last_message_id=1, bot_status="administrator" if bot_admin else "member"
        )
        for member in members:
            state.members[member.id] = "member"
        for admin in admins:
            state.members[admin.id] = "administrator"
        if owner is not None:
            state.members[owner.id] = "creator"
        self._chats[chat_id] = state
        if username:
            self._usernames[username.lower()] = chat_id
        return chat

    def add_member(self, chat: FakeChat | int, user: FakeUser, status: str = "member") -> None:
        """Set a user's status in a group: member, administrator, creator, left or kicked."""
        self._state(chat).members[user.id] = status

    def chat(self, chat_or_id: Any) -> FakeChat:
        return self._state(chat_or_id).chat

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat with ``user``; asking for it does not count as the user starting
        the bot (a chat that does not exist yet is returned unregistered)."""
        state = self._chats.get(user.id)
        if state is not None:
            return state.chat
        return FakeChat(
            user.id,
            "private",
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
        )

    def set_forum(self, chat: FakeChat | int, is_forum: bool) -> None:
        state = self._state(chat)
        if is_forum and state.chat.type != "supergroup":
            raise ValueError("only supergroups can be forums")
        state.chat.is_forum = is_forum

    def delete_topic(self, chat: FakeChat | int, thread_id: int) -> None:
        """Delete a forum topic as an admin would; its messages disappear with it."""
        state = self._state(chat)
        topic = state.topics.get(thread_id)
        if topic is None:
            raise ValueError(f"chat {state.chat.id} has no topic {thread_id}")
        self._drop_topic(state, topic)

    def topics(self, chat: FakeChat | int) -> list[dict[str, Any]]:
        """All topics ever created in a forum, with ``is_closed``/``is_deleted`` flags."""
        return [
            {**t.to_api(), "is_closed": t.closed, "is_deleted": t.deleted}
            for t in self._state(chat).topics.values()
        ]

    def get_message(self, chat_or_id: Any, message_id: int) -> dict[str, Any] | None:
        """Current version of a stored message (after edits), or None if deleted/unknown."""
        return self._state(chat_or_id).messages.get(message_id)

    def chat_history(self, chat_or_id: Any, thread_id: int | None = None) -> list[dict[str, Any]]:
        """Every message of a chat still there (users' and the bot's, after edits), oldest
        first; with ``thread_id`` only that forum topic's, with 0 only those outside topics; empty
        for a private chat the user has not started."""
        state = self._chats.get(self._chat_id(chat_or_id))
        if state is None:  # a user who has not written yet: no chat so far
            return []
        messages = sorted(state.messages.values(), key=lambda m: m["message_id"])
        if thread_id is None:
            return messages
        if thread_id == 0:
            return [m for m in messages if not m.get("is_topic_message")]
        return [
            m
            for m in messages
            if m.get("is_topic_message") and m.get("message_thread_id") == thread_id
        ]

    def block(self, user: FakeUser, notify: bool = True) -> None:
        """The user blocks the bot: further sends to him fail with 403."""
        if user.id in self._blocked:
            return
        self._blocked.add(user.id)
        if notify and user.id in self._chats:
            self._enqueue(self._my_chat_member(user, "member", "kicked"))

    def unblock(self, user: FakeUser, notify: bool = True) -> None:
        if user.id not in self._blocked:
            return
        self._blocked.discard(user.id)
        if notify and user.id in self._chats:
            self._enqueue(self._my_chat_member(user, "kicked", "member"))

    def kick_bot(self, chat: FakeChat | int) -> None:
        """Remove the bot from a group; sends there fail with 403 afterwards."""
        self._state(chat).bot_status = "kicked"

    async def create_topic(
        self,
        chat: FakeChat | int,
        name: str,
        by: FakeUser | None = None,
        icon_color: int | None = None,
    ) -> int:
        """Create a forum topic as a user (the bot gets the service message); returns its id."""
        state = self._state(chat)
        if not state.chat.is_forum:
            raise ValueError(f"chat {state.chat.id} is not a forum")
        topic = self._new_topic(state, name, icon_color, None, by or self.bot_user)
        if by is not None:
            self._enqueue({"message": topic.created_message})
            await asyncio.sleep(0)
        return topic.thread_id

    # --------------------------------------------------------- acting as users

    async def send_text(
        self,
        user: FakeUser,
        text: str,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The user writes ``text`` (private chat with the bot unless ``chat`` is given)."""
        content: dict[str, Any] = {"text": text}
        found = entities if entities is not None else to_entities(text, detect_entities(text))
        if found:
            content["entities"] = found
        return await self._user_message(user, content, chat, thread_id, reply_to)

    async def send_photo(
        self,
        user: FakeUser,
        data: bytes | None = None,
        caption: str | None = None,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        stored = self.files.add("photo", data=data or TINY_PNG)
        content: dict[str, Any] = {"photo": self.files.photo_sizes(stored)}
        content.update(self._user_caption(caption))
        if media_group_id:
            content["media_group_id"] = media_group_id
        return await self._user_message(user, content, chat, thread_id, reply_to)

    async def send_document(
        self,
        user: FakeUser,
        data: bytes = b"%PDF-1.4\n%emulator\n",
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self.files.add("document", data=data, file_name=file_name, mime_type=mime)
        content: dict[str, Any] = {"document": stored.to_api()}
        content.update(self._user_caption(caption))
        if media_group_id:
            content["media_group_id"] = media_group_id
        return await self._user_message(user, content, chat, thread_id, reply_to)

    async def send_sticker(
        self,
        user: FakeUser,
        emoji: str = "👍",
        chat: Any = None,
        thread_id: int | None = None,
        data: bytes | None = None,
    ) -> dict[str, Any]:
        stored = self.files.add("sticker", data=data or PLACEHOLDER_STICKER, width=512, height=512)
        sticker = {**stored.to_api(), "emoji": emoji}
        return await self._user_message(user, {"sticker": sticker}, chat, thread_id, None)

    async def send_voice(
        self,
        user: FakeUser,
        data: bytes | None = None,
        duration: int = 3,
        chat: Any = None,
        thread_id: int | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        stored = self.files.add(
            "voice", data=data or PLACEHOLDER_VOICE, mime_type="audio/ogg", duration=duration
        )
        content: dict[str, Any] = {"voice": stored.to_api()}
        content.update(self._user_caption(caption))
        return await self._user_message(user, content, chat, thread_id, None)

    async def send_location(
        self,
        user: FakeUser,
        latitude: float,
        longitude: float,
        chat: Any = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return await self._user_message(user, {"location": location}, chat, thread_id, None)

    async def send_raw_message(
        self,
        user: FakeUser,
        chat: Any = None,
        thread_id: int | None = None,
        reply_to: Any = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A user message with arbitrary extra Message fields (contact, video, sender_chat...)."""
        return await self._user_message(user, dict(fields), chat, thread_id, reply_to)

    async def send_unreadable_message(self, user: FakeUser, chat: Any = None) -> dict[str, Any]:
        """A message the bot's library cannot read: what arrives when the Bot API adds or
        changes a field before the library catches up. Here a ``poll`` with only an id, where
        aiogram 3's Poll requires question, options, counts and flags."""
        return await self._user_message(user, {"poll": {"id": "5000001"}}, chat, None, None)

    async def edit_text(
        self, user: FakeUser, message: Any, text: str, chat: Any = None
    ) -> dict[str, Any]:
        """The user edits one of his text messages; the bot gets an ``edited_message``."""
        state, message_id = self._locate(user, message, chat)
        old = state.messages.get(message_id)
        if old is None:
            raise ValueError(f"message {message_id} not found in chat {state.chat.id}")
        if old.get("from", {}).get("id") != user.id:
            raise ValueError(f"message {message_id} was not sent by {user.full_name}")
        new = {k: v for k, v in old.items() if k != "entities"}
        new["text"] = text
        if found := to_entities(text, detect_entities(text)):
            new["entities"] = found
        new["edit_date"] = unix_now()
        state.messages[message_id] = new
        self._enqueue({"edited_message": new})
        await asyncio.sleep(0)
        return new

    async def press_button(
        self,
        user: FakeUser,
        message: Any,
        callback_data: str,
        chat: Any = None,
        *,
        force: bool = False,
    ) -> dict[str, Any]:
        """The user taps an inline button; returns the ``callback_query`` update.

        The message must currently carry a button with that ``callback_data`` (as in a real
        client) unless ``force=True``; a deleted message is sent as InaccessibleMessage.
        """
        state, message_id = self._locate(user, message, chat)
        current = state.messages.get(message_id)
        if current is None:
            if not force:
                raise ValueError(f"message {message_id} not found in chat {state.chat.id}")
            shown: dict[str, Any] = {
                "chat": state.chat.to_api(),
                "message_id": message_id,
                "date": 0,
            }
        else:
            shown = current
            rows = (current.get("reply_markup") or {}).get("inline_keyboard") or []
            available = [b.get("callback_data") for row in rows for b in row]
            if not force and callback_data not in available:
                raise ValueError(
                    f"message {message_id} has no button with callback_data "
                    f"{callback_data!r}; available: {available}"
                )
        query: dict[str, Any] = {
            "id": str(next(self._query_ids)),
            "from": user.to_api(),
            "message": shown,
            "chat_instance": str((state.chat.id * 2_654_435_761) % (2**63)),
            "data": callback_data,
        }
        self._callbacks[query["id"]] = {"query": query, "answered": False}
        update = self._enqueue({"callback_query": query})
        await asyncio.sleep(0)
        return update

    async def send_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Enqueue a raw (possibly forged) update; ``update_id`` is assigned when missing."""
        payload = dict(update)
        update_id = payload.pop("update_id", None)
        if update_id is not None and update_id < self._next_update_id:
            raise ValueError(
                f"update_id {update_id} is not above the last one ({self._next_update_id - 1})"
            )
        if update_id is not None:
            self._next_update_id = update_id
        query = payload.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callbacks[str(query["id"])] = {"query": query, "answered": False}
        result = self._enqueue(payload)
        await asyncio.sleep(0)
        return result

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot (getUpdates offset or webhook 2xx)."""
        return len(self._updates)

    @property
    def polling(self) -> bool:
        """True while a getUpdates long poll is waiting."""
        return self._poller is not None and not self._poller.done()

    # ------------------------------------------------------------- inspecting

    def messages_to(self, chat_or_id: Any, thread_id: int | None = None) -> list[SentMessage]:
        sent = self._sent_by_chat.get(self._chat_id(chat_or_id), [])
        if thread_id is None:
            return list(sent)
        return [sm for sm in sent if sm.thread_id == thread_id]

    def calls_to(self, method: str) -> list[ApiCall]:
        key = method.lower()
        return [call for call in self.calls if call.method.lower() == key]

    def callback_answer(self, query: Any) -> dict[str, Any] | None:
        """The answerCallbackQuery params for a query (id, query dict or update), if any."""
        if isinstance(query, dict):
            query = query.get("callback_query", query).get("id")
        return next(
            (a for a in self.callback_answers if str(a.get("callback_query_id")) == str(query)),
            None,
        )

    def commands_for(self, scope: Any = None, language_code: str = "") -> list[dict[str, Any]]:
        return self.commands.get((command_scope_key(scope), language_code or ""), [])

    def clear_records(self) -> None:
        """Forget sent messages, calls and answers (world state is kept)."""
        self.sent.clear()
        self.calls.clear()
        self.errors.clear()
        self.callback_answers.clear()
        self.reactions.clear()
        self.deleted_messages.clear()
        self._sent_by_chat.clear()
        self._unreturned_from.clear()
        self._returned.clear()

    async def wait_for_message(
        self,
        chat_or_id: Any,
        contains: str | None = None,
        thread_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the test-facing contract
    ) -> SentMessage:
        """The oldest message to a chat not yet returned by an earlier call for that chat.

        Optionally only messages in ``thread_id`` and/or whose text contains ``contains``;
        messages passed over because they did not match stay available to later calls.
        Waits for future messages until ``timeout``, then raises AssertionError listing
        what was sent.
        """
        chat_id = self._chat_id(chat_or_id)
        returned = self._returned.setdefault(chat_id, set())
        deadline = time.monotonic() + timeout
        position = self._unreturned_from.get(chat_id, 0)
        while True:
            sent = self._sent_by_chat.get(chat_id, [])
            while position < len(sent):
                index, candidate = position, sent[position]
                position += 1
                if index in returned:
                    continue
                if thread_id is not None and candidate.thread_id != thread_id:
                    continue
                if contains is not None and contains not in (candidate.text or ""):
                    continue
                returned.add(index)
                low = self._unreturned_from.get(chat_id, 0)
                while low in returned:
                    returned.discard(low)
                    low += 1
                self._unreturned_from[chat_id] = low
                return candidate
            if not await self._wait_change(deadline):
                where = f"chat {chat_id}" + (f" thread {thread_id}" if thread_id else "")
                what = f" containing {contains!r}" if contains is not None else ""
                raise AssertionError(
                    f"no new message to {where}{what} within {timeout}s; "
                    f"messages to this chat:\n{self._describe(sent)}\n"
                    f"all sent (last 20):\n{self._describe(self.sent[-20:])}"
                )

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - same style as wait_for
    ) -> ApiCall:
        """First API call (past or future) to ``method`` matching ``predicate``."""
        key = method.lower()
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            index = min(index, len(self.calls))
            while index < len(self.calls):
                call = self.calls[index]
                index += 1
                if call.method.lower() == key and (predicate is None or predicate(call)):
                    return call
            if not await self._wait_change(deadline):
                raise AssertionError(f"no {method} call within {timeout}s")

    async def wait_for_poller(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot is long-polling (a good moment to start sending updates)."""
        deadline = time.monotonic() + timeout
        while not self.polling:
            if not await self._wait_change(deadline):
                raise AssertionError(f"the bot did not start polling within {timeout}s")

    async def wait_updates_consumed(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has confirmed every pending update."""
        deadline = time.monotonic() + timeout
        while self._updates:
            if not await self._wait_change(deadline):
                raise AssertionError(f"{len(self._updates)} updates still pending after {timeout}s")

    # -------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
        **parameters: Any,
    ) -> None:
        """Make the next ``count`` calls to ``method`` ("*" = any but getUpdates) fail."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _ERROR_NAMES.get(error_code, "Error")
        queue = self._failures.setdefault(method.lower(), deque())
        for _ in range(count):
            queue.append(ApiError(error_code, description, retry_after=retry_after, **parameters))

    def set_flood(
        self,
        probability: float,
        retry_after: int = 1,
        seed: int | None = None,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Answer a seeded random share of calls with 429; ``set_flood(0)`` turns it off.

        ``methods=None`` covers every message-producing method.
        """
        if probability <= 0:
            self._flood = None
            return
        targets = frozenset(m.lower() for m in methods) if methods else SENDING_METHODS
        self._flood = (probability, retry_after, random.Random(seed), targets)

    def set_rate_limits(
        self,
        per_second: float | None = 30,
        per_chat_per_second: float | None = 1,
        per_group_per_minute: int | None = 20,
    ) -> None:
        """Enforce Telegram-like flood limits on message-producing methods (None disables)."""
        if not (per_second or per_chat_per_second or per_group_per_minute):
            self._rate = None
            return
        self._rate = _RateLimiter(per_second, per_chat_per_second, per_group_per_minute)

    def set_outage(self, mode: str | None) -> None:
        """Make the Bot API fail as a whole, switchable at any time by the test.

        ``"502"``: every API call is answered 502 Bad Gateway with an HTML page, as the proxy
        in front of the Bot API does when it is down. ``"hang"``: every call is held without an
        answer until the outage ends; then it is served, unless the client gave up meanwhile
        (then it was never processed, as with a request lost on the way). ``None`` ends it.
        """
        if mode not in (None, "502", "hang"):
            raise ValueError(f"unknown outage mode {mode!r}")
        self._outage = mode
        if mode is None:
            self._outage_over.set()
        else:
            self._outage_over.clear()

    async def _meet_outage(self, method: str) -> web.Response | None:
        """The outage's answer to a call, or None to serve it (now, or once a hang is over)."""
        if self._outage is None:
            return None
        self.outage_calls.append(method)
        self._notify()
        if self._outage == "502":
            self.calls.append(ApiCall(method, {}, time.monotonic(), 502))
            return web.Response(
                status=502,
                text="<html><head><title>502 Bad Gateway</title></head>"
                "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
                "</body></html>",
                content_type="text/html",
            )
        await self._outage_over.wait()  # cancelled with the request if the client gives up
        return None

    @property
    def outage_hits(self) -> int:
        """API calls that met an outage (answered 502, or held by a hang)."""
        return len(self.outage_calls)

    def set_latency(self, seconds: float) -> None:
        """Artificial delay before every API call is processed."""
        self._latency = max(0.0, seconds)

    # ------------------------------------------------------------------ HTTP

    @staticmethod
    def _json_response(status: int, payload: dict[str, Any]) -> web.Response:
        return web.Response(
            status=status,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            content_type="application/json",
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method.lower() == "getupdates":
            self.polls_received += 1
        if (outage := await self._meet_outage(method)) is not None:
            return outage
        if request.match_info["token"] != self.token:
            error = ApiError(401, "Unauthorized")
            self.calls.append(ApiCall(method, {}, time.monotonic(), 401))
            return self._json_response(401, error.payload())
        try:
            params, uploads = await self._read_request(request)
        except ApiError as error:
            self.calls.append(ApiCall(method, {}, time.monotonic(), error.code))
            return self._json_response(error.code, error.payload())
        status, payload = await self._invoke(method, params, uploads)
        return self._json_response(status, payload)

    async def _read_request(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        params: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if not request.body_exists:
            return params, uploads
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request") from exc
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            params.update(body)
            return params, uploads
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(key, value.filename, value.content_type, value.file.read())
            else:
                params[key] = value
        return params, uploads

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None or stored.data is None:
            return self._json_response(404, ApiError(404, "Not Found").payload())
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _invoke(
        self, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call and record it; returns (HTTP status, JSON answer)."""
        arrived = time.monotonic()
        entry = self._methods.get(method.lower())
        name = entry[0] if entry else method
        coerce_params(params)
        if self._latency:
            await asyncio.sleep(self._latency)
        try:
            if entry is None:
                raise ApiError(404, "Not Found")
            self._inject_failure(name.lower(), params)
            result = entry[1](params, uploads)
            if inspect.isawaitable(result):
                result = await result
            status, payload = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, payload = error.code, error.payload()
            self.errors.append((name, error.code, error.description))
        recorded = dict(params)
        for key, upload in uploads.items():
            recorded[key] = upload.describe()
        self.calls.append(ApiCall(name, recorded, arrived, status))
        self._notify()
        return status, payload

    def _inject_failure(self, key: str, params: dict[str, Any]) -> None:
        queue = self._failures.get(key)
        if not queue and key != "getupdates":
            queue = self._failures.get("*")
        if queue:
            error = queue.popleft()
            raise ApiError(error.code, error.description, **error.parameters)
        if self._flood is not None:
            probability, retry_after, rng, targets = self._flood
            if key in targets and rng.random() < probability:
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )
        if self._rate is not None and key in SENDING_METHODS:
            self._rate.check(params.get("chat_id"))

    # --------------------------------------------------- user-side internals

    def _user_caption(self, caption: str | None) -> dict[str, Any]:
        if not caption:
            return {}
        content: dict[str, Any] = {"caption": caption}
        if found := to_entities(caption, detect_entities(caption)):
            content["caption_entities"] = found
        return content

    def _user_chat(self, user: FakeUser, chat: Any) -> ChatState:
        if chat is None or self._chat_id(chat) == user.id:
            state = self._private_state(user)
            if user.id in self._blocked:
                # Writing to a bot means the user unblocked it first.
                self.unblock(user)
            return state
        state = self._state(chat)
        if state.chat.type == "private":
            raise ValueError(f"{user.full_name} cannot write into someone else's private chat")
        if state.members.get(user.id) == "kicked":
            raise ValueError(f"{user.full_name} is banned from chat {state.chat.id}")
        if state.members.get(user.id) in (None, "left"):
            state.members[user.id] = "member"
        return state

    def _locate(self, user: FakeUser, message: Any, chat: Any) -> tuple[ChatState, int]:
        if isinstance(message, SentMessage):
            return self._state(message.chat_id), message.message_id
        if isinstance(message, dict):
            return self._state(message["chat"]["id"]), int(message["message_id"])
        if is_int(message):
            state = self._state(chat) if chat is not None else self._private_state(user)
            return state, message
        raise TypeError(f"not a message: {message!r}")

    @staticmethod
    def _reply_id(reply_to: Any) -> int:
        if isinstance(reply_to, SentMessage):
            return reply_to.message_id
        if isinstance(reply_to, dict):
            return int(reply_to["message_id"])
        if is_int(reply_to):
            return reply_to
        raise TypeError(f"not a message: {reply_to!r}")

    async def _user_message(
        self,
        user: FakeUser,
        content: dict[str, Any],
        chat: Any,
        thread_id: int | None,
        reply_to: Any,
    ) -> dict[str, Any]:
        state = self._user_chat(user, chat)
        try:
            thread, topic = self._thread_for(state, thread_id)
        except ApiError as exc:
            raise ValueError(f"chat {state.chat.id}: {exc.description}") from exc
        reply = None
        if reply_to is not None:
            reply_id = self._reply_id(reply_to)
            reply = state.messages.get(reply_id)
            if reply is None:
                raise ValueError(f"message {reply_id} not found in chat {state.chat.id}")
            if thread is None:
                thread, topic = self._thread_of(state, reply)
        message: dict[str, Any] = {
            "message_id": state.next_id(),
            "from": user.to_api(),
            "chat": state.chat.to_api(),
            "date": unix_now(),
        }
        self._place(message, thread, topic, reply)
        message.update(content)
        self._store(state, message, topic)
        if state.bot_status not in ("kicked", "left"):
            self._enqueue({"message": message})
        await asyncio.sleep(0)
        return message
