"""World state and message logic behind the emulator.

:class:`EmulatorState` owns chats, messages, topics, files and the update queue, and knows
how Telegram validates and shapes messages (threads, replies, markup, formatting). The Bot
API handlers (``methods.py``) and the test-side API (``server.py``) both build on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import aiohttp

from .files import (
    MEDIA_KINDS,
    FileStore,
    StoredFile,
)
from .formatting import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    EntityParseError,
    check_entities,
    detect_entities,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    strip_text,
    to_entities,
)
from .models import ApiCall, FakeChat, FakeUser, SentMessage
from .waiting import ChangeWaiter

DEFAULT_TOKEN = "123456:TEST-token"

ALL_UPDATE_TYPES = frozenset(
    """message edited_message channel_post edited_channel_post business_connection
    business_message edited_business_message deleted_business_messages message_reaction
    message_reaction_count inline_query chosen_inline_result callback_query shipping_query
    pre_checkout_query purchased_paid_media poll poll_answer my_chat_member chat_member
    chat_join_request chat_boost removed_chat_boost""".split()
)
# Telegram's default when allowed_updates was never given.
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
GENERAL_TOPIC_ID = 1
REACTION_EMOJI = frozenset(
    "❤ 👍 👎 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤\u200d🔥 🌚 "
    "🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨\u200d💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 "
    "🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷\u200d♂ 🤷 🤷\u200d♀ 😡".split()
)
CHAT_ACTIONS = frozenset(
    """typing upload_photo record_video upload_video record_voice upload_voice upload_document
    choose_sticker find_location record_video_note upload_video_note""".split()
)
# Keys that make up a message's content (what copy and forward carry over).
CONTENT_KEYS = tuple(
    """text entities link_preview_options animation audio document photo sticker video
    video_note voice caption caption_entities show_caption_above_media has_media_spoiler
    contact dice location venue poll""".split()
)
_KIND_KEYS = tuple(
    """text photo document voice sticker video audio animation video_note location venue
    contact dice poll""".split()
)
_BUTTON_ACTIONS = tuple(
    """url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat
    switch_inline_query_chosen_chat copy_text callback_game pay""".split()
)
# Methods that produce messages: the default target of set_flood and rate limits.
SENDING_METHODS = frozenset(
    """sendmessage copymessage copymessages forwardmessage forwardmessages sendphoto
    senddocument sendvoice sendsticker sendvideo sendaudio sendanimation sendvideonote
    sendmediagroup sendlocation sendcontact editmessagetext editmessagecaption
    editmessagereplymarkup""".split()
)

# Form values arrive as strings; these tables give them the types Telegram would parse.
_INT_PARAMS = frozenset(
    """chat_id from_chat_id message_id message_thread_id reply_to_message_id user_id offset
    limit timeout icon_color cache_time duration width height length max_connections
    live_period heading proximity_alert_radius until_date""".split()
)
_FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_BOOL_PARAMS = frozenset(
    """disable_notification protect_content allow_sending_without_reply allow_paid_broadcast
    show_alert drop_pending_updates is_big disable_web_page_preview has_spoiler
    show_caption_above_media disable_content_type_detection supports_streaming
    revoke_messages only_if_banned for_channels remove_caption""".split()
)
_JSON_PARAMS = frozenset(
    """reply_markup entities caption_entities reply_parameters link_preview_options
    allowed_updates commands scope reaction media message_ids menu_button rights
    permissions""".split()
)
_BUTTON_ERROR = "can't parse inline keyboard button: "


class ApiError(Exception):
    """A Bot API failure; rendered as Telegram's ``{"ok": false, ...}`` answer."""

    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = {k: v for k, v in parameters.items() if v is not None}

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            data["parameters"] = dict(self.parameters)
        return data


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


def forbidden(text: str) -> ApiError:
    return ApiError(403, f"Forbidden: {text}")


def unix_now() -> int:
    return int(time.time())


def reply_copy(message: dict[str, Any]) -> dict[str, Any]:
    # Telegram never nests reply_to_message more than one level deep.
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _kind_of(message: dict[str, Any]) -> str:
    return next((key for key in _KIND_KEYS if key in message), "service")


def _update_kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def command_scope_key(scope: Any = None) -> str:
    """Key under which ``emu.commands`` stores a BotCommandScope.

    ``None``/``{"type": "default"}`` -> ``"default"``; ``all_private_chats`` and friends keep
    their type name; chat scopes become ``"chat:<id>"``, ``"chat_administrators:<id>"`` and
    ``"chat_member:<chat id>:<user id>"``. A string is returned unchanged.
    """
    if scope is None:
        return "default"
    if isinstance(scope, str):
        return scope
    kind = scope.get("type", "default")
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"chat_member:{scope.get('chat_id')}:{scope.get('user_id')}"
    return str(kind)


def coerce_params(params: dict[str, Any]) -> dict[str, Any]:
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _INT_PARAMS:
            with contextlib.suppress(ValueError):
                params[key] = int(value)
        elif key in _FLOAT_PARAMS:
            with contextlib.suppress(ValueError):
                params[key] = float(value)
        elif key in _BOOL_PARAMS:
            params[key] = value.strip().lower() in ("true", "1", "yes")
        elif key in _JSON_PARAMS and value:
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


@dataclass(slots=True)
class Upload:
    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> str:
        return f"<file {self.filename!r}, {len(self.data)} bytes>"


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    created_message: dict[str, Any] = field(default_factory=dict)
    message_ids: list[int] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            data["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return data


@dataclass
class ChatState:
    chat: FakeChat
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    last_message_id: int = 0
    topics: dict[int, Topic] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)  # user id -> member status
    bot_status: str = "administrator"
    pinned: list[int] = field(default_factory=list)

    def next_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    @property
    def bot_is_admin(self) -> bool:
        return self.bot_status in ("administrator", "creator")


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


Handler = Callable[[dict[str, Any], dict[str, Upload]], Any]


class EmulatorState(ChangeWaiter[SentMessage]):
    """Chats, messages, files, records and the update queue; no HTTP here."""

    def __init__(
        self,
        token: str,
        *,
        bot_name: str,
        bot_username: str,
        strict_html: bool,
        webhook_retry_delay: float,
        webhook_timeout: float,
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not (bot_id.isdigit() and sep and secret):
            raise ValueError(f"token must look like '<bot id>:<secret>', got {token!r}")
        self.token = token
        # aiogram derives bot.id from the token, so getMe must agree with it.
        self.bot_user = FakeUser(int(bot_id), bot_name, username=bot_username, is_bot=True)
        self.strict_html = strict_html
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.files = FileStore()

        # --- records the tests inspect
        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.errors: list[tuple[str, int, str]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.reactions: list[dict[str, Any]] = []
        self.deleted_messages: list[tuple[int, int]] = []
        self.descriptions: dict[tuple[str, str], str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.listeners: list[Callable[[SentMessage], None]] = []
        self._sent_by_chat: dict[int, list[SentMessage]] = {}
        self._waiters: list[asyncio.Future[None]] = []

        # --- world state
        self._users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self._chats: dict[int, ChatState] = {}
        self._usernames: dict[str, int] = {bot_username.lower(): self.bot_user.id}
        self._blocked: set[int] = set()
        self._query_ids = itertools.count(4_242_000_000_000_000_001)
        self._media_group_ids = itertools.count(13_000_000_000_000_001)
        self._callbacks: dict[str, dict[str, Any]] = {}

        # --- update delivery
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 100_000_001
        self._allowed = DEFAULT_UPDATE_TYPES
        self._poller: asyncio.Future[str] | None = None
        self._webhook: Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wakeup = asyncio.Event()
        self._webhook_session: aiohttp.ClientSession | None = None
        # Every webhook delivery tried: (update id, HTTP status; None when the connection
        # failed or timed out), in the order they ended.
        self.webhook_attempts: list[tuple[int, int | None]] = []
        self._closing = False

    # ------------------------------------------------------ waiting helpers

    @staticmethod
    def _describe(sent: Sequence[SentMessage]) -> str:
        if not sent:
            return "  (nothing)"
        return "\n".join(f"  {sm.short()}" for sm in sent)

    # ------------------------------------------------------ update delivery

    def _enqueue(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        kind = _update_kind(update)
        if kind in ALL_UPDATE_TYPES and kind not in self._allowed:
            return update  # Telegram does not even store updates the bot opted out of
        self._updates.append(update)
        self._wake_poller("updates")
        self._webhook_wakeup.set()
        return update

    def _wake_poller(self, reason: str) -> None:
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(reason)

    def _set_allowed(self, raw: Any) -> None:
        if not isinstance(raw, list):
            return
        wanted = frozenset(str(kind) for kind in raw) or DEFAULT_UPDATE_TYPES
        if wanted == self._allowed:
            return
        self._allowed = wanted
        kept = [
            u
            for u in self._updates
            if _update_kind(u) in wanted or _update_kind(u) not in ALL_UPDATE_TYPES
        ]
        self._updates = deque(kept)

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        self._notify()

    # ---------------------------------------------------------- chat lookup

    def _chat_id(self, chat_or_id: Any) -> int:
        if isinstance(chat_or_id, FakeUser | FakeChat):
            return chat_or_id.id
        if isinstance(chat_or_id, SentMessage):
            return chat_or_id.chat_id
        if isinstance(chat_or_id, dict):
            chat = chat_or_id.get("chat", chat_or_id)
            return int(chat["id"])
        if is_int(chat_or_id):
            return chat_or_id
        raise TypeError(f"not a chat: {chat_or_id!r}")

    def _state(self, chat_or_id: Any) -> ChatState:
        chat_id = self._chat_id(chat_or_id)
        state = self._chats.get(chat_id)
        if state is None:
            raise ValueError(f"unknown chat {chat_id}")
        return state

    def _private_state(self, user: FakeUser) -> ChatState:
        state = self._chats.get(user.id)
        if state is None:
            chat = FakeChat(
                user.id,
                "private",
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
            )
            state = ChatState(chat, bot_status="member")
            state.members[user.id] = "member"
            self._chats[user.id] = state
        return state

    def _resolve_chat_id(self, raw: Any) -> int:
        if isinstance(raw, str):
            if raw.startswith("@"):
                chat_id = self._usernames.get(raw[1:].lower())
                if chat_id is None:
                    raise bad_request("chat not found")
                return chat_id
            raise bad_request("chat not found" if raw else "chat_id is empty")
        if raw is None:
            raise bad_request("chat_id is empty")
        if not is_int(raw):
            raise bad_request("chat not found")
        return raw

    def _chat_for_send(self, raw: Any) -> ChatState:
        """Chat the bot may post into, with Telegram's 400/403 answers otherwise."""
        chat_id = self._resolve_chat_id(raw)
        state = self._chats.get(chat_id)
        if chat_id > 0:
            user = self._users.get(chat_id)
            if user is not None and user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if chat_id in self._blocked:
                raise forbidden("bot was blocked by the user")
            if state is None:
                if user is not None:
                    raise forbidden("bot can't initiate conversation with a user")
                raise bad_request("chat not found")
            return state
        if state is None:
            raise bad_request("chat not found")
        self._check_bot_member(state)
        return state

    def _chat_for_read(self, raw: Any) -> ChatState:
        chat_id = self._resolve_chat_id(raw)
        state = self._chats.get(chat_id)
        if state is None:
            raise bad_request("chat not found")
        if chat_id < 0:
            self._check_bot_member(state)
        return state

    @staticmethod
    def _check_bot_member(state: ChatState) -> None:
        kind = "supergroup" if state.chat.type == "supergroup" else "group"
        if state.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind} chat")
        if state.bot_status == "left":
            raise forbidden(f"bot is not a member of the {kind} chat")

    def _resolve_user_mention(self, user_id: int) -> dict[str, Any] | None:
        user = self._users.get(user_id)
        return user.to_api() if user is not None else None

    def _my_chat_member(self, user: FakeUser, old: str, new: str) -> dict[str, Any]:
        chat = self._private_state(user).chat.to_api()
        bot = self.bot_user.to_api()
        old_member: dict[str, Any] = {"status": old, "user": bot}
        new_member: dict[str, Any] = {"status": new, "user": bot}
        for member in (old_member, new_member):
            if member["status"] == "kicked":
                member["until_date"] = 0
        return {
            "my_chat_member": {
                "chat": chat,
                "from": user.to_api(),
                "date": unix_now(),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            }
        }

    # ------------------------------------------------------ message helpers

    def _thread_for(self, state: ChatState, raw: Any) -> tuple[int | None, Topic | None]:
        """Validate ``message_thread_id``; General (1) and private chats mean no thread."""
        if raw in (None, 0, ""):
            return None, None
        if not is_int(raw):
            raise bad_request("message thread not found")
        chat = state.chat
        if chat.type == "private":
            return None, None
        if chat.is_forum:
            if raw == GENERAL_TOPIC_ID:
                return None, None
            topic = state.topics.get(raw)
            if topic is None or topic.deleted:
                raise bad_request("message thread not found")
            return raw, topic
        if raw in state.messages:
            return raw, None
        raise bad_request("message thread not found")

    def _thread_of(
        self, state: ChatState, message: dict[str, Any]
    ) -> tuple[int | None, Topic | None]:
        # Replies land in the replied message's topic.
        if not message.get("is_topic_message"):
            return None, None
        topic = state.topics.get(message.get("message_thread_id", 0))
        if topic is None or topic.deleted or not state.chat.is_forum:
            return None, None
        return topic.thread_id, topic

    @staticmethod
    def _place(
        message: dict[str, Any],
        thread: int | None,
        topic: Topic | None,
        reply: dict[str, Any] | None,
    ) -> None:
        if thread is not None:
            message["message_thread_id"] = thread
            if topic is not None:
                message["is_topic_message"] = True
        if reply is not None:
            message["reply_to_message"] = reply_copy(reply)
        elif topic is not None:
            # Telegram quirk: topic messages "reply" to the topic's creation message.
            message["reply_to_message"] = reply_copy(topic.created_message)

    @staticmethod
    def _store(state: ChatState, message: dict[str, Any], topic: Topic | None) -> None:
        state.messages[message["message_id"]] = message
        if topic is not None:
            topic.message_ids.append(message["message_id"])

    def _render(self, text: Any, parse_mode: Any, raw_entities: Any) -> tuple[str, list[Any]]:
        """Plain text and entities for a text/caption as Telegram would produce them."""
        if text is None:
            text = ""
        elif not isinstance(text, str):
            text = json.dumps(text)
        mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
        try:
            if raw_entities not in (None, "", []):
                if isinstance(raw_entities, str):
                    raise bad_request("can't parse entities JSON object")
                return text, check_entities(text, raw_entities)
            if mode == "html":
                plain, spans = parse_html(text, strict=self.strict_html)
            elif mode == "markdownv2":
                plain, spans = parse_markdown_v2(text)
            elif mode == "markdown":
                plain, spans = parse_markdown(text)
            elif mode == "":
                plain, spans = text, []
            else:
                raise bad_request("unsupported parse_mode")
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        plain, spans = strip_text(plain, spans)
        spans = spans + detect_entities(plain, spans)
        return plain, to_entities(plain, spans, self._resolve_user_mention)

    def _text_content(self, p: dict[str, Any]) -> dict[str, Any]:
        plain, entities = self._render(p.get("text"), p.get("parse_mode"), p.get("entities"))
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        preview = p.get("link_preview_options")
        if isinstance(preview, dict) and preview:
            content["link_preview_options"] = preview
        elif p.get("disable_web_page_preview"):
            content["link_preview_options"] = {"is_disabled": True}
        return content

    def _caption_content(self, p: dict[str, Any]) -> dict[str, Any]:
        raw = p.get("caption")
        if raw in (None, ""):
            return {}
        plain, entities = self._render(raw, p.get("parse_mode"), p.get("caption_entities"))
        if len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        if not plain:
            return {}
        content: dict[str, Any] = {"caption": plain}
        if entities:
            content["caption_entities"] = entities
        if p.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        return content

    @staticmethod
    def _check_markup(raw: Any) -> dict[str, Any] | None:
        if raw in (None, ""):
            return None
        if not isinstance(raw, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    _BUTTON_ERROR + 'Field "inline_keyboard" must be an Array of Arrays'
                )
            total = 0
            for row in rows:
                for button in row:
                    total += 1
                    if not isinstance(button, dict):
                        raise bad_request(_BUTTON_ERROR + "InlineKeyboardButton must be an Object")
                    if not isinstance(button.get("text"), str) or not button["text"]:
                        raise bad_request(_BUTTON_ERROR + 'Field "text" must be of type String')
                    if not any(action in button for action in _BUTTON_ACTIONS):
                        raise bad_request(
                            _BUTTON_ERROR + "Text buttons are unallowed in the inline keyboard"
                        )
                    if "callback_data" in button:
                        data = button["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                            raise bad_request("BUTTON_DATA_INVALID")
                    if "url" in button:
                        url = button["url"]
                        if not isinstance(url, str) or not re.match(
                            r"^(https?|tg|ton)://\S+$", url
                        ):
                            raise bad_request("BUTTON_URL_INVALID")
            if total > 100:
                raise bad_request("reply markup is too long")
            return raw
        if "keyboard" in raw:
            rows = raw["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'can\'t parse keyboard button: Field "keyboard" must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    text = button.get("text") if isinstance(button, dict) else button
                    if not isinstance(text, str) or not text:
                        raise bad_request(
                            'can\'t parse keyboard button: Field "text" must be of type String'
                        )
            return raw
        if raw.get("remove_keyboard") is True or raw.get("force_reply") is True:
            return raw
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _reply_target(self, state: ChatState, p: dict[str, Any]) -> dict[str, Any] | None:
        raw = p.get("reply_parameters")
        allow = bool(p.get("allow_sending_without_reply"))
        if isinstance(raw, dict):
            message_id = raw.get("message_id")
            allow = bool(raw.get("allow_sending_without_reply", allow))
            other = raw.get("chat_id")
            if other not in (None, "", state.chat.id):
                return None  # replies to other chats (external replies) are not modelled
        elif raw not in (None, ""):
            raise bad_request("can't parse reply parameters JSON object")
        else:
            message_id = p.get("reply_to_message_id")
        if message_id in (None, 0, ""):
            return None
        target = state.messages.get(message_id) if is_int(message_id) else None
        if target is None and not allow:
            raise bad_request("message to be replied not found")
        return target

    def _post_message(
        self,
        state: ChatState,
        p: dict[str, Any],
        content: dict[str, Any],
        method: str,
        *,
        html: str | None = None,
        copied_from: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        """Validate placement/markup, store a bot message and record it in ``sent``."""
        thread, topic = self._thread_for(state, p.get("message_thread_id"))
        if topic is not None and topic.closed and not state.bot_is_admin:
            raise bad_request("TOPIC_CLOSED")
        reply = self._reply_target(state, p)
        if reply is not None and thread is None:
            thread, topic = self._thread_of(state, reply)
        markup = self._check_markup(p.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": state.next_id(),
            "from": self.bot_user.to_api(),
            "chat": state.chat.to_api(),
            "date": unix_now(),
        }
        self._place(message, thread, topic, reply)
        message.update(content)
        if p.get("protect_content"):
            message["has_protected_content"] = True
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._store(state, message, topic)
        self._record(
            method,
            state,
            message,
            p,
            html=html,
            markup=markup,
            reply_to=reply["message_id"] if reply is not None else None,
            copied_from=copied_from,
        )
        return message

    def _record(
        self,
        method: str,
        state: ChatState,
        message: dict[str, Any],
        p: dict[str, Any],
        *,
        html: str | None,
        markup: dict[str, Any] | None,
        reply_to: int | None,
        copied_from: tuple[int, int] | None = None,
    ) -> SentMessage:
        kind = _kind_of(message)
        parse_mode = p.get("parse_mode")
        sent = SentMessage(
            method=method,
            chat_id=state.chat.id,
            message_id=message["message_id"],
            thread_id=message.get("message_thread_id"),
            text=message.get("text", message.get("caption")),
            html=html,
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            entities=message.get("entities", message.get("caption_entities")),
            reply_markup=markup,
            disable_notification=bool(p.get("disable_notification")),
            protect_content=bool(p.get("protect_content")),
            reply_to_message_id=reply_to,
            kind=kind,
            photo=message.get("photo"),
            document=message.get("document"),
            media=message.get(kind) if kind in MEDIA_KINDS - {"photo", "document"} else None,
            copied_from=copied_from,
            message=message,
            params=p,
        )
        self.sent.append(sent)
        self._sent_by_chat.setdefault(state.chat.id, []).append(sent)
        for listener in self.listeners:
            listener(sent)
        self._notify()
        return sent

    def _input_file(self, value: Any, uploads: dict[str, Upload], kind: str) -> StoredFile:
        """Resolve an InputFile parameter: attach:// upload, direct upload, URL or file_id."""
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value[len("attach://") :])
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        elif value in (None, "") and kind in uploads:
            upload = uploads[kind]
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            if len(upload.data) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            mime = None
            if upload.filename:
                mime = mimetypes.guess_type(upload.filename)[0]
            if mime is None and upload.content_type not in (None, "application/octet-stream"):
                mime = upload.content_type
            keeps_name = kind in ("document", "video", "audio", "animation")
            return self.files.add(
                kind,
                data=upload.data,
                file_name=upload.filename if keeps_name else None,
                mime_type=mime or ("application/octet-stream" if keeps_name else None),
            )
        if value in (None, ""):
            raise bad_request(f"there is no {kind} in the request")
        if not isinstance(value, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self.files.add(kind, url=value, file_name=name)
        existing = self.files.get(value)
        if existing is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if existing.kind != kind and {existing.kind, kind} != {"document", "animation"}:
            label = {"video_note": "VideoNote"}.get
            raise bad_request(
                f"can't use file of type {label(existing.kind, existing.kind.title())} "
                f"as {label(kind, kind.title())}"
            )
        return existing

    def _media_content(self, kind: str, stored: StoredFile, p: dict[str, Any]) -> dict[str, Any]:
        for key in ("duration", "width", "height"):
            if is_int(p.get(key)) and getattr(stored, key) is None:
                setattr(stored, key, p[key])
        if kind == "photo":
            content: dict[str, Any] = {"photo": self.files.photo_sizes(stored)}
        elif kind == "sticker":
            sticker = stored.to_api()
            if isinstance(p.get("emoji"), str):
                sticker["emoji"] = p["emoji"]
            content = {"sticker": sticker}
        else:
            content = {kind: stored.to_api()}
            for key in ("title", "performer"):
                if kind == "audio" and isinstance(p.get(key), str):
                    content[kind][key] = p[key]
        if kind not in ("sticker", "video_note"):
            content.update(self._caption_content(p))
        if p.get("has_spoiler") and kind in ("photo", "video", "animation"):
            content["has_media_spoiler"] = True
        return content

    def _new_topic(
        self,
        state: ChatState,
        name: str,
        icon_color: int | None,
        emoji_id: str | None,
        creator: FakeUser,
    ) -> Topic:
        color = icon_color or TOPIC_COLORS[len(state.topics) % len(TOPIC_COLORS)]
        message_id = state.next_id()
        created: dict[str, Any] = {"name": name, "icon_color": color}
        if emoji_id:
            created["icon_custom_emoji_id"] = emoji_id
        service = {
            "message_id": message_id,
            "from": creator.to_api(),
            "chat": state.chat.to_api(),
            "date": unix_now(),
            "message_thread_id": message_id,
            "forum_topic_created": created,
            "is_topic_message": True,
        }
        topic = Topic(message_id, name, color, emoji_id, created_message=service)
        topic.message_ids.append(message_id)
        state.topics[message_id] = topic
        state.messages[message_id] = service
        return topic

    def _topic_service(self, state: ChatState, topic: Topic, payload: dict[str, Any]) -> None:
        # Service messages caused by the bot itself are stored but never delivered to it.
        message: dict[str, Any] = {
            "message_id": state.next_id(),
            "from": self.bot_user.to_api(),
            "chat": state.chat.to_api(),
            "date": unix_now(),
        }
        self._place(message, topic.thread_id, topic, None)
        message.update(payload)
        self._store(state, message, topic)

    @staticmethod
    def _drop_topic(state: ChatState, topic: Topic) -> None:
        topic.deleted = True
        for message_id in topic.message_ids:
            state.messages.pop(message_id, None)
        topic.message_ids.clear()

    def _managed_topic(self, p: dict[str, Any]) -> tuple[ChatState, Topic]:
        state = self._chat_for_send(p.get("chat_id"))
        if state.chat.type != "supergroup" or not state.chat.is_forum:
            raise bad_request("the chat is not a forum")
        if not state.bot_is_admin:
            raise bad_request("not enough rights to manage topics")
        thread_id = p.get("message_thread_id")
        topic = state.topics.get(thread_id) if is_int(thread_id) else None
        if topic is None or topic.deleted:
            raise bad_request("TOPIC_ID_INVALID")
        return state, topic

    def _source_message(self, p: dict[str, Any], verb: str) -> tuple[ChatState, dict[str, Any]]:
        state = self._chat_for_read(p.get("from_chat_id"))
        message_id = p.get("message_id")
        if not is_int(message_id):
            raise bad_request("message identifier is not specified")
        source = state.messages.get(message_id)
        if source is None:
            raise bad_request(f"message to {verb} not found")
        if source.get("has_protected_content"):
            raise bad_request("message has protected content and can't be forwarded")
        if not any(key in source for key in CONTENT_KEYS):
            raise bad_request(f"message can't be {'copied' if verb == 'copy' else 'forwarded'}")
        return state, source

    def _editable(self, p: dict[str, Any]) -> tuple[ChatState, dict[str, Any]]:
        if p.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        state = self._chat_for_send(p.get("chat_id"))
        message_id = p.get("message_id")
        if not is_int(message_id):
            raise bad_request("message identifier is not specified")
        message = state.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user.id:
            raise bad_request("message can't be edited")
        return state, message

    def _replace_message(
        self, state: ChatState, old: dict[str, Any], changes: dict[str, Any], drop: Iterable[str]
    ) -> dict[str, Any]:
        # Build a new dict so earlier snapshots (SentMessage.message) stay as they were.
        new = {k: v for k, v in old.items() if k not in drop}
        new.update(changes)
        new["edit_date"] = unix_now()
        state.messages[old["message_id"]] = new
        return new
