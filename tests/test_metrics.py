"""Prometheus metrics: /metrics of a real `loket run` scraped after a few messages, each value
checked against what the emulator saw or the database holds; and the database gauges on a
seeded database (SQLite and PostgreSQL) with a frozen clock."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import HoursConfig, MetricsConfig
from bot.core.clock import FrozenClock
from bot.metrics import DatabaseCollector, Metrics
from bot.playground.emulator import BotApiEmulator
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Citizen, InfoRequest, Outbox, SlaStep, Ticket
from tests.harness import RAISED_LIMITS, LoketProcess, free_port
from tests.test_cli import loket

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


async def scrape(url: str) -> Samples:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return parse(await response.text())


async def scrape_until(url: str, check: Callable[[Samples], bool], within: float = 15.0) -> Samples:
    deadline = time.monotonic() + within
    while True:
        samples = await scrape(url)
        if check(samples):
            return samples
        if time.monotonic() > deadline:
            raise AssertionError(f"after {within}s /metrics still gives {samples}")
        await asyncio.sleep(0.1)


def test_listen_is_empty_or_host_port() -> None:
    assert MetricsConfig().host_port is None
    assert MetricsConfig(listen="127.0.0.1:9108").host_port == ("127.0.0.1", 9108)
    for bad in ("9108", "localhost", "host:0", "host:99999", ":80"):
        with pytest.raises(ValueError, match="host:port"):
            MetricsConfig(listen=bad)


def test_two_apps_have_registries_of_their_own() -> None:
    first, second = Metrics(), Metrics()
    first.handled("telegram")
    first.faq("answer")
    first.faq("greeting")  # small talk is not an FAQ outcome
    assert (
        first.registry.get_sample_value("loket_updates_handled_total", {"channel": "telegram"}) == 1
    )
    assert first.registry.get_sample_value("loket_faq_outcomes_total", {"outcome": "answered"}) == 1
    assert (
        second.registry.get_sample_value("loket_updates_handled_total", {"channel": "telegram"})
        is None
    )
    assert (
        second.registry.get_sample_value("loket_faq_outcomes_total", {"outcome": "answered"}) == 0
    )


async def test_metrics_of_a_running_bot(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu:
        officer = emu.user("Ani Petugas")
        group = emu.group("Staf PPID", is_forum=True, members=[officer])
        port = free_port()
        loket = LoketProcess(
            emu,
            tmp_path / "loket",
            extra_toml=RAISED_LIMITS
            + f'[staff]\nofficers = [{officer.id}]\n[metrics]\nlisten = "127.0.0.1:{port}"\n',
            env={"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)},
        )
        await loket.start()
        url = f"http://127.0.0.1:{port}/metrics"
        try:
            before = await scrape(url)
            assert value(before, "loket_faq_outcomes_total", outcome="answered") == 0
            assert value(before, "loket_tickets_awaiting_first_response") == 0
            assert value(before, "loket_requests_past_deadline") == 0

            # One answer from the FAQ, whose first send gets a 429 and is sent again.
            budi = emu.user("Budi")
            emu.fail_next("sendMessage", retry_after=1)
            await emu.send_text(budi, "min jam brp kantor ppid buka?")
            reply = await emu.wait_for_message(budi.id)
            assert reply.text.startswith("Layanan buka")
            # One question the FAQ cannot answer: a ticket waits for an officer.
            rina = emu.user("Rina")
            await emu.send_text(rina, "resep rendang padang yang enak gimana ya")
            await emu.wait_for_message(rina.id)
            await loket.wait_query(
                "SELECT count(*) FROM outbox WHERE status != 'sent'", until=lambda r: r[0][0] == 0
            )

            def settled(samples: Samples) -> bool:
                handled = loket.query(
                    "SELECT count(*) FROM inbox WHERE channel = 'telegram' AND status = 'done'"
                )[0][0]
                sent = loket.query(
                    "SELECT count(*) FROM outbox WHERE channel = 'telegram' AND status = 'sent'"
                )[0][0]
                return (
                    value(samples, "loket_updates_handled_total", channel="telegram") == handled
                    and value(samples, "loket_replies_sent_total", channel="telegram") == sent
                    and value(samples, "loket_outbox_pending_messages", channel="telegram") is None
                )

            after = await scrape_until(url, settled)
            assert value(after, "loket_updates_handled_total", channel="telegram") >= 2
            # The citizens' replies and the staff group's messages, each sent once.
            to_citizens = len(emu.messages_to(budi.id)) + len(emu.messages_to(rina.id))
            to_staff = len(emu.messages_to(group.id))
            assert to_citizens >= 2 and to_staff >= 1
            assert value(after, "loket_replies_sent_total", channel="telegram") == (
                to_citizens + to_staff
            )
            assert value(after, "loket_send_rate_limited_total", channel="telegram") == 1
            assert value(after, "loket_faq_outcomes_total", outcome="answered") == 1
            assert value(after, "loket_faq_outcomes_total", outcome="abstained") == 1
            assert value(after, "loket_faq_outcomes_total", outcome="ambiguous") == 0
            assert value(after, "loket_tickets_open", kind="LC") == 1
            assert value(after, "loket_tickets_awaiting_first_response") == 1
            assert value(after, "loket_outbox_oldest_pending_age_seconds") == 0
            assert value(after, "loket_sla_steps_fired_total") == 0
        finally:
            code = await loket.stop()
        assert code == 0, loket.log()


@pytest.fixture
async def collector(migrated_db_url: str) -> AsyncIterator[DatabaseCollector]:
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    clock = FrozenClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))  # Monday 10:00 WIB
    yield DatabaseCollector(make_sessionmaker(engine), clock, HoursConfig().calendar())
    await engine.dispose()


async def test_database_gauges_count_the_rows(collector: DatabaseCollector) -> None:
    now = collector.clock.now()
    async with collector.sessionmaker() as session:
        citizen = Citizen(channel="telegram", external_id="1", created_at=now, last_seen_at=now)
        session.add(citizen)
        await session.flush()
        assert citizen.id is not None
        tickets = []
        for n, (kind, status, answered) in enumerate(
            [
                ("LC", "open", None),
                ("LC", "assigned", now),
                ("LC", "closed", None),
                ("PI", "open", None),
                ("PI", "open", None),
                ("PI", "closed", now),
            ]
        ):
            ticket = Ticket(
                number=f"T-{n}", kind=kind, citizen_id=citizen.id, channel="telegram",
                status=status, created_at=now, updated_at=now, first_response_at=answered,
            )  # fmt: skip
            session.add(ticket)
            tickets.append(ticket)
        await session.flush()
        # Today is 7 December: due on the 4th and undecided is late; extended to the 9th is
        # not; decided late is not "past its deadline" any more.
        for ticket, due, extended, decision in [
            (tickets[3], date(2026, 12, 4), None, None),
            (tickets[4], date(2026, 12, 4), date(2026, 12, 9), None),
            (tickets[5], date(2026, 12, 1), None, "granted"),
        ]:
            assert ticket.id is not None
            session.add(
                InfoRequest(
                    ticket_id=ticket.id, requester_kind="perorangan", name="x", id_number="1",
                    address="x", occupation="x", phone="1", information="x", purpose="x",
                    obtain="melihat", receive="email", received_on=due - timedelta(days=14),
                    due_on=due, extended_to=extended, decision=decision,
                )
            )  # fmt: skip
        for n, (channel, status, age) in enumerate(
            [
                ("telegram", "pending", 90),
                ("telegram", "pending", 30),
                ("whatsapp", "pending", 10),
                ("telegram", "sent", 600),
            ]
        ):
            session.add(
                Outbox(
                    channel=channel, chat_id=str(n), status=status,
                    not_before=now, created_at=now - timedelta(seconds=age),
                )
            )  # fmt: skip
        assert tickets[0].id is not None
        for step, status in enumerate(["fired", "fired", "pending", "cancelled"]):
            session.add(
                SlaStep(
                    ticket_id=tickets[0].id, round=1, step=step, notify="duty",
                    started_at=now, due_at=now, status=status,
                    fired_at=now if status == "fired" else None,
                )
            )  # fmt: skip
        await session.commit()
    metrics = Metrics(collector)
    samples = parse((await metrics.page()).decode())
    assert value(samples, "loket_outbox_pending_messages", channel="telegram") == 2
    assert value(samples, "loket_outbox_pending_messages", channel="whatsapp") == 1
    assert value(samples, "loket_outbox_oldest_pending_age_seconds") == 90
    assert value(samples, "loket_tickets_open", kind="LC") == 2
    assert value(samples, "loket_tickets_open", kind="PI") == 2
    assert value(samples, "loket_tickets_awaiting_first_response") == 1
    assert value(samples, "loket_requests_past_deadline") == 1
    assert value(samples, "loket_sla_steps_fired_total") == 2


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = loket(
            "run",
            env={
                "LOKET_TELEGRAM__TOKEN": "123456:AAHfakefakefakefakefakefakefakefake",
                "LOKET_TELEGRAM__API_BASE": "http://127.0.0.1:9",
                "LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'loket.db'}",
                "LOKET_METRICS__LISTEN": f"127.0.0.1:{port}",
            },
            cwd=tmp_path,
        )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("loket:")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"loket: cannot serve metrics on 127.0.0.1:{port} ([metrics] listen)"
    )
    assert lines[0].lower().endswith("address already in use")
    assert "Traceback" not in result.stderr
