"""Who is on duty: configured shifts, overridden by an officer's own /duty on|off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import DAYS, Shift, parse_range


class Roster:
    def __init__(self, officers: Sequence[int], shifts: Sequence[Shift], timezone: str) -> None:
        self.officers = tuple(officers)
        self.shifts = tuple(shifts)
        self.zone = ZoneInfo(timezone)

    def scheduled(self, officer_id: int, at: datetime) -> bool:
        """On a shift at ``at`` (office local time)."""
        local = at.astimezone(self.zone)
        day = DAYS[local.weekday()]
        minute = local.hour * 60 + local.minute
        for shift in self.shifts:
            if officer_id in shift.officers and day in shift.days:
                start, end = parse_range(shift.hours)
                if start <= minute < end:
                    return True
        return False

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
