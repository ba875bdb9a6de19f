"""Pieces both emulators (Telegram and WhatsApp) share: serving, waiting for a change, a
stdin console."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from aiohttp import web

Sent = TypeVar("Sent")


class ChangeWaiter(Generic[Sent]):
    """Lets test code wait until the emulator records something, without polling.

    The class using it creates ``self._waiters = []`` and ``self.sent = []`` (what the bot
    sent, in order), defines ``_describe(sent)`` and calls ``_notify()`` on every change.
    """

    _waiters: list[asyncio.Future[None]]
    sent: list[Sent]

    @staticmethod
    def _describe(sent: Sequence[Any]) -> str:
        raise NotImplementedError

    async def wait_for(
        self,
        predicate: Callable[[Sent], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the test-facing contract
    ) -> Sent:
        """First sent message (already sent or future) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            if index >= len(self.sent) > 0 and predicate(self.sent[-1]):
                # Nothing new was sent, yet something changed: predicates that look at
                # other state (answers, calls) get another chance on the latest message.
                return self.sent[-1]
            index = min(index, len(self.sent))
            while index < len(self.sent):
                candidate = self.sent[index]
                index += 1
                if predicate(candidate):
                    return candidate
            if not await self._wait_change(deadline):
                raise AssertionError(
                    f"no sent message matched within {timeout}s; sent so far:\n"
                    + self._describe(self.sent)
                )

    def _notify(self) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def _wait_change(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, remaining)
        except TimeoutError:
            return False
        return True


def read_stdin(
    loop: asyncio.AbstractEventLoop,
    run_line: Callable[[str], Awaitable[None]],
    errors: tuple[type[Exception], ...],
) -> None:
    """Feed stdin lines to a console (run it in a daemon thread: a blocked readline must not
    keep the process alive on Ctrl-C)."""
    for line in sys.stdin:

        async def run(text: str = line) -> None:
            try:
                await run_line(text)
            except errors as exc:
                print(f"error: {exc}", flush=True)

        asyncio.run_coroutine_threadsafe(run(), loop)


class Console:
    """A stdin console of an emulator: ``help``, ``quit`` and ``sent [N]`` here, the rest in
    the subclass's ``command`` (False for a command it does not know)."""

    HELP = ""

    def __init__(self, emu: Any, stop: asyncio.Event) -> None:
        self.emu = emu
        self.stop = stop

    async def run(self, line: str) -> None:
        words = shlex.split(line)
        if not words:
            return
        command, args = words[0].lower(), words[1:]
        if command == "help":
            print(self.HELP)
        elif command == "quit":
            self.stop.set()
        elif command == "sent":
            for sent in self.emu.sent[-int(args[0] if args else 10) :]:
                print(sent.short())
        elif not await self.command(command, args):
            print(f"unknown command {command!r}; type help")

    async def command(self, name: str, args: list[str]) -> bool:
        raise NotImplementedError


def print_sent(sent: Any) -> None:
    """An emulator listener echoing what the bot sends."""
    print(f"<< {sent.short()}", flush=True)


class Emulator(Protocol):
    async def stop(self) -> None: ...


async def serve_until_stopped(
    emu: Emulator,
    console: Callable[[asyncio.Event], Console] | None,
    errors: tuple[type[Exception], ...],
) -> None:
    """Run a started emulator until SIGINT/SIGTERM (or the console's quit), with an optional
    stdin console built by ``console(stop)``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    if console is not None:
        reader = console(stop)
        threading.Thread(target=read_stdin, args=(loop, reader.run, errors), daemon=True).start()
        print("console ready; type help", flush=True)
    try:
        await stop.wait()
    finally:
        await emu.stop()


async def serve_app(
    app: web.Application, host: str, port: int, **runner_options: Any
) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on ``host:port`` (a free port when 0); the runner and the bound port."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5, **runner_options)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    await web.SockSite(runner, sock).start()
    return runner, sock.getsockname()[1]
