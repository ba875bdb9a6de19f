"""Runs the real `loket run` process against the Bot API emulator, as a user would."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.playground.emulator import BotApiEmulator
from tests.wa_emulator import WhatsAppEmulator

REPO = Path(__file__).resolve().parent.parent

# Telegram's limits lifted, for tests about behaviour rather than pacing.
RAISED_LIMITS = """
[telegram.limits]
global_per_second = 1000
private_per_second = 100
group_per_minute = 10000
"""

# WhatsApp's pacing (one message a second to a citizen) lifted likewise: a form filled on
# WhatsApp otherwise waits a second for each question. The limiter's pacing is tested with a
# clock the test moves (tests/test_outbox.py), and tests/test_e2e_offices_whatsapp.py keeps
# the defaults end to end.
RAISED_WHATSAPP_LIMITS = """
[whatsapp.limits]
global_per_second = 1000
per_chat_per_second = 100
"""

SAMPLE_FAQ = """
[[entry]]
id = "jam-layanan"
category = "layanan"
questions = ["Jam berapa kantor PPID buka?", "Kapan jam layanan informasi?", "office hours"]
answer = "Layanan buka Senin-Jumat pukul 08.00-16.00 WIB. <Istirahat> 12.00 & 13.00."
keywords = ["jam", "buka", "layanan"]

[[entry]]
id = "biaya-salinan"
category = "biaya"
questions = ["Berapa biaya salinan dokumen?", "Apakah permohonan informasi dipungut biaya?"]
answer = "Permohonan informasi gratis; salinan dikenai biaya sesuai standar biaya yang berlaku."
keywords = ["biaya", "tarif", "gratis", "bayar"]

[[entry]]
id = "lapor-pelanggaran"
category = "pengawasan"
questions = ["Bagaimana cara melaporkan pelanggaran pemilu?", "Saya mau lapor politik uang"]
answer = "Laporan pelanggaran pemilu disampaikan ke Bawaslu paling lambat 7 hari sejak diketahui."
keywords = ["lapor", "pelanggaran", "politik uang"]
"""


# The webhook secret of processes in webhook mode (given by environment, as in production).
WEBHOOK_SECRET = "uji-Rahasia_webhook-0123456789"

_LIVE: set[asyncio.subprocess.Process] = set()


def kill_leftovers() -> None:
    """Kill bot processes a failed test left running (called at the end of the session)."""
    for proc in list(_LIVE):
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
    _LIVE.clear()


atexit.register(kill_leftovers)


class LoketProcess:
    """A `python -m bot run` subprocess configured through a bot.toml and environment.

    ``webhook=True`` runs it in webhook mode: it listens on a loopback port of its own
    (``listen_port``, a free one unless given) and registers ``webhook_url`` (its own address
    unless given, e.g. a load balancer's) with the emulator, the secret coming from
    LOKET_TELEGRAM__WEBHOOK_SECRET (``webhook_secret``; empty: not set).
    """

    def __init__(
        self,
        emu: BotApiEmulator,
        workdir: Path,
        *,
        faq_text: str | None = SAMPLE_FAQ,
        extra_toml: str = "",
        env: dict[str, str] | None = None,
        webhook: bool = False,
        webhook_secret: str = WEBHOOK_SECRET,
        webhook_url: str | None = None,
        listen_port: int | None = None,
    ) -> None:
        self.emu = emu
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.db_path = workdir / "loket.db"
        self.log_path = workdir / "loket.log"
        faq_line = ""
        if faq_text is not None:
            (workdir / "kb").mkdir(exist_ok=True)
            (workdir / "kb" / "faq.toml").write_text(faq_text, encoding="utf-8")
            faq_line = '[faq]\npaths = ["kb"]\n'
        self.webhook = webhook
        self.listen_port = listen_port or (free_port() if webhook else 0)
        self.listen_url = f"http://127.0.0.1:{self.listen_port}"
        self.webhook_url = webhook_url or f"{self.listen_url}/telegram"
        webhook_lines = (
            f'mode = "webhook"\nwebhook_url = "{self.webhook_url}"\n'
            f'listen = "127.0.0.1:{self.listen_port}"\n'
            if webhook
            else ""
        )
        self.config_path = workdir / "bot.toml"
        self.config_path.write_text(
            f"""
[office]
name = "PPID Bawaslu Provinsi Uji"
[telegram]
api_base = "{emu.api_base}"
polling_timeout = 1
{webhook_lines}
[database]
url = "sqlite+aiosqlite:///{self.db_path}"
{faq_line}
{extra_toml}
""",
            encoding="utf-8",
        )
        self.env = env or {}
        self.webhook_secret = webhook_secret
        if webhook and webhook_secret:
            self.env = {"LOKET_TELEGRAM__WEBHOOK_SECRET": webhook_secret, **self.env}
        self.proc: asyncio.subprocess.Process | None = None

    def environment(self) -> dict[str, str]:
        """The process's environment: this one's without LOKET_ variables, plus its own."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
        return {
            **base,
            "PYTHONPATH": str(REPO),
            "LOKET_TELEGRAM__TOKEN": self.emu.token,
            **self.env,
        }

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bot", "run", "--config", str(self.config_path)]

    async def start(self, timeout: float = 90.0) -> None:  # noqa: ASYNC109 - a polling deadline
        # A deadline, not a speed check: on a loaded 2-core machine a start (imports, the FAQ
        # and map indexes, migrations) was seen to take over 30 s, and a module's fixture that
        # gives up fails every test of the module.
        log = self.log_path.open("ab")
        ready_before = self._ready_count()
        self.proc = await asyncio.create_subprocess_exec(
            *self.command(),
            env=self.environment(),
            cwd=self.workdir,
            stdout=log,
            stderr=log,
        )
        log.close()
        _LIVE.add(self.proc)
        deadline = time.monotonic() + timeout
        # Ready once it long-polls, or has registered its webhook (its server listens by
        # then): migrations ran and the dispatcher is listening.
        while self._ready_count() <= ready_before:
            if self.proc.returncode is not None:
                raise AssertionError(f"loket exited {self.proc.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"loket did not start receiving updates:\n{self.log()}")
            await asyncio.sleep(0.05)

    def _ready_count(self) -> int:
        if self.webhook:
            # A start in webhook mode ends with setWebhook, setMyCommands, then getMe (replicas
            # starting together may interleave them): starts that got as far as getMe.
            registered = met = 0
            for call in list(self.emu.calls):
                if call.status == 200 and call.method == "setWebhook":
                    registered += 1
                elif call.status == 200 and call.method == "getMe" and registered:
                    met += 1
            return min(registered, met)
        # Its first long poll has arrived (the emulator keeps updates sent meanwhile for it).
        return self.emu.polls_received

    async def stop(self, timeout: float = 20.0) -> int:  # noqa: ASYNC109 - passed to wait_for
        """SIGTERM and wait: returns the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        _LIVE.discard(self.proc)
        return code

    async def kill(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        _LIVE.discard(self.proc)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the bot's SQLite database (a separate connection; WAL allows it)."""
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql, params).fetchall()

    async def wait_query(
        self,
        sql: str,
        *params: Any,
        until: Callable[[list[tuple[Any, ...]]], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline
    ) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` once ``until(rows)`` holds; fails with the last rows after
        ``timeout`` seconds (the bot keeps running meanwhile)."""
        deadline = time.monotonic() + timeout
        while not until(rows := self.query(sql, *params)):
            if time.monotonic() > deadline:
                raise AssertionError(f"after {timeout}s, {sql!r} still gives {rows}")
            await asyncio.sleep(0.05)
        return rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_with_whatsapp(
    tg: BotApiEmulator,
    wa: WhatsAppEmulator,
    workdir: Path,
    *,
    staff_group_id: int,
    officers: list[int],
    template: str = "",
    webhook: bool = False,
    env: dict[str, str] | None = None,
) -> LoketProcess:
    """A started `loket run` serving Telegram and WhatsApp (secrets from the environment, as in
    production), with the WhatsApp emulator's webhooks pointed at it. ``webhook``: Telegram in
    webhook mode, both webhooks served by one server on one port; ``env``: more of its
    environment."""
    port = free_port()
    loket = LoketProcess(
        tg,
        workdir,
        webhook=webhook,
        listen_port=port if webhook else None,
        extra_toml=RAISED_LIMITS
        + f"""
[staff]
officers = {officers}
[whatsapp]
enabled = true
api_base = "{wa.api_base}"
phone_number_id = "{wa.phone_number_id}"
listen = "127.0.0.1:{port}"
window_template = "{template}"
"""
        + RAISED_WHATSAPP_LIMITS,
        env={
            "LOKET_TELEGRAM__STAFF_GROUP_ID": str(staff_group_id),
            "LOKET_WHATSAPP__ACCESS_TOKEN": wa.access_token,
            "LOKET_WHATSAPP__APP_SECRET": wa.app_secret,
            "LOKET_WHATSAPP__VERIFY_TOKEN": wa.verify_token,
            **(env or {}),
        },
    )
    await loket.start()
    wa.set_webhook(f"http://127.0.0.1:{port}/whatsapp")
    return loket
