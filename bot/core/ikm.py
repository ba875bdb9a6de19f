"""The community satisfaction index (Indeks Kepuasan Masyarakat, PermenPANRB 14/2017).

Nine service elements, each answered 1-4. The index is the mean of the element means times 25
(so 25-100), rounded half up to two decimals as the regulation's tables print it, and read as a
quality band: A (sangat baik) from 88.31, B (baik) from 76.61, C (kurang baik) from 65.00,
else D (tidak baik). Pure: the survey's storage and questions build on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# (key, Indonesian, English), in the regulation's order (U1-U9).
ELEMENTS: tuple[tuple[str, str, str], ...] = (
    ("requirements", "Persyaratan", "Requirements"),
    ("procedure", "Sistem, mekanisme, dan prosedur", "Procedure"),
    ("time", "Waktu penyelesaian", "Completion time"),
    ("cost", "Biaya/tarif", "Cost"),
    ("product", "Produk spesifikasi jenis pelayanan", "Service product"),
    ("competence", "Kompetensi pelaksana", "Staff competence"),
    ("conduct", "Perilaku pelaksana", "Staff conduct"),
    ("facilities", "Sarana dan prasarana", "Facilities"),
    ("complaints", "Penanganan pengaduan, saran dan masukan", "Complaint handling"),
)
ELEMENT_KEYS = tuple(key for key, _, _ in ELEMENTS)
MIN_SCORE, MAX_SCORE = 1, 4
CONVERSION = Decimal(25)

# (lowest index of the band, band, its meaning): checked from the top.
BANDS: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("88.31"), "A", "Sangat Baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang Baik"),
    (Decimal("25.00"), "D", "Tidak Baik"),
)


@dataclass(frozen=True, slots=True)
class Ikm:
    index: Decimal  # 25.00-100.00, two decimals
    band: str  # A, B, C or D
    meaning: str  # Sangat Baik ...
    respondents: int
    element_means: dict[str, Decimal]  # key -> mean of its answers (1-4)


def band(index: Decimal | float | str) -> tuple[str, str]:
    """The band of an index (rounded half up to two decimals first): ("A", "Sangat Baik")..."""
    value = Decimal(str(index)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if not Decimal(25) <= value <= Decimal(100):
        raise ValueError(f"an IKM index runs from 25 to 100, not {value}")
    for lowest, letter, meaning in BANDS:
        if value >= lowest:
            return letter, meaning
    raise AssertionError("unreachable: D starts at 25")  # pragma: no cover


def compute(responses: Iterable[Mapping[str, int]]) -> Ikm | None:
    """The index of a set of responses (each: element key -> 1..4). An element a respondent
    skipped is left out of that element's mean only; None when no element has an answer."""
    sums = dict.fromkeys(ELEMENT_KEYS, 0)
    counts = dict.fromkeys(ELEMENT_KEYS, 0)
    respondents = 0
    for response in responses:
        answered = False
        for key, score in response.items():
            if key not in sums:
                raise ValueError(f"unknown IKM element {key!r}")
            if not MIN_SCORE <= score <= MAX_SCORE:
                raise ValueError(f"{key}: a score runs from 1 to 4, not {score}")
            sums[key] += score
            counts[key] += 1
            answered = True
        respondents += answered
    means = {key: Decimal(sums[key]) / counts[key] for key in ELEMENT_KEYS if counts[key]}
    if not means:
        return None
    index = (sum(means.values(), Decimal(0)) / len(means) * CONVERSION).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    letter, meaning = band(index)
    return Ikm(index, letter, meaning, respondents, means)
