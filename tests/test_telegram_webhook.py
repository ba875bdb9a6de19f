"""The webhook server's parts over real HTTP: a delivery stamped by the app's clock and kept
for the worker, a parsed update handed on only after the commit, and the health check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.telegram import ParsedUpdates
from bot.channels.telegram_webhook import SECRET_HEADER, TelegramWebhook
from bot.core.clock import FrozenClock
from bot.web import WebServer
from storage.db import make_engine
from storage.models import Inbox
from tests.harness import free_port

SECRET = "rahasia-uji_123"
AT = datetime(2027, 3, 1, 2, 30, tzinfo=UTC)
UPDATE = {
    "update_id": 555_000_001,
    "message": {
        "message_id": 7,
        "date": 1_800_000_000,
        "chat": {"id": 4242, "type": "private", "first_name": "Siti"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Siti"},
        "text": "halo",
    },
}


class Served:
    def __init__(self, url: str, parsed: ParsedUpdates, notified: list[int]) -> None:
        self.url = url
        self.parsed = parsed
        self.notified = notified


@pytest.fixture
async def served(
    sessions: async_sessionmaker[AsyncSession], sqlite_url: str
) -> AsyncIterator[Served]:
    engine = make_engine(sqlite_url)
    bot = Bot("123456:TEST-token")
    parsed = ParsedUpdates()
    notified: list[int] = []
    hook = TelegramWebhook(
        bot,
        sessions,
        secret=SECRET,
        path="/telegram",
        clock=FrozenClock(AT),
        on_stored=lambda: notified.append(1),
        parsed=parsed,
    )
    port = free_port()
    server = WebServer("127.0.0.1", port, engine, key="telegram.listen")
    server.add(hook.add_routes, "/telegram")
    await server.start()
    try:
        yield Served(f"http://127.0.0.1:{port}", parsed, notified)
    finally:
        await server.stop()
        await engine.dispose()
        await bot.session.close()


async def post(url: str, payload: object, secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=payload, headers=headers) as response,
    ):
        return response.status


async def test_a_delivery_is_stored_at_the_app_clocks_time_then_handed_on(
    served: Served, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await post(f"{served.url}/telegram", UPDATE, SECRET) == 200
    async with sessions() as session:
        (row,) = (await session.exec(select(Inbox))).all()
    assert (row.channel, row.update_id, row.chat_key, row.status) == (
        "telegram",
        "555000001",
        "tg:4242",
        "pending",
    )
    assert row.received_at.replace(tzinfo=UTC) == AT and row.not_before.replace(tzinfo=UTC) == AT
    assert row.payload["message"]["text"] == "halo"
    assert served.notified == [1]  # the inbox worker was woken
    kept = served.parsed.take("555000001")
    assert kept is not None and kept.message is not None and kept.message.text == "halo"
    # Delivered again (Telegram's retry): nothing new stored.
    assert await post(f"{served.url}/telegram", UPDATE, SECRET) == 200
    async with sessions() as session:
        assert len((await session.exec(select(Inbox))).all()) == 1


async def test_a_lone_surrogate_in_a_delivery_is_read_as_a_replacement_character(
    served: Served, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # JSON can escape half of a surrogate pair; no UTF-8 text holds one, so the desk could
    # neither store nor answer it: the update is read with U+FFFD in its place.
    update = {**UPDATE, "message": {**UPDATE["message"], "text": "halo \ud800"}}
    assert await post(f"{served.url}/telegram", update, SECRET) == 200
    async with sessions() as session:
        (row,) = (await session.exec(select(Inbox))).all()
    assert row.payload["message"]["text"] == "halo \ufffd"
    kept = served.parsed.take("555000001")
    assert kept is not None and kept.message is not None and kept.message.text == "halo \ufffd"


async def test_a_refused_delivery_wakes_nobody_and_keeps_nothing(
    served: Served, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await post(f"{served.url}/telegram", UPDATE, None) == 401
    assert await post(f"{served.url}/telegram", UPDATE, SECRET.upper()) == 401
    assert served.notified == [] and served.parsed.take("555000001") is None
    async with sessions() as session:
        assert (await session.exec(select(Inbox))).all() == []


async def test_only_post_on_the_webhook_path(served: Served) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{served.url}/telegram") as response:
            assert response.status == 405
        async with session.post(f"{served.url}/other", json=UPDATE) as response:
            assert response.status == 404


async def test_health_is_200_while_the_database_answers(served: Served) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{served.url}/healthz") as r:
        assert r.status == 200 and await r.text() == "ok"


async def test_health_is_503_when_the_database_does_not_answer() -> None:
    # A PostgreSQL URL where nothing listens: the connection is refused at once.
    engine = make_engine(f"postgresql+asyncpg://loket@127.0.0.1:{free_port()}/loket")
    port = free_port()
    server = WebServer("127.0.0.1", port, engine, key="telegram.listen")
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 503
            assert await response.text() == "database unavailable"
    finally:
        await server.stop()
        await engine.dispose()
