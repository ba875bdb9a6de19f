"""The playground's world: the Bot API emulator, the real bot against it, the people in it.

One process, one event loop: the emulator (bot/playground/emulator) plays Telegram, the bot is
built by ``create_app`` and run by ``bot.app.run`` exactly as ``loket run`` does (handlers,
database, outbox, scheduler, FAQ), and the web page (bot/playground/web.py) acts as the
citizens and the officers through the emulator's user-side API. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import Config, load_config
from bot.core.clock import ScaledClock
from bot.playground.emulator import BotApiEmulator, FakeChat, FakeUser

# The playground's escalation ladder when the configuration has none, so that a waiting
# citizen visibly escalates (run the clock faster to watch it).
DEFAULT_LADDER = (
    '[{after = "15m", notify = "assignee"}, {after = "30m", notify = "duty"}, '
    '{after = "1h", notify = "coordinators"}]'
)
STAFF_GROUP_TITLE = "Petugas PPID"


@dataclass(frozen=True)
class Person:
    """Someone the page can act as."""

    user: FakeUser
    role: str  # citizen, officer, coordinator

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.user.id,
            "name": self.user.full_name,
            "role": self.role,
            "language": self.user.language_code or "id",
        }


@dataclass
class World:
    """The emulator and who lives in it."""

    emu: BotApiEmulator
    clock: ScaledClock
    config: Config
    data_dir: Path
    staff_group: FakeChat
    officers: list[Person]
    coordinator: Person
    citizens: list[Person] = field(default_factory=list)

    def add_citizen(self, name: str, language: str = "id") -> Person:
        name = " ".join(name.split())[:64]
        if not name:
            raise ValueError("a citizen needs a name")
        if language not in ("id", "en"):
            raise ValueError("language is id or en")
        person = Person(self.emu.user(name, language_code=language), "citizen")
        self.citizens.append(person)
        return person

    @property
    def staff(self) -> list[Person]:
        return [*self.officers, self.coordinator]

    def person(self, user_id: int) -> Person:
        for person in (*self.citizens, *self.staff):
            if person.user.id == user_id:
                return person
        raise KeyError(user_id)


def fake_token() -> str:
    """A token in BotFather's shape that only the local emulator knows."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(27)}"


def data_folder(path: str | None) -> Path:
    """The playground's data folder: the one asked for, else a fresh temporary one (kept
    after the run so the database can be looked at, e.g. with ``loket register``)."""
    if path:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        return folder.resolve()
    return Path(tempfile.mkdtemp(prefix="loket-playground-"))


def playground_config(
    config_path: Path | None,
    environ: Mapping[str, str],
    *,
    api_base: str,
    token: str,
    staff_group_id: int,
    officers: list[int],
    coordinators: list[int],
    database: Path,
) -> Config:
    """The office's configuration with everything Telegram-specific replaced by the
    playground's: its token, emulator, staff group, people and database (a configured token
    is ignored; WhatsApp is off). Overrides go through the same validation as the
    environment's ``LOKET_*`` variables."""
    base = load_config(config_path, {k: v for k, v in environ.items() if k != "LOKET_CONFIG"})
    # Both officers work the office's opening hours, so new tickets find someone on duty.
    by_hours: dict[str, list[str]] = {}
    for day, hours in base.hours.weekly.as_mapping().items():
        by_hours.setdefault(hours, []).append(day)
    shifts = ", ".join(
        f'{{officers = {officers}, days = {days}, hours = "{hours}"}}'.replace("'", '"')
        for hours, days in by_hours.items()
    )
    overrides = {
        "LOKET_TELEGRAM__TOKEN": token,
        "LOKET_TELEGRAM__API_BASE": api_base,
        "LOKET_TELEGRAM__STAFF_GROUP_ID": str(staff_group_id),
        "LOKET_STAFF__OFFICERS": str(officers),
        "LOKET_STAFF__COORDINATORS": str(coordinators),
        "LOKET_STAFF__SHIFTS": f"[{shifts}]",
        "LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{database}",
        "LOKET_WHATSAPP__ENABLED": "false",
        # Telegram's pacing (20 messages a minute in a group) is not the emulator's: lifted,
        # so a training session's busy staff group does not queue for minutes.
        "LOKET_TELEGRAM__LIMITS__GROUP_PER_MINUTE": "1000",
        "LOKET_TELEGRAM__LIMITS__PRIVATE_PER_SECOND": "20",
        "LOKET_TELEGRAM__LIMITS__GLOBAL_PER_SECOND": "100",
    }
    if not base.sla.escalation:
        overrides["LOKET_SLA__ESCALATION"] = DEFAULT_LADDER
    env = {k: v for k, v in environ.items() if k.startswith("LOKET_") and k != "LOKET_CONFIG"}
    return load_config(config_path, {**env, **overrides})


async def start_world(
    config_path: Path | None,
    *,
    data_dir: Path,
    start: datetime,
    speed: float,
    environ: Mapping[str, str] | None = None,
) -> World:
    """The emulator (started), its people and the configuration pointing at it."""
    environ = os.environ if environ is None else environ
    token = fake_token()
    emu = BotApiEmulator(
        token,
        bot_name="Loket",
        bot_username="loket_playground_bot",
        # Telegram keeps a bare "&" literally; the tests' strictness would only hide answers.
        strict_html=False,
    )
    officers = [
        Person(emu.user("Ani", last_name="(Petugas 1)", language_code="id"), "officer"),
        Person(emu.user("Bayu", last_name="(Petugas 2)", language_code="id"), "officer"),
    ]
    coordinator = Person(emu.user("Citra", last_name="(Koordinator)"), "coordinator")
    staff = [p.user for p in (*officers, coordinator)]
    group = emu.group(STAFF_GROUP_TITLE, is_forum=True, admins=staff)
    await emu.start()
    try:
        config = playground_config(
            config_path,
            environ,
            api_base=emu.api_base,
            token=token,
            staff_group_id=group.id,
            officers=[p.user.id for p in officers],
            coordinators=[coordinator.user.id],
            database=data_dir / "loket.db",
        )
    except BaseException:
        await emu.stop()
        raise
    clock = ScaledClock(start, speed)
    world = World(emu, clock, config, data_dir, group, officers, coordinator)
    world.add_citizen("Dewi", "id")  # the page opens with one citizen ready to type
    return world
