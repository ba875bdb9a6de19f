"""What counts as a typed answer to the rating question (bot.core.desk.typed_rating)."""

from __future__ import annotations

import pytest

from bot.core.desk import typed_rating


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4),
        (" 1 ", 1),
        ("3/4", 3),
        ("Sangat puas!", 4),
        ("kurang  puas", 2),
        ("tidak puas", 1),
        ("puas", 3),
        ("4 · Sangat puas", 4),
        ("very satisfied", 4),
    ],
)
def test_answers_to_the_scale_are_ratings(text: str, score: int) -> None:
    assert typed_rating(text) == score


@pytest.mark.parametrize(
    "text", ["5", "0", "14", "4 jam lagi", "saya tidak puas dengan jawabannya", "4 puas", ""]
)
def test_anything_else_is_not(text: str) -> None:
    assert typed_rating(text) is None
