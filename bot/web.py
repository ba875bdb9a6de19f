"""The replica's HTTP server in webhook mode: the webhooks and a health check on one port."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.whatsapp.webhook import MAX_BODY as WHATSAPP_MAX_BODY
from bot.channels.whatsapp.webhook import ListenError
from bot.config import HEALTH_PATH

log = logging.getLogger(__name__)

# A health check that waits longer than this reports the database as not answering.
HEALTH_TIMEOUT = 5.0


class WebServer:
    """One aiohttp server: the routes added to it (Telegram's webhook, WhatsApp's when it
    listens on the same address) and GET /healthz for the load balancer (200 while the
    database answers, 503 otherwise, so a replica cut off from it gets no traffic)."""

    def __init__(self, host: str, port: int, engine: AsyncEngine, *, key: str) -> None:
        self.host = host
        self.port = port
        self.engine = engine
        self.key = key  # the config key of the address, for the error when it is taken
        # The WhatsApp webhook, when it shares this server, reads bodies this big; Telegram's
        # reads its own with a cap of its own.
        self.app = web.Application(client_max_size=WHATSAPP_MAX_BODY)
        self.app.router.add_get(HEALTH_PATH, self.health)
        self.paths: list[str] = [HEALTH_PATH]
        self._runner: web.AppRunner | None = None

    def add(self, add_routes: Callable[[web.Application], None], path: str) -> None:
        add_routes(self.app)
        self.paths.append(path)

    async def start(self) -> None:
        # shutdown_timeout: a delivery being stored at a stop gets this long to finish.
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self.stop()
            reason = exc.strerror or str(exc)
            where = f"{self.host}:{self.port} ({self.key})"
            raise ListenError(f"cannot listen for webhooks on {where}: {reason}") from None
        log.info("serving %s on %s:%d", ", ".join(self.paths), self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self, request: web.Request) -> web.Response:
        # The engine, not the app's sessions: on SQLite those queue behind the writers, and a
        # read needs no turn.
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check: the database does not answer (%r)", exc)
            return web.Response(status=503, text="database unavailable")
        return web.Response(text="ok")
