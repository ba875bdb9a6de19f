"""The Bot API emulator, driven over real HTTP by an unmodified aiogram Bot/Dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import socket
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from aiohttp import web
from pydantic import ValidationError

from bot.playground.emulator import BotApiEmulator, FakeUser, SentMessage
from bot.playground.emulator.files import TINY_PNG


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.api_base))
    client = Bot(emu.token, session=session)
    yield client
    # session.close() pauses 250 ms for TLS shutdown; plain HTTP needs no grace period.
    await (await session.create_session()).close()


@pytest.fixture
async def citizen(emu: BotApiEmulator) -> FakeUser:
    """A user who has already started the bot."""
    user = emu.user("Budi", username="budi_s")
    await emu.send_text(user, "/start")
    return user


def keyboard(*data: str) -> InlineKeyboardMarkup:
    buttons = [[InlineKeyboardButton(text=f"btn {d}", callback_data=d)] for d in data]
    return InlineKeyboardMarkup(inline_keyboard=buttons)


# --------------------------------------------------------------------- basics


async def test_get_me_matches_token(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == bot.id == emu.bot_user.id == 123456
    assert me.is_bot and me.username == "loket_test_bot"
    assert emu.calls[-1].method == "getMe" and emu.calls[-1].status == 200


async def test_raw_protocol_errors_and_json_bodies(emu: BotApiEmulator) -> None:
    base = f"{emu.api_base}/bot{emu.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.api_base}/bot1:wrong/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{base}/sendTelepathy") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found"
        user = emu.user("Siti")
        await emu.send_text(user, "halo")
        body = {"chat_id": user.id, "text": "json body", "reply_markup": {"remove_keyboard": True}}
        async with http.post(f"{base}/sendMessage", json=body) as resp:
            answer = await resp.json()
            assert resp.status == 200 and answer["ok"] is True
            assert answer["result"]["text"] == "json body"
        # Method names are case-insensitive and query-string parameters work, as on Telegram.
        async with http.get(f"{base}/SENDMESSAGE", params={"chat_id": user.id, "text": "q"}) as r:
            assert (await r.json())["result"]["message_id"] == 3
    assert [sm.text for sm in emu.messages_to(user)] == ["json body", "q"]


async def test_get_updates_offsets_limit_and_long_poll_wakeup(
    emu: BotApiEmulator, bot: Bot
) -> None:
    user = emu.user("Andi")
    first = await emu.send_text(user, "/start")
    await emu.send_text(user, "satu")
    await emu.send_text(user, "dua")
    assert emu.pending_updates == 3

    updates = await bot.get_updates(limit=2)
    assert [u.message.text for u in updates] == ["/start", "satu"]
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[0].message.message_id == first["message_id"] == 1
    # Without an offset nothing is confirmed; confirming drops earlier updates.
    assert len(await bot.get_updates()) == 3
    rest = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["dua"]
    assert emu.pending_updates == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == []
    assert emu.pending_updates == 0

    # A long poll far longer than the wait below: only a wake-up can answer it in time.
    received = emu.polls_received
    answered = len(emu.calls_to("getUpdates"))
    poll = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=50))
    await emu.wait_for_poller(timeout=2)
    # A waiting long poll is counted as received (a bot is polling from then on), though
    # the calls record holds it only once it is answered.
    assert emu.polls_received == received + 1
    assert len(emu.calls_to("getUpdates")) == answered
    await emu.send_text(user, "bangun")
    woken = await asyncio.wait_for(poll, 20)
    assert [u.message.text for u in woken] == ["bangun"]


async def test_concurrent_get_updates_conflict(emu: BotApiEmulator, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_for_poller(timeout=2)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 2)
    # Calls are recorded when answered: the newer one first.
    assert [c.status for c in emu.calls_to("getUpdates")] == [200, 409]


# ---------------------------------------------------------------- sendMessage


async def test_send_message_html_is_parsed(
    emu: BotApiEmulator, bot: Bot, citizen: FakeUser
) -> None:
    source = '<b>Tiket</b> #12 &amp; <a href="https://ppid.example/t/12">lihat</a> 😀 <i>ok</i>'
    message = await bot.send_message(
        citizen.id, source, parse_mode="HTML", reply_markup=keyboard("close:12")
    )
    assert message.text == "Tiket #12 & lihat 😀 ok"
    kinds = {(e.type, e.offset, e.length) for e in message.entities}
    # UTF-16 offsets: the emoji counts twice.
    assert {("bold", 0, 5), ("text_link", 12, 5), ("italic", 21, 2)} <= kinds
    sent = await emu.wait_for_message(citizen)
    assert sent.html == source and sent.parse_mode == "HTML"
    assert sent.text == message.text and sent.callback_data == ["close:12"]
    assert sent.message_id == message.message_id == 2  # id 1 is the user's /start


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("<b>belum ditutup", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>salah</i>", 'expected "</b>", found "</i>"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("harga < 100", 'Unsupported start tag "" at byte offset 6'),
        ("AT&T", "Character '&' at byte offset 2"),
        ("<br/>", 'Unsupported start tag "br/"'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_send_message_invalid_html_is_rejected(
    emu: BotApiEmulator, bot: Bot, citizen: FakeUser, text: str, detail: str
) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities") as error:
        await bot.send_message(citizen.id, text, parse_mode="HTML")
    assert detail in error.value.message
    assert emu.sent == [] and emu.calls[-1].status == 400


async def test_markdown_v2_reserved_characters(bot: Bot, citizen: FakeUser) -> None:
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(citizen.id, "Terima kasih.", parse_mode="MarkdownV2")
    ok = await bot.send_message(citizen.id, r"*Terima* kasih\.", parse_mode="MarkdownV2")
    assert ok.text == "Terima kasih." and ok.entities[0].type == "bold"


async def test_send_message_length_limits(bot: Bot, citizen: FakeUser) -> None:
    await bot.send_message(citizen.id, "x" * 4096)
    # The limit applies after entity parsing: tags do not count.
    await bot.send_message(citizen.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(citizen.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(citizen.id, "<b> </b>", parse_mode="HTML")


async def test_callback_data_limit(emu: BotApiEmulator, bot: Bot, citizen: FakeUser) -> None:
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(citizen.id, "pilih", reply_markup=keyboard("x" * 65))
    await bot.send_message(citizen.id, "pilih", reply_markup=keyboard("é" * 32))  # 64 bytes
    assert len(emu.sent) == 1


async def test_private_chat_errors(emu: BotApiEmulator, bot: Bot, citizen: FakeUser) -> None:
    stranger = emu.user("Belum Mulai")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(stranger.id, "halo")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(987654321, "halo")

    await bot.send_message(citizen.id, "sebelum blokir")
    emu.block(citizen)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(citizen.id, "sesudah blokir")
    # Writing again means the user unblocked the bot.
    await emu.send_text(citizen, "maaf, saya buka blokir")
    await bot.send_message(citizen.id, "selamat datang kembali")
    kinds = [u.event_type for u in await bot.get_updates()]
    assert kinds == ["message", "my_chat_member", "my_chat_member", "message"]


# ------------------------------------------------------------- buttons, edits


async def test_press_button_answer_and_edit(
    emu: BotApiEmulator, bot: Bot, citizen: FakeUser
) -> None:
    menu = await bot.send_message(citizen.id, "Menu", reply_markup=keyboard("faq", "staff"))
    sent = await emu.wait_for_message(citizen)
    update = await emu.press_button(citizen, sent, "faq")
    with pytest.raises(ValueError, match="no button"):
        await emu.press_button(citizen, sent, "nope")

    query = update["callback_query"]
    assert query["message"]["message_id"] == menu.message_id and query["data"] == "faq"
    await bot.answer_callback_query(query["id"], text="Membuka FAQ")
    assert emu.callback_answer(update)["text"] == "Membuka FAQ"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query["id"])

    edited = await bot.edit_message_text("FAQ", chat_id=citizen.id, message_id=menu.message_id)
    assert edited.text == "FAQ" and edited.reply_markup is None  # no markup = keyboard removed
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("FAQ", chat_id=citizen.id, message_id=menu.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=citizen.id, message_id=1)
    last = await emu.wait_for_message(citizen)
    assert last.method == "editMessageText" and last.message_id == menu.message_id

    await bot.delete_message(citizen.id, menu.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(citizen.id, menu.message_id)
    await bot.set_message_reaction(citizen.id, 1, reaction=[{"type": "emoji", "emoji": "👍"}])
    with pytest.raises(TelegramBadRequest, match="REACTION_INVALID"):
        await bot.set_message_reaction(citizen.id, 1, reaction=[{"type": "emoji", "emoji": "✅"}])
    assert emu.reactions[0]["message_id"] == 1


async def test_wait_for_message_cursor_and_timeout(
    emu: BotApiEmulator, bot: Bot, citizen: FakeUser
) -> None:
    for text in ("satu", "dua", "tiga"):
        await bot.send_message(citizen.id, text)
    assert (await emu.wait_for_message(citizen)).text == "satu"
    assert (await emu.wait_for_message(citizen, contains="tiga")).text == "tiga"
    # "dua" was passed over, not returned: it is still the next one.
    assert (await emu.wait_for_message(citizen)).text == "dua"
    later = asyncio.create_task(emu.wait_for_message(citizen, timeout=2))
    await asyncio.sleep(0.01)
    await bot.send_message(citizen.id, "empat")
    assert (await later).text == "empat"
    found = await emu.wait_for(lambda sm: sm.text == "dua")
    assert isinstance(found, SentMessage)
    with pytest.raises(AssertionError, match="empat"):
        await emu.wait_for_message(citizen, timeout=0.05)


async def test_user_side_updates_and_allowed_updates(emu: BotApiEmulator, bot: Bot) -> None:
    staff = emu.group("Staf PPID", is_forum=True)
    officer = emu.user("Petugas")
    thread = await emu.create_topic(staff, "Diskusi", by=officer)
    said = await emu.send_text(officer, "cek", chat=staff, thread_id=thread)
    # Telegram quirk: topic messages point at the topic's creation message.
    assert said["reply_to_message"]["forum_topic_created"]["name"] == "Diskusi"
    edited = await emu.edit_text(officer, said, "cek ulang")
    assert edited["edit_date"] >= said["date"]
    forged = await emu.send_update(
        {"callback_query": {"id": "42", "from": officer.to_api(), "chat_instance": "1"}}
    )
    updates = await bot.get_updates()
    assert [u.event_type for u in updates] == [
        "message",
        "message",
        "edited_message",
        "callback_query",
    ]
    assert updates[0].message.forum_topic_created.name == "Diskusi"
    assert updates[1].message.message_thread_id == thread
    assert updates[3].update_id == forged["update_id"]
    await bot.answer_callback_query("42", text="ok")
    with pytest.raises(ValueError, match="is not above"):
        await emu.send_update({"update_id": 1, "message": said})
    # Narrowing allowed_updates drops queued updates of other types.
    await emu.send_text(officer, "lagi", chat=staff)
    narrowed = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.event_type for u in narrowed] == ["callback_query"]


# ---------------------------------------------------------- forums and media


async def test_forum_topics(emu: BotApiEmulator, bot: Bot) -> None:
    staff = emu.group("Staf PPID", is_forum=True)
    plain = emu.group("Grup biasa")
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(plain.id, "Tiket")

    topic = await bot.create_forum_topic(staff.id, "Tiket #7 Budi")
    assert topic.message_thread_id > 1  # 1 is the General topic
    service = emu.get_message(staff, topic.message_thread_id)
    assert service["forum_topic_created"]["name"] == "Tiket #7 Budi"

    message = await bot.send_message(
        staff.id, "Tiket baru", message_thread_id=topic.message_thread_id
    )
    assert message.is_topic_message and message.message_thread_id == topic.message_thread_id
    sent = await emu.wait_for_message(staff, thread_id=topic.message_thread_id)
    assert sent.text == "Tiket baru"

    # A staff member answers inside the topic; the bot sees the thread id.
    officer = emu.user("Petugas")
    reply = await emu.send_text(officer, "siap", chat=staff, thread_id=topic.message_thread_id)
    assert reply["message_thread_id"] == topic.message_thread_id and reply["is_topic_message"]

    await bot.close_forum_topic(staff.id, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(staff.id, topic.message_thread_id)
    await bot.reopen_forum_topic(staff.id, topic.message_thread_id)
    await bot.edit_forum_topic(staff.id, topic.message_thread_id, name="Tiket #7 selesai")
    assert emu.topics(staff)[0]["name"] == "Tiket #7 selesai"

    emu.delete_topic(staff, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(staff.id, "masih ada?", message_thread_id=topic.message_thread_id)
    other = await bot.create_forum_topic(staff.id, "Tiket #8")
    await bot.delete_forum_topic(staff.id, other.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(staff.id, "x", message_thread_id=other.message_thread_id)
    emu.set_forum(staff, False)
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(staff.id, "Tiket #9")
    admins = await bot.get_chat_administrators(staff.id)
    assert [a.user.id for a in admins] == [bot.id]


async def test_copy_user_photo_into_topic(emu: BotApiEmulator, bot: Bot, citizen: FakeUser) -> None:
    staff = emu.group("Staf PPID", is_forum=True)
    topic = await bot.create_forum_topic(staff.id, "Tiket #1")
    photo = await emu.send_photo(citizen, caption="KTP saya")

    copied = await bot.copy_message(
        staff.id, citizen.id, photo["message_id"], message_thread_id=topic.message_thread_id
    )
    sent = await emu.wait_for_message(staff, thread_id=topic.message_thread_id)
    assert sent.method == "copyMessage" and sent.message_id == copied.message_id
    assert sent.copied_from == (citizen.id, photo["message_id"])
    assert sent.kind == "photo" and sent.text == "KTP saya"
    assert sent.photo[-1]["file_id"] == photo["photo"][-1]["file_id"]
    assert "forward_origin" not in sent.message

    await bot.copy_message(
        staff.id, citizen.id, photo["message_id"], caption="<b>diganti</b>", parse_mode="HTML"
    )
    assert (await emu.wait_for_message(staff)).text == "diganti"
    forwarded = await bot.forward_message(staff.id, citizen.id, photo["message_id"])
    assert forwarded.forward_origin.sender_user.id == citizen.id
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(staff.id, citizen.id, 999)
    # The user's photo can be downloaded by the bot.
    downloaded = await bot.download(photo["photo"][-1]["file_id"])
    assert downloaded.read() == TINY_PNG


async def test_send_document_get_file_download(
    emu: BotApiEmulator, bot: Bot, citizen: FakeUser
) -> None:
    payload = b"%PDF-1.7 laporan tahunan" * 100
    message = await bot.send_document(
        citizen.id,
        BufferedInputFile(payload, filename="laporan.pdf"),
        caption="Dokumen Anda",
        reply_parameters=ReplyParameters(message_id=1),
    )
    assert message.document.file_name == "laporan.pdf"
    assert message.document.mime_type == "application/pdf"
    assert message.document.file_size == len(payload)
    assert message.reply_to_message.text == "/start"
    sent = await emu.wait_for_message(citizen)
    assert sent.kind == "document" and sent.reply_to_message_id == 1
    recorded = emu.calls_to("sendDocument")[0].params
    assert any("laporan.pdf" in str(value) for value in recorded.values())

    file = await bot.get_file(message.document.file_id)
    assert file.file_path.endswith(".pdf")
    assert (await bot.download(file)).read() == payload
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.api_base}/file/bot{emu.token}/nope/file.bin") as resp:
            assert resp.status == 404
    # Sending by file_id reuses the stored file.
    again = await bot.send_document(citizen.id, message.document.file_id)
    assert again.document.file_id == message.document.file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(citizen.id, "not-a-file-id")


async def test_user_document_is_downloadable(
    emu: BotApiEmulator, bot: Bot, citizen: FakeUser
) -> None:
    message = await emu.send_document(citizen, b"isi surat", file_name="surat.txt")
    assert message["document"]["mime_type"] == "text/plain"
    assert (await bot.download(message["document"]["file_id"])).read() == b"isi surat"


# ------------------------------------------------------------ fault injection


async def test_injected_429_surfaces_as_retry_after(
    emu: BotApiEmulator, bot: Bot, citizen: FakeUser
) -> None:
    emu.fail_next("sendMessage", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(citizen.id, "halo")
    assert error.value.retry_after == 3
    assert "Too Many Requests: retry after 3" in error.value.message
    await bot.send_message(citizen.id, "halo lagi")
    assert [c.status for c in emu.calls_to("sendMessage")] == [429, 200]

    emu.set_flood(0.5, retry_after=2, seed=7, methods=("sendMessage",))
    outcomes = []
    for _ in range(20):
        try:
            await bot.send_message(citizen.id, "banjir")
            outcomes.append("ok")
        except TelegramRetryAfter as exc:
            assert exc.retry_after == 2
            outcomes.append("429")
    assert 0 < outcomes.count("429") < 20
    emu.set_flood(0)
    await bot.send_message(citizen.id, "reda")


async def test_rate_limits_and_latency(emu: BotApiEmulator, bot: Bot, citizen: FakeUser) -> None:
    emu.set_rate_limits(per_second=None, per_chat_per_second=2, per_group_per_minute=None)
    await bot.send_message(citizen.id, "1")
    await bot.send_message(citizen.id, "2")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(citizen.id, "3")
    emu.set_rate_limits(None, None, None)
    emu.set_latency(0.5)
    answer = asyncio.create_task(bot.get_me())
    # Both timers run on this loop: one shorter than the latency, set before the request
    # even leaves, goes off first only if the emulator holds the answer back.
    shorter = asyncio.create_task(asyncio.sleep(0.05))
    done, _ = await asyncio.wait({answer, shorter}, return_when=asyncio.FIRST_COMPLETED)
    assert done == {shorter}
    assert (await answer).id == bot.id


# ------------------------------------------------------------------ webhook


@contextlib.asynccontextmanager
async def webhook_receiver(
    replies: list[web.Response],
) -> AsyncIterator[tuple[str, asyncio.Queue[tuple[dict, str | None]]]]:
    """A tiny HTTP endpoint recording pushed updates; answers with ``replies`` then 200."""
    received: asyncio.Queue[tuple[dict, str | None]] = asyncio.Queue()

    async def handle(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await received.put((await request.json(), secret))
        return replies.pop(0) if replies else web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook", received
    finally:
        await runner.cleanup()


async def test_webhook_delivery(emu: BotApiEmulator, bot: Bot, citizen: FakeUser) -> None:
    emu.webhook_retry_delay = 0.02
    inline_reply = web.json_response({"method": "sendMessage", "chat_id": citizen.id, "text": "x"})
    async with webhook_receiver([web.Response(status=500), inline_reply]) as (url, received):
        await bot.set_webhook(url, secret_token="s3cret")
        first, secret = await asyncio.wait_for(received.get(), 2)
        assert secret == "s3cret" and first["message"]["text"] == "/start"
        retried, _ = await asyncio.wait_for(received.get(), 2)
        assert retried == first  # a 500 answer means "deliver again"
        # The second answer carried a method call, which the emulator executes.
        assert (await emu.wait_for_message(citizen, timeout=2)).text == "x"

        info = await bot.get_webhook_info()
        assert info.url == url and "500" in info.last_error_message
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()

        await emu.send_text(citizen, "lewat webhook")
        pushed, _ = await asyncio.wait_for(received.get(), 2)
        assert pushed["message"]["text"] == "lewat webhook"
        await emu.wait_updates_consumed(timeout=2)
        await bot.delete_webhook()
    await emu.send_text(citizen, "lewat polling")
    assert [u.message.text for u in await bot.get_updates()] == ["lewat polling"]


# --------------------------------------------------------------- commands


async def test_set_my_commands_per_scope(emu: BotApiEmulator, bot: Bot) -> None:
    staff = emu.group("Staf PPID", is_forum=True)
    await bot.set_my_commands([BotCommand(command="start", description="Mulai")])
    await bot.set_my_commands(
        [
            BotCommand(command="start", description="Start"),
            BotCommand(command="help", description="Help"),
        ],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="en",
    )
    await bot.set_my_commands(
        [BotCommand(command="close", description="Tutup tiket")],
        scope=BotCommandScopeChat(chat_id=staff.id),
    )
    assert emu.commands[("default", "")] == [{"command": "start", "description": "Mulai"}]
    assert [c["command"] for c in emu.commands_for("all_private_chats", "en")] == ["start", "help"]
    assert emu.commands_for({"type": "chat", "chat_id": staff.id})[0]["command"] == "close"
    fetched = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="en")
    assert [c.command for c in fetched] == ["start", "help"]
    assert await bot.get_my_commands(language_code="id") == []

    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])
    await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=staff.id))
    assert emu.commands_for(f"chat:{staff.id}") == []
    await bot.set_my_description("Layanan informasi publik")
    assert emu.descriptions[("description", "")] == "Layanan informasi publik"


# ------------------------------------------------------------ dispatcher


async def test_unmodified_dispatcher_echoes(emu: BotApiEmulator, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = html.escape(message.from_user.first_name)
        await message.answer(f"Selamat datang, <b>{name}</b>!", parse_mode="HTML")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.reply(f"echo: {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, handle_signals=False, close_bot_session=False, polling_timeout=5
        )
    )
    try:
        await emu.wait_for_poller(timeout=5)
        user = emu.user("Rina")
        await emu.send_text(user, "/start")
        welcome = await emu.wait_for_message(user, timeout=5)
        assert welcome.text == "Selamat datang, Rina!"
        question = await emu.send_text(user, "jam buka kantor?")
        echoed = await emu.wait_for_message(user, timeout=5)
        assert echoed.text == "echo: jam buka kantor?"
        assert echoed.reply_to_message_id == question["message_id"]
        await emu.wait_updates_consumed(timeout=5)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert all(c.status == 200 for c in emu.calls)
    # aiogram asked only for the update types its handlers use.
    assert json.dumps(emu.calls_to("getUpdates")[-1].params["allowed_updates"]) == '["message"]'


async def test_an_unreadable_message_fails_aiogram_validation_alone(
    emu: BotApiEmulator, bot: Bot
) -> None:
    user = emu.user("Ani")
    await emu.send_unreadable_message(user)
    await emu.send_text(user, "halo")
    with pytest.raises(ClientDecodeError):  # aiogram reads the batch whole: it fails whole
        await bot.get_updates(timeout=0)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.api_base}/bot{emu.token}/getUpdates") as resp:
            items = (await resp.json())["result"]
    assert [sorted(item) for item in items] == [["message", "update_id"]] * 2
    with pytest.raises(ValidationError, match="poll"):
        Update.model_validate(items[0])
    assert Update.model_validate(items[1]).message.text == "halo"


async def test_outages_502_and_hanging_switch_at_runtime(emu: BotApiEmulator, bot: Bot) -> None:
    emu.set_outage("502")
    with pytest.raises(ClientDecodeError):  # an HTML error page, as nginx in front gives
        await bot.get_me()
    assert emu.calls[-1].status == 502 and emu.outage_hits == 1
    emu.set_outage("hang")
    pending = asyncio.create_task(bot.get_me())
    deadline = time.monotonic() + 5
    while emu.outage_hits < 2:  # the call arrived and is held
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    assert not pending.done()
    emu.set_outage(None)
    me = await asyncio.wait_for(pending, 5)
    assert me.username == emu.bot_user.username
    assert emu.calls[-1].method == "getMe" and emu.calls[-1].status == 200
    with pytest.raises(ValueError, match="unknown outage"):
        emu.set_outage("500")


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not true after {timeout}s"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://loket.example.go.id/telegram", True),
        ("http://127.0.0.1:9/telegram", True),
        ("http://127.8.0.1:9/telegram", True),
        ("http://localhost:9/telegram", True),
        ("http://[::1]:9/telegram", True),
        ("http://loket.example.go.id/telegram", False),
        ("http://10.0.0.5:8080/telegram", False),
        ("http://127.0.0.1.example.com/telegram", False),
        ("ftp://127.0.0.1/telegram", False),
    ],
)
async def test_webhook_urls_are_https_or_plain_http_to_loopback(
    emu: BotApiEmulator, bot: Bot, url: str, allowed: bool
) -> None:
    if allowed:
        assert await bot.set_webhook(url)
        assert (await bot.get_webhook_info()).url == url
        await bot.delete_webhook()
    else:
        with pytest.raises(TelegramBadRequest, match="An HTTPS URL must be provided"):
            await bot.set_webhook(url)
        assert (await bot.get_webhook_info()).url == ""


@contextlib.asynccontextmanager
async def holding_receiver(
    port: int = 0, fail_once: frozenset[str] = frozenset()
) -> AsyncIterator[tuple[str, asyncio.Event, list[str], list[str], list[int]]]:
    """A webhook endpoint that holds every delivery until ``gate`` is set; yields its URL, the
    gate, the texts as they arrived, the texts in flight and the peak number in flight.
    A text in ``fail_once`` is answered 500 the first time."""
    gate = asyncio.Event()
    arrived: list[str] = []
    in_flight: list[str] = []
    peak = [0]
    failed: set[str] = set()

    async def handle(request: web.Request) -> web.Response:
        text = (await request.json())["message"]["text"]
        arrived.append(text)
        in_flight.append(text)
        peak[0] = max(peak[0], len(in_flight))
        try:
            await gate.wait()
        finally:
            in_flight.remove(text)
        if text in fail_once and text not in failed:
            failed.add(text)
            return web.Response(status=500)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{bound}/hook", gate, arrived, in_flight, peak
    finally:
        await runner.cleanup()


async def test_webhook_deliveries_run_in_parallel_up_to_max_connections_one_chat_in_order(
    emu: BotApiEmulator, bot: Bot
) -> None:
    users = [emu.user(f"Warga {n}") for n in range(4)]
    for user in users:
        for word in ("satu", "dua"):
            await emu.send_text(user, f"{user.first_name} {word}")
    async with holding_receiver() as (url, gate, arrived, in_flight, peak):
        await bot.set_webhook(url, max_connections=3)
        await until(lambda: len(in_flight) == 3)
        # Three chats' first updates in flight at once, in update order; no second update of
        # a chat before its first is answered.
        assert in_flight == ["Warga 0 satu", "Warga 1 satu", "Warga 2 satu"]
        gate.set()
        await emu.wait_updates_consumed(timeout=5)
    assert peak == [3]
    for user in users:
        mine = [text for text in arrived if text.startswith(f"{user.first_name} ")]
        assert mine == [f"{user.first_name} satu", f"{user.first_name} dua"]


async def test_a_failed_webhook_delivery_holds_its_chat_back_and_not_the_others(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.webhook_retry_delay = 0.05
    ani, budi = emu.user("Ani"), emu.user("Budi")
    for text in ("ani 1", "ani 2"):
        await emu.send_text(ani, text)
    await emu.send_text(budi, "budi 1")
    async with holding_receiver(fail_once=frozenset({"ani 1"})) as (url, gate, arrived, _, _):
        gate.set()
        await bot.set_webhook(url, max_connections=5)
        await emu.wait_updates_consumed(timeout=5)
    # "ani 1" was refused, delivered again, and only then "ani 2"; Budi did not wait.
    assert [text for text in arrived if text.startswith("ani")] == ["ani 1", "ani 1", "ani 2"]
    assert arrived.index("budi 1") < arrived.index("ani 2")
    statuses = [status for _, status in emu.webhook_attempts]
    assert sorted(statuses, key=str) == [200, 200, 200, 500]


async def test_a_webhook_that_cannot_be_reached_gets_the_update_once_it_listens(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.webhook_retry_delay = 0.05
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ani = emu.user("Ani")
    await emu.send_text(ani, "halo")
    await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
    await until(lambda: len(emu.webhook_attempts) >= 2)
    assert {status for _, status in emu.webhook_attempts} == {None}  # nobody listened
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and "Connection failed" in (info.last_error_message or "")
    async with holding_receiver(port) as (_, gate, arrived, _, _):
        gate.set()
        await emu.wait_updates_consumed(timeout=5)
    assert arrived == ["halo"]
    assert emu.webhook_attempts[-1][1] == 200
