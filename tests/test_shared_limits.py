"""The send limiter shared by replicas in Redis (issue 15, item 2): Telegram's limits counted
across all replicas together, on the real Redis and PostgreSQL; and what happens without Redis.

The assertions are on the limiter's own guarantee, the times of the slots it granted (Redis's
clock, microseconds, the same for every replica): no window ever holds more than its limit.
They do not depend on how fast this machine is, only on how many sends there are.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlmodel import select

from bot.app import create_app
from bot.config import ConfigError, load_config
from bot.core.clock import FrozenClock
from bot.outbox import OutboxSender
from bot.ratelimit import MARGIN, SendLimiter, SlidingWindow
from bot.shared_limits import SharedSendLimiter, limiter_factory
from storage.db import make_app_sessions, make_engine
from storage.migrate import upgrade
from storage.models import Outbox
from tests import services
from tests.harness import SAMPLE_FAQ

T0 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
GROUP = "-1001234567890"


class Recording(SharedSendLimiter):
    """A shared limiter that keeps the slots it was granted (chat, time), for the test."""

    def __init__(self, *args: Any, granted: list[tuple[str, str, float]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.granted = granted

    async def acquire(
        self, chat_id: str, monotonic: Callable[[], float], *, per_chat: bool = True
    ) -> float:
        at = await super().acquire(chat_id, monotonic, per_chat=per_chat)
        self.granted.append((str(id(self)), chat_id, at))
        return at


class Channel:
    """A channel that records which replica sent which row."""

    def __init__(self, replica: str, sent: list[tuple[str, int]]) -> None:
        self.replica = replica
        self.sent = sent

    async def send(self, row: Outbox) -> str:
        assert row.id is not None
        self.sent.append((self.replica, row.id))
        return str(row.id)

    async def probe(
        self, chat_id: str, method: str, payload: dict[str, Any], candidates: list[int]
    ) -> str | bool | None:
        return False


def telegram_limits() -> dict[str, float]:
    """Telegram's own limits: 30/s per bot, 1/s per private chat, 20/min per group."""
    return {"global_per_second": 30, "private_per_second": 1, "group_per_minute": 20}


def assert_within(times: list[float], limit: int, window: float, what: str) -> None:
    """No ``window`` seconds hold more than ``limit`` of the times: any limit + 1 of them in a
    row span the window at least."""
    times = sorted(times)
    for first, last in zip(times, times[limit:], strict=False):
        assert last - first >= window, f"{what}: {limit + 1} sends within {last - first:.4f}s"


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 90.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.fixture
async def redis(redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(services.REDIS_URL)
    yield client
    await client.aclose()


async def test_two_replicas_share_the_bot_window_and_the_chat_window(
    redis_prefix: str, redis: Redis
) -> None:
    """What one replica sent counts against the other: the 31st send of the second replica in
    a second waits for the first replica's oldest to leave the window; a chat's second
    message waits a second whoever sends it."""
    other = Redis.from_url(services.REDIS_URL)  # the second replica's own connection
    try:
        granted: list[tuple[str, str, float]] = []
        first = Recording(
            redis,
            "telegram:1",
            prefix=redis_prefix,
            replicas=2,
            granted=granted,
            **telegram_limits(),
        )
        second = Recording(
            other,
            "telegram:1",
            prefix=redis_prefix,
            replicas=2,
            granted=granted,
            **telegram_limits(),
        )
        for n in range(30):
            await first.acquire(str(1000 + n), time.monotonic)
        # The bot's window is full: the second replica's send waits for room.
        await second.acquire("2000", time.monotonic)
        # The first replica's chat 1000 was written to: the second replica waits a second.
        await second.acquire("1000", time.monotonic)
        times = [at for _, _, at in granted]
        assert times[30] - times[0] >= MARGIN  # a whole window after the first
        chat = [at for _, who, at in granted if who == "1000"]
        assert chat[1] - chat[0] >= MARGIN
        assert_within(times, 30, MARGIN, "bot")
    finally:
        await other.aclose()


async def test_two_senders_with_the_shared_limiter_never_exceed_the_limits_together(
    pg_url: str, redis_prefix: str
) -> None:
    """Two replicas' senders drain one outbox on PostgreSQL; each row is sent once, and the
    slots they took, together, keep every window: the bot's (30 per second), each private
    chat's (1 per second) and the group's. The group's real window is a minute; a test of it
    would wait a minute, so here the group window is 4 per 2 seconds, the same code."""
    chats = [str(5000 + n) for n in range(25)]
    engines = [make_engine(pg_url) for _ in range(2)]
    await upgrade(engines[0])
    clients = [Redis.from_url(services.REDIS_URL) for _ in range(2)]
    granted: list[tuple[str, str, float]] = []
    sent: list[tuple[str, int]] = []
    senders = []
    for n, (engine, client) in enumerate(zip(engines, clients, strict=True)):
        limiter = Recording(
            client,
            "telegram:1",
            prefix=redis_prefix,
            replicas=2,
            granted=granted,
            **telegram_limits(),
        )
        limiter.group_window = SlidingWindow(4, 2.0)
        sessions = make_app_sessions(engine)
        channel = Channel(str(n), sent)
        senders.append(OutboxSender(sessions, {"telegram": channel}, limiter, FrozenClock(T0)))
    sessions = make_app_sessions(engines[0])
    async with sessions() as session:
        for k in range(3):
            for chat in chats:
                session.add(_row(chat, f"{chat}-{k}"))
        for k in range(10):
            session.add(_row(GROUP, f"group-{k}"))
        await session.commit()
    tasks = [asyncio.create_task(sender.run()) for sender in senders]

    async def all_sent() -> bool:
        async with sessions() as session:
            statuses = (await session.exec(select(Outbox.status))).all()
        return all(status == "sent" for status in statuses)

    try:
        await until(all_sent)
        async with sessions() as session:
            chat_of = {r.id: r.chat_id for r in (await session.exec(select(Outbox))).all()}
    finally:
        for sender in senders:
            await sender.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.aclose()
        for engine in engines:
            await engine.dispose()
    total = 3 * len(chats) + 10
    assert sorted(row_id for _, row_id in sent) == list(range(1, total + 1))  # each once
    # Each chat's rows left in order, whichever replica sent each (ids follow the queue order).
    for chat in [*chats, GROUP]:
        ids = [row_id for _, row_id in sent if chat_of[row_id] == chat]
        assert ids == sorted(ids)
    assert len(granted) == total  # each send took its slot, in Redis
    assert_within([at for _, _, at in granted], 30, MARGIN, "bot")
    for chat in chats:
        assert_within([at for _, who, at in granted if who == chat], 1, MARGIN, chat)
    assert_within([at for _, who, at in granted if who == GROUP], 4, 2.0, "group")


def _row(chat: str, text: str) -> Outbox:
    return Outbox(
        channel="telegram", chat_id=chat, payload={"text": text}, not_before=T0, created_at=T0
    )


async def test_without_redis_each_replica_keeps_to_its_share_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis down (nothing listens on the port): sends go on, each replica at its share of the
    limits (here half, of two replicas), and the log has one line, not one per send."""
    client = Redis(host="127.0.0.1", port=_free_port(), socket_connect_timeout=1)
    limiter = SharedSendLimiter(client, "telegram:1", replicas=2, **telegram_limits())
    granted: list[float] = []
    with caplog.at_level(logging.WARNING, logger="bot.shared_limits"):
        for n in range(16):
            granted.append(await limiter.acquire(str(n), time.monotonic))
        granted.append(await limiter.acquire("0", time.monotonic))
    await client.aclose()
    # 15 per window for the bot (30 / 2); one per two windows for a private chat (1 / 2).
    assert granted[15] - granted[0] >= MARGIN
    assert granted[16] - granted[0] >= 2 * MARGIN
    lines = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(lines) == 1


def test_the_share_of_a_replica_never_exceeds_the_limits_divided() -> None:
    limiter = SharedSendLimiter(
        Redis(host="127.0.0.1", port=1), "x", replicas=3, **telegram_limits()
    )
    share = limiter.fallback
    assert (share.global_window.limit, share.global_window.window) == (10, MARGIN)
    assert share.private_window.limit == 1 and share.private_window.window == pytest.approx(
        3 * MARGIN
    )
    # 20 a minute among 3: 6 each (18 together), never 7.
    assert share.group_window.limit == 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_redis_url_configures_the_shared_limiter_and_a_bad_one_names_the_key(
    tmp_path: Path,
) -> None:
    (tmp_path / "faq.toml").write_text(SAMPLE_FAQ, encoding="utf-8")
    config_file = tmp_path / "bot.toml"
    config_file.write_text(
        '[telegram]\ntoken = "123456789:AAFakeTokenForTests_abcdefghijklmno"\n'
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "x.db"}"\n'
        f'[faq]\npaths = ["{tmp_path / "faq.toml"}"]\n',
        encoding="utf-8",
    )
    make, closer = limiter_factory("", replicas=2)
    assert type(make("telegram:1", **telegram_limits())) is SendLimiter and closer is None
    shared = load_config(config_file, environ={"LOKET_REDIS__URL": services.REDIS_URL})
    assert isinstance(create_app(shared).sender.limiter, SharedSendLimiter)
    with pytest.raises(ConfigError, match=r"redis\.url"):
        load_config(config_file, environ={"LOKET_REDIS__URL": "127.0.0.1:6379"})


async def test_back_from_an_outage_a_replica_keeps_its_share_until_its_sends_left_the_windows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis is down, so a chat gets a message in the replica's share; then Redis is back.
    Redis knows nothing of that message, so the chat's next one must still wait for the
    share's window (two seconds of two replicas at 1/s), not go at once."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    client = Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1)
    limiter = SharedSendLimiter(
        client, "telegram:1", replicas=2, retry_redis_after=0.0, **telegram_limits()
    )
    server: asyncio.subprocess.Process | None = None
    try:
        with caplog.at_level(logging.WARNING, logger="bot.shared_limits"):
            alone = await limiter.acquire("42", time.monotonic)  # Redis is not there yet
            server = await asyncio.create_subprocess_exec(
                "redis-server",
                *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(tmp_path)),
                stdout=asyncio.subprocess.DEVNULL,
                env=services.without_faketime(),
            )
            await until(lambda: _answers(client), timeout=30)
            await limiter.acquire("42", time.monotonic)  # through Redis, after the share's wait
            back = time.monotonic()
        assert back - alone >= 2 * MARGIN
        said = [r.getMessage() for r in caplog.records]
        assert sum("unreachable" in line for line in said) == 1
        assert sum("answers again" in line for line in said) == 1
        keys = await client.keys("loket:send:telegram:1:*")
        assert sorted(keys) == [b"loket:send:telegram:1:bot", b"loket:send:telegram:1:chat:42"]
    finally:
        await client.aclose()
        if server is not None:
            server.terminate()
            await server.wait()


async def _answers(client: Redis) -> bool:
    try:
        return bool(await client.ping())
    except Exception:  # not up yet
        return False
