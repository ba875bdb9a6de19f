"""The `loket` command as a user runs it: one clear line on errors, never a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.playground.emulator import BotApiEmulator
from storage.migrate import alembic_config

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


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (and no traceback)."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def run_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a failed `loket run`: its last line on stderr, which may follow the
    start-up's log records, but no other "loket:" line and no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if line.startswith("loket:")] == lines[-1:], result.stderr
    return lines[-1]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--from", "2026-13-01"],
            "loket: register: argument --from: '2026-13-01' is not a date (use YYYY-MM-DD)",
        ),
        (
            ["--to", "yesterday"],
            "loket: register: argument --to: 'yesterday' is not a date (use YYYY-MM-DD)",
        ),
        (
            ["--from", "2026-03-01", "--to", "2026-02-01"],
            "loket: register: argument --from: 2026-03-01 is after --to 2026-02-01",
        ),
        (["--format", "xlsx"], "loket: register: argument --format: xlsx needs --output FILE"),
    ],
)
def test_bad_register_arguments_are_one_line(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    env = {"LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    result = loket("register", "requests", *args, env=env, cwd=tmp_path)
    assert one_line_error(result) == expected
    assert result.returncode == 2
    assert not (tmp_path / "x.db").exists()  # refused before any database work


def test_register_output_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    env = {"LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    missing = tmp_path / "no" / "such"
    result = loket("register", "requests", "--output", str(missing / "r.csv"), env=env)
    assert one_line_error(result) == (
        f"loket: register: argument --output: folder {missing} does not exist"
    )
    folder = loket("register", "objections", "--output", str(tmp_path), env=env)
    assert one_line_error(folder) == (
        f"loket: register: argument --output: {tmp_path} is a folder, give a file name"
    )


def test_register_with_good_dates_writes_the_file(tmp_path: Path) -> None:
    env = {"LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    # register only reads: the database is made by `loket db upgrade` first, as a user would.
    assert loket("db", "upgrade", env=env).returncode == 0
    out = tmp_path / "register.csv"
    result = loket(
        "register",
        "requests",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-01",
        "--output",
        str(out),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].count(",") > 5  # the header


def test_bad_option_value_is_one_line_without_usage(tmp_path: Path) -> None:
    result = loket("faq", "gaps", "--days", "many", cwd=tmp_path)
    assert one_line_error(result) == "loket: faq gaps: argument --days: invalid int value: 'many'"
    assert result.returncode == 2


def test_config_check_warns_about_what_will_not_work(tmp_path: Path) -> None:
    result = loket("config", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("config ok: token NOT SET")
    assert result.stderr.splitlines() == [
        "loket: warning: no Telegram bot token (telegram.token or LOKET_TELEGRAM__TOKEN): "
        "`loket run` will refuse to start",
        "loket: warning: no staff group (telegram.staff_group_id): "
        "no officer sees what citizens write",
        "loket: warning: no officers (staff.officers): nobody can take or answer a ticket",
        "loket: warning: no coordinators (staff.coordinators): nobody can decide an objection "
        "(keberatan) or hears of overdue requests",
    ]
    config = tmp_path / "bot.toml"
    config.write_text(
        "[telegram]\nstaff_group_id = -100123\n[staff]\nofficers = [11]\ncoordinators = [12]\n"
    )
    complete = loket("config", "check", env={"LOKET_TELEGRAM__TOKEN": TOKEN}, cwd=tmp_path)
    assert complete.returncode == 0, complete.stderr
    assert complete.stderr == ""
    assert complete.stdout.startswith("config ok: token set")
    assert TOKEN not in complete.stdout


class _NotABotApi(BaseHTTPRequestHandler):
    """A web server that answers every request with an HTML 404 page."""

    def do_POST(self) -> None:
        body = b"<html>\n<body><h1>404 Not Found</h1>\n</body>\n</html>\n"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_api_base_that_is_not_a_bot_api_is_one_line(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotABotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = loket(
            "run",
            env={
                "LOKET_TELEGRAM__TOKEN": TOKEN,
                "LOKET_TELEGRAM__API_BASE": base,
                "LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
            },
            cwd=tmp_path,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert run_error(result) == (
        f"loket: {base} answers, but not as a Telegram Bot API: check telegram.api_base"
    )
    assert result.returncode == 2
    assert TOKEN not in result.stderr + result.stdout


def test_bot_api_that_never_answers_is_reported_and_waited_for(tmp_path: Path) -> None:
    # The kernel accepts the connection (listen backlog); nobody ever reads or answers. loket
    # says so in a warning (a restart would not fix an outage) and keeps trying until stopped.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        line, rest, code = run_until_warning(tmp_path, base, "cannot reach the Bot API")
    assert "Request timeout error" in line and "retrying" in line
    assert code == 0 and "Traceback" not in rest
    assert TOKEN not in line + rest


class _RedirectsForever(BaseHTTPRequestHandler):
    """A server that sends every request back to where it came from: aiohttp gives up, naming
    the request's URL, which holds the token."""

    def do_POST(self) -> None:
        self.send_response(307)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_bot_api_error_naming_the_url_does_not_show_the_token(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RedirectsForever)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        line, rest, code = run_until_warning(tmp_path, base, "cannot reach the Bot API")
    finally:
        server.shutdown()
        server.server_close()
    assert "TooManyRedirects" in line and "/bot***/deleteWebhook" in line  # the log masks it
    assert TOKEN not in line + rest
    assert TOKEN.split(":")[1] not in line + rest
    assert code == 0


def run_until_warning(tmp_path: Path, base: str, warning: str) -> tuple[str, str, int]:
    """Start `loket run` against ``base``, wait (with a deadline) for the log line containing
    ``warning``, then stop it with SIGTERM: (that line, the rest of stderr, the exit code)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOKET_")},
        "LOKET_TELEGRAM__TOKEN": TOKEN,
        "LOKET_TELEGRAM__API_BASE": base,
        "LOKET_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stderr is not None
    found = ""
    deadline = threading.Timer(90, proc.kill)  # a hung start fails the test, not the run
    deadline.start()
    try:
        for line in proc.stderr:
            if warning in line:
                found = line
                break
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=30)
    finally:
        deadline.cancel()
        if proc.poll() is None:
            proc.kill()
    assert found, f"loket never said {warning!r}"
    return found, rest, proc.returncode
