"""Several `loket run` replicas in webhook mode on one PostgreSQL database, behind nginx, the
way docs/deploy.md deploys them: shared by tests/test_scale_out.py and benchmarks/scale_bench.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.playground.emulator import BotApiEmulator
from tests.harness import LoketProcess, free_port
from tests.nginx import Nginx


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL the replicas use, as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def pg_rows(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the replicas' database (a connection of the test's own)."""
    import asyncpg

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [tuple(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def wait_rows(
    url: str,
    sql: str,
    *args: Any,
    until: Callable[[list[tuple[Any, ...]]], bool],
    timeout: float = 30.0,  # noqa: ASYNC109 - a polling deadline
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` once ``until(rows)`` holds; fails with the last rows after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not until(rows := await pg_rows(url, sql, *args)):
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout}s, {sql!r} still gives {rows}")
        await asyncio.sleep(0.1)
    return rows


class Cluster:
    """``size`` replicas (webhook mode, one PostgreSQL database, optionally the Redis limiter)
    behind one nginx, whose address is the webhook URL every replica registers."""

    def __init__(
        self,
        emu: BotApiEmulator,
        workdir: Path,
        db_url: str,
        size: int,
        *,
        extra_toml: str = "",
        env: dict[str, str] | None = None,
        redis_url: str = "",
    ) -> None:
        self.emu = emu
        self.db_url = db_url
        self.nginx_port = free_port()
        webhook_url = f"http://127.0.0.1:{self.nginx_port}/telegram"
        shared = {"LOKET_DATABASE__URL": db_url, **(env or {})}
        if redis_url:
            shared["LOKET_REDIS__URL"] = redis_url
            # The share each replica keeps to while Redis is out of reach.
            shared["LOKET_REDIS__REPLICAS"] = str(size)
        self.replicas = [
            LoketProcess(
                emu,
                workdir / f"replica{i + 1}",
                extra_toml=extra_toml,
                env=dict(shared),
                webhook=True,
                webhook_url=webhook_url,
            )
            for i in range(size)
        ]
        self.nginx = Nginx(
            workdir / "nginx",
            [f"127.0.0.1:{r.listen_port}" for r in self.replicas],
            port=self.nginx_port,
        )

    @property
    def webhook_url(self) -> str:
        return f"{self.nginx.url}/telegram"

    async def start(self) -> None:
        await self.nginx.start()
        for replica in self.replicas:
            # One after the other: each is ready once its own setWebhook went through.
            await replica.start()

    async def stop(self) -> list[int]:
        """SIGTERM every live replica (each drains), then nginx; the replicas' exit codes."""
        codes = []
        for replica in self.replicas:
            if replica.proc is not None and replica.proc.returncode is None:
                codes.append(await replica.stop())
        await self.nginx.stop()
        return codes

    async def kill(self) -> None:
        """Leave nothing running (a failed test)."""
        for replica in self.replicas:
            if replica.proc is not None:
                await replica.kill()
        await self.nginx.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {r.workdir.name}\n{r.log()[-4000:]}" for r in self.replicas)
