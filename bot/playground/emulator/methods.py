"""Bot API method implementations (one ``_m_*`` handler per method)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .files import MAX_DOWNLOAD_SIZE, MEDIA_KINDS
from .models import FakeUser
from .state import (
    CHAT_ACTIONS,
    CONTENT_KEYS,
    DEFAULT_UPDATE_TYPES,
    REACTION_EMOJI,
    TOPIC_COLORS,
    ApiError,
    EmulatorState,
    Handler,
    Upload,
    Webhook,
    bad_request,
    command_scope_key,
    is_int,
    reply_copy,
    unix_now,
)

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^([a-z]{2})?$")
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def webhook_url_allowed(url: str) -> bool:
    """Telegram takes HTTPS webhook URLs only. The emulator also takes plain http to a
    loopback address (127.0.0.0/8, ::1, localhost): tests serve webhooks there without TLS."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_queue(update: dict[str, Any]) -> Any:
    """The queue an update waits in for webhook delivery: its chat (or its sender's, for
    events without a chat); an update with neither has a queue of its own."""
    for key, event in update.items():
        if key == "update_id" or not isinstance(event, dict):
            continue
        message = event.get("message")
        for holder in (event, message if isinstance(message, dict) else {}):
            chat = holder.get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return ("chat", chat["id"])
        sender = event.get("from") or event.get("user")
        if isinstance(sender, dict) and "id" in sender:
            return ("chat", sender["id"])
    return ("update", update.get("update_id"))


class BotApiMethods(EmulatorState):
    """Every supported Bot API method, with Telegram's validations and error texts."""

    async def _invoke(
        self, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> tuple[int, dict[str, Any]]:
        """Run one API call; the server supplies it (webhook replies use it too)."""
        raise NotImplementedError

    # ------------------------------------------------------ update delivery

    async def _m_get_updates(self, p: dict[str, Any], _: dict[str, Upload]) -> list[Any]:
        if self._webhook is not None:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        offset = p.get("offset") or 0
        limit = p.get("limit") or 100
        timeout = p.get("timeout") or 0
        if not (is_int(offset) and is_int(limit) and isinstance(timeout, int | float)):
            raise bad_request("wrong parameter in getUpdates request")
        limit = min(max(limit, 1), 100)
        if "allowed_updates" in p:
            self._set_allowed(p["allowed_updates"])
        self._confirm(offset)
        # The newest request wins; the one still waiting is told about the conflict.
        self._wake_poller("conflict")
        if not self._updates and timeout > 0 and not self._closing:
            poller: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._poller = poller
            self._notify()
            try:
                reason = await asyncio.wait_for(poller, min(timeout, 50))
            except TimeoutError:
                reason = "timeout"
            finally:
                if self._poller is poller:
                    self._poller = None
            if reason == "conflict":
                raise ApiError(409, _CONFLICT_POLL)
            if reason == "webhook":
                raise ApiError(409, _CONFLICT_WEBHOOK)
        return list(itertools.islice(self._updates, limit))

    def _m_set_webhook(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        url = p.get("url") or ""
        if not url:
            return self._m_delete_webhook(p, _)
        if not isinstance(url, str) or not webhook_url_allowed(url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not (isinstance(secret, str) and _SECRET_TOKEN.match(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.get("max_connections") or 40
        if not is_int(max_connections) or not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if "allowed_updates" in p:
            self._set_allowed(p["allowed_updates"])
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = Webhook(url, secret or None, max_connections)
        self._wake_poller("webhook")
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_loop())
        self._webhook_wakeup.set()
        return True

    def _m_delete_webhook(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        self._webhook = None
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_get_webhook_info(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        hook = self._webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self._allowed != DEFAULT_UPDATE_TYPES:
            info["allowed_updates"] = sorted(self._allowed)
        return info

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _webhook_loop(self) -> None:
        """Push pending updates as Telegram does: up to ``max_connections`` deliveries in
        flight at once, the updates of one chat strictly one after another in update order
        (Telegram's Bot API server queues webhook updates per chat), each kept until a 2xx
        answer and delivered again otherwise."""
        if self._webhook_session is None:
            self._webhook_session = aiohttp.ClientSession()
        session = self._webhook_session
        in_flight: dict[int, asyncio.Task[None]] = {}

        def landed(update_id: int) -> Callable[[asyncio.Task[None]], None]:
            def done(_: asyncio.Task[None]) -> None:
                in_flight.pop(update_id, None)
                self._webhook_wakeup.set()  # its chat may go on, its connection is free

            return done

        try:
            while (hook := self._webhook) is not None:
                self._webhook_wakeup.clear()
                held: set[Any] = set()  # chats with an earlier update still pending
                for update in list(self._updates):
                    chat = webhook_queue(update)
                    if chat in held:
                        continue
                    held.add(chat)
                    update_id = update["update_id"]
                    if update_id in in_flight:
                        continue
                    if len(in_flight) >= hook.max_connections:
                        break
                    task = asyncio.get_running_loop().create_task(
                        self._deliver_webhook(session, hook, update)
                    )
                    in_flight[update_id] = task
                    task.add_done_callback(landed(update_id))
                await self._webhook_wakeup.wait()
        finally:
            for task in in_flight.values():
                task.cancel()
            await asyncio.gather(*in_flight.values(), return_exceptions=True)

    async def _deliver_webhook(
        self, session: aiohttp.ClientSession, hook: Webhook, update: dict[str, Any]
    ) -> None:
        """One delivery of one update; after a failure it waits ``webhook_retry_delay`` (the
        update's chat waits with it) before the loop may deliver it again."""
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        inline: tuple[str, dict[str, Any], dict[str, Upload]] | None = None
        status: int | None = None
        try:
            async with session.post(
                hook.url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                status, reason = response.status, response.reason
                if 200 <= status < 300:
                    inline = await self._read_webhook_reply(response)
        except (aiohttp.ClientError, TimeoutError) as exc:
            message = (
                "Read timeout expired"
                if isinstance(exc, TimeoutError)
                else f"Connection failed: {type(exc).__name__}"
            )
        else:
            message = f"Wrong response from the webhook: {status} {reason}"
        self.webhook_attempts.append((update["update_id"], status))
        if status is None or not 200 <= status < 300:
            self._webhook_failed(self._webhook or hook, message)
            self._notify()
            await asyncio.sleep(self.webhook_retry_delay)
            return
        with contextlib.suppress(ValueError):  # gone already (deleteWebhook dropped it)
            self._updates.remove(update)
        self._notify()
        if inline is not None:
            await self._invoke(*inline)

    @staticmethod
    def _webhook_failed(hook: Webhook, message: str) -> None:
        hook.last_error_date = unix_now()
        hook.last_error_message = message

    @staticmethod
    async def _read_webhook_reply(
        response: aiohttp.ClientResponse,
    ) -> tuple[str, dict[str, Any], dict[str, Upload]] | None:
        """A bot may answer a webhook with a method call; Telegram executes it."""
        params: dict[str, Any] = {}
        uploads: dict[str, Upload] = {}
        if response.content_type == "application/json":
            try:
                body = await response.json(content_type=None)
            except ValueError:
                return None
            if not isinstance(body, dict):
                return None
            params.update(body)
        elif response.content_type.startswith("multipart/"):
            reader = aiohttp.MultipartReader.from_response(response)
            while (part := await reader.next()) is not None:
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read(decode=True))
                    uploads[part.name] = Upload(part.name, part.filename, None, data)
                else:
                    params[part.name] = await part.text()
        method = params.pop("method", None)
        if not isinstance(method, str) or not method:
            return None
        return method, params, uploads

    # ---------------------------------------------------------- Bot API methods

    def _method_table(self) -> dict[str, Handler]:
        def media(kind: str, method: str) -> Handler:
            return lambda p, files: self._send_media(kind, method, p, files)

        return {
            "getMe": self._m_get_me,
            "logOut": self._m_true,
            "close": self._m_true,
            "getUpdates": self._m_get_updates,
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "setMyDescription": self._describer("description", 512),
            "setMyShortDescription": self._describer("short_description", 120),
            "setMyName": self._describer("name", 64),
            "getMyDescription": self._description_getter("description"),
            "getMyShortDescription": self._description_getter("short_description"),
            "getMyName": self._description_getter("name"),
            "setChatMenuButton": self._m_set_chat_menu_button,
            "getChatMenuButton": self._m_get_chat_menu_button,
            "sendMessage": self._m_send_message,
            "sendPhoto": media("photo", "sendPhoto"),
            "sendDocument": media("document", "sendDocument"),
            "sendVoice": media("voice", "sendVoice"),
            "sendSticker": media("sticker", "sendSticker"),
            "sendVideo": media("video", "sendVideo"),
            "sendAudio": media("audio", "sendAudio"),
            "sendAnimation": media("animation", "sendAnimation"),
            "sendVideoNote": media("video_note", "sendVideoNote"),
            "sendMediaGroup": self._m_send_media_group,
            "sendLocation": self._m_send_location,
            "sendContact": self._m_send_contact,
            "sendChatAction": self._m_send_chat_action,
            "copyMessage": self._m_copy_message,
            "copyMessages": self._m_copy_messages,
            "forwardMessage": self._m_forward_message,
            "forwardMessages": self._m_forward_messages,
            "editMessageText": self._m_edit_message_text,
            "editMessageCaption": self._m_edit_message_caption,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "deleteMessage": self._m_delete_message,
            "deleteMessages": self._m_delete_messages,
            "answerCallbackQuery": self._m_answer_callback_query,
            "setMessageReaction": self._m_set_message_reaction,
            "pinChatMessage": self._m_pin_chat_message,
            "unpinChatMessage": self._m_unpin_chat_message,
            "unpinAllChatMessages": self._m_unpin_all_chat_messages,
            "getChat": self._m_get_chat,
            "getChatMember": self._m_get_chat_member,
            "getChatAdministrators": self._m_get_chat_administrators,
            "getChatMemberCount": self._m_get_chat_member_count,
            "leaveChat": self._m_leave_chat,
            "getFile": self._m_get_file,
            "createForumTopic": self._m_create_forum_topic,
            "editForumTopic": self._m_edit_forum_topic,
            "closeForumTopic": self._m_close_forum_topic,
            "reopenForumTopic": self._m_reopen_forum_topic,
            "deleteForumTopic": self._m_delete_forum_topic,
        }

    def _m_true(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        return True

    def _m_get_me(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        return {
            **self.bot_user.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # --- commands and bot profile

    def _scope_key(self, raw: Any) -> str:
        if raw in (None, ""):
            return "default"
        if not isinstance(raw, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = raw.get("type")
        simple = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
        if kind in simple:
            return str(kind)
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_id = self._chat_for_read(raw.get("chat_id")).chat.id
            if kind == "chat_member":
                user_id = raw.get("user_id")
                if user_id not in self._users:
                    raise bad_request("user not found")
                return command_scope_key({"type": kind, "chat_id": chat_id, "user_id": user_id})
            return command_scope_key({"type": kind, "chat_id": chat_id})
        raise bad_request("unsupported bot command scope type")

    @staticmethod
    def _language(p: dict[str, Any]) -> str:
        language = p.get("language_code") or ""
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            raise bad_request("invalid language code specified")
        return language

    def _m_set_my_commands(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        cleaned: list[dict[str, Any]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not _COMMAND.match(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = (self._scope_key(p.get("scope")), self._language(p))
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    def _m_get_my_commands(self, p: dict[str, Any], _: dict[str, Upload]) -> list[Any]:
        key = (self._scope_key(p.get("scope")), self._language(p))
        return list(self.commands.get(key, []))

    def _m_delete_my_commands(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        self.commands.pop((self._scope_key(p.get("scope")), self._language(p)), None)
        return True

    def _describer(self, field_name: str, limit: int) -> Handler:
        def handler(p: dict[str, Any], _: dict[str, Upload]) -> bool:
            value = p.get(field_name) or ""
            if not isinstance(value, str) or len(value) > limit:
                raise bad_request(f"{field_name.replace('_', ' ')} is too long")
            key = (field_name, self._language(p))
            if value:
                self.descriptions[key] = value
            else:
                self.descriptions.pop(key, None)
            return True

        return handler

    def _description_getter(self, field_name: str) -> Handler:
        def handler(p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
            language = self._language(p)
            value = self.descriptions.get((field_name, language))
            if value is None:
                value = self.descriptions.get((field_name, ""), "")
            if field_name == "name" and not value:
                value = self.bot_user.first_name
            return {field_name: value}

        return handler

    def _m_set_chat_menu_button(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        chat_id = p.get("chat_id")
        key = self._chat_for_read(chat_id).chat.id if chat_id not in (None, "") else None
        button = p.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse menu button JSON object")
        self.menu_buttons[key] = button
        return True

    def _m_get_chat_menu_button(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        chat_id = p.get("chat_id")
        key = self._chat_for_read(chat_id).chat.id if chat_id not in (None, "") else None
        return self.menu_buttons.get(key) or self.menu_buttons.get(None) or {"type": "commands"}

    # --- sending

    def _m_send_message(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state = self._chat_for_send(p.get("chat_id"))
        content = self._text_content(p)
        return self._post_message(state, p, content, "sendMessage", html=p.get("text"))

    def _send_media(
        self, kind: str, method: str, p: dict[str, Any], uploads: dict[str, Upload]
    ) -> dict[str, Any]:
        state = self._chat_for_send(p.get("chat_id"))
        stored = self._input_file(p.get(kind), uploads, kind)
        content = self._media_content(kind, stored, p)
        return self._post_message(state, p, content, method, html=p.get("caption"))

    def _m_send_media_group(
        self, p: dict[str, Any], uploads: dict[str, Upload]
    ) -> list[dict[str, Any]]:
        state = self._chat_for_send(p.get("chat_id"))
        media = p.get("media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media items specified; must be between 2 and 10")
        group_id = str(next(self._media_group_ids))
        prepared = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in ("photo", "video", "document", "audio"):
                raise bad_request("can't parse InputMedia JSON object")
            stored = self._input_file(item.get("media"), uploads, kind)
            content = self._media_content(kind, stored, item)
            content["media_group_id"] = group_id
            prepared.append((content, item.get("caption")))
        group_params = {k: v for k, v in p.items() if k != "reply_markup"}
        return [
            self._post_message(state, group_params, content, "sendMediaGroup", html=caption)
            for content, caption in prepared
        ]

    def _m_send_location(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state = self._chat_for_send(p.get("chat_id"))
        latitude, longitude = p.get("latitude"), p.get("longitude")
        if not isinstance(latitude, int | float) or not -90 <= latitude <= 90:
            raise bad_request("wrong latitude specified")
        if not isinstance(longitude, int | float) or not -180 <= longitude <= 180:
            raise bad_request("wrong longitude specified")
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return self._post_message(state, p, {"location": location}, "sendLocation")

    def _m_send_contact(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state = self._chat_for_send(p.get("chat_id"))
        phone, first_name = p.get("phone_number"), p.get("first_name")
        if not phone:
            raise bad_request("phone number is empty")
        if not first_name:
            raise bad_request("first name is empty")
        contact: dict[str, Any] = {"phone_number": str(phone), "first_name": str(first_name)}
        if p.get("last_name"):
            contact["last_name"] = str(p["last_name"])
        return self._post_message(state, p, {"contact": contact}, "sendContact")

    def _m_send_chat_action(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state = self._chat_for_send(p.get("chat_id"))
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._thread_for(state, p.get("message_thread_id"))
        return True

    def _copy(self, p: dict[str, Any]) -> dict[str, Any]:
        state = self._chat_for_send(p.get("chat_id"))
        source_state, source = self._source_message(p, "copy")
        content = {key: source[key] for key in CONTENT_KEYS if key in source}
        has_media = any(key in content for key in MEDIA_KINDS)
        if has_media and (p.get("caption") not in (None, "") or p.get("remove_caption")):
            for key in ("caption", "caption_entities", "show_caption_above_media"):
                content.pop(key, None)
            content.update(self._caption_content(p))
        origin = (source_state.chat.id, source["message_id"])
        return self._post_message(
            state, p, content, "copyMessage", html=p.get("caption"), copied_from=origin
        )

    def _m_copy_message(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        return {"message_id": self._copy(p)["message_id"]}

    def _forward(self, p: dict[str, Any]) -> dict[str, Any]:
        state = self._chat_for_send(p.get("chat_id"))
        source_state, source = self._source_message(p, "forward")
        content = {key: source[key] for key in CONTENT_KEYS if key in source}
        origin = source.get("forward_origin")
        if origin is None:
            if "sender_chat" in source:
                origin = {
                    "type": "chat",
                    "date": source["date"],
                    "sender_chat": source["sender_chat"],
                }
            else:
                origin = {"type": "user", "date": source["date"], "sender_user": source["from"]}
        content["forward_origin"] = origin
        forwarded = {k: v for k, v in p.items() if k not in ("reply_markup", "reply_parameters")}
        return self._post_message(
            state,
            forwarded,
            content,
            "forwardMessage",
            copied_from=(source_state.chat.id, source["message_id"]),
        )

    def _m_forward_message(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        return self._forward(p)

    def _many(
        self, p: dict[str, Any], action: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty array of at most 100 identifiers")
        self._chat_for_send(p.get("chat_id"))
        self._chat_for_read(p.get("from_chat_id"))
        results = []
        for message_id in sorted(i for i in ids if is_int(i)):
            single = {k: v for k, v in p.items() if k != "message_ids"}
            single["message_id"] = message_id
            try:
                results.append({"message_id": action(single)["message_id"]})
            except ApiError as error:
                if error.code != 400:
                    raise  # missing or uncopyable messages are skipped, like Telegram
        return results

    def _m_copy_messages(self, p: dict[str, Any], _: dict[str, Upload]) -> list[Any]:
        return self._many(p, self._copy)

    def _m_forward_messages(self, p: dict[str, Any], _: dict[str, Upload]) -> list[Any]:
        return self._many(p, self._forward)

    # --- editing and deleting

    def _m_edit_message_text(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state, old = self._editable(p)
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        content = self._text_content(p)
        markup = self._check_markup(p.get("reply_markup"))
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            content["text"] == old.get("text")
            and content.get("entities") == old.get("entities")
            and inline == old.get("reply_markup")
        ):
            raise bad_request(_NOT_MODIFIED)
        changes = dict(content)
        if inline is not None:
            changes["reply_markup"] = inline
        drop = ("entities", "reply_markup", "link_preview_options")
        new = self._replace_message(state, old, changes, drop)
        self._record(
            "editMessageText", state, new, p, html=p.get("text"), markup=inline, reply_to=None
        )
        return new

    def _m_edit_message_caption(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state, old = self._editable(p)
        if not any(key in old for key in MEDIA_KINDS) or "sticker" in old:
            raise bad_request("there is no caption in the message to edit")
        content = self._caption_content(p)
        markup = self._check_markup(p.get("reply_markup"))
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            content.get("caption") == old.get("caption")
            and content.get("caption_entities") == old.get("caption_entities")
            and inline == old.get("reply_markup")
        ):
            raise bad_request(_NOT_MODIFIED)
        changes = dict(content)
        if inline is not None:
            changes["reply_markup"] = inline
        drop = ("caption", "caption_entities", "reply_markup", "show_caption_above_media")
        new = self._replace_message(state, old, changes, drop)
        self._record(
            "editMessageCaption", state, new, p, html=p.get("caption"), markup=inline, reply_to=None
        )
        return new

    def _m_edit_message_reply_markup(
        self, p: dict[str, Any], _: dict[str, Upload]
    ) -> dict[str, Any]:
        # Not recorded in ``sent``: only the keyboard changes; see get_message()/calls.
        state, old = self._editable(p)
        markup = self._check_markup(p.get("reply_markup"))
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        if inline is not None and not inline["inline_keyboard"]:
            inline = None
        if inline == old.get("reply_markup"):
            raise bad_request(_NOT_MODIFIED)
        changes = {"reply_markup": inline} if inline is not None else {}
        return self._replace_message(state, old, changes, ("reply_markup",))

    def _m_delete_message(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state = self._chat_for_read(p.get("chat_id"))
        message_id = p.get("message_id")
        if not is_int(message_id) or message_id not in state.messages:
            raise bad_request("message to delete not found")
        message = state.messages[message_id]
        own = message.get("from", {}).get("id") == self.bot_user.id
        if "forum_topic_created" in message or (
            state.chat.type != "private" and not own and not state.bot_is_admin
        ):
            raise bad_request("message can't be deleted")
        del state.messages[message_id]
        self.deleted_messages.append((state.chat.id, message_id))
        return True

    def _m_delete_messages(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty array of at most 100 identifiers")
        for message_id in ids:
            with contextlib.suppress(ApiError):
                self._m_delete_message({**p, "message_id": message_id}, {})
        return True

    # --- callbacks, reactions, pins

    def _m_answer_callback_query(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        entry = self._callbacks.get(str(p.get("callback_query_id")))
        if entry is None or entry["answered"]:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        entry["answered"] = True
        self.callback_answers.append(dict(p))
        return True

    def _m_set_message_reaction(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state = self._chat_for_read(p.get("chat_id"))
        message_id = p.get("message_id")
        if not is_int(message_id) or message_id not in state.messages:
            raise bad_request("message to react not found")
        reaction = p.get("reaction") or []
        if not isinstance(reaction, list):
            raise bad_request("can't parse reaction types JSON object")
        for item in reaction:
            if not isinstance(item, dict):
                raise bad_request("can't parse ReactionType JSON object")
            kind = item.get("type")
            emoji = item.get("emoji")
            # Emoji are often written with U+FE0F (emoji presentation); accept both forms.
            if (
                kind == "emoji"
                and isinstance(emoji, str)
                and emoji.replace("\ufe0f", "") in REACTION_EMOJI
            ):
                continue
            if (kind == "custom_emoji" and item.get("custom_emoji_id")) or kind == "paid":
                continue
            raise bad_request("REACTION_INVALID")
        if len(reaction) > 1:
            raise bad_request("REACTIONS_TOO_MANY")
        self.reactions.append(
            {
                "chat_id": state.chat.id,
                "message_id": message_id,
                "reaction": reaction,
                "is_big": bool(p.get("is_big")),
            }
        )
        return True

    def _m_pin_chat_message(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state = self._chat_for_read(p.get("chat_id"))
        message_id = p.get("message_id")
        if not is_int(message_id) or message_id not in state.messages:
            raise bad_request("message to pin not found")
        if state.chat.type != "private" and not state.bot_is_admin:
            raise bad_request("not enough rights to manage pinned messages in the chat")
        if message_id not in state.pinned:
            state.pinned.append(message_id)
        return True

    def _m_unpin_chat_message(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state = self._chat_for_read(p.get("chat_id"))
        message_id = p.get("message_id")
        if message_id in (None, ""):
            if state.pinned:
                state.pinned.pop()
        elif message_id in state.pinned:
            state.pinned.remove(message_id)
        return True

    def _m_unpin_all_chat_messages(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        self._chat_for_read(p.get("chat_id")).pinned.clear()
        return True

    # --- chats and members

    def _m_get_chat(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state = self._chat_for_read(p.get("chat_id"))
        info = state.chat.to_api()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if state.pinned:
            pinned = state.messages.get(state.pinned[-1])
            if pinned is not None:
                info["pinned_message"] = reply_copy(pinned)
        return info

    def _member(self, user: FakeUser, status: str) -> dict[str, Any]:
        base: dict[str, Any] = {"status": status, "user": user.to_api()}
        if status == "creator":
            base["is_anonymous"] = False
        elif status == "administrator":
            base.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_send_welcome_messages=False,
                can_pin_messages=True,
                can_manage_topics=True,
            )
        elif status == "kicked":
            base["until_date"] = 0
        elif status not in ("member", "left"):
            base["status"] = "left"
        return base

    def _m_get_chat_member(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state = self._chat_for_read(p.get("chat_id"))
        user_id = p.get("user_id")
        user = self._users.get(user_id) if is_int(user_id) else None
        if user is None:
            raise bad_request("user not found")
        if user.id == self.bot_user.id:
            return self._member(user, state.bot_status)
        if state.chat.type == "private":
            if user.id != state.chat.id:
                raise bad_request("user not found")
            return self._member(user, "member")
        return self._member(user, state.members.get(user.id, "left"))

    def _m_get_chat_administrators(
        self, p: dict[str, Any], _: dict[str, Upload]
    ) -> list[dict[str, Any]]:
        state = self._chat_for_read(p.get("chat_id"))
        if state.chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = [
            self._member(self._users[user_id], status)
            for user_id, status in state.members.items()
            if status in ("creator", "administrator") and user_id in self._users
        ]
        if state.bot_is_admin:
            admins.append(self._member(self.bot_user, "administrator"))
        return admins

    def _m_get_chat_member_count(self, p: dict[str, Any], _: dict[str, Upload]) -> int:
        state = self._chat_for_read(p.get("chat_id"))
        present = sum(1 for s in state.members.values() if s not in ("left", "kicked"))
        return present + (0 if state.chat.type == "private" else 1)

    def _m_leave_chat(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state = self._chat_for_read(p.get("chat_id"))
        if state.chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        state.bot_status = "left"
        return True

    def _m_get_file(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        file_id = p.get("file_id")
        stored = self.files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size is not None and stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return stored.to_file()

    # --- forum topics

    def _m_create_forum_topic(self, p: dict[str, Any], _: dict[str, Upload]) -> dict[str, Any]:
        state = self._chat_for_send(p.get("chat_id"))
        if state.chat.type != "supergroup" or not state.chat.is_forum:
            raise bad_request("the chat is not a forum")
        if not state.bot_is_admin:
            raise bad_request("not enough rights to create a topic")
        name = p.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("TOPIC_TITLE_EMPTY")
        if len(name) > 128:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        color = p.get("icon_color")
        if color not in (None, "") and color not in TOPIC_COLORS:
            raise bad_request("invalid icon_color specified")
        emoji = p.get("icon_custom_emoji_id") or None
        topic = self._new_topic(state, name, color or None, emoji, self.bot_user)
        return topic.to_api()

    def _m_edit_forum_topic(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state, topic = self._managed_topic(p)
        name, emoji = p.get("name"), p.get("icon_custom_emoji_id")
        if isinstance(name, str) and len(name) > 128:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        new_name = name if isinstance(name, str) and name else None
        new_emoji = emoji if isinstance(emoji, str) else None
        if (new_name is None or new_name == topic.name) and (
            new_emoji is None or (new_emoji or None) == topic.icon_custom_emoji_id
        ):
            raise bad_request("TOPIC_NOT_MODIFIED")
        edited: dict[str, Any] = {}
        if new_name is not None:
            topic.name = edited["name"] = new_name
        if new_emoji is not None:
            topic.icon_custom_emoji_id = new_emoji or None
            edited["icon_custom_emoji_id"] = new_emoji
        self._topic_service(state, topic, {"forum_topic_edited": edited})
        return True

    def _m_close_forum_topic(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state, topic = self._managed_topic(p)
        if topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = True
        self._topic_service(state, topic, {"forum_topic_closed": {}})
        return True

    def _m_reopen_forum_topic(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state, topic = self._managed_topic(p)
        if not topic.closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = False
        self._topic_service(state, topic, {"forum_topic_reopened": {}})
        return True

    def _m_delete_forum_topic(self, p: dict[str, Any], _: dict[str, Upload]) -> bool:
        state, topic = self._managed_topic(p)
        self._drop_topic(state, topic)
        return True
