"""The IKM survey ([survey] mode = "ikm") on a real database (SQLite and PostgreSQL): offered
after a closed chat (after_chat) and after a request's written decision, answered with the
buttons the citizen was sent, skippable, stored per element once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col

from bot.app import App
from bot.core.formal.request_form import DIP_GO, FIELD_STEPS, Step
from bot.core.ikm import ELEMENT_KEYS, ELEMENTS
from bot.texts import t
from storage.models import FormState, Outbox, SurveyAnswer, Ticket
from tests import core_app
from tests.core_app import CITIZEN, decide, inbound
from tests.test_request_form import ENTITY
from tests.test_services_tickets import call_officer, close

IKM = '[survey]\nmode = "ikm"\nafter_chat = true\n'


@pytest.fixture
async def app(migrated_db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    async for built in core_app.build(migrated_db_url, tmp_path, extra_toml=IKM):
        yield built


async def last_to_citizen(app: App, who: str = CITIZEN) -> dict[str, Any]:
    rows = await core_app.rows(app, Outbox, col(Outbox.chat_id) == who)
    return rows[-1].payload


async def press(app: App, data: str, who: str = CITIZEN) -> None:
    async with app.sessionmaker() as session:
        await app.desk.button(session, inbound("", kind="callback", who=who), data)


def button(payload: dict[str, Any], label: str) -> str:
    for row in payload.get("buttons") or []:
        for b in row:
            if b["label"] == label:
                return str(b["data"])
    raise AssertionError(f"no button {label!r} in {payload}")


async def file_request(app: App) -> Ticket:
    """/permohonan, every field answered as a legal entity would, then "send"."""
    async with app.sessionmaker() as session:
        await app.desk.request(session, inbound("/permohonan", kind="command"))
    for step in FIELD_STEPS:
        answer = ENTITY[step]
        if answer.kind == "button":
            assert answer.data is not None
            await press(app, answer.data)
        else:
            async with app.sessionmaker() as session:
                await app.desk.ask(session, inbound(answer.text))
        if step is Step.INFORMATION:
            (state,) = await core_app.rows(app, FormState)
            if state.data["step"] == "dip_offer":
                # The information map offered a published item first: file the request anyway.
                await press(app, DIP_GO)
    await press(app, "rf:send")
    (ticket,) = await core_app.rows(app, Ticket, col(Ticket.kind) == "PI")
    return ticket


async def answers(app: App) -> dict[str, int]:
    return {a.element: a.score for a in await core_app.rows(app, SurveyAnswer)}


async def test_the_nine_elements_are_asked_after_a_closed_chat_and_stored(app: App) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    await close(app, ticket.id)
    texts = await core_app.texts_to(app, CITIZEN)
    assert texts[-2] == t("ticket_closed_by_officer", "id", number=ticket.number)
    closing = (await core_app.rows(app, Outbox, col(Outbox.chat_id) == CITIZEN))[-2]
    assert not closing.payload.get("buttons")  # no single rating: the survey asks instead
    scores = [4, 3, 3, 2, 4, 4, 3, 1, 2]
    for n, score in enumerate(scores):
        question = await last_to_citizen(app)
        assert question["text"] == t("survey_question", "id", n=n + 1, of=9, element=ELEMENTS[n][1])
        labels = [b["label"] for row in question["buttons"] for b in row]
        assert labels == [*(t(f"rating_{s}", "id") for s in (4, 3, 2, 1)), t("survey_skip", "id")]
        await press(app, button(question, t(f"rating_{score}", "id")))
    assert (await last_to_citizen(app))["text"] == t("survey_thanks", "id")
    assert await answers(app) == dict(zip(ELEMENT_KEYS, scores, strict=True))
    stored = await core_app.rows(app, SurveyAnswer)
    assert {a.ticket_id for a in stored} == {ticket.id}
    assert {a.created_at for a in stored} == {core_app.MONDAY_10}


async def test_skip_stops_the_survey_and_keeps_what_was_answered(app: App) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    await close(app, ticket.id)
    first = await last_to_citizen(app)
    await press(app, button(first, t("rating_4", "id")))
    second = await last_to_citizen(app)
    await press(app, button(second, t("survey_skip", "id")))
    assert (await last_to_citizen(app))["text"] == t("survey_skipped", "id")
    assert await answers(app) == {"requirements": 4}
    # An old button pressed again changes nothing and asks nothing again.
    before = len(await core_app.texts_to(app, CITIZEN))
    await press(app, button(first, t("rating_1", "id")))
    assert await answers(app) == {"requirements": 4}
    assert len(await core_app.texts_to(app, CITIZEN)) == before


async def test_another_citizen_cannot_answer(app: App) -> None:
    ticket = await call_officer(app)
    assert ticket.id is not None
    await close(app, ticket.id)
    question = await last_to_citizen(app)
    await press(app, button(question, t("rating_4", "id")), who="501")
    assert await answers(app) == {}
    assert (await core_app.texts_to(app, "501"))[-1] == t("faq_stale_choice", "id")


async def test_the_survey_follows_a_requests_written_decision(app: App) -> None:
    ticket = await file_request(app)
    assert ticket.id is not None
    assert await decide(app, ticket.id, "kabulkan", "Terlampir.") is None
    rows = await core_app.rows(app, Outbox, col(Outbox.chat_id) == CITIZEN)
    kinds = [row.method for row in rows[-2:]]
    assert kinds == ["document", "text"]  # the notice, then the survey
    assert rows[-1].payload["text"] == t("survey_question", "id", n=1, of=9, element=ELEMENTS[0][1])
    await press(app, button(rows[-1].payload, t("rating_3", "id")))
    assert await answers(app) == {"requirements": 3}
    (decided,) = await core_app.rows(app, Ticket, col(Ticket.kind) == "PI")
    assert {a.ticket_id for a in await core_app.rows(app, SurveyAnswer)} == {decided.id}


async def test_single_mode_keeps_the_one_rating(migrated_db_url: str, tmp_path: Path) -> None:
    async for app in core_app.build(migrated_db_url, tmp_path):
        ticket = await call_officer(app)
        assert ticket.id is not None
        await close(app, ticket.id)
        closing = await last_to_citizen(app)
        assert closing["text"] == t("ticket_closed_by_officer", "id", number=ticket.number)
        assert button(closing, t("rating_4", "id"))
        assert await answers(app) == {}
