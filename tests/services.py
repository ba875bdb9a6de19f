"""Local services for the tests: check PostgreSQL and Redis are up, start them if not, else
say why not."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

PG_HOST = os.environ.get("LOKET_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("LOKET_TEST_PG_PORT", "5432"))
PG_ADMIN_DB = os.environ.get("LOKET_TEST_PG_DB", "test")
PG_USER = os.environ.get("LOKET_TEST_PG_USER", "postgres")


async def _pg_reachable() -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB, timeout=3
        )
    except Exception as exc:  # any failure means "not usable", the reason is reported
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


def _start_postgres() -> str:
    """Start the machine's cluster the way this machine kind documents it."""
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return "pg_ctlcluster is not installed"
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        return "no PostgreSQL cluster in /etc/postgresql"
    proc = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.stderr.strip() or f"pg_ctlcluster exited {proc.returncode}"


async def ensure_postgres() -> str | None:
    """None when PostgreSQL answers (starting it if needed), else why it cannot be used."""
    problem = await _pg_reachable()
    if problem is None:
        return None
    started = await asyncio.to_thread(_start_postgres)
    for _ in range(30):
        if await _pg_reachable() is None:
            return None
        await asyncio.sleep(0.5)
    where = f"{PG_HOST}:{PG_PORT}"
    return f"PostgreSQL at {where} is down ({problem}) and could not be started ({started})"


async def create_database(name: str, template: str | None = None) -> str:
    """A new database ``name``: empty, or a copy of the database ``template``."""
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB)
    try:
        copy_of = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
    finally:
        await conn.close()
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


async def drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


REDIS_HOST = os.environ.get("LOKET_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("LOKET_TEST_REDIS_PORT", "6379"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


async def _redis_answers() -> str | None:
    from redis.asyncio import Redis

    client = Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # any failure means "not usable", the reason is reported
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


def without_faketime() -> dict[str, str]:
    """The environment for a server a test starts: without libfaketime (the shifted-date run
    preloads it), under which redis-server loops in clock_gettime and never answers. The
    server's clock is its own business: the tests compare its times only with each other."""
    return {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}


def _start_redis() -> str:
    """Start a throwaway server the way .ci/run does: no persistence, local addresses only."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    try:
        for folder in ("/var/lib/redis", "/var/log/redis"):
            Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot make Redis's folders: {exc}"
    proc = subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/var/lib/redis",
            "--logfile",
            "/var/log/redis/ci.log",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=without_faketime(),
    )
    return proc.stderr.strip() or proc.stdout.strip() or f"redis-server exited {proc.returncode}"


async def ensure_redis() -> str | None:
    """None when Redis answers PING (starting it if needed), else why it cannot be used."""
    problem = await _redis_answers()
    if problem is None:
        return None
    started = await asyncio.to_thread(_start_redis)
    for _ in range(20):
        if await _redis_answers() is None:
            return None
        await asyncio.sleep(0.5)
    where = f"{REDIS_HOST}:{REDIS_PORT}"
    return f"Redis at {where} is down ({problem}) and could not be started ({started})"
