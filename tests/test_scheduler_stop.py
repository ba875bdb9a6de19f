"""Regression: a stop that landed in the middle of a scheduler tick cancelled it, and
APScheduler logged the cancellation as the job's crash (a traceback in every such stop's log).
A stop now pauses the ticking and lets the tick in hand finish."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from storage.migrate import upgrade
from tests.test_scheduling import FRIDAY_1550, make_app


async def test_a_stop_during_a_tick_lets_the_tick_finish_without_a_crash_logged(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = make_app(sqlite_url, FrozenClock(FRIDAY_1550), tmp_path)
    await upgrade(app.engine)
    try:
        # On SQLite the app's sessions take turns: holding one keeps the next tick waiting
        # inside its job for as long as the test likes.
        async with app.sessionmaker():
            app.scheduler.start()
            deadline = time.monotonic() + 10
            while app.scheduler.ticks_running == 0:
                assert time.monotonic() < deadline, "no tick started"
                await asyncio.sleep(0.02)
            stopping = asyncio.create_task(app.scheduler.stop())
            for _ in range(10):  # every ready task gets to run: the stop must still wait
                await asyncio.sleep(0)
            assert not stopping.done()
            assert app.scheduler.ticks_running == 1
        await asyncio.wait_for(stopping, 10)
        assert app.scheduler.ticks_running == 0
        assert not app.scheduler.scheduler.running
        assert "raised an exception" not in caplog.text, caplog.text
        assert "CancelledError" not in caplog.text, caplog.text
    finally:
        app.scheduler.shutdown()
        await app.bot.session.close()
        await app.engine.dispose()
