"""Ticket numbers (both backends, concurrent), the duty roster and the "talk to a person" intent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.config import Shift
from bot.core.intents import wants_person
from bot.core.roster import Roster
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.repositories import next_number


async def test_numbers_are_sequential_per_prefix_and_year_and_survive_restarts(
    migrated_db_url: str,
) -> None:
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as s:
        assert await next_number(s, "LC", 2026) == "LC-2026-000001"
        assert await next_number(s, "LC", 2026) == "LC-2026-000002"
        assert await next_number(s, "PI", 2026) == "PI-2026-000001"
        assert await next_number(s, "LC", 2027) == "LC-2027-000001"
        await s.commit()
    await engine.dispose()
    engine = make_engine(migrated_db_url)  # a "restart": a new engine on the same database
    async with make_sessionmaker(engine)() as s:
        assert await next_number(s, "LC", 2026) == "LC-2026-000003"
        await s.rollback()  # a number of a rolled-back ticket was never issued...
    async with make_sessionmaker(engine)() as s:
        assert await next_number(s, "LC", 2026) == "LC-2026-000003"  # ...so it is not skipped
        await s.commit()
    await engine.dispose()


async def test_concurrent_openings_never_share_a_number(migrated_db_url: str) -> None:
    engine = make_engine(migrated_db_url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)

    async def take() -> str:
        async with sessions() as s:
            number = await next_number(s, "LC", 2026)
            await asyncio.sleep(0.01)  # hold the transaction open a moment
            await s.commit()
            return number

    numbers = await asyncio.gather(*(take() for _ in range(20)))
    assert sorted(numbers) == [f"LC-2026-{i:06d}" for i in range(1, 21)]
    await engine.dispose()


JAKARTA_MONDAY_9 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 WIB, a Monday
JAKARTA_MONDAY_17 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 17:00 WIB
JAKARTA_SATURDAY_9 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def test_roster_follows_shifts_in_the_office_time_zone() -> None:
    roster = Roster(
        [1, 2, 3],
        [
            Shift(officers=(1,), hours="08:00-16:00"),
            Shift(officers=(2,), days=("sat",), hours="08:00-12:00"),
        ],
        "Asia/Jakarta",
    )
    assert roster.on_duty(JAKARTA_MONDAY_9, {}) == [1]
    assert roster.on_duty(JAKARTA_MONDAY_17, {}) == []
    assert roster.on_duty(JAKARTA_SATURDAY_9, {}) == [2]


def test_manual_duty_overrides_shifts_for_that_day_only() -> None:
    roster = Roster([1, 2], [Shift(officers=(1,), hours="08:00-16:00")], "Asia/Jakarta")
    same_day = {1: ("off", JAKARTA_MONDAY_9), 2: ("on", JAKARTA_MONDAY_9)}
    assert roster.on_duty(JAKARTA_MONDAY_9, same_day) == [2]
    next_monday = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert roster.on_duty(next_monday, same_day) == [1]


def test_manual_duty_holds_without_shifts() -> None:
    roster = Roster([1, 2], [], "Asia/Jakarta")
    assert roster.on_duty(JAKARTA_MONDAY_9, {}) == []
    assert roster.on_duty(JAKARTA_SATURDAY_9, {2: ("on", JAKARTA_MONDAY_9)}) == [2]


@pytest.mark.parametrize(
    "text",
    [
        "mau bicara dengan petugas",
        "min tolong sambungkan ke admin dong",
        "saya ingin berbicara dengan petugas",
        "bisa chat sama orang asli?",
        "I want to talk to a human",
        "can I speak to an officer please",
        "petugas",
    ],
)
def test_asking_for_a_person_is_recognized(text: str) -> None:
    assert wants_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "jam berapa kantor buka?",
        "bagaimana cara mendaftar jadi petugas pengawas TPS?",
        "syarat menjadi petugas pemilu",
        "mau minta data anggaran",
        "berapa biaya salinan putusan",
        "how do I apply to become an election officer?",
    ],
)
def test_questions_are_not_mistaken_for_asking_for_a_person(text: str) -> None:
    assert not wants_person(text)
