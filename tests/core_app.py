"""The app as create_app builds it, on a real database, with a FrozenClock: for unit tests of
the core services (desk, tickets, requests, SLA, pushes). No Telegram: the services write to
the outbox and the tests read the rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.app import App, create_app
from bot.config import load_config
from bot.core.clock import FrozenClock
from bot.core.dto import Contact, Inbound
from storage.migrate import upgrade
from storage.models import Citizen, Message, Outbox, SlaStep, Ticket
from tests.harness import SAMPLE_FAQ

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmno"
STAFF = -1001234567890
OFFICER, OTHER_OFFICER, BOSS = 111, 112, 222
CITIZEN = "500"
# Monday 30 November 2026, 10:00 WIB: a working day, in office hours.
MONDAY_10 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


async def build(
    db_url: str,
    tmp_path: Path,
    extra_toml: str = "",
    coordinators: tuple[int, ...] = (BOSS,),
    faq_toml: str = "",
) -> AsyncIterator[App]:
    """A migrated app on ``db_url`` with a frozen clock (``app.clock``); disposed after.
    ``faq_toml``: more keys of its [faq] table."""
    (tmp_path / "kb").mkdir(exist_ok=True)
    (tmp_path / "kb" / "faq.toml").write_text(SAMPLE_FAQ, encoding="utf-8")
    config_file = tmp_path / "bot.toml"
    config_file.write_text(
        f"""
[office]
name = "PPID Uji"
[telegram]
token = "{TOKEN}"
api_base = "http://127.0.0.1:9"
staff_group_id = {STAFF}
[staff]
officers = [{OFFICER}, {OTHER_OFFICER}]
coordinators = {list(coordinators)}
[database]
url = "{db_url}"
[faq]
paths = ["{tmp_path / "kb"}"]
watch_interval = 0
{faq_toml}
[sla]
first_response = "15m"
[[sla.escalation]]
after = "15m"
notify = "assignee"
[[sla.escalation]]
after = "1h"
notify = "coordinators"
{extra_toml}
""",
        encoding="utf-8",
    )
    app = create_app(load_config(config_file, environ={}), clock=FrozenClock(MONDAY_10))
    await upgrade(app.engine)
    try:
        yield app
    finally:
        await app.bot.session.close()
        await app.engine.dispose()


def clock(app: App) -> FrozenClock:
    assert isinstance(app.clock, FrozenClock)
    return app.clock


def inbound(
    text: str, *, kind: str = "text", who: str = CITIZEN, language: str | None = None, **kw: Any
) -> Inbound:
    return Inbound(
        contact=Contact("telegram", who, f"Warga {who}", language_code=language),
        kind=kind,
        text=text,
        **kw,
    )


async def rows(app: App, model: Any, *where: Any) -> list[Any]:
    async with app.sessionmaker() as session:
        stmt = select(model).where(*where).order_by(col(model.id))
        return list((await session.exec(stmt)).all())


async def texts_to(app: App, chat: str | int) -> list[str]:
    """The texts queued for a chat, oldest first."""
    found = await rows(app, Outbox, col(Outbox.chat_id) == str(chat))
    return [r.payload.get("text", r.payload.get("caption", "")) for r in found]


async def citizen(app: App, who: str = CITIZEN) -> Citizen:
    (found,) = await rows(app, Citizen, col(Citizen.external_id) == who)
    return found


async def tickets(app: App) -> list[Ticket]:
    return await rows(app, Ticket)


async def messages(app: App, who: str = CITIZEN) -> list[Message]:
    return await rows(app, Message, col(Message.citizen_id) == (await citizen(app, who)).id)


async def steps(app: App, ticket_id: int) -> list[SlaStep]:
    return await rows(app, SlaStep, col(SlaStep.ticket_id) == ticket_id)


async def decide(app: App, ticket_id: int, command: str, args: str = "") -> str | None:
    """An officer's decision command in a request's topic (/kabulkan, /tolak, ...): its
    complaint, or None. One transaction per attempt: the notice's PDF is rendered between
    attempts, outside any transaction (bot.core.offload), as the update handler does."""
    requests = app.desk.requests
    assert requests is not None

    async def attempt() -> str | None:
        async with app.sessionmaker() as session:
            ticket = await session.get(Ticket, ticket_id)
            assert ticket is not None
            problem = await requests.decide(session, ticket, OFFICER, command, args)
            await session.commit()
        return problem

    return await requests.offload.call(attempt)
