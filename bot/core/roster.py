"""Who is on duty: configured shifts, overridden by an officer's own /duty on|off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import DAYS, Shift
from bot.core.calendar import parse_ranges


class Roster:
    def __init__(self, officers: Sequence[int], shifts: Sequence[Shift], timezone: str) -> None:
        self.officers = tuple(officers)
        self.shifts = tuple(shifts)
        self.zone = ZoneInfo(timezone)
        # Parsed once: on_duty runs for every new ticket.
        self._plan = [
            (frozenset(s.officers), frozenset(DAYS.index(d) for d in s.days), parse_ranges(s.hours))
            for s in self.shifts
        ]

    def scheduled(self, officer_id: int, at: datetime) -> bool:
        """On a shift at ``at`` (office local time)."""
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(
            officer_id in officers
            and local.weekday() in days
            and any(start <= minute < end for start, end in ranges)
            for officers, days, ranges in self._plan
        )

    def on_duty(
        self, at: datetime, manual: dict[int, tuple[str | None, datetime | None]]
    ) -> list[int]:
        """Officers on duty now.

        A manual /duty on|off wins over the shifts for the rest of that local day (the next
        shift starts clean); without any shifts configured it holds until changed.
        """
        today = at.astimezone(self.zone).date()
        result = []
        for officer in self.officers:
            state, changed = manual.get(officer, (None, None))
            if state is not None and self.shifts and changed is not None:
                if changed.astimezone(self.zone).date() != today:
                    state = None
            if state == "on" or (state is None and self.scheduled(officer, at)):
                result.append(officer)
        return result
