"""The playground's web page and its small JSON API (aiohttp, no build step, no CDN).

The page (static/) polls ``/api/state`` and the open chats; what it does as a citizen or an
officer goes through the emulator's user-side API, so the bot sees real Telegram updates.
Messages are sent to the page as Telegram would deliver them to a client: plain text plus
entities, which the page turns into elements (never into HTML source), so whatever a citizen
typed is shown literally and only Telegram's own formatting appears.
"""

from __future__ import annotations

import json
import mimetypes
import re
from datetime import timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.core.commands import menu
from bot.core.durations import parse_duration
from bot.playground.desk import World

STATIC = resources.files("bot.playground") / "static"
STATIC_FILES = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
}
MAX_UPLOAD = 20 * 1024 * 1024
DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

WORLD: web.AppKey[World] = web.AppKey("world", World)
# More of /api/state (training mode adds its part) and listeners of what staff members write.
EXTRA_STATE: web.AppKey[list[Any]] = web.AppKey("extra_state", list)
STAFF_ACTIONS: web.AppKey[list[Any]] = web.AppKey("staff_actions", list)


class BadInput(Exception):
    """A request the page should not have made: answered 400 with the reason."""


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(data, ensure_ascii=False).encode(),
        content_type="application/json",
    )


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except (BadInput, ValueError, KeyError) as exc:
        reason = str(exc) if not isinstance(exc, KeyError) else f"unknown: {exc.args[0]}"
        return json_response({"error": reason}, status=400)


def message_json(message: dict[str, Any]) -> dict[str, Any]:
    """One Telegram message, as the page draws it."""
    sender = message.get("from") or {}
    name = " ".join(x for x in (sender.get("first_name"), sender.get("last_name")) if x)
    out: dict[str, Any] = {
        "id": message["message_id"],
        "from": {"id": sender.get("id"), "name": name, "is_bot": bool(sender.get("is_bot"))},
        "text": message.get("text") or message.get("caption") or "",
        "entities": message.get("entities") or message.get("caption_entities") or [],
    }
    if "forum_topic_created" in message:
        out["service"] = f"Topik dibuat: {message['forum_topic_created'].get('name', '')}"
    elif "forum_topic_edited" in message:
        out["service"] = f"Topik diubah: {message['forum_topic_edited'].get('name', '')}"
    elif "forum_topic_closed" in message:
        out["service"] = "Topik ditutup"
    elif "forum_topic_reopened" in message:
        out["service"] = "Topik dibuka lagi"
    if message.get("photo"):
        out["photo"] = f"/api/file/{message['photo'][-1]['file_id']}"
    if message.get("document"):
        document = message["document"]
        out["document"] = {
            "name": document.get("file_name") or "dokumen",
            "url": f"/api/file/{document['file_id']}",
        }
    for kind in ("voice", "sticker", "video", "audio", "location", "contact", "video_note"):
        if kind in message:
            out["kind"] = kind
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    out["buttons"] = [
        [
            {"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
            for b in row
        ]
        for row in rows
    ]
    reply = message.get("reply_to_message")
    if reply and "forum_topic_created" not in reply:
        out["reply_to"] = (reply.get("text") or reply.get("caption") or "")[:120]
    if message.get("edit_date"):
        out["edited"] = True
    return out


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name} must be a number") from None


def make_web_app(world: World) -> web.Application:
    app = web.Application(middlewares=[_errors], client_max_size=MAX_UPLOAD + 64 * 1024)
    app[WORLD] = world
    app[EXTRA_STATE] = []
    app[STAFF_ACTIONS] = []
    zone = ZoneInfo(world.config.hours.timezone)
    calendar = world.config.hours.calendar()

    async def page(request: web.Request) -> web.Response:
        name = request.match_info.get("name") or "index.html"
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        body = (STATIC / name).read_bytes()
        return web.Response(
            body=body,
            content_type=STATIC_FILES[name],
            charset="utf-8",
            headers={"Cache-Control": "no-store"},
        )

    async def state(request: web.Request) -> web.Response:
        now = world.clock.now()
        local = now.astimezone(zone)
        topics = [
            {"thread_id": t["message_thread_id"], "name": t["name"], "closed": t["is_closed"]}
            for t in world.emu.topics(world.staff_group)
            if not t["is_deleted"]
        ]
        data: dict[str, Any] = {
            "clock": {
                "iso": now.isoformat(),
                "local": f"{DAY_NAMES[local.weekday()]} {local:%d-%m-%Y %H:%M:%S}",
                "timezone": world.config.hours.timezone,
                "speed": world.clock.speed,
                "open": calendar.is_open(now),
            },
            "office": world.config.office.name,
            "data_dir": str(world.data_dir),
            "citizens": [p.to_json() for p in world.citizens],
            "staff": [p.to_json() for p in world.staff],
            "staff_group": {"id": world.staff_group.id, "title": world.staff_group.title},
            "topics": topics,
            "commands": {"citizen": menu(True, "id"), "staff": menu(False, "id")},
        }
        for extra in request.app[EXTRA_STATE]:
            data.update(extra())
        return json_response(data)

    async def messages(request: web.Request) -> web.Response:
        chat = _int(request.query.get("chat"), "chat")
        thread = request.query.get("thread")
        history = world.emu.chat_history(
            chat, _int(thread, "thread") if thread not in (None, "") else None
        )
        return json_response({"messages": [message_json(m) for m in history]})

    async def add_citizen(request: web.Request) -> web.Response:
        body = await request.json()
        person = world.add_citizen(str(body.get("name", "")), str(body.get("language", "id")))
        return json_response(person.to_json())

    def _place(body: dict[str, Any]) -> tuple[Any, int | None, int | None]:
        person = world.person(_int(body.get("user"), "user"))
        if person.role == "citizen":
            return person.user, None, None
        thread = body.get("thread")
        thread_id = _int(thread, "thread") if thread not in (None, "", 0, "0") else None
        return person.user, world.staff_group.id, thread_id

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body.get("text", ""))
        if not text.strip():
            raise BadInput("nothing to send")
        user, chat, thread = _place(body)
        reply_to = body.get("reply_to")
        message = await world.emu.send_text(
            user,
            text,
            chat=chat,
            thread_id=thread,
            reply_to=_int(reply_to, "reply_to") if reply_to else None,
        )
        if chat is not None:
            for listener in request.app[STAFF_ACTIONS]:
                listener(user.id, thread, text)
        return json_response({"id": message["message_id"]})

    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        user, chat, _ = _place(body)
        await world.emu.press_button(
            user, _int(body.get("message"), "message"), str(body.get("data", "")), chat=chat
        )
        return json_response({"ok": True})

    async def upload(request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise BadInput("choose a file")
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise BadInput("the playground takes files up to 20 MB")
        user, chat, thread = _place(dict(form))
        caption = str(form.get("caption") or "") or None
        name = upload.filename or "file"
        mime = upload.content_type or mimetypes.guess_type(name)[0] or ""
        if mime in ("image/jpeg", "image/png") and form.get("as") != "document":
            message = await world.emu.send_photo(
                user, data, caption=caption, chat=chat, thread_id=thread
            )
        else:
            message = await world.emu.send_document(
                user,
                data,
                file_name=name,
                mime_type=mime or None,
                caption=caption,
                chat=chat,
                thread_id=thread,
            )
        return json_response({"id": message["message_id"]})

    async def file(request: web.Request) -> web.Response:
        stored = world.emu.files.get(request.match_info["file_id"])
        if stored is None or stored.data is None:
            raise web.HTTPNotFound()
        mime = stored.mime_type or ("image/png" if stored.kind == "photo" else None)
        headers = {}
        if stored.file_name:
            # Shown inline when the browser can; the name (a citizen's) only suggests how to
            # save it: ASCII letters, digits and a few marks, nothing that breaks the header.
            safe = re.sub(r"[^A-Za-z0-9._ -]", "_", stored.file_name)[:100]
            headers["Content-Disposition"] = f'inline; filename="{safe}"'
        headers["X-Content-Type-Options"] = "nosniff"
        return web.Response(
            body=stored.data, content_type=mime or "application/octet-stream", headers=headers
        )

    async def clock(request: web.Request) -> web.Response:
        body = await request.json()
        if "speed" in body:
            try:
                world.clock.set_speed(float(body["speed"]))
            except (TypeError, ValueError):
                raise BadInput("speed must be a number from 0 to 10000") from None
        if body.get("advance"):
            text = str(body["advance"])
            try:
                delta: timedelta = parse_duration(text).delta
            except ValueError:
                delta = timedelta(0)
            if delta <= timedelta(0):
                raise BadInput(f"advance: not a clock duration: {text!r} (e.g. 15m, 2h, 1d)")
            world.clock.advance(delta)
        return json_response({"speed": world.clock.speed, "iso": world.clock.now().isoformat()})

    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", page)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/messages", messages)
    app.router.add_post("/api/citizens", add_citizen)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/upload", upload)
    app.router.add_get("/api/file/{file_id}", file)
    app.router.add_post("/api/clock", clock)
    return app
