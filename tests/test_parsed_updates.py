"""The poller's parsed updates go to the worker once; the stored payload stays the source."""

from __future__ import annotations

from aiogram.types import Update

from bot.channels.telegram import ParsedUpdates


def _update(update_id: int) -> Update:
    return Update.model_validate({"update_id": update_id})


def test_taken_once() -> None:
    parsed = ParsedUpdates()
    first = _update(1)
    parsed.keep([first, _update(2)])
    assert parsed.take("1") is first
    assert parsed.take("1") is None  # a retry reads the stored payload
    assert parsed.take("3") is None


def test_bounded() -> None:
    parsed = ParsedUpdates(limit=2)
    parsed.keep([_update(1), _update(2), _update(3)])
    assert parsed.take("1") is None  # the oldest went
    assert parsed.take("2") is not None
    assert parsed.take("3") is not None
