"""APScheduler jobs. They hold no state: each tick reads what is due from the database and acts
through the core, so a restart (or a second replica) changes nothing about what fires."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import ScheduleConfig
from bot.core.pushes import Pushes
from bot.core.retention import RetentionService
from bot.core.sla import SlaService
from bot.setaside import WarnEvery, database_unavailable

log = logging.getLogger(__name__)

ESCALATION_TICK_SECONDS = 1.0  # steps fire within about a second of their due time
PUSH_TICK_SECONDS = 30.0


class Scheduler:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sla: SlaService,
        pushes: Pushes,
        options: ScheduleConfig,
        timezone: str,
        on_commit: Callable[[], None],
        retention: RetentionService | None = None,
        offices: Sequence[tuple[SlaService, Pushes]] = (),
    ) -> None:
        # The other offices of a network: their own escalations, opening and weekly digests.
        self.offices = tuple(offices)
        self.sessionmaker = sessionmaker
        self.retention = retention
        self.sla = sla
        self.pushes = pushes
        self.options = options
        self.on_commit = on_commit
        self._trouble = WarnEvery(log)  # the database away: a line a minute, not one a tick
        self._ticks: set[asyncio.Task[object]] = set()  # ticks running now
        self.scheduler = AsyncIOScheduler(timezone=timezone)
        # max_instances=1 + coalesce: a slow tick is never run twice at once nor replayed.
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
        self.scheduler.add_job(
            self.escalations,
            "interval",
            seconds=ESCALATION_TICK_SECONDS,
            id="escalations",
            **common,
        )
        self.scheduler.add_job(
            self.push_tick, "interval", seconds=PUSH_TICK_SECONDS, id="pushes", **common
        )

    def start(self) -> None:
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    @property
    def ticks_running(self) -> int:
        return sum(1 for task in self._ticks if not task.done())

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a bound on the wait
        """No new ticks; a tick in hand (one short transaction) may finish first. Shut down
        mid-tick, APScheduler cancels the tick and logs the cancellation as the job's crash;
        one that takes longer than ``timeout`` (the database away) is cancelled all the same."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        running = [task for task in self._ticks if not task.done()]
        if running:
            await asyncio.wait(running, timeout=timeout)
        self.shutdown()

    @contextlib.contextmanager
    def _tick(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._ticks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._ticks.discard(task)

    async def escalations(self) -> None:
        with self._tick():
            await self._escalations()

    async def _escalations(self) -> None:
        try:
            fired = await self.sla.fire_due(self.sessionmaker)
            for sla, _ in self.offices:
                fired += await sla.fire_due(self.sessionmaker)
            if fired:
                self.on_commit()
        except Exception as exc:  # a failed tick is retried by the next one; the state is in the DB
            if database_unavailable(exc):
                self._trouble.warning("escalation tick: the database is unavailable (%r)", exc)
            else:
                log.exception("escalation tick failed")

    async def push_tick(self) -> None:
        with self._tick():
            await self._push_tick()

    async def _push_tick(self) -> None:
        jobs: list[Callable[[AsyncSession], Awaitable[object]]] = []
        if self.options.opening_digest:
            jobs.append(self.pushes.opening_digest)
            jobs.extend(pushes.opening_digest for _, pushes in self.offices)
        jobs.append(self.pushes.rating_reminders)
        if self.options.faq_weekly_digest:
            # Each office's editors get its own citizens' questions.
            jobs.append(self.pushes.faq_weekly)
            jobs.extend(pushes.faq_weekly for _, pushes in self.offices)
        if self.retention is not None:
            jobs.append(self.retention.daily)  # claimed once per office day
        for job in jobs:
            try:
                async with self.sessionmaker() as session:
                    if await job(session):
                        await session.commit()
                        self.on_commit()
            except Exception as exc:
                if database_unavailable(exc):
                    self._trouble.warning("scheduled push: the database is unavailable (%r)", exc)
                else:
                    log.exception("scheduled push %s failed", job.__name__)
