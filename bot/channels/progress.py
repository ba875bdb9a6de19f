"""Progress of outbox rows sent as several messages (a long text on WhatsApp), kept between a
row's attempts so a retry does not send its delivered parts twice."""

from __future__ import annotations

import time
from collections.abc import Callable

# A row's retries come within minutes (the outbox backs off to at most 5 minutes between
# tries); progress not used for this long belongs to a row that failed for good.
PROGRESS_TTL_SECONDS = 3600.0


class PartProgress:
    """Row id -> (parts delivered, the last part's message id), forgotten when the row is done
    or after ``ttl`` seconds unused, so memory does not grow with failed rows."""

    def __init__(
        self, ttl: float = PROGRESS_TTL_SECONDS, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._now = now
        self._rows: dict[int, tuple[int, str, float]] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, row_id: int) -> tuple[int, str]:
        done, last, _ = self._rows.get(row_id, (0, "", 0.0))
        return done, last

    def delivered(self, row_id: int, parts: int, last: str) -> None:
        now = self._now()
        self._rows[row_id] = (parts, last, now)
        # Only rows whose later part failed are kept, a handful at most: checking them all is cheap.
        stale = [key for key, (_, _, at) in self._rows.items() if at <= now - self.ttl]
        for key in stale:
            del self._rows[key]

    def finished(self, row_id: int) -> None:
        self._rows.pop(row_id, None)
