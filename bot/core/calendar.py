"""Office calendar: working days for UU 14/2008 deadlines, opening hours and SLA business time.

Pure and clock-free: callers pass the instants they reason about (see bot.core.clock), so every
rule here is testable without waiting. Instants are aware datetimes; results are given in the
office time zone.

Rules (all configuration):
- Weekly hours per weekday ("mon".."sun"); a weekday without hours is closed.
- Holidays come from the ``holidays`` package with the "public" and "government" categories,
  which for Indonesia ("ID") includes cuti bersama; "" turns them off.
- ``closed_dates`` are extra non-working days; ``open_dates`` are working days even on a weekend
  or holiday. An open date uses the hours of its own weekday; when that weekday has none, it uses
  Monday's hours (the usual weekday schedule), or, if Monday has none either, the hours of the
  first weekday from Monday on that has some.
- A working day is a day with hours that is neither a holiday nor a closed date, or an open date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Asia/Jakarta"
DEFAULT_HOLIDAYS_COUNTRY = "ID"
# Mon-Fri (DESIGN: working days are Monday-Friday), the usual PPID service hours.
DEFAULT_WEEKLY: Mapping[str, str] = {day: "08:00-16:00" for day in DAY_KEYS[:5]}
HOLIDAY_CATEGORIES = ("public", "government")
# Longest stretch without a working day that we accept before calling the calendar "never open".
SEARCH_DAYS = 400
MINUTES_PER_DAY = 24 * 60

Ranges = tuple[tuple[int, int], ...]
Weekly = dict[int, Ranges]

_RANGE_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_CLOSED_WORDS = ("", "closed")
_ONE_DAY = timedelta(days=1)

_ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
_DAY_NAMES = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTH_NAMES = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


class CalendarError(ValueError):
    """A calendar that cannot answer: bad settings, naive datetimes, or never open.

    A ValueError so that config validators can surface it as a one-line problem.
    """


def _parse_range(day: str, text: str) -> tuple[int, int]:
    match = _RANGE_RE.match(text.strip())
    if match is None:
        raise ValueError(
            f"{day}: not a time range: {text.strip()!r} (use HH:MM-HH:MM, e.g. 08:00-16:00)"
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{day}: not a valid time in {text.strip()!r} (00:00 to 24:00)")
    return h1 * 60 + m1, h2 * 60 + m2


def _check_ranges(day: str, ranges: Iterable[tuple[int, int]], text: str = "") -> Ranges:
    ordered = sorted((int(start), int(end)) for start, end in ranges)
    previous_end = 0
    for start, end in ordered:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                f"{day}: time range {_fmt_range(start, end)} must end after it starts, "
                "at 24:00 at the latest"
            )
        if start < previous_end:
            where = f" in {text!r}" if text else ""
            raise ValueError(f"{day}: time ranges overlap at {_fmt_minutes(start)}{where}")
        previous_end = end
    return tuple(ordered)


def _fmt_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _fmt_range(start: int, end: int) -> str:
    return f"{_fmt_minutes(start)}-{_fmt_minutes(end)}"


def parse_ranges(text: str, label: str = "hours") -> Ranges:
    """ "07:30-12:00, 13:00-16:00" as sorted (start, end) minutes since midnight; "24:00" is
    allowed as an end. ValueError messages start with ``label`` (a day or a config key)."""
    ranges = [_parse_range(label, part) for part in text.split(",")]
    return _check_ranges(label, ranges, text.strip())


def parse_weekly(mapping: Mapping[str, str | None]) -> Weekly:
    """Weekly hours {"mon": "07:30-12:00, 13:00-16:00", ...} as {0: ((450, 720), (780, 960))}.

    Weekday 0 is Monday; values are minutes since midnight, "24:00" is allowed as an end. A
    missing day, None, "" or "closed" means closed (and is absent from the result). Raises
    ValueError with a message naming the day and the bad value.
    """
    if not isinstance(mapping, Mapping):
        raise ValueError("weekly hours must be a table of days (mon..sun) to HH:MM-HH:MM ranges")
    weekly: Weekly = {}
    for key, value in mapping.items():
        day = str(key).strip().lower()
        if day not in DAY_KEYS:
            raise ValueError(f"unknown day {key!r} (use {', '.join(DAY_KEYS)})")
        if DAY_KEYS.index(day) in weekly:
            raise ValueError(f"{day}: given twice")
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{day}: expected text such as '08:00-16:00', got {value!r}")
        if value.strip().lower() in _CLOSED_WORDS:
            continue
        weekly[DAY_KEYS.index(day)] = parse_ranges(value, day)
    return dict(sorted(weekly.items()))


def _normalize_weekly(
    weekly: Mapping[str, str] | Mapping[int, Iterable[tuple[int, int]]],
) -> Weekly:
    if all(isinstance(key, int) for key in weekly):
        result: Weekly = {}
        # Every key is a day number: the second form of the argument.
        by_number = cast(Mapping[int, Iterable[tuple[int, int]]], weekly)
        for key, ranges in by_number.items():
            if not 0 <= key <= 6:
                raise ValueError(f"unknown weekday {key} (0=mon .. 6=sun)")
            checked = _check_ranges(DAY_KEYS[key], ranges)
            if checked:
                result[key] = checked
        return dict(sorted(result.items()))
    return parse_weekly(cast(Mapping[str, str], weekly))


def _as_dates(name: str, values: Iterable[date | str]) -> frozenset[date]:
    found = set()
    for value in values:
        if isinstance(value, datetime):
            raise CalendarError(f"{name}: expected dates, got a date and time {value.isoformat()}")
        if isinstance(value, date):
            found.add(value)
            continue
        try:
            found.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise CalendarError(f"{name}: not a date: {value!r} (use YYYY-MM-DD)") from None
    return frozenset(found)


class OfficeCalendar:
    """Working days, opening hours and business time of one office (see the module docstring)."""

    def __init__(
        self,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        weekly: Mapping[str, str] | Mapping[int, Iterable[tuple[int, int]]] | None = None,
        holidays_country: str = DEFAULT_HOLIDAYS_COUNTRY,
        closed_dates: Iterable[date | str] = (),
        open_dates: Iterable[date | str] = (),
    ) -> None:
        try:
            self._tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"unknown time zone {timezone!r} (e.g. Asia/Jakarta)") from None
        self._zone_name = timezone
        try:
            self._weekly = _normalize_weekly(DEFAULT_WEEKLY if weekly is None else weekly)
        except ValueError as exc:
            raise CalendarError(f"weekly hours: {exc}") from None
        self._closed = _as_dates("closed_dates", closed_dates)
        self._open = _as_dates("open_dates", open_dates)
        both = sorted(self._closed & self._open)
        if both:
            raise CalendarError(f"{both[0].isoformat()} is in both closed_dates and open_dates")
        # Open dates on a weekday without hours borrow Monday's, else the first day with hours.
        fallback = [self._weekly[i] for i in range(7) if i in self._weekly]
        self._open_date_hours: Ranges = fallback[0] if fallback else ()
        if self._open and not self._open_date_hours:
            raise CalendarError("open_dates need opening hours on at least one weekday")

        self._country = holidays_country.strip().upper()
        self._categories: tuple[str, ...] = ()
        self._languages: tuple[str, ...] = ()
        if self._country:
            try:
                probe = holidays_lib.country_holidays(self._country)
            except NotImplementedError:
                raise CalendarError(
                    f"unknown holidays country {holidays_country!r} (e.g. ID, or '' for none)"
                ) from None
            supported = set(probe.supported_categories)
            # Not every country has a "government" category; use what it has.
            self._categories = tuple(c for c in HOLIDAY_CATEGORIES if c in supported)
            self._languages = tuple(probe.supported_languages)
        # (year, language) -> {date: name}; filled lazily, one year at a time.
        self._holiday_cache: dict[tuple[int, str | None], dict[date, str]] = {}

    # -- configuration views ------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def weekly(self) -> Weekly:
        return dict(self._weekly)

    # -- holidays -----------------------------------------------------------------------------

    def _language(self, lang: str) -> str | None:
        wanted = "id" if lang.lower().startswith("id") else "en_US"
        return wanted if wanted in self._languages else None

    def _holidays(self, year: int, language: str | None) -> dict[date, str]:
        key = (year, language)
        cached = self._holiday_cache.get(key)
        if cached is None:
            table = holidays_lib.country_holidays(
                self._country, categories=self._categories, years=year, language=language
            )
            cached = dict(table.items())
            self._holiday_cache[key] = cached
        return cached

    def holiday_name(self, d: date, lang: str = "id") -> str | None:
        """The holiday's name on ``d`` (Indonesian by default, "en" for English), else None.

        Open dates keep their holiday name; configured closed dates have none.
        """
        if not self._country:
            return None
        return self._holidays(d.year, self._language(lang)).get(_plain_date(d))

    def _is_holiday(self, d: date) -> bool:
        # Dates do not depend on the language; share the cache with holiday_name's default.
        return bool(self._country) and d in self._holidays(d.year, self._language("id"))

    # -- working days -------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """True on days with hours that are not holidays or closed dates, and on open dates."""
        d = _plain_date(d)
        if d in self._open:
            return True
        if d in self._closed or d.weekday() not in self._weekly:
            return False
        return not self._is_holiday(d)

    def hours_on(self, d: date) -> Ranges:
        """Opening ranges (minutes since midnight) on ``d``; () on a non-working day."""
        d = _plain_date(d)
        if not self.is_working_day(d):
            return ()
        return self._weekly.get(d.weekday()) or self._open_date_hours

    def add_working_days(
        self, start: date | datetime, n: int, *, from_next_day: bool = True
    ) -> date:
        """The date of working day number ``n`` counted from ``start`` (UU 14/2008 deadlines).

        With ``from_next_day`` day 1 is the first working day after the receipt date, whatever
        that date is (a weekend or holiday receipt counts from the next working day); without
        it day 1 is ``start`` itself when that is a working day. ``n`` = 0 returns ``start``'s
        date. An aware datetime is read as its date in the office time zone.
        """
        if n < 0:
            raise CalendarError(f"cannot add a negative number of working days ({n})")
        day = self._to_local_date(start, "start")
        if n == 0:
            return day
        if not from_next_day:
            day -= _ONE_DAY
        counted = idle = 0
        while counted < n:
            day = _next_day(day)
            if self.is_working_day(day):
                counted += 1
                idle = 0
            else:
                idle += 1
                if idle > SEARCH_DAYS:
                    raise CalendarError(f"no working day within {SEARCH_DAYS} days after {day}")
        return day

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Number of working days in (a, b]; 0 when b is not after a."""
        day = self._to_local_date(a, "a")
        end = self._to_local_date(b, "b")
        count = 0
        while day < end:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count

    # -- opening hours ------------------------------------------------------------------------

    def _intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Open intervals of local day ``d`` as UTC instants, in order."""
        spans = []
        for start, end in self.hours_on(d):
            lo, hi = self._instant(d, start), self._instant(d, end)
            if hi > lo:  # a range inside a DST gap has no length
                spans.append((lo, hi))
        return spans

    def _instant(self, d: date, minutes: int) -> datetime:
        if minutes >= MINUTES_PER_DAY:  # "24:00" is the next midnight
            d, minutes = d + _ONE_DAY, minutes - MINUTES_PER_DAY
        local = datetime.combine(d, time(minutes // 60, minutes % 60), tzinfo=self._tz)
        return local.astimezone(UTC)

    def _intervals_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals from local day ``day`` on, without end unless the office never opens."""
        idle = 0
        while True:
            spans = self._intervals(day)
            if spans:
                idle = 0
                yield from spans
            else:
                idle += 1
                if idle > SEARCH_DAYS:
                    raise CalendarError(f"the office is not open within {SEARCH_DAYS} days")
            day = _next_day(day)

    def is_open(self, at: datetime) -> bool:
        """Whether the office is open at the instant ``at`` (aware)."""
        now = _utc(at, "at")
        day = now.astimezone(self._tz).date()
        return any(
            lo <= now < hi
            for d in (day - _ONE_DAY, day, _next_day(day))
            for lo, hi in self._intervals(d)
        )

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself (in office time) if open, else the next opening instant.

        Raises CalendarError when the office does not open within about SEARCH_DAYS days.
        """
        now = _utc(at, "at")
        # Start a day early: a late range of the previous local day may still be running.
        for lo, hi in self._intervals_from(now.astimezone(self._tz).date() - _ONE_DAY):
            if hi > now:
                return max(lo, now).astimezone(self._tz)
        raise AssertionError("unreachable")  # pragma: no cover - the generator never ends

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Open time between instants ``a`` and ``b``; zero when b is not after a."""
        lo_bound, hi_bound = _utc(a, "a"), _utc(b, "b")
        total = timedelta(0)
        if hi_bound <= lo_bound:
            return total
        day = lo_bound.astimezone(self._tz).date() - _ONE_DAY
        last = hi_bound.astimezone(self._tz).date() + _ONE_DAY
        while day <= last:
            for lo, hi in self._intervals(day):
                overlap = min(hi, hi_bound) - max(lo, lo_bound)
                if overlap > timedelta(0):
                    total += overlap
            day = _next_day(day)
        return total

    def add_business_time(self, start: datetime, delta: timedelta) -> datetime:
        """The first instant at which ``delta`` of open time has elapsed since ``start``.

        A clock started while closed starts at the next opening; a zero ``delta`` therefore
        gives next_opening(start). A span that ends exactly at closing time returns the closing
        instant, not the next morning.
        """
        if delta < timedelta(0):
            raise CalendarError(f"cannot add negative business time ({delta})")
        if not delta:
            return self.next_opening(start)
        begin = _utc(start, "start")
        remaining = delta
        for lo, hi in self._intervals_from(begin.astimezone(self._tz).date() - _ONE_DAY):
            if hi <= begin:
                continue
            lo = max(lo, begin)
            if remaining <= hi - lo:
                return (lo + remaining).astimezone(self._tz)
            remaining -= hi - lo
        raise AssertionError("unreachable")  # pragma: no cover - the generator never ends

    # -- display ------------------------------------------------------------------------------

    def zone_abbreviation(self, at: datetime) -> str:
        """WIB / WITA / WIT for the Indonesian zones, else the zone's own abbreviation."""
        known = _ZONE_ABBREVIATIONS.get(self._zone_name)
        if known:
            return known
        local = _utc(at, "at").astimezone(self._tz)
        return local.tzname() or local.strftime("UTC%z")

    def format_when(self, at: datetime, lang: str) -> str:
        """ "Selasa, 1 Desember 2026 pukul 08:00 WIB" (id) or "Tuesday, ... at 08:00 WIB" (en).

        Names are built in, so the output does not depend on the process locale; any ``lang``
        not starting with "id" gets English.
        """
        local = _utc(at, "at").astimezone(self._tz)
        word = "pukul" if lang.lower().startswith("id") else "at"
        day = self.format_day(local.date(), lang)
        return f"{day} {word} {local:%H:%M} {self.zone_abbreviation(at)}"

    @staticmethod
    def format_day(d: date, lang: str) -> str:
        """ "Selasa, 1 Desember 2026" (id) or "Tuesday, 1 December 2026" (en)."""
        key = "id" if lang.lower().startswith("id") else "en"
        return f"{_DAY_NAMES[key][d.weekday()]}, {d.day} {MONTH_NAMES[key][d.month - 1]} {d.year}"

    # -- helpers ------------------------------------------------------------------------------

    def _to_local_date(self, value: date | datetime, name: str) -> date:
        if isinstance(value, datetime):
            return _utc(value, name).astimezone(self._tz).date()
        return value


def _plain_date(d: date) -> date:
    # A datetime is a date too; strip its time so set and dict lookups match.
    return d.date() if isinstance(d, datetime) else d


def _next_day(d: date) -> date:
    try:
        return d + _ONE_DAY
    except OverflowError:
        raise CalendarError("reached the end of the calendar (year 9999)") from None


def _utc(at: datetime, name: str) -> datetime:
    # Aware datetimes with the same tzinfo compare and subtract as wall time, so work in UTC.
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError(f"{name} must be an aware datetime (with a time zone)")
    return at.astimezone(UTC)
