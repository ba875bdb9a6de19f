"""Property tests for callback data and durations: round trips, and nothing forged passes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.callbacks import MAX_BYTES, CallbackCodec
from bot.core.durations import parse_duration

codec = CallbackCodec(b"secret-one")
other = CallbackCodec(b"secret-two")
part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=8)


@given(part, st.lists(part, max_size=3))
def test_pack_unpack_round_trip(name: str, args: list[str]) -> None:
    data = codec.pack(name, *args)
    assert len(data.encode()) <= MAX_BYTES
    action = codec.unpack(data)
    assert action is not None and (action.name, action.args) == (name, tuple(args))


@given(part, st.lists(part, max_size=3))
def test_data_signed_with_another_secret_is_refused(name: str, args: list[str]) -> None:
    assert codec.unpack(other.pack(name, *args)) is None


@given(st.text(max_size=80))
def test_arbitrary_data_is_refused_and_never_raises(data: str) -> None:
    assert codec.unpack(data) is None


@given(part, part, st.integers(min_value=0, max_value=40), st.characters())
@example(name="0", arg="0", pos=0, char="\ud800")  # a lone surrogate: not UTF-8 at all
def test_any_single_change_is_refused(name: str, arg: str, pos: int, char: str) -> None:
    data = codec.pack(name, arg)
    pos = pos % len(data)
    changed = data[:pos] + char + data[pos + 1 :]
    if changed != data:
        assert codec.unpack(changed) is None


def test_too_long_or_bad_parts_are_rejected_when_packing() -> None:
    with pytest.raises(ValueError):
        codec.pack("x" * 70)
    with pytest.raises(ValueError):
        codec.pack("a:b")


@pytest.mark.parametrize(
    ("text", "delta", "wd"),
    [
        ("30s", timedelta(seconds=30), 0),
        ("15m", timedelta(minutes=15), 0),
        ("2h", timedelta(hours=2), 0),
        ("1d", timedelta(days=1), 0),
        ("10wd", timedelta(0), 10),
        (" 7 wd ", timedelta(0), 7),
    ],
)
def test_durations(text: str, delta: timedelta, wd: int) -> None:
    d = parse_duration(text)
    assert (d.delta, d.working_days) == (delta, wd)


@pytest.mark.parametrize("text", ["", "15", "m15", "1.5h", "-3m", "10 weeks", "2hh", "wd"])
def test_bad_durations_name_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=999_999), st.sampled_from(["s", "m", "h", "d", "wd"]))
def test_duration_str_round_trips(value: int, unit: str) -> None:
    d = parse_duration(f"{value}{unit}")
    assert parse_duration(str(d)) == d


@given(st.text(max_size=20))
def test_duration_parser_never_raises_anything_but_valueerror(text: str) -> None:
    try:
        parse_duration(text)
    except ValueError:
        pass
