"""The playground's speed-adjustable clock (bot.core.clock.ScaledClock), on a fake timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import ScaledClock

START = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


class Timer:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_runs_speed_times_as_fast_and_changes_speed_without_a_jump() -> None:
    timer = Timer()
    clock = ScaledClock(START, 60, timer=timer)
    assert clock.now() == START
    timer.t += 10  # ten real seconds at 60x: ten minutes
    assert clock.now() == START + timedelta(minutes=10)
    clock.set_speed(1)
    assert clock.now() == START + timedelta(minutes=10)
    timer.t += 30
    assert clock.now() == START + timedelta(minutes=10, seconds=30)
    clock.set_speed(0)  # stopped
    timer.t += 1000
    assert clock.now() == START + timedelta(minutes=10, seconds=30)
    assert clock.speed == 0


def test_advance_jumps_forward_only() -> None:
    timer = Timer()
    clock = ScaledClock(START, 1, timer=timer)
    clock.advance(timedelta(hours=2))
    assert clock.now() == START + timedelta(hours=2)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


@pytest.mark.parametrize("speed", [-1, 10_001])
def test_refuses_a_speed_out_of_range(speed: float) -> None:
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(START, speed)


def test_needs_an_aware_start() -> None:
    with pytest.raises(ValueError, match="aware"):
        ScaledClock(datetime(2026, 3, 4, 9, 0))
