"""The WhatsApp adapter's parts: rendering, webhook parsing and signatures, and the sender
against the WhatsApp Cloud API emulator over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.base import Held, PermanentError, RetryLater, TransientError
from bot.channels.whatsapp import (
    TEXT_MAX,
    WINDOW_CLOSED_TEXT,
    WhatsAppClient,
    WhatsAppMedia,
    WhatsAppSender,
    inbound_of,
    inbox_rows,
    interactive_messages,
    signature_ok,
    split_text,
    whatsapp_text,
)
from bot.core.postman import PRIORITY_BULK
from storage.models import Outbox
from tests.wa_emulator import WhatsAppEmulator

# -- rendering --------------------------------------------------------------------------------


def test_telegram_html_becomes_whatsapp_markup() -> None:
    html = (
        "<b>Nomor PI-2026-000001</b> &amp; <i>catatan</i>\n"
        '<a href="tg://user?id=5">Ani</a> · <a href="https://ppid.example/form">formulir</a>\n'
        "<code>LC-1</code> &lt;tag&gt; <s>lama</s>"
    )
    assert whatsapp_text(html) == (
        "*Nomor PI-2026-000001* & _catatan_\n"
        "Ani · formulir (https://ppid.example/form)\n"
        "```LC-1``` <tag> ~lama~"
    )


@given(st.text(min_size=0, max_size=20_000))
def test_split_text_keeps_every_character_within_the_limit(text: str) -> None:
    parts = split_text(text, 500)
    assert all(len(p) <= 500 for p in parts)
    # Only whitespace at the cuts may go; no content is lost or reordered.
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_long_text_is_cut_at_paragraphs() -> None:
    paragraph = "kalimat " * 225  # 1800 characters: two fit in one message, three do not
    parts = split_text(f"{paragraph}\n\n{paragraph}\n\n{paragraph}")
    assert len(parts) == 2 and all(len(p) <= TEXT_MAX for p in parts)
    assert parts[0].count("kalimat") == 450 and parts[1].count("kalimat") == 225


def buttons(*labels: str) -> list[list[dict[str, str]]]:
    return [[{"label": label, "data": f"d{i}"}] for i, label in enumerate(labels)]


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    [(kind, content)] = interactive_messages("Pilih?", buttons("Ya", "Tidak"), "id")
    assert kind == "interactive" and content["type"] == "button"
    replies = [b["reply"] for b in content["action"]["buttons"]]
    assert replies == [{"id": "d0", "title": "Ya"}, {"id": "d1", "title": "Tidak"}]


def test_long_labels_or_many_choices_become_a_list_in_the_citizens_language() -> None:
    label = "Bagaimana cara mengajukan keberatan atas permohonan informasi?"
    [(_, content)] = interactive_messages("Maksud Anda?", buttons(label, "Lainnya"), "en")
    assert content["type"] == "list" and content["action"]["button"] == "Choose"
    row = content["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) <= 24 and row["title"].endswith("…")
    assert row["description"] == label
    many = interactive_messages("Alasan?", buttons(*[f"Alasan {i}" for i in range(13)]), "id")
    assert [c["type"] for _, c in many] == ["list", "list"]
    assert [len(c["action"]["sections"][0]["rows"]) for _, c in many] == [10, 3]
    assert many[1][1]["body"]["text"] == "Pilihan lainnya:"


def test_a_long_body_goes_first_as_text_and_the_buttons_keep_the_end() -> None:
    body = ("paragraf panjang. " * 70 + "\n\n") * 2 + "Pilih satu:"
    out = interactive_messages(body, buttons("Ya"), "id")
    kinds = [kind for kind, _ in out]
    assert kinds[-1] == "interactive" and set(kinds[:-1]) == {"text"}, kinds
    last = out[-1][1]["body"]["text"]
    assert last.endswith("Pilih satu:") and len(last) <= 1024
    shown = " ".join(c["body"] if k == "text" else c["body"]["text"] for k, c in out)
    assert shown.split() == body.split()


# -- webhook ----------------------------------------------------------------------------------


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    good = "sha256=" + hmac.new(b"rahasia", body, hashlib.sha256).hexdigest()
    assert signature_ok(body, good, b"rahasia")
    assert not signature_ok(body + b" ", good, b"rahasia")
    assert not signature_ok(body, good, b"lain")
    assert not signature_ok(body, None, b"rahasia")
    assert not signature_ok(body, good.removeprefix("sha256="), b"rahasia")


def envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def test_webhook_body_to_inbox_rows_and_inbound_events() -> None:
    value = {
        "contacts": [{"profile": {"name": "Budi"}, "wa_id": "628111"}],
        "messages": [
            {"from": "628111", "id": "wamid.A", "type": "text", "text": {"body": "/status LC-1"}},
            {
                "from": "628111",
                "id": "wamid.B",
                "type": "interactive",
                "interactive": {"type": "list_reply", "list_reply": {"id": "r:1", "title": "4"}},
            },
            {
                "from": "628111",
                "id": "wamid.C",
                "type": "document",
                "document": {"id": "77", "mime_type": "application/pdf", "filename": "ktp.pdf"},
            },
            {"from": "628111", "id": "wamid.D", "type": "audio", "audio": {"id": "78"}},
            {
                "from": "628111",
                "id": "wamid.E",
                "type": "reaction",
                "reaction": {"message_id": "wamid.Q", "emoji": "👍"},
            },
            {"from": "628111", "id": "wamid.F", "type": "request_welcome"},
        ],
        "statuses": [{"id": "wamid.Z", "status": "read", "recipient_id": "628111"}],
    }
    rows = inbox_rows(envelope(value))
    assert [r["update_id"] for r in rows] == [
        "wamid.A",
        "wamid.B",
        "wamid.C",
        "wamid.D",
        "wamid.E",
        "wamid.F",
        "wamid.Z:read",
    ]
    assert [r["chat_key"] for r in rows] == ["wa:628111"] * 6 + ["wa:628111:status"]
    events = [inbound_of(r["payload"]) for r in rows[:6]]
    kinds = [e.kind for e in events]
    assert kinds == ["command", "button", "document", "voice", "reaction", "command"]
    assert events[5].text == "/start"
    assert events[0].contact.name == "Budi" and events[0].contact.channel == "whatsapp"
    assert events[1].text == "r:1"
    assert (events[2].media_ref, events[2].file_name, events[2].mime_type) == (
        "wa:77",
        "ktp.pdf",
        "application/pdf",
    )


def test_events_of_another_number_of_the_business_are_ignored() -> None:
    message = {"from": "628111", "id": "wamid.X", "type": "text", "text": {"body": "halo"}}
    ours = envelope({"metadata": {"phone_number_id": "555"}, "messages": [message]})
    theirs = envelope({"metadata": {"phone_number_id": "777"}, "messages": [message]})
    assert len(inbox_rows(ours, "555")) == 1
    assert inbox_rows(theirs, "555") == []


@given(
    st.recursive(
        st.none() | st.text() | st.integers(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_any_json_body_parses_without_crashing(payload: Any) -> None:
    for row in inbox_rows(payload):
        assert row["channel"] == "whatsapp" and row["update_id"]


# -- the sender against the emulator ----------------------------------------------------------


@pytest.fixture
async def emu() -> AsyncIterator[WhatsAppEmulator]:
    async with WhatsAppEmulator(
        access_token="EAAunit", phone_number_id="555", statuses=False
    ) as wa:
        yield wa


async def no_telegram(file_id: str) -> tuple[bytes, str]:
    raise AssertionError("no Telegram file expected")


def sender(emu: WhatsAppEmulator, sessions, *, token: str = "EAAunit", template: str = ""):
    client = WhatsAppClient(emu.api_base, "555", token)
    return client, WhatsAppSender(client, sessions, telegram_file=no_telegram, template=template)


def row(chat: str, method: str = "text", **payload: Any) -> Outbox:
    return Outbox(id=1, channel="whatsapp", chat_id=chat, method=method, payload=payload)


async def test_text_split_buttons_and_documents_reach_whatsapp(emu, sessions) -> None:
    client, wa = sender(emu, sessions)
    emu.open_window("6281100200")
    long = "\n\n".join(["kata " * 500] * 3)  # 7.5k characters, over WhatsApp's 4096
    await wa.send(row("6281100200", text=long))
    parts = [m.text or "" for m in emu.messages_to("6281100200")]
    assert len(parts) == 3 and all(len(p) <= TEXT_MAX for p in parts)
    assert " ".join(parts).split() == long.split()
    await wa.send(
        row("6281100200", text="<b>Nilai</b>", parse_mode="HTML", buttons=buttons("4", "3"))
    )
    shown = emu.messages_to("6281100200")[-1]
    assert shown.text == "*Nilai*" and shown.button_ids == ["d0", "d1"]
    pdf = b"%PDF-1.4 pemberitahuan"
    payload = {"b64": base64.b64encode(pdf).decode(), "filename": "PI-1.pdf", "caption": "Surat"}
    await wa.send(row("6281100200", "document", **payload))
    doc = emu.messages_to("6281100200")[-1]
    assert doc.media_data == pdf and doc.document["filename"] == "PI-1.pdf"
    assert doc.text == "Surat"
    await client.close()


async def test_a_retried_long_message_does_not_repeat_its_delivered_parts(emu, sessions) -> None:
    client, wa = sender(emu, sessions)
    emu.open_window("6281100250")
    long = "\n\n".join(f"bagian {n} " + "kata " * 800 for n in range(3))
    emu.fail_next(131000, count=1)  # the first part fails: nothing delivered yet
    with pytest.raises(TransientError):
        await wa.send(row("6281100250", text=long))
    await wa.send(row("6281100250", text=long))
    assert [m.text.split()[:2] for m in emu.messages_to("6281100250")] == [
        ["bagian", "0"],
        ["bagian", "1"],
        ["bagian", "2"],
    ]
    # A failure after the first part: the retry sends only what is missing.
    emu.clear_records()
    second = Outbox(id=2, channel="whatsapp", chat_id="6281100250", method="text")
    second.payload = {"text": long}
    original = client.send
    calls = 0

    async def fail_second_part(message: dict[str, Any]) -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise TransientError("network")
        return await original(message)

    client.send = fail_second_part  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        await wa.send(second)
    await wa.send(second)
    assert [m.text.split()[1] for m in emu.messages_to("6281100250")] == ["0", "1", "2"]
    await client.close()


async def test_closed_window_without_template_fails_with_a_clear_reason(emu, sessions) -> None:
    client, wa = sender(emu, sessions)
    emu.user("6281100300")  # never wrote: no window
    with pytest.raises(PermanentError) as failed:
        await wa.send(row("6281100300", text="Jawaban"))
    assert str(failed.value) == WINDOW_CLOSED_TEXT
    assert emu.messages_to("6281100300") == []
    await client.close()


async def test_closed_window_with_template_holds_the_row(emu, sessions) -> None:
    emu.add_template("tiket_dijawab", "id")
    client, wa = sender(emu, sessions, template="tiket_dijawab")
    emu.user("6281100400")
    with pytest.raises(Held):
        await wa.send(row("6281100400", text="Jawaban"))
    [template] = emu.messages_to("6281100400")
    assert template.template_name == "tiket_dijawab"
    await client.close()


async def test_a_reminder_after_the_window_fails_quietly_without_a_template(emu, sessions) -> None:
    emu.add_template("tiket_dijawab", "id")
    client, wa = sender(emu, sessions, template="tiket_dijawab")
    emu.user("6281100450")
    reminder = row("6281100450", text="Mohon beri penilaian")
    reminder.priority = PRIORITY_BULK
    with pytest.raises(PermanentError):
        await wa.send(reminder)
    assert emu.messages_to("6281100450") == []
    await client.close()


async def test_graph_errors_map_to_retry_decisions(emu, sessions) -> None:
    client, wa = sender(emu, sessions)
    emu.open_window("6281100500")
    emu.fail_next(130429)
    with pytest.raises(RetryLater):
        await wa.send(row("6281100500", text="a"))
    emu.fail_next(131000)
    with pytest.raises(TransientError):
        await wa.send(row("6281100500", text="a"))
    emu.fail_next(100)
    with pytest.raises(PermanentError):
        await wa.send(row("6281100500", text="a"))
    await client.close()
    bad_client, bad = sender(emu, sessions, token="EAAwrong")
    with pytest.raises(TransientError, match="access_token"):
        await bad.send(row("6281100500", text="a"))
    await bad_client.close()


async def test_citizen_media_is_fetched_through_the_media_endpoint(emu) -> None:
    client = WhatsAppClient(emu.api_base, "555", "EAAunit")
    media_id = emu.add_media(b"\xff\xd8scan", "image/jpeg")
    media = WhatsAppMedia(client, max_bytes=1024)
    data, name, mime = await media.fetch(f"wa:{media_id}", None)
    assert (data, name, mime) == (b"\xff\xd8scan", "berkas.jpg", "image/jpeg")
    small = WhatsAppMedia(client, max_bytes=3)
    with pytest.raises(PermanentError):
        await small.fetch(f"wa:{media_id}", "x.jpg")
    await client.close()


def test_webhook_json_shape_is_what_meta_sends() -> None:
    # The emulator's own signed body parses into one row per message.
    body = json.dumps(envelope({"messages": [{"from": "62", "id": "w", "type": "text"}]}))
    assert len(inbox_rows(json.loads(body))) == 1
