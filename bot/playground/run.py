"""``loket playground``: the emulator, the real bot and the web page in one process.

Imports stay inside the functions: building ``loket --help`` must not load the bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.playground.desk import World


class PlaygroundError(Exception):
    """A start-up problem told in one line."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8080, help="web page port (0: any free)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="web page address (it has no login: keep it local)"
    )
    parser.add_argument(
        "--config", metavar="PATH", help="the office's bot.toml (texts, hours, FAQ, SLA)"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="run the bot's clock N times as fast"
    )
    parser.add_argument(
        "--start",
        metavar="ISO",
        help="the clock's start, e.g. 2026-03-04T09:00+07:00 (default: now)",
    )
    parser.add_argument("--data", metavar="DIR", help="data folder (default: a new temp folder)")
    parser.add_argument(
        "--training", action="store_true", help="open the training panel (scripted citizens)"
    )
    parser.add_argument(
        "--scenarios",
        metavar="PATH",
        type=Path,
        help="the office's own training scenarios: a folder of *.toml (or one file)",
    )


def _fail(message: str) -> int:
    print(f"loket playground: {message}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    """Run the playground until Ctrl-C; bad arguments get one line naming them."""
    from bot.config import ConfigError, resolve_config_path

    if not 0 <= args.speed <= 10_000:
        return _fail("--speed: must be between 0 and 10000")
    if not 0 <= args.port <= 65535:
        return _fail("--port: must be between 0 and 65535")
    start = datetime.now(UTC)
    if args.start:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            return _fail(f"--start: not an ISO date and time: {args.start!r}")
        if start.tzinfo is None:
            return _fail("--start: give a UTC offset, e.g. 2026-03-04T09:00+07:00")
    from bot.playground.training import ScenarioError, load_scenarios

    if args.scenarios is not None:
        if not args.scenarios.exists():
            return _fail(f"--scenarios: no such file or folder: {args.scenarios}")
        try:
            load_scenarios(args.scenarios)
        except ScenarioError as exc:
            return _fail(f"--scenarios: {exc}")
    config_path = resolve_config_path(args.config, os.environ)
    if config_path is not None and not config_path.is_file():
        return _fail(f"--config: no such file: {config_path}")
    try:
        return asyncio.run(_serve(args, config_path, start))
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    except PlaygroundError as exc:
        return _fail(str(exc))


async def _serve(args: argparse.Namespace, config_path: Path | None, start: datetime) -> int:
    from aiohttp import web

    from bot.app import create_app, run
    from bot.logs import setup_logging
    from bot.playground.desk import data_folder, start_world
    from bot.playground.emulator.waiting import serve_app
    from bot.playground.training import enable_training
    from bot.playground.web import make_web_app
    from faq import KnowledgeBaseError

    data_dir = data_folder(args.data)
    world = await start_world(config_path, data_dir=data_dir, start=start, speed=args.speed)
    runner: web.AppRunner | None = None
    try:
        setup_logging(world.config.logging.level, secrets=[world.emu.token])
        try:
            app = create_app(world.config, clock=world.clock)
        except KnowledgeBaseError as exc:
            raise PlaygroundError(f"FAQ knowledge base: {exc}") from None
        web_app = make_web_app(world)
        enable_training(web_app, world, app, on=args.training, extra=args.scenarios)
        try:
            runner, port = await serve_app(web_app, args.host, args.port)
        except OSError as exc:
            raise PlaygroundError(
                f"--port: cannot listen on {args.host}:{args.port}: {exc.strerror}"
            ) from None
        gc.collect()
        # The bot runs exactly as `loket run` runs it; Ctrl-C (SIGINT) or SIGTERM stops it.
        bot_task = asyncio.create_task(run(app), name="loket")
        await _announce(world, bot_task, f"http://{args.host}:{port}/")
        await bot_task
    finally:
        if runner is not None:
            await runner.cleanup()
        await world.emu.stop()
    print("loket playground: stopped", flush=True)
    return 0


async def _announce(world: World, bot_task: asyncio.Task[None], url: str) -> None:
    """Print the address once the bot is long-polling (or let the bot's error surface)."""
    waiting = asyncio.create_task(world.emu.wait_for_poller(timeout=60))
    done, _ = await asyncio.wait({waiting, bot_task}, return_when=asyncio.FIRST_COMPLETED)
    if bot_task in done:
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        return
    waiting.result()
    # The officers start their duty as they would in the morning: the bot learns their
    # names (cards show them) and the staff group shows who is on duty.
    for officer in world.officers:
        await world.emu.send_text(officer.user, "/duty on", chat=world.staff_group)
    print(
        f"loket playground: open {url}\n"
        f"  data folder: {world.data_dir} (database loket.db)\n"
        f"  clock: {world.clock.speed:g}x; Ctrl-C stops",
        flush=True,
    )
