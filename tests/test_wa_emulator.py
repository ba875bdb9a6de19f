"""The WhatsApp Cloud API emulator, driven over real HTTP the way a bot would drive Meta."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.wa_emulator import SIGNATURE_HEADER, WaUser, WhatsAppEmulator

TOKEN = "EAAtest"
SECRET = "secret"
PHONE_ID = "1234567890"
VERIFY = "verify-me"


class FakeBot:
    """A tiny webhook endpoint implementing what Meta expects of the bot.

    GET answers the verification challenge when the token matches (403 otherwise); POST
    recomputes the HMAC of the raw body and refuses (401) anything not signed by the app secret.
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # verified payloads, in arrival order
        self.raw: list[tuple[bytes, str | None, bool]] = []  # (body, signature, valid)
        self.on_payload: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self.answer_status = 200
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/whatsapp", self._verify)
        app.router.add_post("/whatsapp", self._webhook)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/whatsapp"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _verify(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("hub.mode") == "subscribe" and query.get("hub.verify_token") == VERIFY:
            return web.Response(text=query.get("hub.challenge", ""))
        return web.Response(status=403, text="forbidden")

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.read()
        header = request.headers.get(SIGNATURE_HEADER)
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        valid = header is not None and hmac.compare_digest(header, expected)
        self.raw.append((body, header, valid))
        if not valid:
            return web.Response(status=401, text="bad signature")
        payload = json.loads(body)
        self.received.append(payload)
        if self.on_payload is not None:
            await self.on_payload(payload)
        return web.Response(status=self.answer_status, text="ok")

    def values(self, key: str) -> list[dict[str, Any]]:
        """Every ``entry[].changes[].value[key][]`` item received (messages or statuses)."""
        found = []
        for payload in self.received:
            for entry in payload["entry"]:
                for change in entry["changes"]:
                    found.extend(change["value"].get(key, []))
        return found


class Graph:
    """A bot-side Graph API client (what the real adapter will do with aiohttp)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str = TOKEN) -> None:
        self.session = session
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.session.post(
            f"{self.base}/{path}", json=body, headers=self.headers
        ) as response:
            return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        async with self.session.get(f"{self.base}/{path}", headers=self.headers) as response:
            return response.status, await response.json()

    async def send(self, to: str, kind: str, content: dict[str, Any]) -> tuple[int, dict]:
        body = {"messaging_product": "whatsapp", "to": to, "type": kind, kind: content}
        return await self.post(f"{PHONE_ID}/messages", body)

    async def text(self, to: str, text: str) -> tuple[int, dict[str, Any]]:
        return await self.send(to, "text", {"body": text})


def buttons(*titles: str) -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": "Pilih salah satu"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": f"b{i}", "title": title}}
                for i, title in enumerate(titles)
            ]
        },
    }


def list_message(*rows: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "list",
        "body": {"text": "Layanan apa yang Anda perlukan?"},
        "action": {
            "button": "Lihat layanan",
            "sections": [
                {
                    "title": "Layanan",
                    "rows": [
                        {"id": row_id, "title": title, "description": "keterangan"}
                        for row_id, title in rows
                    ],
                }
            ],
        },
    }


@pytest.fixture
async def bot() -> AsyncIterator[FakeBot]:
    fake = FakeBot()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def emu(bot: FakeBot) -> AsyncIterator[WhatsAppEmulator]:
    async with WhatsAppEmulator(TOKEN, SECRET, PHONE_ID, VERIFY) as emulator:
        emulator.set_webhook(bot.url)
        yield emulator


@pytest.fixture
async def graph(emu: WhatsAppEmulator) -> AsyncIterator[Graph]:
    async with aiohttp.ClientSession() as session:
        yield Graph(session, emu.api_base)


@pytest.fixture
async def citizen(emu: WhatsAppEmulator) -> WaUser:
    """A citizen who has just written, so the service window is open."""
    user = emu.user("6281234567890", name="Budi")
    await emu.send_text(user, "halo")
    return user


def error_of(answer: dict[str, Any]) -> dict[str, Any]:
    error = answer["error"]
    assert error["type"] == "OAuthException" and error["fbtrace_id"]
    return error


# --------------------------------------------------------------------- basics


async def test_api_base_and_token_check(emu: WhatsAppEmulator, graph: Graph) -> None:
    assert emu.api_base.startswith("http://127.0.0.1:") and emu.api_base.endswith("/v21.0")
    wrong = Graph(graph.session, emu.api_base, token="EAAwrong")
    status, answer = await wrong.text("6281234567890", "hi")
    assert status == 401
    assert error_of(answer)["code"] == 190
    assert "access token" in answer["error"]["message"]
    async with graph.session.post(f"{emu.api_base}/{PHONE_ID}/messages", json={}) as response:
        assert response.status == 401
        assert error_of(await response.json())["code"] == 2500
    assert [call.status for call in emu.calls] == [401, 401]
    assert emu.sent == []


async def test_inbound_text_is_a_realistic_signed_webhook(
    emu: WhatsAppEmulator, bot: FakeBot
) -> None:
    budi = emu.user("6281234567890", name="Budi")
    wamid = await emu.send_text(budi, "halo")
    assert wamid.startswith("wamid.")
    assert len(bot.raw) == 1 and bot.raw[0][2], "signature must match the delivered body"
    payload = bot.received[0]
    assert payload["object"] == "whatsapp_business_account"
    change = payload["entry"][0]["changes"][0]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"]["phone_number_id"] == PHONE_ID
    assert value["contacts"] == [{"profile": {"name": "Budi"}, "wa_id": "6281234567890"}]
    (message,) = value["messages"]
    assert message["from"] == "6281234567890" and message["id"] == wamid
    assert message["type"] == "text" and message["text"] == {"body": "halo"}
    assert message["timestamp"].isdigit()
    assert emu.webhook_responses[0][0] == 200 and emu.webhook_responses[0][1] >= 0
    assert emu.window_open(budi)

    text = 'Terima kasih 🙏 "café" </b> \\ baris\nkedua'
    await emu.send_text(budi, text)
    assert bot.raw[-1][2] and bot.values("messages")[-1]["text"]["body"] == text


async def test_text_send_and_reply_inside_the_webhook(
    emu: WhatsAppEmulator, bot: FakeBot, graph: Graph
) -> None:
    answers: list[tuple[int, dict[str, Any]]] = []

    async def echo(payload: dict[str, Any]) -> None:
        for message in payload["entry"][0]["changes"][0]["value"].get("messages", []):
            answers.append(
                await graph.text("+62 812-3456-7890", f"Anda menulis: {message['text']['body']}")
            )

    bot.on_payload = echo
    budi = emu.user("6281234567890", name="Budi")
    await emu.send_text(budi, "jam buka?")
    reply = await emu.wait_for_message(budi, contains="jam buka?")
    assert reply.type == "text" and reply.text == "Anda menulis: jam buka?"
    status, answer = answers[0]
    assert status == 200
    assert answer == {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+62 812-3456-7890", "wa_id": "6281234567890"}],
        "messages": [{"id": reply.wamid}],
    }
    status, answer = await graph.text("6281234567890", "x" * 4097)
    assert status == 400 and error_of(answer)["code"] == 100
    assert "4096" in answer["error"]["error_data"]["details"]


# ----------------------------------------------------------------- interactive


async def test_interactive_limits_and_replies(
    emu: WhatsAppEmulator, bot: FakeBot, graph: Graph, citizen: WaUser
) -> None:
    status, answer = await graph.send(citizen.wa_id, "interactive", buttons("A", "B", "C", "D"))
    assert status == 400 and error_of(answer)["code"] == 131009
    status, answer = await graph.send(citizen.wa_id, "interactive", buttons("x" * 21))
    assert status == 400 and error_of(answer)["code"] == 131009
    assert "Max length: 20" in answer["error"]["error_data"]["details"]
    status, answer = await graph.send(citizen.wa_id, "interactive", buttons("Ya", "Ya"))
    assert status == 400

    rows = [(f"r{i}", f"Layanan {i}") for i in range(11)]
    status, answer = await graph.send(citizen.wa_id, "interactive", list_message(*rows))
    assert status == 400 and error_of(answer)["code"] == 131009
    status, answer = await graph.send(citizen.wa_id, "interactive", list_message(("r1", "y" * 25)))
    assert status == 400 and error_of(answer)["code"] == 131009
    assert emu.sent == []

    status, answer = await graph.send(citizen.wa_id, "interactive", buttons("Ya", "Tidak"))
    assert status == 200
    shown = await emu.wait_for_message(citizen)
    assert shown.interactive_type == "button" and shown.button_ids == ["b0", "b1"]
    assert shown.text == "Pilih salah satu"
    with pytest.raises(ValueError, match="offers"):
        await emu.send_button_reply(citizen, "b9")
    await emu.send_button_reply(citizen, "b1")
    message = bot.values("messages")[-1]
    assert message["type"] == "interactive"
    assert message["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "b1", "title": "Tidak"},
    }
    assert message["context"] == {"from": emu.display_phone_number, "id": shown.wamid}

    status, _ = await graph.send(citizen.wa_id, "interactive", list_message(*rows[:10]))
    assert status == 200
    shown = await emu.wait_for_message(citizen)
    assert shown.list_button == "Lihat layanan" and len(shown.rows) == 10
    await emu.send_list_reply(citizen, "r3")
    reply = bot.values("messages")[-1]["interactive"]
    assert reply == {
        "type": "list_reply",
        "list_reply": {"id": "r3", "title": "Layanan 3", "description": "keterangan"},
    }


# --------------------------------------------------------------- service window


async def test_window_131047_and_templates(
    emu: WhatsAppEmulator, bot: FakeBot, graph: Graph
) -> None:
    siti = emu.user("6285700000001", name="Siti")
    status, answer = await graph.text(siti.wa_id, "pengingat")
    assert status == 400 and error_of(answer)["code"] == 131047
    assert "24 hours" in answer["error"]["error_data"]["details"]

    template = {"name": "pengingat_tiket", "language": {"code": "id"}}
    status, answer = await graph.send(siti.wa_id, "template", template)
    assert status == 200 and answer["messages"][0]["message_status"] == "accepted"
    sent = await emu.wait_for_message(siti)
    assert sent.type == "template" and sent.template_name == "pengingat_tiket"

    await emu.send_text(siti, "oke")
    assert (await graph.text(siti.wa_id, "di dalam jendela"))[0] == 200
    emu.age_window(siti, 23)
    assert (await graph.text(siti.wa_id, "masih 23 jam"))[0] == 200
    emu.age_window(siti, 2)
    status, answer = await graph.send(siti.wa_id, "interactive", buttons("Ya"))
    assert status == 400 and error_of(answer)["code"] == 131047
    assert (await graph.send(siti.wa_id, "template", template))[0] == 200

    stranger = "6289900000009"  # never created with emu.user: not on WhatsApp
    status, answer = await graph.send(stranger, "template", template)
    assert status == 200
    await emu.drain()
    (failed,) = [s for s in bot.values("statuses") if s["id"] == answer["messages"][0]["id"]]
    assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131026

    emu.add_template("pengingat_tiket", "id")
    status, answer = await graph.send(
        siti.wa_id, "template", {"name": "tidak_ada", "language": {"code": "id"}}
    )
    assert status == 400 and error_of(answer)["code"] == 132001


async def test_async_window_mode_reports_a_failed_status(bot: FakeBot) -> None:
    async with WhatsAppEmulator(window_errors="async", webhook_url=bot.url) as emu:
        async with aiohttp.ClientSession() as session:
            graph = Graph(session, emu.api_base)
            user = emu.user("6285700000002", name="Andi")
            status, answer = await graph.text(user.wa_id, "terlambat")
            assert status == 200
            wamid = answer["messages"][0]["id"]
            await emu.drain()
        assert emu.sent[-1].failed and emu.messages_to(user) == []
        (failed,) = bot.values("statuses")
        assert failed["id"] == wamid and failed["status"] == "failed"
        assert failed["errors"][0]["code"] == 131047


# ------------------------------------------------------------------------ media


async def test_media_upload_download_and_inbound_files(
    emu: WhatsAppEmulator, bot: FakeBot, graph: Graph, citizen: WaUser
) -> None:
    pdf = b"%PDF-1.4 surat keputusan\n%%EOF"
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("type", "application/pdf")
    form.add_field("file", pdf, filename="sk.pdf", content_type="application/pdf")
    url = f"{emu.api_base}/{PHONE_ID}/media"
    async with graph.session.post(url, data=form, headers=graph.headers) as response:
        assert response.status == 200
        media_id = (await response.json())["id"]
    assert media_id.isdigit()

    status, info = await graph.get(media_id)
    assert status == 200
    assert info["mime_type"] == "application/pdf" and info["file_size"] == len(pdf)
    assert info["sha256"] == hashlib.sha256(pdf).hexdigest() and info["id"] == media_id
    async with graph.session.get(info["url"], headers=graph.headers) as response:
        assert response.status == 200 and await response.read() == pdf
    async with graph.session.get(info["url"]) as response:
        assert response.status == 401  # the download needs the bearer token too

    document = {"id": media_id, "filename": "sk.pdf", "caption": "Salinan SK"}
    status, _ = await graph.send(citizen.wa_id, "document", document)
    assert status == 200
    sent = await emu.wait_for_message(citizen, contains="Salinan")
    assert sent.document is not None and sent.document["filename"] == "sk.pdf"
    assert sent.media_data == pdf
    status, answer = await graph.send(citizen.wa_id, "document", {"id": "999"})
    assert status == 400 and error_of(answer)["code"] == 100
    link = {"link": "https://example.org/formulir.pdf", "filename": "formulir.pdf"}
    assert (await graph.send(citizen.wa_id, "document", link))[0] == 200

    photo = b"\xff\xd8\xff\xe0 foto ktp \xff\xd9"
    await emu.send_image(citizen, photo, caption="KTP saya")
    image = bot.values("messages")[-1]["image"]
    assert image["caption"] == "KTP saya" and image["mime_type"] == "image/jpeg"
    assert image["sha256"] == base64.b64encode(hashlib.sha256(photo).digest()).decode()
    status, info = await graph.get(image["id"])
    async with graph.session.get(info["url"], headers=graph.headers) as response:
        assert await response.read() == photo

    await emu.send_document(citizen, b"data", filename="surat.docx", mime_type="text/plain")
    await emu.send_location(citizen, -6.2, 106.8, name="Kantor")
    await emu.send_sticker(citizen)
    kinds = [m["type"] for m in bot.values("messages")]
    assert kinds[-3:] == ["document", "location", "sticker"]
    assert bot.values("messages")[-3]["document"]["filename"] == "surat.docx"
    assert all(valid for _, _, valid in bot.raw)


# ------------------------------------------------------------ webhook delivery


async def test_signatures_forged_missing_and_redelivery(
    emu: WhatsAppEmulator, bot: FakeBot
) -> None:
    budi = emu.user("6281234567890", name="Budi")
    wamid = await emu.send_text(budi, "halo")
    assert await emu.redeliver(wamid) == 200
    first, again = bot.raw[0], bot.raw[1]
    assert first == again and first[2]  # byte-identical body and signature
    assert bot.received[0] == bot.received[1]

    payload = bot.received[0]
    assert await emu.send_raw(payload) == 200
    assert await emu.send_raw(payload, signature="missing") == 401
    assert await emu.send_raw(payload, signature="sha256=" + "0" * 64) == 401
    assert [status for status, _ in emu.webhook_responses] == [200, 200, 200, 401, 401]

    bot.answer_status = 500
    await emu.send_text(budi, "lagi")
    assert emu.deliveries[-1].status == 500
    emu.set_webhook("http://127.0.0.1:9/unreachable")
    await emu.send_text(budi, "tidak sampai")
    assert emu.deliveries[-1].status == 0 and emu.deliveries[-1].error


async def test_status_webhooks_after_a_send(
    emu: WhatsAppEmulator, bot: FakeBot, graph: Graph, citizen: WaUser
) -> None:
    status, answer = await graph.text(citizen.wa_id, "Tiket Anda: LKT-001")
    assert status == 200
    wamid = answer["messages"][0]["id"]
    await emu.drain()
    statuses = [s for s in bot.values("statuses") if s["id"] == wamid]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert emu.status_deliveries(wamid) == ["sent", "delivered", "read"]
    assert all(s["recipient_id"] == citizen.wa_id and s["timestamp"].isdigit() for s in statuses)
    assert statuses[0]["conversation"]["origin"]["type"] == "service"
    assert "expiration_timestamp" in statuses[0]["conversation"]
    assert statuses[0]["pricing"]["billable"] is False
    assert await emu.redeliver(wamid, status="delivered") == 200
    assert all(valid for _, _, valid in bot.raw)

    emu.statuses = False
    before = len(bot.received)
    assert (await graph.text(citizen.wa_id, "tanpa status"))[0] == 200
    await emu.drain()
    assert len(bot.received) == before


async def test_webhook_verification(emu: WhatsAppEmulator) -> None:
    status, body = await emu.verify_webhook()
    assert status == 200 and body == emu.last_challenge
    status, body = await emu.verify_webhook(challenge="1158201444")
    assert (status, body) == (200, "1158201444")
    status, _ = await emu.verify_webhook(verify_token="salah")
    assert status == 403


# ------------------------------------------------------------- fault injection


async def test_fail_next_and_graph_errors(
    emu: WhatsAppEmulator, graph: Graph, citizen: WaUser
) -> None:
    emu.fail_next(code=131056)
    status, answer = await graph.text(citizen.wa_id, "satu")
    assert status == 400 and error_of(answer)["code"] == 131056
    assert answer["error"]["message"].startswith("(#131056)")
    emu.fail_next(code=130429, http_status=429, count=2)
    assert [(await graph.text(citizen.wa_id, "dua"))[0] for _ in range(3)] == [429, 429, 200]
    emu.fail_next(code=131000, message="Something broke", endpoint="*")
    status, answer = await graph.get(PHONE_ID)
    assert status == 500 and answer["error"]["message"] == "(#131000) Something broke"
    assert (await graph.get(PHONE_ID))[1]["id"] == PHONE_ID
    assert [text.text for text in emu.sent] == ["dua"]
    assert [code for _, code, _ in emu.errors] == [131056, 130429, 130429, 131000]

    emu.set_flood(1.0, seed=1)
    assert (await graph.text(citizen.wa_id, "banjir"))[0] == 400
    emu.set_flood(0)

    status, answer = await graph.post("999/messages", {"messaging_product": "whatsapp"})
    assert status == 400 and answer["error"]["error_subcode"] == 33
    status, answer = await graph.post(f"{PHONE_ID}/messages", {"to": citizen.wa_id})
    assert status == 400 and "messaging_product" in answer["error"]["error_data"]["details"]

    inbound = emu.inbound[-1]["id"]
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": inbound}
    assert await graph.post(f"{PHONE_ID}/messages", read) == (200, {"success": True})
    assert emu.read_marks == [inbound]
