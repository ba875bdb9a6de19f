"""Office calendar: weekly hours, Indonesian holidays and cuti bersama, UU 14/2008 working-day
counting, opening hours, SLA business time and date formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import calendar as calendar_module
from bot.core.calendar import CalendarError, OfficeCalendar, parse_weekly

WIB = ZoneInfo("Asia/Jakarta")
H = timedelta(hours=1)
M = timedelta(minutes=1)
SPLIT_WEEKLY = {
    "mon": "07:30-12:00, 13:00-16:00",
    "tue": "07:30-12:00, 13:00-16:00",
    "wed": "07:30-12:00, 13:00-16:00",
    "thu": "07:30-12:00, 13:00-16:00",
    "fri": "07:30-11:30, 13:30-16:30",
    "sat": "08:00-12:00",
}

# Shared across tests (hypothesis cannot use function-scoped fixtures) so holidays build once.
DEFAULT = OfficeCalendar()
SPLIT = OfficeCalendar(weekly=SPLIT_WEEKLY)
# Round the clock on weekdays, plus an evening Friday that runs to midnight: contiguous ranges.
NIGHTS = OfficeCalendar(
    weekly={d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu")} | {"fri": "20:00-24:00"},
    holidays_country="",
)
# What the installed holidays package says; the calendar must agree with it.
PACKAGE_ID = holidays.country_holidays(
    "ID", categories=("public", "government"), years=range(2024, 2029)
)


def wib(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=WIB)


def reference_working(d: date) -> bool:
    return d.weekday() < 5 and d not in PACKAGE_ID


# -- parse_weekly ------------------------------------------------------------------------------


def test_parse_weekly_ranges_sorted_and_missing_days_closed() -> None:
    parsed = parse_weekly(
        {
            "Tue": " 13:00-16:00 ,07:30 - 12:00",
            "fri": "20:00-24:00",
            "sat": "",
            "sun": "closed",
            "wed": None,
        }
    )
    assert parsed == {1: ((450, 720), (780, 960)), 4: ((1200, 1440),)}


@pytest.mark.parametrize(
    ("mapping", "fragments"),
    [
        ({"mon": "8-16"}, ("mon", "8-16")),
        ({"tue": "25:00-26:00"}, ("tue", "25:00-26:00")),
        ({"wed": "16:00-08:00"}, ("wed", "16:00-08:00")),
        ({"thu": "08:00-08:00"}, ("thu", "08:00-08:00")),
        ({"fri": "08:00-24:30"}, ("fri", "08:00-24:30")),
        ({"sat": "08:00-12:00, 11:00-13:00"}, ("sat", "overlap", "08:00-12:00, 11:00-13:00")),
        ({"sun": "08:00-12:00,"}, ("sun", "''")),
        ({"mon": 8}, ("mon", "8")),
        ({"mnd": "08:00-16:00"}, ("mnd", "mon, tue")),
    ],
)
def test_parse_weekly_errors_name_the_day_and_value(
    mapping: dict[str, str], fragments: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError) as info:
        parse_weekly(mapping)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_weekly_may_be_given_parsed_and_is_validated() -> None:
    parsed = parse_weekly(SPLIT_WEEKLY)
    assert OfficeCalendar(weekly=parsed).weekly == SPLIT.weekly == parsed
    with pytest.raises(CalendarError, match="mon"):
        OfficeCalendar(weekly={0: [(600, 500)]})
    with pytest.raises(CalendarError, match="weekday 7"):
        OfficeCalendar(weekly={7: [(600, 700)]})


def test_constructor_errors_are_one_line_calendar_errors() -> None:
    with pytest.raises(CalendarError, match="time zone 'Asia/Jakart'"):
        OfficeCalendar(timezone="Asia/Jakart")
    with pytest.raises(CalendarError, match="holidays country 'XX'"):
        OfficeCalendar(holidays_country="XX")
    with pytest.raises(CalendarError, match="2026-08-17 is in both"):
        OfficeCalendar(closed_dates=[date(2026, 8, 17)], open_dates=["2026-08-17"])
    with pytest.raises(CalendarError, match="open_dates: not a date"):
        OfficeCalendar(open_dates=["17/08/2026"])
    with pytest.raises(CalendarError, match="at least one weekday"):
        OfficeCalendar(weekly={}, open_dates=[date(2026, 8, 17)])
    with pytest.raises(CalendarError, match="thu"):
        OfficeCalendar(weekly={"thu": "9-5"})
    assert issubclass(CalendarError, ValueError)  # config validators report it as a value error


# -- holidays ----------------------------------------------------------------------------------


def test_pinned_national_holidays_2026() -> None:
    independence = date(2026, 8, 17)  # a Monday
    christmas = date(2026, 12, 25)  # a Friday
    for d in (independence, christmas, date(2026, 1, 1)):
        assert d.weekday() < 5
        assert not DEFAULT.is_working_day(d)
        assert DEFAULT.holiday_name(d)
    assert DEFAULT.holiday_name(independence, "en") == "Independence Day"
    assert DEFAULT.holiday_name(christmas, "en") == "Christmas Day"
    assert DEFAULT.is_working_day(date(2026, 8, 18))
    assert DEFAULT.holiday_name(date(2026, 8, 18)) is None


def test_idul_fitri_1447_and_its_cuti_bersama_follow_the_package() -> None:
    window = [date(2026, 3, 14) + timedelta(days=i) for i in range(18)]
    listed = {d: PACKAGE_ID[d] for d in window if d in PACKAGE_ID}
    # Idul Fitri 1447 H falls around 20-21 March 2026 in every published estimate.
    eid = [d for d in listed if "Idul Fitri" in (DEFAULT.holiday_name(d) or "")]
    assert any(date(2026, 3, 19) <= d <= date(2026, 3, 22) for d in eid)
    cuti = [d for d in window if "Cuti Bersama" in (DEFAULT.holiday_name(d) or "")]
    assert any(d.weekday() < 5 for d in cuti), "2026 has weekday cuti bersama around Idul Fitri"
    for d in window:
        assert DEFAULT.is_working_day(d) == reference_working(d), d


def test_cuti_bersama_needs_the_government_category() -> None:
    public_only = holidays.country_holidays("ID", categories=("public",), years=2026)
    cuti = [d for d, name in PACKAGE_ID.items() if d.year == 2026 and d not in public_only]
    assert cuti, "the package lists cuti bersama under the government category"
    for d in cuti:
        assert not DEFAULT.is_working_day(d)


def test_christmas_eve_and_boxing_day_as_the_package_says() -> None:
    for d in (date(2026, 12, 24), date(2026, 12, 26), date(2025, 12, 26), date(2024, 12, 26)):
        assert DEFAULT.is_working_day(d) == reference_working(d), d
        assert (DEFAULT.holiday_name(d) is not None) == (d in PACKAGE_ID)


def test_holidays_can_be_turned_off_and_other_countries_work() -> None:
    plain = OfficeCalendar(holidays_country="")
    assert plain.is_working_day(date(2026, 8, 17))
    assert plain.holiday_name(date(2026, 8, 17)) is None
    germany = OfficeCalendar(timezone="Europe/Berlin", holidays_country="de")  # no "government"
    assert not germany.is_working_day(date(2026, 12, 25))
    assert germany.is_working_day(date(2026, 8, 17))


def test_holidays_are_built_lazily_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = calendar_module.holidays_lib.country_holidays

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(calendar_module.holidays_lib, "country_holidays", counting)
    cal = OfficeCalendar()
    assert calls == [None]  # only the country check at construction
    for i in range(365):
        cal.is_working_day(date(2026, 1, 1) + timedelta(days=i))
    cal.add_working_days(date(2026, 12, 20), 10)
    assert calls == [None, 2026, 2027]


# -- closed and open dates ---------------------------------------------------------------------


def test_closed_and_open_dates() -> None:
    cal = OfficeCalendar(
        weekly={"mon": "08:00-15:00", "tue": "09:00-16:00", "wed": "08:00-16:00"},
        closed_dates=[date(2026, 7, 8)],  # a Wednesday
        open_dates=[date(2026, 7, 11), "2026-08-17", date(2026, 7, 14)],  # Sat, holiday, Tue
    )
    assert not cal.is_working_day(date(2026, 7, 8))
    assert cal.hours_on(date(2026, 7, 8)) == ()
    # A Saturday has no hours of its own: it borrows Monday's.
    assert cal.is_working_day(date(2026, 7, 11))
    assert cal.hours_on(date(2026, 7, 11)) == ((480, 900),)
    assert cal.is_open(wib(2026, 7, 11, 14, 59))
    # An open date on a holiday uses its weekday's hours and keeps the holiday name.
    assert cal.is_working_day(date(2026, 8, 17))
    assert cal.holiday_name(date(2026, 8, 17), "en") == "Independence Day"
    assert cal.hours_on(date(2026, 7, 14)) == ((540, 960),)
    assert not cal.is_working_day(date(2026, 7, 12))  # the Sunday after stays closed


def test_open_date_falls_back_to_first_day_with_hours_when_monday_is_closed() -> None:
    cal = OfficeCalendar(
        weekly={"thu": "10:00-11:00", "tue": "09:00-10:00"}, open_dates=[date(2026, 7, 12)]
    )
    assert cal.hours_on(date(2026, 7, 12)) == ((540, 600),)


# -- working days (UU 14/2008) -----------------------------------------------------------------


def test_ten_working_days_from_a_friday_skip_the_weekends() -> None:
    friday = date(2026, 7, 3)  # no holidays in July 2026
    assert DEFAULT.add_working_days(friday, 1) == date(2026, 7, 6)
    assert DEFAULT.add_working_days(friday, 10) == date(2026, 7, 17)
    assert DEFAULT.working_days_between(friday, date(2026, 7, 17)) == 10
    assert DEFAULT.add_working_days(friday, 10, from_next_day=False) == date(2026, 7, 16)


def test_receipt_on_a_weekend_or_holiday_counts_from_the_next_working_day() -> None:
    assert DEFAULT.add_working_days(date(2026, 7, 4), 1) == date(2026, 7, 6)  # Saturday
    assert DEFAULT.add_working_days(date(2026, 8, 17), 1) == date(2026, 8, 18)  # Independence
    assert DEFAULT.add_working_days(date(2026, 8, 17), 1, from_next_day=False) == date(2026, 8, 18)
    assert DEFAULT.add_working_days(date(2026, 8, 18), 1, from_next_day=False) == date(2026, 8, 18)


def test_ten_working_days_from_the_day_before_the_nyepi_and_lebaran_break() -> None:
    start = date(2026, 3, 17)  # Tuesday; 18-24 March are Nyepi, Idul Fitri and cuti bersama
    expected = start
    for _ in range(10):
        expected += timedelta(days=1)
        while not reference_working(expected):
            expected += timedelta(days=1)
    assert DEFAULT.add_working_days(start, 10) == expected
    assert expected == date(2026, 4, 8)  # also skips Good Friday, 3 April
    assert DEFAULT.add_working_days(start, 1) == date(2026, 3, 25)
    # The 7-working-day extension (Pasal 22(8)) counts on from the first due date.
    assert DEFAULT.add_working_days(expected, 7) == date(2026, 4, 17)


def test_working_days_edge_cases() -> None:
    assert DEFAULT.add_working_days(date(2026, 7, 4), 0) == date(2026, 7, 4)
    assert DEFAULT.working_days_between(date(2026, 7, 17), date(2026, 7, 3)) == 0
    assert DEFAULT.working_days_between(date(2026, 7, 3), date(2026, 7, 3)) == 0
    with pytest.raises(CalendarError, match="negative"):
        DEFAULT.add_working_days(date(2026, 7, 3), -1)
    with pytest.raises(CalendarError, match="aware"):
        DEFAULT.add_working_days(datetime(2026, 7, 3, 10), 1)
    never = OfficeCalendar(weekly={}, holidays_country="")
    with pytest.raises(CalendarError, match="no working day"):
        never.add_working_days(date(2026, 7, 3), 1)


def test_receipt_instants_are_read_in_office_time() -> None:
    # 16:30 UTC Thursday is 23:30 WIB Thursday; 17:30 UTC is already Friday 00:30 WIB.
    assert DEFAULT.add_working_days(datetime(2026, 7, 2, 16, 30, tzinfo=UTC), 1) == date(2026, 7, 3)
    assert DEFAULT.add_working_days(datetime(2026, 7, 2, 17, 30, tzinfo=UTC), 1) == date(2026, 7, 6)
    assert (
        DEFAULT.working_days_between(
            datetime(2026, 7, 2, 17, 30, tzinfo=UTC), datetime(2026, 7, 6, 1, 0, tzinfo=UTC)
        )
        == 1
    )


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    n=st.integers(min_value=1, max_value=40),
    from_next_day=st.booleans(),
)
def test_add_working_days_matches_a_plain_count(start: date, n: int, from_next_day: bool) -> None:
    due = DEFAULT.add_working_days(start, n, from_next_day=from_next_day)
    assert reference_working(due)
    first = start if from_next_day else start - timedelta(days=1)
    assert DEFAULT.working_days_between(first, due) == n
    plain = sum(reference_working(first + timedelta(days=i)) for i in range(1, (due - first).days))
    assert plain == n - 1


# -- opening hours -----------------------------------------------------------------------------


def test_is_open_at_range_edges() -> None:
    monday = (2026, 7, 6)
    assert not DEFAULT.is_open(wib(*monday, 7, 59, 59))
    assert DEFAULT.is_open(wib(*monday, 8))
    assert DEFAULT.is_open(wib(*monday, 15, 59, 59))
    assert not DEFAULT.is_open(wib(*monday, 16))
    assert not DEFAULT.is_open(wib(2026, 7, 4, 10))  # Saturday
    assert not DEFAULT.is_open(wib(2026, 8, 17, 10))  # Independence Day
    with pytest.raises(CalendarError, match="aware"):
        DEFAULT.is_open(datetime(2026, 7, 6, 10))


def test_several_ranges_per_day() -> None:
    assert SPLIT.is_open(wib(2026, 7, 6, 7, 30))
    assert not SPLIT.is_open(wib(2026, 7, 6, 12, 30))
    assert SPLIT.is_open(wib(2026, 7, 6, 13))
    assert not SPLIT.is_open(wib(2026, 7, 10, 12))  # Friday prayers break runs longer
    assert SPLIT.is_open(wib(2026, 7, 11, 11, 59))  # Saturday half day
    assert SPLIT.next_opening(wib(2026, 7, 10, 11, 45)) == wib(2026, 7, 10, 13, 30)


def test_24_00_end_and_utc_instants_near_midnight_wib() -> None:
    # Friday 23:59:59 WIB is open; the range ends at midnight and Saturday has no hours.
    assert NIGHTS.is_open(datetime(2026, 7, 10, 16, 59, 59, tzinfo=UTC))
    assert not NIGHTS.is_open(datetime(2026, 7, 10, 17, 0, tzinfo=UTC))
    # Sunday 23:59 WIB is closed, Monday 00:00 WIB (17:00 UTC on Sunday) is open.
    assert not NIGHTS.is_open(datetime(2026, 7, 5, 16, 59, 59, tzinfo=UTC))
    assert NIGHTS.is_open(datetime(2026, 7, 5, 17, 0, tzinfo=UTC))
    # The same instant seen from Jayapura (WIT, UTC+9) is Monday 02:00 there.
    assert NIGHTS.is_open(datetime(2026, 7, 6, 2, 0, tzinfo=ZoneInfo("Asia/Jayapura")))
    assert NIGHTS.next_opening(datetime(2026, 7, 5, 16, 0, tzinfo=UTC)) == wib(2026, 7, 6)
    # Thursday's all-day range runs into Friday's closed daytime.
    assert NIGHTS.next_opening(wib(2026, 7, 10, 0, 0)) == wib(2026, 7, 10, 20)


def test_next_opening() -> None:
    now = wib(2026, 7, 6, 10, 15)
    opened = DEFAULT.next_opening(now.astimezone(UTC))
    assert opened == now and opened.tzinfo == WIB  # open now: the same instant, office time
    assert DEFAULT.next_opening(wib(2026, 7, 6, 6)) == wib(2026, 7, 6, 8)  # early morning
    assert DEFAULT.next_opening(wib(2026, 7, 6, 16)) == wib(2026, 7, 7, 8)  # closing time
    assert DEFAULT.next_opening(wib(2026, 7, 6, 22)) == wib(2026, 7, 7, 8)  # night
    assert DEFAULT.next_opening(wib(2026, 7, 3, 17)) == wib(2026, 7, 6, 8)  # weekend
    assert DEFAULT.next_opening(wib(2026, 8, 17, 9)) == wib(2026, 8, 18, 8)  # holiday
    assert DEFAULT.next_opening(wib(2026, 3, 17, 17)) == wib(2026, 3, 25, 8)  # Lebaran break
    assert DEFAULT.next_opening(wib(2026, 12, 23, 17)) == wib(2026, 12, 28, 8)


def test_next_opening_of_a_calendar_that_never_opens() -> None:
    never = OfficeCalendar(weekly={})
    with pytest.raises(CalendarError, match="not open within"):
        never.next_opening(wib(2026, 7, 6))
    # An open Monday with no Monday hours borrows the first day that has some (Saturday).
    sparse = OfficeCalendar(weekly={"sat": "08:00-09:00"}, open_dates=[date(2026, 7, 6)])
    assert sparse.next_opening(wib(2026, 7, 1)) == wib(2026, 7, 4, 8)
    assert sparse.next_opening(wib(2026, 7, 4, 10)) == wib(2026, 7, 6, 8)
    assert sparse.next_opening(wib(2026, 7, 6, 9)) == wib(2026, 7, 11, 8)


# -- business time -----------------------------------------------------------------------------


def test_business_time_across_a_night_and_a_weekend() -> None:
    assert DEFAULT.business_time_between(wib(2026, 7, 6, 15), wib(2026, 7, 7, 9)) == 2 * H
    assert DEFAULT.business_time_between(wib(2026, 7, 3, 15), wib(2026, 7, 6, 9)) == 2 * H
    assert DEFAULT.business_time_between(wib(2026, 7, 6), wib(2026, 7, 13)) == 40 * H
    assert DEFAULT.business_time_between(wib(2026, 8, 14), wib(2026, 8, 21)) == 32 * H
    assert SPLIT.business_time_between(wib(2026, 7, 6, 11), wib(2026, 7, 6, 14)) == 2 * H
    assert NIGHTS.business_time_between(wib(2026, 7, 10, 22), wib(2026, 7, 13, 1)) == 3 * H
    assert DEFAULT.business_time_between(wib(2026, 7, 7), wib(2026, 7, 6)) == timedelta(0)


def test_add_business_time() -> None:
    assert DEFAULT.add_business_time(wib(2026, 7, 3, 15), 2 * H) == wib(2026, 7, 6, 9)
    assert DEFAULT.add_business_time(wib(2026, 7, 6, 8), 8 * H) == wib(2026, 7, 6, 16)
    assert DEFAULT.add_business_time(wib(2026, 7, 4, 10), H) == wib(2026, 7, 6, 9)  # from Sat
    assert DEFAULT.add_business_time(wib(2026, 7, 4, 10), timedelta(0)) == wib(2026, 7, 6, 8)
    assert DEFAULT.add_business_time(wib(2026, 3, 17, 15), 2 * H) == wib(2026, 3, 25, 9)
    assert SPLIT.add_business_time(wib(2026, 7, 6, 11, 30), H) == wib(2026, 7, 6, 13, 30)
    due = DEFAULT.add_business_time(datetime(2026, 7, 6, 1, 0, tzinfo=UTC), 30 * M)
    assert due == wib(2026, 7, 6, 8, 30) and due.tzinfo == WIB
    with pytest.raises(CalendarError, match="negative"):
        DEFAULT.add_business_time(wib(2026, 7, 6, 8), -M)


CALENDARS = st.sampled_from([DEFAULT, SPLIT, NIGHTS])
INSTANTS = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)
SPANS = st.integers(min_value=1, max_value=14 * 24 * 3600).map(lambda s: timedelta(seconds=s))


@settings(max_examples=200, deadline=None)
@given(cal=CALENDARS, start=INSTANTS, delta=SPANS)
def test_add_business_time_inverts_business_time_between(
    cal: OfficeCalendar, start: datetime, delta: timedelta
) -> None:
    due = cal.add_business_time(start, delta)
    assert due > start
    assert cal.business_time_between(start, due) == delta
    # It is the first such instant: a microsecond earlier is not enough.
    assert cal.business_time_between(start, due - timedelta(microseconds=1)) < delta


@settings(max_examples=100, deadline=None)
@given(cal=CALENDARS, start=INSTANTS, first=SPANS, second=SPANS)
def test_business_time_composes(
    cal: OfficeCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    middle = cal.add_business_time(start, first)
    assert cal.add_business_time(middle, second) == cal.add_business_time(start, first + second)
    end = middle + timedelta(days=3)
    assert cal.business_time_between(start, end) == cal.business_time_between(
        start, middle
    ) + cal.business_time_between(middle, end)


@settings(max_examples=150, deadline=None)
@given(cal=CALENDARS, at=INSTANTS)
def test_next_opening_is_open_and_nothing_opens_before_it(
    cal: OfficeCalendar, at: datetime
) -> None:
    opening = cal.next_opening(at)
    assert cal.is_open(opening)
    assert (opening == at) == cal.is_open(at)
    assert cal.business_time_between(at, opening) == timedelta(0)
    assert cal.is_working_day(opening.date())


# -- formatting --------------------------------------------------------------------------------


def test_format_when_in_both_languages() -> None:
    at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 08:00 WIB
    assert DEFAULT.format_when(at, "id") == "Selasa, 1 Desember 2026 pukul 08:00 WIB"
    assert DEFAULT.format_when(at, "en") == "Tuesday, 1 December 2026 at 08:00 WIB"
    assert DEFAULT.format_when(at, "id-ID").startswith("Selasa")
    assert DEFAULT.format_when(at, "en-US").startswith("Tuesday")
    # Near midnight the office date differs from the UTC date.
    new_year = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    assert DEFAULT.format_when(new_year, "id") == "Jumat, 1 Januari 2027 pukul 00:30 WIB"
    assert DEFAULT.format_when(wib(2026, 8, 17, 10, 5), "en") == (
        "Monday, 17 August 2026 at 10:05 WIB"
    )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Jakarta", "08:00 WIB"),
        ("Asia/Pontianak", "08:00 WIB"),
        ("Asia/Makassar", "09:00 WITA"),
        ("Asia/Jayapura", "10:00 WIT"),
        ("Europe/Amsterdam", "02:00 CET"),
        ("UTC", "01:00 UTC"),
    ],
)
def test_format_when_zone_abbreviations(zone: str, expected: str) -> None:
    cal = OfficeCalendar(timezone=zone, holidays_country="")
    assert cal.format_when(datetime(2026, 12, 1, 1, 0, tzinfo=UTC), "id").endswith(expected)


def test_format_when_has_every_indonesian_month_and_day() -> None:
    months = [DEFAULT.format_when(wib(2026, m, 1, 9), "id").split()[2] for m in range(1, 13)]
    assert months == [
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
    ]
    days = [DEFAULT.format_when(wib(2026, 7, 6 + i, 9), "id").split(",")[0] for i in range(7)]
    assert days == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
