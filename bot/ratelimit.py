"""Sliding-window send limits, the way Telegram counts them.

Telegram allows about 30 messages per second overall, 1 per second to one private chat and 20
per minute to one group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-
avoid-this). A sliding window log guarantees "never more than N in any window", which a token
bucket with a burst does not.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most ``limit`` events in any ``window`` seconds, per key."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._events: dict[object, deque[float]] = {}
        self._next_sweep = float("-inf")

    def __len__(self) -> int:
        """Keys with events still kept."""
        return len(self._events)

    def wait_time(self, key: object, now: float) -> float:
        """Seconds until one more event for ``key`` fits; 0 when it fits now."""
        events = self._events.get(key)
        if not events:
            return 0.0
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
            return 0.0
        if len(events) < self.limit:
            return 0.0
        # A hair past the edge, so float rounding never lets a window hold limit + 1 events.
        return events[0] + self.window - now + 1e-4

    def room(self, key: object, now: float) -> int:
        """How many more events for ``key`` fit now."""
        if self.wait_time(key, now) > 0:
            return 0
        return self.limit - len(self._events.get(key, ()))

    def record(self, key: object, now: float) -> None:
        self._events.setdefault(key, deque()).append(now)
        if now >= self._next_sweep:
            # Once a window: a chat written to once is otherwise never asked about again.
            self.forget(now)
            self._next_sweep = now + self.window

    def forget(self, now: float) -> None:
        """Drop the keys whose events all left the window: they limit nothing any more, and
        memory must not grow with every chat ever written to."""
        cutoff = now - self.window
        for key in [key for key, events in self._events.items() if events[-1] <= cutoff]:
            del self._events[key]


def per_second_window(rate: float, margin: float = 1.0) -> SlidingWindow:
    """A window for a rate such as 1/s or 0.5/s, as a whole count over a whole window."""
    if rate >= 1:
        return SlidingWindow(int(rate), margin)
    return SlidingWindow(1, margin / rate)


# Windows are kept a little longer than Telegram's: a send starts a few milliseconds after it
# is recorded, and Telegram counts when the request arrives.
MARGIN = 1.03


class SendLimiter:
    """The three Telegram limits combined; keys are chat ids, groups are negative ids."""

    def __init__(
        self, *, global_per_second: float, private_per_second: float, group_per_minute: float
    ) -> None:
        self.global_window = per_second_window(global_per_second, MARGIN)
        self.private_window = per_second_window(private_per_second, MARGIN)
        if group_per_minute >= 1:
            self.group_window = SlidingWindow(int(group_per_minute), 60.0 * MARGIN)
        else:
            self.group_window = SlidingWindow(1, 60.0 * MARGIN / group_per_minute)

    def _chat_window(self, chat_id: str) -> SlidingWindow:
        return self.group_window if chat_id.startswith("-") else self.private_window

    def chat_wait(self, chat_id: str, now: float) -> float:
        return self._chat_window(chat_id).wait_time(chat_id, now)

    def global_wait(self, now: float) -> float:
        return self.global_window.wait_time(None, now)

    def global_room(self, now: float) -> int:
        """How many sends the global window takes now (a batch is sized by it)."""
        return self.global_window.room(None, now)

    def record(self, chat_id: str, now: float) -> None:
        self.global_window.record(None, now)
        self._chat_window(chat_id).record(chat_id, now)

    async def acquire(
        self, chat_id: str, monotonic: Callable[[], float], *, per_chat: bool = True
    ) -> float:
        """Wait until one more send to ``chat_id`` fits (the chat's window too unless
        ``per_chat`` is False), record it, and return its time. The sender calls it as each
        send starts; a shared limiter (bot.shared_limits) counts there across replicas."""
        while True:
            now = monotonic()
            delay = self.global_wait(now)
            if per_chat:
                delay = max(delay, self.chat_wait(chat_id, now))
            if delay <= 0:
                self.record(chat_id, now)
                return now
            # The window frees itself with time; there is no event to wait on.
            await asyncio.sleep(delay)
