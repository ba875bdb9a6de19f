"""Durations in config: "30s", "15m", "2h", "1d" (clock time) or "10wd" (working days)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_RE = re.compile(r"^\s*(\d{1,6})\s*(s|m|h|d|wd)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class Duration:
    """Either a clock span (``delta``) or a number of working days (``working_days``)."""

    delta: timedelta = timedelta(0)
    working_days: int = 0

    def __str__(self) -> str:
        if self.working_days:
            return f"{self.working_days}wd"
        seconds = int(self.delta.total_seconds())
        for unit in ("d", "h", "m"):
            if seconds and seconds % _UNITS[unit] == 0:
                return f"{seconds // _UNITS[unit]}{unit}"
        return f"{seconds}s"


def parse_duration(text: str) -> Duration:
    """Parse a duration; raises ValueError with a message fit for a config error line."""
    match = _RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 15m, 2h, 1d or 10wd)")
    value, unit = int(match.group(1)), match.group(2)
    if unit == "wd":
        return Duration(working_days=value)
    return Duration(delta=timedelta(seconds=value * _UNITS[unit]))
