"""The IKM index (PermenPANRB 14/2017): the mean of the element means times 25, and its bands
checked at their edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.core.ikm import ELEMENT_KEYS, band, compute


@pytest.mark.parametrize(
    ("index", "letter"),
    [
        ("100", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("88.305", "A"),  # two decimals, half up: 88.31
        ("88.3049", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("64.995", "C"),  # 65.00
        ("25", "D"),
    ],
)
def test_bands_at_their_edges(index: str, letter: str) -> None:
    assert band(Decimal(index))[0] == letter
    assert band(index)[0] == letter


@pytest.mark.parametrize("index", ["24.99", "100.01", "0"])
def test_an_index_outside_25_to_100_is_refused(index: str) -> None:
    with pytest.raises(ValueError, match="25 to 100"):
        band(index)


def test_all_fours_is_100_and_all_ones_is_25() -> None:
    best = compute([dict.fromkeys(ELEMENT_KEYS, 4)] * 3)
    worst = compute([dict.fromkeys(ELEMENT_KEYS, 1)])
    assert best is not None and worst is not None
    assert (best.index, best.band, best.meaning, best.respondents) == (
        Decimal("100.00"), "A", "Sangat Baik", 3,
    )  # fmt: skip
    assert (worst.index, worst.band) == (Decimal("25.00"), "D")


def test_mean_of_element_means_times_25() -> None:
    # Two respondents; the second skipped "cost". Element means, worked out by hand:
    # requirements (4+3)/2 = 3.5, cost 2/1 = 2, every other element (3+3)/2 = 3.
    # Mean of the nine: (3.5 + 2 + 7 * 3) / 9 = 26.5 / 9 = 2.9444...; x 25 = 73.6111 -> 73.61, C.
    first = dict.fromkeys(ELEMENT_KEYS, 3) | {"requirements": 4, "cost": 2}
    second = {key: 3 for key in ELEMENT_KEYS if key != "cost"}
    ikm = compute([first, second])
    assert ikm is not None
    assert ikm.element_means["requirements"] == Decimal("3.5")
    assert ikm.element_means["cost"] == Decimal(2)
    assert ikm.index == Decimal("73.61")
    assert (ikm.band, ikm.meaning, ikm.respondents) == ("C", "Kurang Baik", 2)


def test_no_answers_is_no_index_and_bad_answers_are_named() -> None:
    assert compute([]) is None
    assert compute([{}]) is None
    with pytest.raises(ValueError, match="from 1 to 4"):
        compute([{"time": 5}])
    with pytest.raises(ValueError, match="unknown IKM element 'speed'"):
        compute([{"speed": 3}])
