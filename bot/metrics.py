"""Prometheus metrics of one bot process (``[metrics] listen``), served at /metrics.

Counters are counted where things happen (updates handled, sends, FAQ outcomes) in a registry
of this app's own, not the library's global one: tests build several apps in one process, and
a replica serves its own. Figures that live in the database (outbox depth, open tickets,
deadlines, SLA steps fired) are read at scrape time, in one short read-only session, by a
custom collector: nothing on the hot path keeps them up to date.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.whatsapp import ListenError
from bot.core.calendar import OfficeCalendar
from bot.core.clock import Clock
from storage.models import InfoRequest, Outbox, SlaStep, Ticket

log = logging.getLogger(__name__)

PREFIX = "loket"
# A scrape waits this long for the database; then it is served without those figures.
DATABASE_TIMEOUT = 5.0
FAQ_OUTCOMES = {"answer": "answered", "ambiguous": "ambiguous", "abstain": "abstained"}


@dataclass(slots=True)
class Snapshot:
    """The database's figures as last read."""

    outbox_pending: dict[str, int] = field(default_factory=dict)  # channel -> rows
    outbox_oldest_age: float = 0.0  # seconds; 0 when nothing is pending
    tickets_open: dict[str, int] = field(default_factory=dict)  # kind -> tickets
    awaiting_first_response: int = 0
    requests_past_deadline: int = 0
    sla_steps_fired: int = 0


class DatabaseCollector(Collector):
    """Gauges read from the database: ``refresh`` (async, at scrape time) reads them, then
    ``collect`` (called by the registry while it writes the page) reports the snapshot."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        calendar: OfficeCalendar,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.calendar = calendar
        self.snapshot: Snapshot | None = None

    async def refresh(self) -> None:
        now = self.clock.now()
        today = now.astimezone(self.calendar.tz).date()
        snap = Snapshot()
        async with self.sessionmaker() as session:  # read only: never committed
            pending = await session.exec(
                select(Outbox.channel, func.count(), func.min(Outbox.created_at))
                .where(Outbox.status == "pending")
                .group_by(Outbox.channel)
            )
            oldest: datetime | None = None
            for channel, count, first in pending.all():
                snap.outbox_pending[channel] = int(count)
                if first is not None and (oldest is None or first < oldest):
                    oldest = first
            if oldest is not None:
                if oldest.tzinfo is None:  # SQLite's MIN() gives the stored text back
                    oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=now.tzinfo)
                snap.outbox_oldest_age = max((now - oldest).total_seconds(), 0.0)
            tickets = await session.exec(
                select(Ticket.kind, func.count())
                .where(Ticket.status != "closed")
                .group_by(Ticket.kind)
            )
            snap.tickets_open = {kind: int(count) for kind, count in tickets.all()}
            snap.awaiting_first_response = int(
                (
                    await session.exec(
                        select(func.count())
                        .select_from(Ticket)
                        .where(
                            Ticket.kind == "LC",
                            Ticket.status != "closed",
                            col(Ticket.first_response_at).is_(None),
                        )
                    )
                ).one()
            )
            due = func.coalesce(col(InfoRequest.extended_to), col(InfoRequest.due_on))
            snap.requests_past_deadline = int(
                (
                    await session.exec(
                        select(func.count())
                        .select_from(InfoRequest)
                        .where(col(InfoRequest.decision).is_(None), due < today)
                    )
                ).one()
            )
            snap.sla_steps_fired = int(
                (
                    await session.exec(
                        select(func.count()).select_from(SlaStep).where(SlaStep.status == "fired")
                    )
                ).one()
            )
        self.snapshot = snap

    def collect(self) -> Iterable[Metric]:
        snap = self.snapshot
        if snap is None:
            return []
        return list(self._families(snap))

    def _families(self, snap: Snapshot) -> Iterator[Metric]:
        pending = GaugeMetricFamily(
            f"{PREFIX}_outbox_pending_messages",
            "Messages waiting in the outbox to be sent.",
            labels=["channel"],
        )
        for channel, count in sorted(snap.outbox_pending.items()):
            pending.add_metric([channel], count)
        yield pending
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting in the outbox (0 when none waits).",
            value=snap.outbox_oldest_age,
        )
        tickets = GaugeMetricFamily(
            f"{PREFIX}_tickets_open",
            "Tickets not closed, by kind (LC live chat, PI request, KB objection).",
            labels=["kind"],
        )
        for kind, count in sorted(snap.tickets_open.items()):
            tickets.add_metric([kind], count)
        yield tickets
        yield GaugeMetricFamily(
            f"{PREFIX}_tickets_awaiting_first_response",
            "Open live-chat tickets that no officer has answered yet.",
            value=snap.awaiting_first_response,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_requests_past_deadline",
            "Information requests without a written decision past their (extended) due date.",
            value=snap.requests_past_deadline,
        )
        yield CounterMetricFamily(
            f"{PREFIX}_sla_steps_fired",
            "SLA escalation steps fired (all replicas: read from the database).",
            value=snap.sla_steps_fired,
        )


class Metrics:
    """This app's registry and the counters its services report to."""

    def __init__(self, database: DatabaseCollector | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            f"{PREFIX}_updates_handled",
            "Inbound updates handled, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.replies = Counter(
            f"{PREFIX}_replies_sent",
            "Messages sent from the outbox, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            f"{PREFIX}_send_rate_limited",
            "Sends the platform refused for its rate limit (HTTP 429), by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.retries = Counter(
            f"{PREFIX}_send_retries",
            "Sends that failed for a passing reason and wait to be tried again, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.faq_outcomes = Counter(
            f"{PREFIX}_faq_outcomes",
            "Citizens' questions by what the FAQ did: answered, ambiguous or abstained.",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in FAQ_OUTCOMES.values():
            self.faq_outcomes.labels(outcome)  # present at 0 before the first question
        self.database = database
        if database is not None:
            self.registry.register(database)

    def handled(self, channel: str) -> None:
        self.updates.labels(channel).inc()

    def send_outcome(self, channel: str, outcome: str) -> None:
        """``outcome``: "sent", "rate_limited" or "retry"."""
        counter = {"sent": self.replies, "rate_limited": self.rate_limited}.get(outcome)
        (counter or self.retries).labels(channel).inc()

    def faq(self, outcome: str) -> None:
        """A FAQ match's outcome ("answer", "ambiguous", "abstain"; small talk is not counted)."""
        name = FAQ_OUTCOMES.get(outcome)
        if name is not None:
            self.faq_outcomes.labels(name).inc()

    async def page(self) -> bytes:
        """The /metrics page: the database read first (bounded), then the text written in a
        thread, off the event loop."""
        if self.database is not None:
            try:
                await asyncio.wait_for(self.database.refresh(), DATABASE_TIMEOUT)
            except Exception as exc:  # a scrape must not fail because the database does
                log.warning("metrics: cannot read the database: %s", exc)
                self.database.snapshot = None
        return await asyncio.to_thread(generate_latest, self.registry)


class MetricsServer:
    """``GET /metrics`` on ``host:port``."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.metrics = metrics
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None

    async def _serve(self, request: web.Request) -> web.Response:
        body = await self.metrics.page()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:
            await self.stop()
            where = f"{self.host}:{self.port} ([metrics] listen)"
            raise ListenError(f"cannot serve metrics on {where}: {exc.strerror or exc}") from None
        log.info("metrics at http://%s:%d/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
