"""The `loket` command as a user runs it: one clear line on errors, never a traceback."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from storage.migrate import alembic_config
from tests.emulator import BotApiEmulator

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmno"


def loket(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **(env or {}), "PYTHONPATH": str(REPO)},
        cwd=cwd or REPO,
    )


def test_run_without_token_says_so_in_one_line(tmp_path: Path) -> None:
    result = loket("run", cwd=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "token" in lines[0] and "LOKET_TELEGRAM__TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_key_fails_at_start_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\nstaff_group = -100\n')
    result = loket("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "loket: config error: telegram.staff_group: unknown key"
    assert TOKEN not in result.stderr + result.stdout


def test_config_from_environment_variable(tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text("[database]\nurl = 'oracle://nope'\n")
    result = loket("config", "check", env={"LOKET_CONFIG": str(config)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "database.url" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_config_check_reports_whatsapp_without_echoing_secrets(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('[whatsapp]\nenabled = true\nphone_number_id = "1098765432"\n')
    secrets = {
        "LOKET_WHATSAPP__ACCESS_TOKEN": "EAAvery-secret",
        "LOKET_WHATSAPP__APP_SECRET": "app-secret-value",
        "LOKET_WHATSAPP__VERIFY_TOKEN": "verify-value",
    }
    result = loket("config", "check", "--config", str(config), env=secrets, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "whatsapp on, webhook 127.0.0.1:8080/whatsapp" in result.stdout
    assert not any(v in result.stdout + result.stderr for v in secrets.values())
    missing = loket("config", "check", "--config", str(config), cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "loket: config error: whatsapp: enabled, but access_token, app_secret, verify_token not set"
    )


def test_whatsapp_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "bot.toml"
        config.write_text(
            f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/loket.db"\n'
            f'[whatsapp]\nenabled = true\nphone_number_id = "1098765432"\n'
            f'listen = "127.0.0.1:{port}"\n'
        )
        env = {
            "LOKET_TELEGRAM__TOKEN": TOKEN,
            "LOKET_WHATSAPP__ACCESS_TOKEN": "EAAsecret-access-token",
            "LOKET_WHATSAPP__APP_SECRET": "app-secret-value",
            "LOKET_WHATSAPP__VERIFY_TOKEN": "verify",
        }
        result = loket("run", "--config", str(config), env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"loket: cannot listen for WhatsApp webhooks on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr
    assert "EAAsecret-access-token" not in result.stderr + result.stdout


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    result = loket("run", "--config", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("loket: config error: cannot read config file")
    assert len(result.stderr.strip().splitlines()) == 1


def test_broken_faq_file_is_one_line_naming_the_file(tmp_path: Path) -> None:
    faq = tmp_path / "kb.toml"
    faq.write_text("[[entry]]\nid = 'x'\nquestions = [\n")
    result = loket(
        "run",
        env={"LOKET_TELEGRAM__TOKEN": TOKEN, "LOKET_FAQ__PATHS": str(faq)},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "kb.toml" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_creates_the_sqlite_database(tmp_path: Path) -> None:
    result = loket(
        "db",
        "upgrade",
        env={"LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f"revision {head}" in result.stdout
    assert (tmp_path / "x.db").exists()


def test_help_lists_the_commands() -> None:
    result = loket("--help")
    assert result.returncode == 0
    for command in ("run", "db", "faq"):
        assert command in result.stdout


def test_refused_token_is_one_clear_line(tmp_path: Path) -> None:
    async def scenario() -> subprocess.CompletedProcess[str]:
        async with BotApiEmulator(token="123456:RIGHT-token") as emu:
            return await asyncio.to_thread(
                loket,
                "run",
                env={
                    "LOKET_TELEGRAM__TOKEN": TOKEN,  # not the emulator's token
                    "LOKET_TELEGRAM__API_BASE": emu.api_base,
                    "LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
                },
                cwd=tmp_path,
            )

    result = asyncio.run(scenario())
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "loket: Telegram refused the bot token (401 Unauthorized): check it with BotFather"
    )
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
