"""Magic filters checked on the event loop.

aiogram (3.31) calls a filter that is not a coroutine function, which a bare ``F`` expression
is not, through ``asyncio.to_thread``: a trip to a worker thread for every check of every
update, several per message. The checks are attribute lookups, far cheaper than the trip.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.utils.magic_filter import MagicFilter


class Magic(Filter):
    """True when every given magic filter holds for the event, e.g. ``Magic(F.text)``."""

    def __init__(self, *magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: Any) -> bool:
        return all(m.resolve(event) for m in self.magic)
