"""Injectable clock, so calendar and SLA logic can be tested without sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests: stands still until moved."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = at


class ScaledClock:
    """A clock that runs ``speed`` times as fast as real time from ``start``.

    The playground's: SLA escalations, the opening digest and working-day deadlines can be
    watched in minutes. It counts on a monotonic timer, so a jump of the wall clock changes
    nothing; ``set_speed`` and ``advance`` keep the time continuous (never backwards).
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        *,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("ScaledClock needs an aware datetime")
        self._check(speed)
        self._timer = timer
        self._base = start
        self._mark = timer()
        self._speed = speed

    @staticmethod
    def _check(speed: float) -> None:
        if not 0 <= speed <= 10_000:
            raise ValueError("speed must be between 0 (stopped) and 10000")

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        return self._base + timedelta(seconds=(self._timer() - self._mark) * self._speed)

    def set_speed(self, speed: float) -> None:
        """From now on run ``speed`` times as fast as real time (0 stops the clock)."""
        self._check(speed)
        self._base, self._mark = self.now(), self._timer()
        self._speed = speed

    def advance(self, delta: timedelta) -> None:
        """Jump forward (a negative delta is refused: time never runs backwards)."""
        if delta < timedelta(0):
            raise ValueError("a clock only moves forward")
        self._base += delta
