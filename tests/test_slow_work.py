"""Slow work (a FAQ index build, a PDF notice) runs in a worker thread outside any transaction:
while it runs, other chats are answered (issue 13, item 3)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.app import App, create_app
from bot.config import load_config
from bot.core.clock import FrozenClock
from bot.core.offload import Offload, WorkOutside
from storage.migrate import upgrade
from storage.models import Outbox
from storage.repositories import InboxRepo

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmno"
STAFF = -1001234567890
OFFICER = 111
CITIZEN = 500
MONDAY_10 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 WIB, office hours


def make_app(tmp_path: Path) -> App:
    config_file = tmp_path / "bot.toml"
    config_file.write_text(
        f"""
[telegram]
token = "{TOKEN}"
api_base = "http://127.0.0.1:9"
staff_group_id = {STAFF}
[staff]
officers = [{OFFICER}]
[database]
url = "sqlite+aiosqlite:///{tmp_path / "loket.db"}"
""",
        encoding="utf-8",
    )
    return create_app(load_config(config_file, environ={}), clock=FrozenClock(MONDAY_10))


def message(update_id: int, chat: dict[str, Any], user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(MONDAY_10.timestamp()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": "Ani"},
            "text": text,
        },
    }


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Wait for a condition, with a deadline (never a fixed sleep before an assertion)."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def texts_to(app: App, chat_id: int) -> list[str]:
    async with app.sessionmaker() as session:
        rows = (await session.exec(select(Outbox).where(Outbox.chat_id == str(chat_id)))).all()
    return [str(row.payload.get("text", "")) for row in rows]


async def test_a_slow_faq_build_holds_no_other_chats_reply(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    await upgrade(app.engine)
    started, release = threading.Event(), threading.Event()
    load = app.faq.load

    def slow_load() -> Any:
        started.set()
        assert release.wait(timeout=60)  # the build goes on only when the test says so
        return load()

    app.faq.load = slow_load  # type: ignore[method-assign]
    group = {"id": STAFF, "type": "supergroup", "title": "Staf"}
    private = {"id": CITIZEN, "type": "private", "first_name": "Ani"}
    updates = [
        message(1, group, OFFICER, "/reload"),
        message(2, private, CITIZEN, "jam berapa kantor ppid buka?"),
    ]
    async with app.sessionmaker() as session:
        rows = [
            {"channel": "telegram", "update_id": str(u["update_id"]), "chat_key": key, "payload": u}
            for u, key in zip(updates, (str(STAFF), str(CITIZEN)), strict=True)
        ]
        await InboxRepo(session).store(rows, MONDAY_10)
        await session.commit()
    worker = asyncio.create_task(app.inbox.run())
    try:
        await asyncio.to_thread(started.wait, 30)
        assert started.is_set()
        # The build waits; the citizen's question is answered meanwhile.
        await until(lambda: _has_reply(app))
        assert not release.is_set()
        assert not any("FAQ" in text for text in await texts_to(app, STAFF))
        release.set()
        await until(lambda: _reload_reported(app))
    finally:
        release.set()
        await app.inbox.stop()
        worker.cancel()
        await app.engine.dispose()


async def _has_reply(app: App) -> bool:
    return bool(await texts_to(app, CITIZEN))


async def _reload_reported(app: App) -> bool:
    return any("FAQ" in text for text in await texts_to(app, STAFF))


async def test_slow_work_is_done_once_in_a_thread_and_its_failure_reaches_the_use_case() -> None:
    offload = Offload()
    threads: list[int] = []

    def render() -> bytes:
        threads.append(threading.get_ident())
        return b"%PDF"

    attempts = 0

    async def use_case() -> bytes:
        nonlocal attempts
        attempts += 1
        return offload.result(("notice", 1), render)

    assert await offload.call(use_case) == b"%PDF"
    assert attempts == 2 and len(threads) == 1 and threads[0] != threading.get_ident()

    def broken() -> bytes:
        raise ValueError("bad font")

    with pytest.raises(WorkOutside) as request:
        offload.result("broken", broken)
    await offload.prepare(request.value)
    with pytest.raises(ValueError, match="bad font"):
        offload.result("broken", broken)
