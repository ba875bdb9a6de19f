"""The outbox sender with a scripted channel: limits, 429s, retries, permanent errors, crashes.

Nothing here measures seconds: due times come from a FrozenClock and the send windows from a
FakeTime the test moves, so every check is about the sender's decisions, never about luck.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.channels.base import PermanentError, RetryLater, TransientError
from bot.core.clock import FrozenClock
from bot.outbox import CLAIM_LEASE, OutboxSender, backoff_seconds
from bot.ratelimit import SendLimiter, SlidingWindow
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.models import Outbox
from storage.repositories import OutboxRepo

T0 = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


class FakeTime:
    """The sender's steady seconds (its send windows), moved only by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ScriptedChannel:
    """Records sends with the sender's time; fails the n-th send of a text as scripted."""

    def __init__(
        self,
        script: dict[str, list[Exception]] | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.script = script or {}
        self.now = now
        self.sent: list[tuple[str, str, float]] = []
        self.probes: dict[str, str | bool | None] = {}  # text -> verdict
        self.probed: list[tuple[str, list[int]]] = []

    async def send(self, row: Outbox) -> str:
        chat_id, payload = row.chat_id, row.payload
        failures = self.script.get(payload["text"])
        if failures:
            raise failures.pop(0)
        self.sent.append((chat_id, payload["text"], self.now()))
        return str(len(self.sent))

    async def probe(
        self, chat_id: str, method: str, payload: dict[str, Any], candidates: list[int]
    ) -> str | bool | None:
        self.probed.append((payload["text"], candidates))
        return self.probes.get(payload["text"], False)


def _outbox(channel: str, chat: str, text: str, priority: int = 0) -> Outbox:
    # Due at once for the sender's FrozenClock.
    return Outbox(
        channel=channel,
        chat_id=chat,
        payload={"text": text},
        priority=priority,
        not_before=T0,
        created_at=T0,
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


async def row(sessions, text: str) -> Outbox:
    async with sessions() as session:
        rows = (await session.exec(select(Outbox))).all()
    (found,) = [r for r in rows if r.payload["text"] == text]
    return found


def limiter(
    global_per_second: float = 1000, private: float = 1000, group: float = 100000
) -> SendLimiter:
    return SendLimiter(
        global_per_second=global_per_second, private_per_second=private, group_per_minute=group
    )


async def wait_until(condition: Callable[[], Awaitable[bool]], limit: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def run_until(
    sender: OutboxSender, condition: Callable[[], Awaitable[bool]], limit: float = 10.0
) -> None:
    """Run the sender until ``condition`` holds, then stop it: after this nothing more is
    sent, so what the channel recorded is final."""
    task = asyncio.create_task(sender.run())
    try:
        await wait_until(condition, limit)
    finally:
        await sender.stop()
        # The loop ends by itself once stopped; wait for it, so that no task of it is left to
        # be cancelled after the test's engine is disposed (that hung the loop's teardown).
        await asyncio.wait_for(task, timeout=10)


async def test_429_is_honoured_and_the_row_sent_once_afterwards(sessions) -> None:
    clock = FrozenClock(T0)
    channel = ScriptedChannel({"a": [RetryLater(30)]})
    await queue(sessions, ("1", "a"))

    async def rate_limited() -> bool:
        return (await statuses(sessions))["a"] == ("pending", "rate limited")

    await run_until(OutboxSender(sessions, {"telegram": channel}, limiter(), clock), rate_limited)
    first = await row(sessions, "a")
    assert first.not_before == T0 + timedelta(seconds=30)
    assert first.attempts == 0  # a 429 is not the row's fault
    # A second short of the wait the platform asked for, a pass leaves the row alone.
    clock.advance(timedelta(seconds=29))
    early = OutboxSender(sessions, {"telegram": channel}, limiter(), clock)
    await early.drain_once()
    await early.stop()
    assert (await statuses(sessions))["a"][0] == "pending"
    clock.advance(timedelta(seconds=1))

    async def sent() -> bool:
        return (await statuses(sessions))["a"][0] == "sent"

    await run_until(OutboxSender(sessions, {"telegram": channel}, limiter(), clock), sent)
    assert [s[1] for s in channel.sent] == ["a"]
    assert (await row(sessions, "a")).sent_at == T0 + timedelta(seconds=30)


async def test_transient_errors_retry_permanent_errors_stop(sessions) -> None:
    clock = FrozenClock(T0)
    channel = ScriptedChannel(
        {
            "flaky": [TransientError("timeout")],
            "blocked": [PermanentError("Forbidden: bot was blocked by the user")],
        }
    )
    await queue(sessions, ("1", "flaky"), ("2", "blocked"), ("3", "fine"))

    async def settled() -> bool:
        s = await statuses(sessions)
        return s["flaky"] == ("pending", "timeout") and s["blocked"][0] == "failed"

    await run_until(OutboxSender(sessions, {"telegram": channel}, limiter(), clock), settled)
    assert (await statuses(sessions))["blocked"] == (
        "failed",
        "Forbidden: bot was blocked by the user",
    )
    # The transient failure waits its back-off, on the sender's clock.
    assert (await row(sessions, "flaky")).not_before == T0 + timedelta(seconds=backoff_seconds(1))
    clock.advance(timedelta(seconds=backoff_seconds(1)))

    async def flaky_sent() -> bool:
        return (await statuses(sessions))["flaky"][0] == "sent"

    await run_until(OutboxSender(sessions, {"telegram": channel}, limiter(), clock), flaky_sent)
    assert sorted(s[1] for s in channel.sent) == ["fine", "flaky"]
    assert (await statuses(sessions))["blocked"][0] == "failed"  # never tried again


async def test_a_retried_row_keeps_its_chat_in_order(sessions) -> None:
    clock = FrozenClock(T0)
    channel = ScriptedChannel({"first": [RetryLater(5)]})
    await queue(sessions, ("1", "first"), ("1", "second"), ("2", "other"))

    async def first_waits() -> bool:
        s = await statuses(sessions)
        return s["first"] == ("pending", "rate limited") and s["other"][0] == "sent"

    await run_until(OutboxSender(sessions, {"telegram": channel}, limiter(), clock), first_waits)
    # Another chat was not held up; the chat's second row waits behind its first.
    assert [text for _, text, _ in channel.sent] == ["other"]
    assert (await statuses(sessions))["second"][0] == "pending"
    clock.advance(timedelta(seconds=5))

    async def all_sent() -> bool:
        return all(v[0] == "sent" for v in (await statuses(sessions)).values())

    await run_until(OutboxSender(sessions, {"telegram": channel}, limiter(), clock), all_sent)
    to_one = [text for chat, text, _ in channel.sent if chat == "1"]
    assert to_one == ["first", "second"]


async def test_replies_go_before_bulk(sessions) -> None:
    channel = ScriptedChannel()
    await queue(sessions, *[(str(100 + i), f"digest{i}") for i in range(5)], priority=10)
    await queue(sessions, ("7", "reply"))
    clock = FrozenClock(T0)
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), clock, concurrency=1)

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
        for outbox_row in (await session.exec(select(Outbox))).all():
            if outbox_row.payload["text"] == "earlier":
                outbox_row.status, outbox_row.external_message_id = "sent", "3"
            if outbox_row.payload["text"] == "in flight":
                outbox_row.status = "sending"  # what a SIGKILL during the API call leaves behind
        await session.commit()
    channel = ScriptedChannel()
    channel.probes["in flight"] = verdict
    sender = OutboxSender(sessions, {"telegram": channel}, limiter(), FrozenClock(T0))
    counts = await sender.recover()
    assert sum(counts.values()) == 1
    # Probed just past the newest id known in the chat.
    assert channel.probed == [("in flight", list(range(4, 12)))]

    async def waiting_sent() -> bool:
        return (await statuses(sessions))["waiting"][0] == "sent"

    # run_until stops the sender before returning: a doubled send would be recorded by now.
    await run_until(sender, waiting_sent)
    sent_texts = [s[1] for s in channel.sent]
    assert sent_texts == (["in flight", "waiting"] if resent else ["waiting"])
    assert (await statuses(sessions))["in flight"][0] == status


async def test_a_late_sweep_never_settles_a_row_reset_and_claimed_again_meanwhile(
    migrated_db_url: str,
) -> None:
    """Two replicas sweep the same stale claim: A settles it (not delivered: back to pending)
    and a sender claims it afresh while B still probes; B's write must find the new claim."""
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        await queue(sessions, ("1", "stale"))
        async with sessions() as session:
            (stale,) = (await session.exec(select(Outbox))).all()
            stale.status = "sending"  # claimed at T0 by a replica that died
            await session.commit()
        late = T0 + CLAIM_LEASE + timedelta(seconds=1)
        fresh_claim = late + timedelta(seconds=1)
        channel_a = ScriptedChannel()
        channel_a.probes["stale"] = None  # not delivered: A puts it back to pending
        sweeper_a = OutboxSender(sessions, {"telegram": channel_a}, limiter(), FrozenClock(late))

        class Interleaved(ScriptedChannel):
            async def probe(self, *args: Any) -> str | bool | None:
                # While B probes: A settles the row, and a sender claims it again.
                assert await sweeper_a.recover() == {"sent": 0, "pending": 1, "unknown": 0}
                async with sessions() as session:
                    [claimed] = await OutboxRepo(session).claim([stale_id], now=fresh_claim)
                    await session.commit()
                assert claimed.status == "sending"
                return None  # B too finds it not delivered, and would reset it

        stale_id = stale.id
        assert stale_id is not None
        sweeper_b = OutboxSender(
            sessions, {"telegram": Interleaved()}, limiter(), FrozenClock(late)
        )
        assert await sweeper_b.recover() == {"sent": 0, "pending": 0, "unknown": 0}
        # The live claim is untouched: still "sending", stamped by its own claim, sent by
        # nobody else (a reset would let a second sender send it again).
        after = await row(sessions, "stale")
        assert after.status == "sending"
        assert after.not_before.replace(tzinfo=UTC) == fresh_claim
        assert after.attempts == 1
    finally:
        await engine.dispose()


async def test_default_limits_hold_under_a_burst(sessions) -> None:
    """30 chats x 3 messages with the default limits: <= 30 in any second, <= 1/s per chat.

    The test moves the sender's time in steps of 0.1 s and lets it send what it decides to at
    each step; the times checked are the ones the sender's limiter saw."""
    steady = FakeTime()
    channel = ScriptedChannel(now=steady)
    await queue(sessions, *[(str(c), f"m{c}-{i}") for i in range(3) for c in range(1, 31)])
    sender = OutboxSender(
        sessions, {"telegram": channel}, limiter(30, 1, 20), FrozenClock(T0), monotonic=steady
    )

    async def nothing_in_flight() -> bool:
        return all(v[0] != "sending" for v in (await statuses(sessions)).values())

    while len(channel.sent) < 90:
        assert steady.now < 10, f"only {len(channel.sent)} of 90 sent by t={steady.now:.1f}s"
        await sender.drain_once()
        await wait_until(nothing_in_flight)
        steady.advance(0.1)
    await sender.stop()
    times = sorted(s[2] for s in channel.sent)
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 1.0) <= 30
    per_chat: dict[str, list[float]] = {}
    for chat, _, at in channel.sent:
        per_chat.setdefault(chat, []).append(at)
    assert len(per_chat) == 30
    for stamps in per_chat.values():
        assert len(stamps) == 3
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(stamps))
    # Held no longer than the windows need: three sends a chat take two windows of 1.03 s.
    assert 2.06 <= max(times) < 3.0, max(times)


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
    steady = FakeTime()  # stands still: a window that is full stays full
    telegram, whatsapp = ScriptedChannel(now=steady), ScriptedChannel(now=steady)
    async with sessions() as session:
        for n in range(3):
            session.add(_outbox("telegram", str(n), f"t{n}"))
            session.add(_outbox("whatsapp", f"62811000{n}", f"w{n}"))
        await session.commit()
    sender = OutboxSender(
        sessions,
        {"telegram": telegram, "whatsapp": whatsapp},
        limiter(global_per_second=1),  # Telegram: one send a second overall
        FrozenClock(T0),
        limiters={"whatsapp": limiter(global_per_second=80)},
        monotonic=steady,
    )

    async def whatsapp_done() -> bool:
        s = await statuses(sessions)
        return all(s[f"w{n}"][0] == "sent" for n in range(3))

    await run_until(sender, whatsapp_done)
    # WhatsApp's three went at once; Telegram's full window let one through, and no more.
    assert sorted(t for _, t, _ in whatsapp.sent) == ["w0", "w1", "w2"]
    assert len(telegram.sent) == 1
    s = await statuses(sessions)
    assert sorted(text for text, v in s.items() if text.startswith("t") and v[0] == "pending") == [
        t for t in ("t0", "t1", "t2") if t != telegram.sent[0][1]
    ]
