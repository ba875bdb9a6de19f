"""The load balancer the scale-out runs behind (tests/nginx.py, the configuration
docs/deploy.md recommends): deliveries spread over the replicas, a failing or dying replica's
deliveries go to another, request headers (the webhook secret) pass through untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.harness import free_port
from tests.nginx import Nginx

SECRET = "X-Telegram-Bot-Api-Secret-Token"


class Upstream:
    """A tiny HTTP server standing for one replica; ``mode`` says how it answers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.mode = "ok"  # ok, 503, drop (close the connection without an answer)
        self.seen: list[tuple[str, str | None]] = []
        self.runner: web.AppRunner | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.text()
        self.seen.append((body, request.headers.get(SECRET)))
        if self.mode == "503":
            return web.Response(status=503, text="draining")
        if self.mode == "drop":
            assert request.transport is not None
            request.transport.abort()  # as a SIGKILLed process would
            raise web.HTTPInternalServerError()
        return web.Response(text=self.name)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[Nginx, Upstream, Upstream]]:
    a, b = Upstream("a"), Upstream("b")
    await a.start()
    await b.start()
    async with Nginx(tmp_path / "nginx", [a.address, b.address]) as nginx:
        yield nginx, a, b
    await a.stop()
    await b.stop()


async def post_many(nginx: Nginx, count: int, headers: dict[str, str]) -> list[tuple[int, str]]:
    async with aiohttp.ClientSession() as session:
        answers = []
        for i in range(count):
            async with session.post(f"{nginx.url}/telegram", data=f"u{i}", headers=headers) as r:
                answers.append((r.status, await r.text()))
        return answers


async def test_deliveries_reach_both_replicas_with_the_secret_header(
    pair: tuple[Nginx, Upstream, Upstream],
) -> None:
    nginx, a, b = pair
    answers = await post_many(nginx, 10, {SECRET: "s3cret"})
    assert {status for status, _ in answers} == {200}
    assert {name for _, name in answers} == {"a", "b"}
    seen = a.seen + b.seen
    assert sorted(body for body, _ in seen) == sorted(f"u{i}" for i in range(10))
    assert {secret for _, secret in seen} == {"s3cret"}


async def test_no_secret_header_reaches_the_replica_without_one(
    pair: tuple[Nginx, Upstream, Upstream],
) -> None:
    nginx, a, b = pair
    await post_many(nginx, 4, {})
    assert [secret for _, secret in a.seen + b.seen] == [None] * 4


@pytest.mark.parametrize("mode", ["down", "503", "drop"])
async def test_a_failing_replica_deliveries_go_to_the_other(
    pair: tuple[Nginx, Upstream, Upstream], mode: str
) -> None:
    nginx, a, b = pair
    if mode == "down":
        await a.stop()
    else:
        a.mode = mode
    answers = await post_many(nginx, 10, {SECRET: "s3cret"})
    assert answers == [(200, "b")] * 10
    assert sorted(body for body, _ in b.seen) == sorted(f"u{i}" for i in range(10))
    if mode != "down":
        # The failed attempts happened, then the same body went to b (POST retried).
        assert a.seen and all(body in {s for s, _ in b.seen} for body, _ in a.seen)
    # nginx's record: a was tried (then left out for fail_timeout), every answer came from b.
    await nginx.wait_logged(10)
    tried = nginx.requests()
    assert [r[3][-1] for r in tried] == [b.address] * 10, tried
    assert any(a.address in r[3] for r in tried), tried


async def test_nginx_files_stay_in_its_folder(pair: tuple[Nginx, Upstream, Upstream]) -> None:
    nginx, _, _ = pair
    await post_many(nginx, 1, {})
    for name in ("nginx.conf", "nginx.pid", "error.log", "access.log"):
        assert (nginx.folder / name).exists(), name
    assert nginx.folder.joinpath("nginx.pid").read_text().strip() == str(nginx.proc.pid)
