"""Webhook mode (issue 15): the real `loket run` process serves Telegram's webhook deliveries
from the Bot API emulator (which pushes with the secret header, as Telegram does), on SQLite.

Deliveries are stored in the inbox before they are answered 200; forged ones (no secret, a
wrong one) are refused with 401 and leave nothing; a delivery whose store fails is answered
5xx, delivered again and handled once.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from bot.playground.emulator import BotApiEmulator
from tests.harness import WEBHOOK_SECRET, LoketProcess, start_with_whatsapp
from tests.test_e2e_reliability import BURST_LIMITS, assert_exactly_once, burst, wait_replies
from tests.wa_emulator import WhatsAppEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OPENING_HOURS = "jam berapa kantor ppid buka?"
OPENING_ANSWER = "Layanan buka Senin-Jumat pukul 08.00-16.00 WIB. <Istirahat> 12.00 & 13.00."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(webhook_retry_delay=0.1) as emulator:
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loket(
    emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LoketProcess]:
    process = LoketProcess(emu, tmp_path_factory.mktemp("loket"), webhook=True)
    await process.start()
    yield process
    code = await process.stop()
    assert code == 0, process.log()
    assert "Traceback" not in process.log(), process.log()
    # A replica that stops leaves the webhook registered: the others still serve it.
    assert emu.calls_to("deleteWebhook") == []
    assert WEBHOOK_SECRET not in process.log()


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url, data=body, headers={"Content-Type": "application/json", **(headers or {})}
        ) as response,
    ):
        return response.status, await response.text()


async def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s")
        await asyncio.sleep(0.02)


def inbox_count(loket: LoketProcess) -> int:
    return int(loket.query("SELECT count(*) FROM inbox")[0][0])


async def test_a_citizen_is_answered_through_the_webhook(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Siti")
    await emu.send_text(citizen, OPENING_HOURS)
    reply = await emu.wait_for_message(citizen.id, timeout=10)
    assert reply.text == OPENING_ANSWER
    # It came by webhook: the process never polled.
    assert emu.calls_to("getUpdates") == []
    stored = loket.query(
        "SELECT channel, chat_key, status FROM inbox WHERE chat_key = ?", f"tg:{citizen.id}"
    )
    assert stored == [("telegram", f"tg:{citizen.id}", "done")]


async def test_the_webhook_is_registered_with_url_update_types_and_secret(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    status, body = await post(f"{emu.api_base}/bot{emu.token}/getWebhookInfo", b"{}")
    assert status == 200, body
    info = json.loads(body)["result"]
    assert info["url"] == loket.webhook_url
    # The update types the dispatcher handles, as the poller asks for them.
    assert {"message", "callback_query"} <= set(info["allowed_updates"])
    assert "inline_query" not in info["allowed_updates"]
    assert info["pending_update_count"] == 0
    (register,) = emu.calls_to("setWebhook")
    assert register.params["secret_token"] == WEBHOOK_SECRET
    assert register.params["drop_pending_updates"] is False
    assert sorted(register.params["allowed_updates"]) == info["allowed_updates"]


async def test_forged_deliveries_are_refused_and_leave_nothing(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    citizen = emu.user("Penyusup")
    forged = {
        "update_id": 990_000_001,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": citizen.id, "type": "private", "first_name": "Penyusup"},
            "from": {"id": citizen.id, "is_bot": False, "first_name": "Penyusup"},
            "text": OPENING_HOURS,
        },
    }
    body = json.dumps(forged).encode()
    url = f"{loket.listen_url}/telegram"
    before = inbox_count(loket)
    assert (await post(url, body))[0] == 401
    assert (await post(url, body, {SECRET_HEADER: "tebakan-salah"}))[0] == 401
    assert (await post(url, body, {SECRET_HEADER: WEBHOOK_SECRET[:-1]}))[0] == 401
    assert (await post(url, body, {SECRET_HEADER: ""}))[0] == 401
    assert inbox_count(loket) == before
    assert loket.query("SELECT count(*) FROM inbox WHERE update_id = '990000001'") == [(0,)]
    assert emu.messages_to(citizen.id) == []
    # The same body with the secret is stored (before the answer): the refusals were the
    # secret's. (The emulator's user never wrote to the bot, so no reply can reach them.)
    assert (await post(url, body, {SECRET_HEADER: WEBHOOK_SECRET}))[0] == 200
    stored = loket.query("SELECT chat_key FROM inbox WHERE update_id = '990000001'")
    assert stored == [(f"tg:{citizen.id}",)]


async def test_the_health_check_answers_while_the_database_does(loket: LoketProcess) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{loket.listen_url}/healthz") as response,
    ):
        assert response.status == 200 and await response.text() == "ok"


async def test_webhook_mode_without_a_secret_refuses_to_start_with_one_line(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    registered_before = len(emu.calls_to("setWebhook"))
    loket = LoketProcess(emu, tmp_path, webhook=True, webhook_secret="")
    proc = await asyncio.create_subprocess_exec(
        *loket.command(),
        env=loket.environment(),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2, err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and not out, err
    assert lines[0].startswith("loket: config error: telegram.webhook_secret: needed in webhook")
    assert "LOKET_TELEGRAM__WEBHOOK_SECRET" in lines[0]
    # Refused before touching the database or the Bot API.
    assert not loket.db_path.exists()
    assert len(emu.calls_to("setWebhook")) == registered_before


async def test_a_delivery_whose_store_fails_is_redelivered_and_handled_once(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    """The failure is real and the bot unmodified: a trigger the test adds to the bot's
    SQLite database refuses every inbox row (as a full disk would), so storing the delivery
    fails inside its transaction."""
    citizen = emu.user("Tono")
    await emu.wait_updates_consumed(timeout=10)
    mark = len(emu.webhook_attempts)  # only this test's update is delivered from here
    stored_before = inbox_count(loket)
    with sqlite3.connect(loket.db_path) as db:
        db.execute(
            "CREATE TRIGGER refuse_inbox BEFORE INSERT ON inbox "
            "BEGIN SELECT RAISE(ABORT, 'disk full (the test)'); END"
        )
    try:
        await emu.send_text(citizen, OPENING_HOURS)

        def attempts() -> list[int | None]:  # the statuses of this update's deliveries
            return [status for _, status in emu.webhook_attempts[mark:]]

        # Refused (503) and delivered again, more than once, while the store fails.
        await wait_until(lambda: len(attempts()) >= 3)
        assert set(attempts()) == {503}, attempts()
        assert emu.pending_updates == 1  # not acknowledged
        assert emu.messages_to(citizen.id) == []
        assert inbox_count(loket) == stored_before
    finally:
        with sqlite3.connect(loket.db_path) as db:
            db.execute("DROP TRIGGER refuse_inbox")
    reply = await emu.wait_for_message(citizen.id, timeout=10)
    assert reply.text == OPENING_ANSWER
    await emu.wait_updates_consumed(timeout=10)
    assert attempts()[-1] == 200 and attempts().count(200) == 1
    rows = loket.query("SELECT status FROM inbox WHERE chat_key = ?", f"tg:{citizen.id}")
    assert rows == [("done",)]
    assert len(emu.messages_to(citizen.id)) == 1


async def test_bodies_that_do_not_parse_are_set_aside_once_and_acknowledged(
    loket: LoketProcess,
) -> None:
    """As the poller does: kept as failed rows for `loket inbox`, answered 200 (Telegram would
    deliver them again and again otherwise), and a redelivery stores nothing new."""
    url = f"{loket.listen_url}/telegram"
    secret = {SECRET_HEADER: WEBHOOK_SECRET}
    not_json = b"{this is not json"
    not_an_update = json.dumps({"update_id": 990_000_006, "message": {"chat": "?"}}).encode()
    # Over the 1 MiB a webhook body may have; Telegram writes update_id first.
    oversized = json.dumps({"update_id": 990_000_007, "message": {"text": "x" * 1_200_000}})
    for body in (not_json, not_an_update, oversized.encode()):
        for _ in range(2):  # delivered, then delivered again
            assert (await post(url, body, secret))[0] == 200
    rows = loket.query(
        "SELECT update_id, status, error FROM inbox WHERE status = 'failed' ORDER BY id"
    )
    assert len(rows) == 3, rows
    assert rows[0][0].startswith("raw:") and "not JSON" in rows[0][2]
    assert rows[1][0] == "990000006" and "does not validate" in rows[1][2]
    assert rows[2][0] == "990000007" and "over the 1048576-byte limit" in rows[2][2]
    head = loket.query("SELECT payload FROM inbox WHERE update_id = '990000007'")[0][0]
    assert len(head) < 10_000  # only the start of the body is kept
    await post(f"{loket.listen_url}/healthz", b"")  # the process is alive and serving
    assert loket.proc is not None and loket.proc.returncode is None


async def test_the_whatsapp_webhook_shares_the_telegram_webhook_server(tmp_path: Path) -> None:
    async with (
        BotApiEmulator() as tg,
        WhatsAppEmulator(access_token="EAAloket", app_secret="app-secret-uji") as wa,
    ):
        ani = tg.user("Ani Petugas")
        group = tg.group("Staf PPID", is_forum=True, members=[ani])
        loket = await start_with_whatsapp(
            tg, wa, tmp_path, staff_group_id=group.id, officers=[ani.id], webhook=True
        )
        try:
            # One port: the Telegram webhook, the WhatsApp webhook and the health check.
            assert loket.webhook_url == f"http://127.0.0.1:{loket.listen_port}/telegram"
            assert wa.webhook_url == f"http://127.0.0.1:{loket.listen_port}/whatsapp"
            assert await wa.verify_webhook(challenge="1158201444") == (200, "1158201444")
            budi = wa.user("6281200000001", name="Budi")
            await wa.send_text(budi, OPENING_HOURS)
            reply = await wa.wait_for_message(budi)
            assert "Senin-Jumat pukul 08.00-16.00 WIB" in (reply.text or "")
            siti = tg.user("Siti")
            await tg.send_text(siti, OPENING_HOURS)
            assert (await tg.wait_for_message(siti.id, timeout=10)).text == OPENING_ANSWER
            assert tg.calls_to("getUpdates") == []
            # Unsigned WhatsApp and secretless Telegram deliveries are refused alike.
            assert (await post(wa.webhook_url, b"{}"))[0] == 401
            assert (await post(loket.webhook_url, b"{}"))[0] == 401
            assert [s for s, _ in wa.webhook_responses if s != 200] == []
        finally:
            assert await loket.stop() == 0, loket.log()
        assert "Traceback" not in loket.log(), loket.log()


async def test_an_update_sent_while_the_replica_is_dead_is_delivered_when_it_is_back(
    emu: BotApiEmulator, loket: LoketProcess
) -> None:
    """SIGKILL: no deleteWebhook, nothing said. Telegram keeps the update and keeps trying;
    the replica started again on the same address gets it and answers once."""
    await emu.wait_updates_consumed(timeout=10)
    await loket.kill()
    mark = len(emu.webhook_attempts)
    citizen = emu.user("Wati")
    await emu.send_text(citizen, OPENING_HOURS)
    await wait_until(lambda: len(emu.webhook_attempts) >= mark + 2)
    assert {status for _, status in emu.webhook_attempts[mark:]} == {None}  # nobody listened
    assert emu.pending_updates == 1
    await loket.start()
    reply = await emu.wait_for_message(citizen.id, timeout=20)
    assert reply.text == OPENING_ANSWER
    await emu.wait_updates_consumed(timeout=10)
    assert [status for _, status in emu.webhook_attempts[mark:] if status is not None] == [200]
    assert len(emu.messages_to(citizen.id)) == 1
    assert emu.calls_to("deleteWebhook") == []


async def test_a_webhook_telegram_refuses_stops_the_start_with_one_line(tmp_path: Path) -> None:
    async with BotApiEmulator() as tg:
        # What Telegram answers for a URL it cannot resolve.
        refusal = "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
        tg.fail_next("setWebhook", 400, refusal)
        loket = LoketProcess(tg, tmp_path, webhook=True)
        proc = await asyncio.create_subprocess_exec(
            *loket.command(),
            env=loket.environment(),
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 2, err
    last = err.decode().strip().splitlines()[-1]
    assert last == (
        "loket: Telegram refused the webhook (telegram.webhook_url, telegram.webhook_secret): "
        + refusal
    )
    assert "Traceback" not in err.decode() and WEBHOOK_SECRET not in err.decode()


async def test_a_burst_by_webhook_with_a_sigkill_is_answered_exactly_once(tmp_path: Path) -> None:
    """Deliveries in flight together (up to max_connections), the replica SIGKILLed in the
    middle of the replies: whatever the kill caught (deliveries not yet stored, delivered
    again; stored updates not yet handled or answered, taken up after the restart), every
    citizen gets each answer once, in the order asked."""
    async with BotApiEmulator(webhook_retry_delay=0.1) as emu:
        emu.set_latency(0.02)  # slow sends widen the window in which the kill lands
        loket = LoketProcess(emu, tmp_path / "bot", extra_toml=BURST_LIMITS, webhook=True)
        await loket.start()
        users = await burst(emu, citizens=20, per_citizen=4)
        total = 20 * 4
        await emu.wait_for(lambda _: len(emu.sent) >= total * 0.4, timeout=60)
        await loket.kill()
        assert len(emu.sent) < total, "the burst finished before the kill"
        await loket.start()
        await wait_replies(emu, users, 4, limit=120)
        await emu.wait_updates_consumed(timeout=30)
        assert await loket.stop() == 0  # what it had in hand is finished: the counts are final
        assert_exactly_once(emu, users, 4)
        assert loket.query("SELECT status, count(*) FROM inbox GROUP BY status") == [
            ("done", total)
        ]
        statuses = dict(loket.query("SELECT status, count(*) FROM outbox GROUP BY status"))
        assert statuses == {"sent": total}, statuses
        assert emu.calls_to("getUpdates") == []
