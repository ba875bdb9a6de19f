"""The outbox sender with a scripted channel: limits, 429s, retries, permanent errors, crashes."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.channels.base import PermanentError, RetryLater, TransientError
from bot.core.clock import SystemClock
from bot.outbox import OutboxSender
from bot.ratelimit import SendLimiter, SlidingWindow
from storage.models import Outbox


class ScriptedChannel:
    """Records sends; fails the n-th send of a text with the exception scripted for it."""

    def __init__(
        self, script: dict[str, list[Exception]] | None = None, delay: float = 0.0
    ) -> None:
        self.script = script or {}
        self.sent: list[tuple[str, str, float]] = []
        self.delay = delay
        self.probes: dict[str, str | bool | None] = {}  # text -> verdict
        self.probed: list[tuple[str, list[int]]] = []

    async def send(self, row: Outbox) -> str:
        chat_id, payload = row.chat_id, row.payload
        started = time.monotonic()  # when the request would reach the platform
        await asyncio.sleep(self.delay)
        failures = self.script.get(payload["text"])
        if failures:
            raise failures.pop(0)
        self.sent.append((chat_id, payload["text"], started))
        return str(len(self.sent))

    async def probe(
        self, chat_id: str, method: str, payload: dict[str, Any], candidates: list[int]
    ):
        self.probed.append((payload["text"], candidates))
        return self.probes.get(payload["text"], False)


def _outbox(channel: str, chat: str, text: str, priority: int = 0) -> Outbox:
    # Due at once for the sender's clock, which is the system's here (the limits are real time).
    now = SystemClock().now()
    return Outbox(
        channel=channel,
        chat_id=chat,
        payload={"text": text},
        priority=priority,
        not_before=now,
        created_at=now,
    )


async def queue(sessions, *rows: tuple[str, str], priority: int = 0) -> None:
    async with sessions() as session:
        for chat, text in rows:
            session.add(_outbox("telegram", chat, text, priority))
        await session.commit()


async def statuses(sessions) -> dict[str, tuple[str, str | None]]:
    async with sessions() as session:
        rows = (await session.exec(select(Outbox))).all()
    return {r.payload["text"]: (r.status, r.error) for r in rows}


def limiter(
    global_per_second: float = 1000, private: float = 1000, group: float = 100000
) -> SendLimiter:
    return SendLimiter(
        global_per_second=global_per_second, private_per_second=private, group_per_minute=group
    )


async def run_until(sender: OutboxSender, condition, limit: float = 10.0) -> None:
    task = asyncio.create_task(sender.run())
    try:
        deadline = time.monotonic() + limit
        while not await condition():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.02)
    finally:
        await sender.stop()
        # The loop ends by itself once stopped; wait for it, so that no task of it is left to
        # be cancelled after the test's engine is disposed (that hung the loop's teardown).
        await asyncio.wait_for(task, timeout=10)


async def test_429_is_honoured_and_the_row_sent_once_afterwards(sessions) -> None:
    channel = ScriptedChannel({"a": [RetryLater(0.3)]})
    await queue(sessions, ("1", "a"))
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), SystemClock())
    started = time.monotonic()

    async def done() -> bool:
        return (await statuses(sessions))["a"][0] == "sent"

    await run_until(sender, done)
    assert [s[1] for s in channel.sent] == ["a"]
    assert channel.sent[0][2] - started >= 0.3


async def test_transient_errors_retry_permanent_errors_stop(sessions) -> None:
    channel = ScriptedChannel(
        {
            "flaky": [TransientError("timeout")],
            "blocked": [PermanentError("Forbidden: bot was blocked by the user")],
        }
    )
    await queue(sessions, ("1", "flaky"), ("2", "blocked"), ("3", "fine"))
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), SystemClock())

    async def settled() -> bool:
        s = await statuses(sessions)
        return s["flaky"][0] == "sent" and s["blocked"][0] == "failed" and s["fine"][0] == "sent"

    await run_until(sender, settled)
    assert (await statuses(sessions))["blocked"] == (
        "failed",
        "Forbidden: bot was blocked by the user",
    )
    assert sorted(s[1] for s in channel.sent) == ["fine", "flaky"]


async def test_a_retried_row_keeps_its_chat_in_order(sessions) -> None:
    channel = ScriptedChannel({"first": [RetryLater(0.2)]})
    await queue(sessions, ("1", "first"), ("1", "second"), ("2", "other"))
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), SystemClock())

    async def all_sent() -> bool:
        return all(v[0] == "sent" for v in (await statuses(sessions)).values())

    await run_until(sender, all_sent)
    to_one = [text for chat, text, _ in channel.sent if chat == "1"]
    assert to_one == ["first", "second"]
    assert channel.sent[0][1] == "other"  # another chat was not held up


async def test_replies_go_before_bulk(sessions) -> None:
    channel = ScriptedChannel()
    await queue(sessions, *[(str(100 + i), f"digest{i}") for i in range(5)], priority=10)
    await queue(sessions, ("7", "reply"))
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), SystemClock(), concurrency=1)

    async def all_sent() -> bool:
        return all(v[0] == "sent" for v in (await statuses(sessions)).values())

    await run_until(sender, all_sent)
    assert channel.sent[0][1] == "reply"


@pytest.mark.parametrize(
    ("verdict", "status", "resent"),
    [("5", "sent", False), (None, "sent", True), (False, "unknown", False)],
    ids=["arrived", "did-not-arrive", "cannot-tell"],
)
async def test_rows_caught_mid_send_are_settled_never_doubled(
    sessions, verdict, status, resent
) -> None:
    await queue(sessions, ("1", "earlier"), ("1", "in flight"), ("1", "waiting"))
    async with sessions() as session:
        for row in (await session.exec(select(Outbox))).all():
            if row.payload["text"] == "earlier":
                row.status, row.external_message_id = "sent", "3"
            if row.payload["text"] == "in flight":
                row.status = "sending"  # what a SIGKILL during the API call leaves behind
        await session.commit()
    channel = ScriptedChannel()
    channel.probes["in flight"] = verdict
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), SystemClock())
    counts = await sender.recover()
    assert sum(counts.values()) == 1
    # Probed just past the newest id known in the chat.
    assert channel.probed == [("in flight", list(range(4, 12)))]

    async def waiting_sent() -> bool:
        return (await statuses(sessions))["waiting"][0] == "sent"

    await run_until(sender, waiting_sent)
    await asyncio.sleep(0.2)
    sent_texts = [s[1] for s in channel.sent]
    assert sent_texts == (["in flight", "waiting"] if resent else ["waiting"])
    assert (await statuses(sessions))["in flight"][0] == status


async def test_default_limits_hold_under_a_burst(sessions) -> None:
    """30 chats x 3 messages with the default limits: <= 30 in any second, <= 1/s per chat."""
    channel = ScriptedChannel()
    await queue(sessions, *[(str(c), f"m{c}-{i}") for i in range(3) for c in range(1, 31)])
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(30, 1, 20), SystemClock())

    async def all_sent() -> bool:
        return len(channel.sent) == 90

    await run_until(sender, all_sent, limit=20)
    times = sorted(s[2] for s in channel.sent)
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 1.0) <= 30
    per_chat: dict[str, list[float]] = {}
    for chat, _, at in channel.sent:
        per_chat.setdefault(chat, []).append(at)
    for stamps in per_chat.values():
        assert all(b - a >= 0.99 for a, b in itertools.pairwise(stamps))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=5),
    st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=60),
)
def test_sliding_window_never_exceeds_its_limit(limit: int, gaps: list[float]) -> None:
    window = SlidingWindow(limit, 1.0)
    now, accepted = 0.0, []
    for gap in gaps:
        now += gap
        wait = window.wait_time("k", now)
        if wait > 0:
            now += wait
            assert window.wait_time("k", now) == 0
        window.record("k", now)
        accepted.append(now)
    for i, start in enumerate(accepted):
        assert sum(1 for t in accepted[i:] if t < start + 1.0) <= limit


async def test_each_channel_keeps_its_own_limits(sessions) -> None:
    telegram, whatsapp = ScriptedChannel(), ScriptedChannel()
    async with sessions() as session:
        for n in range(3):
            session.add(_outbox("telegram", str(n), f"t{n}"))
            session.add(_outbox("whatsapp", f"62811000{n}", f"w{n}"))
        await session.commit()
    sender = OutboxSender(
        sessions,
        {"telegram": telegram, "whatsapp": whatsapp},
        limiter(global_per_second=1),  # Telegram: one send a second overall
        SystemClock(),
        limiters={"whatsapp": limiter(global_per_second=80)},
    )

    async def whatsapp_done() -> bool:
        s = await statuses(sessions)
        return all(s[f"w{n}"][0] == "sent" for n in range(3))

    started = time.monotonic()
    await run_until(sender, whatsapp_done)
    # WhatsApp's three went at once; Telegram's window let one through in that time.
    assert sorted(t for _, t, _ in whatsapp.sent) == ["w0", "w1", "w2"]
    assert max(at for *_, at in whatsapp.sent) - started < 0.9
    assert len(telegram.sent) == 1
