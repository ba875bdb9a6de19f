"""`loket db copy`: an office's SQLite database, filled by the real app, moved to PostgreSQL (and
back), and the app carrying on on the copy as if nothing happened."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.playground.emulator import BotApiEmulator, FakeUser, SentMessage
from storage.copy import table_counts
from storage.db import make_engine, make_sessionmaker
from storage.migrate import alembic_config, upgrade
from storage.models import Citizen
from tests.conftest import fresh_postgres
from tests.harness import RAISED_LIMITS, REPO, LoketProcess

PI = re.compile(r"PI-\d{4}-\d{6}")
LC = re.compile(r"LC-\d{4}-\d{6}")
NIK = "3271012345678901"


def loket(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **(env or {}), "PYTHONPATH": str(REPO)},
        cwd=REPO,
    )


async def run_loket(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(loket, *args, env=env)


async def answer(emu: BotApiEmulator, citizen: FakeUser, text: str) -> SentMessage:
    await emu.send_text(citizen, text)
    return await emu.wait_for_message(citizen.id)


async def press(
    emu: BotApiEmulator, citizen: FakeUser, message: SentMessage, data: str
) -> SentMessage:
    await emu.press_button(citizen, message, data)
    return await emu.wait_for_message(citizen.id)


async def file_request(emu: BotApiEmulator, citizen: FakeUser, information: str) -> str:
    """The whole request form, as a citizen fills it; returns the PI number."""
    await emu.send_text(citizen, "/permohonan")
    ask = await emu.wait_for_message(citizen.id)
    ask = await press(emu, citizen, ask, "rf:type:perorangan")
    for text in (
        citizen.first_name + " Wijaya",
        NIK,
        "lewati",
        "Jl. Merdeka No. 10, Kota Kenanga",
        "Wiraswasta",
        "0812-3456-7890",
        "-",
        information,
    ):
        ask = await answer(emu, citizen, text)
    if any(b.get("callback_data") == "rf:dip:go" for b in ask.buttons):
        # The information map offered a published item first: file the request anyway.
        ask = await press(emu, citizen, ask, "rf:dip:go")
    ask = await answer(emu, citizen, "Bahan kajian pemantauan pemilu")
    ask = await press(emu, citizen, ask, "rf:obtain:salinan_softcopy")
    summary = await press(emu, citizen, ask, "rf:receive:langsung")
    done = await press(emu, citizen, summary, "rf:send")
    match = PI.search(done.text or "")
    assert match, done.text
    return match.group(0)


async def open_ticket(emu: BotApiEmulator, citizen: FakeUser) -> str:
    await emu.send_text(citizen, "/petugas")
    reply = await emu.wait_for_message(citizen.id, contains="LC-")
    match = LC.search(reply.text or "")
    assert match, reply.text
    return match.group(0)


def following(number: str) -> str:
    prefix, year, seq = number.split("-")
    return f"{prefix}-{year}-{int(seq) + 1:06d}"


async def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return await table_counts(engine)
    finally:
        await engine.dispose()


async def test_office_moved_from_sqlite_to_postgresql_carries_on(tmp_path: Path) -> None:
    async with BotApiEmulator() as emu, fresh_postgres() as pg_url:
        officer = emu.user("Ani Petugas")
        group = emu.group("Staf PPID", is_forum=True, members=[officer])
        env = {"LOKET_TELEGRAM__STAFF_GROUP_ID": str(group.id)}
        extra = RAISED_LIMITS + f"[staff]\nofficers = [{officer.id}]\n"
        office = LoketProcess(emu, tmp_path / "office", extra_toml=extra, env=env)
        await office.start()
        dewi, budi, sari = emu.user("Dewi"), emu.user("Budi"), emu.user("Sari")
        request = await file_request(emu, dewi, "Salinan keputusan tentang pelanggaran 2024")
        ticket = await open_ticket(emu, budi)
        # A FAQ answer, and an officer's reply relayed through the outbox.
        assert "08.00" in ((await answer(emu, sari, "jam berapa kantor buka?")).text or "")
        card = await emu.wait_for(
            lambda m: m.chat_id == group.id and (m.text or "").startswith(f"🎫 {ticket}")
        )
        await emu.send_text(
            officer, "Baik Pak Budi, kami bantu.", chat=group, thread_id=card.thread_id
        )
        await emu.wait_for_message(budi.id, contains="kami bantu")
        await office.wait_query(
            "SELECT count(*) FROM outbox WHERE status != 'sent'", until=lambda r: r == [(0,)]
        )
        assert await office.stop() == 0, office.log()
        sqlite_url = f"sqlite+aiosqlite:///{office.db_path}"
        source_register = await run_loket(
            "register", "requests", "--config", str(office.config_path)
        )
        assert source_register.returncode == 0, source_register.stderr
        assert request in source_register.stdout

        copied = await run_loket("db", "copy", "--from", sqlite_url, "--to", pg_url)
        assert copied.returncode == 0, copied.stderr
        source = await counts(sqlite_url)
        assert await counts(pg_url) == source
        assert source["info_request"] == 1 and source["ticket"] == 2  # PI-... and LC-...
        assert source["counter"] >= 2 and source["outbox"] > 5 and source["message"] > 10
        assert f"copied {sum(source.values())} row(s)" in copied.stdout

        # A second copy into the now filled database is refused and changes nothing.
        again = await run_loket("db", "copy", "--from", sqlite_url, "--to", pg_url)
        assert again.returncode == 1
        assert again.stderr.startswith("loket: db copy: --to database is not empty (")
        assert len(again.stderr.strip().splitlines()) == 1, again.stderr
        assert await counts(pg_url) == source

        # The same office on the copy: same register, numbers carry on, new rows get new ids.
        on_pg = {**env, "LOKET_DATABASE__URL": pg_url}
        copy_register = await run_loket(
            "register", "requests", "--config", str(office.config_path), env=on_pg
        )
        assert copy_register.returncode == 0, copy_register.stderr
        assert copy_register.stdout == source_register.stdout
        moved = LoketProcess(emu, tmp_path / "office", extra_toml=extra, env=on_pg)
        await moved.start()
        assert await file_request(emu, emu.user("Eka"), "Daftar pemilih tetap") == following(
            request
        )
        assert await open_ticket(emu, emu.user("Fajar")) == following(ticket)
        assert await moved.stop() == 0, moved.log()
        after = await counts(pg_url)
        # A request has its ticket too (PI), beside the live chats (LC).
        assert after["info_request"] == 2 and after["ticket"] == 4
        assert after["message"] > source["message"] and after["outbox"] > source["outbox"]

        # And back to SQLite (an office leaving the shared server), equal again.
        back_url = f"sqlite+aiosqlite:///{tmp_path / 'back.db'}"
        back = await run_loket("db", "copy", "--from", pg_url, "--to", back_url)
        assert back.returncode == 0, back.stderr
        assert await counts(back_url) == after


async def test_copy_refuses_a_source_behind_the_migrations(tmp_path: Path) -> None:
    old_url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(old_url)
    await upgrade(engine, "0008")
    await engine.dispose()
    target = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    result = await run_loket("db", "copy", "--from", old_url, "--to", target)
    assert result.returncode == 1
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert result.stderr.strip().splitlines() == [
        f"loket: db copy: the --from database schema is at 0008, this version needs {head}: "
        "run `loket db upgrade` on it first"
    ]
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize(
    ("source", "target", "error"),
    [
        (
            "sqlite+aiosqlite:///{tmp}/none.db",
            "sqlite+aiosqlite:///{tmp}/new.db",
            "loket: db copy: --from database {tmp}/none.db does not exist",
        ),
        (
            "mysql://root@localhost/loket",
            "sqlite+aiosqlite:///{tmp}/new.db",
            "loket: db copy: --from: use sqlite+aiosqlite:///path.db or "
            "postgresql+asyncpg://user@host/db, not mysql://",
        ),
        (
            "sqlite+aiosqlite:///{tmp}/src.db",
            "not a url",
            "loket: db copy: --to: 'not a url' is not a database URL",
        ),
        (
            "sqlite+aiosqlite:///{tmp}/src.db",
            "sqlite+aiosqlite:///{tmp}/src.db",
            "loket: db copy: --from and --to are the same database",
        ),
        (
            "sqlite+aiosqlite:///{tmp}/src.db",
            "postgresql+asyncpg://postgres@127.0.0.1:{port}/loket",
            "loket: db copy: cannot open the --to database "
            "postgresql+asyncpg://postgres@127.0.0.1:{port}/loket: "
            "[Errno 111] Connect call failed ('127.0.0.1', {port})",
        ),
        (
            "sqlite+aiosqlite:///{tmp}/src.db",
            "sqlite+aiosqlite:///{tmp}/no/such/folder.db",
            "loket: db copy: cannot open the --to database "
            "sqlite+aiosqlite:///{tmp}/no/such/folder.db: unable to open database file",
        ),
    ],
)
async def test_copy_errors_are_one_line(
    tmp_path: Path, source: str, target: str, error: str
) -> None:
    from tests.harness import free_port

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'src.db'}")
    await upgrade(engine)
    await engine.dispose()
    port = free_port()  # nothing listens there
    values = {"tmp": str(tmp_path), "port": str(port)}
    result = await run_loket(
        "db", "copy", "--from", source.format(**values), "--to", target.format(**values)
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [error.format(**values)]
    assert result.stdout == ""


async def test_a_value_too_long_for_postgresql_is_one_line_and_copies_nothing(
    tmp_path: Path,
) -> None:
    # SQLite keeps a value longer than its VARCHAR(n); PostgreSQL refuses it mid-copy.
    source_url = f"sqlite+aiosqlite:///{tmp_path / 'src.db'}"
    engine = make_engine(source_url)
    await upgrade(engine)
    at = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    async with make_sessionmaker(engine)() as session:
        session.add(
            Citizen(
                channel="telegram",
                external_id="7",
                language="x" * 40,
                created_at=at,
                last_seen_at=at,
            )
        )
        await session.commit()
    await engine.dispose()
    async with fresh_postgres() as pg_url:
        result = await run_loket("db", "copy", "--from", source_url, "--to", pg_url)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("loket: db copy: copying citizen failed: "), lines
        assert "value too long" in lines[0], lines
        # One transaction: the tables copied before it are not left behind either.
        target = make_engine(pg_url)
        try:
            assert set((await table_counts(target)).values()) == {0}
        finally:
            await target.dispose()
