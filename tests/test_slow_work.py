"""Slow work (a FAQ index build, a PDF notice) runs in a worker thread outside any transaction:
while it runs, other chats are answered (issue 13, item 3)."""

from __future__ import annotations

import asyncio
import sys
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
from storage.models import InfoRequest, Outbox, Ticket
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

    loop_thread, threads = threading.get_ident(), []

    def slow_load() -> Any:
        threads.append(threading.get_ident())
        started.set()
        # The build goes on only when the test says so (after the other chat's reply): run on
        # the event loop it would hold everything, and time out here.
        if not release.wait(timeout=60):
            threads.append(loop_thread)
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
        assert threads and loop_thread not in threads  # built in a worker thread, once
    finally:
        release.set()
        await app.inbox.stop()
        worker.cancel()
        await app.engine.dispose()


async def _has_reply(app: App) -> bool:
    return bool(await texts_to(app, CITIZEN))


async def _reload_reported(app: App) -> bool:
    return any("FAQ" in text for text in await texts_to(app, STAFF))


async def test_a_slow_pdf_notice_holds_no_other_chats_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_scheduling import submit_request  # a request filed by citizen 600

    app = make_app(tmp_path)
    await upgrade(app.engine)
    ticket, _ = await submit_request(app)
    async with app.sessionmaker() as session:
        fresh = await session.get(Ticket, ticket.id)
        assert fresh is not None
        fresh.topic_id = 77  # its topic in the staff group (made by the sender, not run here)
        await session.commit()
    started, release = threading.Event(), threading.Event()
    # The render function the request service calls, wherever its module lives.
    service = sys.modules[type(app.desk.requests).__module__]
    render = service.render_request_notice

    loop_thread, threads = threading.get_ident(), []

    def slow_render(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        started.set()
        if not release.wait(timeout=60):  # on the event loop it would wait in vain
            threads.append(loop_thread)
        return render(*args, **kwargs)

    monkeypatch.setattr(service, "render_request_notice", slow_render)
    decision = message(
        1,
        {"id": STAFF, "type": "supergroup", "title": "Staf", "is_forum": True},
        OFFICER,
        "/tolak h data pribadi",
    )
    decision["message"].update(message_thread_id=77, is_topic_message=True)
    question = message(
        2,
        {"id": CITIZEN, "type": "private", "first_name": "Ani"},
        CITIZEN,
        "jam berapa kantor ppid buka?",
    )
    async with app.sessionmaker() as session:
        rows = [
            {"channel": "telegram", "update_id": str(u["update_id"]), "chat_key": key, "payload": u}
            for u, key in ((decision, str(STAFF)), (question, str(CITIZEN)))
        ]
        await InboxRepo(session).store(rows, MONDAY_10)
        await session.commit()
    worker = asyncio.create_task(app.inbox.run())
    try:
        await asyncio.to_thread(started.wait, 30)
        assert started.is_set()
        await until(lambda: _has_reply(app))  # answered while the notice is rendered
        assert not release.is_set()
        async with app.sessionmaker() as session:
            assert (await session.exec(select(InfoRequest))).one().decision is None
        release.set()

        async def decided() -> bool:
            async with app.sessionmaker() as session:
                request = (await session.exec(select(InfoRequest))).one()
                documents = (
                    await session.exec(
                        select(Outbox).where(Outbox.chat_id == "600", Outbox.method == "document")
                    )
                ).all()
            return request.decision == "rejected" and len(documents) == 1

        await until(decided)  # decided once, with its one notice
        assert threads and loop_thread not in threads  # rendered in a worker thread
    finally:
        release.set()
        await app.inbox.stop()
        worker.cancel()
        await app.engine.dispose()


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
