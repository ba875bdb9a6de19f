"""The send limits counted by all replicas together, in Redis.

Each replica's own SendLimiter sees only its own sends: two replicas would send 60 messages a
second for one bot. Here every send first takes a slot in windows kept in Redis, one sorted
set per window (the bot's, and the chat's), scored by Redis's own clock so that the replicas'
clocks never disagree. A Lua script checks both windows and records the send in both in one
atomic step: no replica sees a window between another's check and its record.

The replica still keeps its local windows (the sender sizes its batches by them, as with one
process); the shared slot is taken as each send starts (``acquire``), waiting when the other
replicas filled the windows meanwhile.

Redis unreachable: one warning line (then one a minute), and the replica keeps to its share of
the limits in its own memory (the limits divided by ``[redis] replicas``), so the replicas
together stay within the limits without talking to each other; Redis is tried again every few
seconds, and its windows are used again as soon as it answers. The sends made in the share are
not in Redis's windows, so the share keeps holding as well until they have left them (a minute
at most, a group's window): a replica back on Redis never adds a full window to what it sent
alone. The replicas' share assumes at most ``[redis] replicas`` of them.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.ratelimit import SendLimiter
from bot.setaside import WarnEvery

log = logging.getLogger(__name__)

# After Redis failed, the share in memory is used this long before Redis is asked again: a
# Redis that times out must not cost every send its timeout.
RETRY_REDIS_SECONDS = 5.0
# A reply from Redis must come quickly, or the share in memory is used for this send.
REDIS_TIMEOUT_SECONDS = 1.0

# KEYS: the windows' sorted sets. ARGV: limit and window (microseconds) of each key in turn,
# then the send's unique member. Returns {1, now} when the send fits (and is recorded in every
# window), else {0, microseconds until it may fit}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    local until_free = tonumber(oldest[2]) + window - now + 1
    if until_free > wait then wait = until_free end
  end
end
if wait > 0 then return {0, wait} end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[#ARGV])
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 * i]) / 1000) + 1000)
end
return {1, now}
"""


class SharedSendLimiter(SendLimiter):
    """SendLimiter's interface, with each send's slot taken in Redis (see the module)."""

    def __init__(
        self,
        client: Redis,
        scope: str,
        *,
        global_per_second: float,
        private_per_second: float,
        group_per_minute: float,
        replicas: int,
        prefix: str = "loket:send",
        retry_redis_after: float = RETRY_REDIS_SECONDS,
    ) -> None:
        super().__init__(
            global_per_second=global_per_second,
            private_per_second=private_per_second,
            group_per_minute=group_per_minute,
        )
        self.client = client
        self.keys = f"{prefix}:{scope}"
        self._script = client.register_script(_ACQUIRE)
        self.retry_redis_after = retry_redis_after
        # This replica's share, used while Redis cannot be reached.
        self.fallback = SendLimiter(
            global_per_second=global_per_second / replicas,
            private_per_second=private_per_second / replicas,
            group_per_minute=group_per_minute / replicas,
        )
        self._redis_down_until = float("-inf")
        # Until then (monotonic) the share also holds: sends made in it while Redis was away
        # are still in the windows, and Redis does not know them.
        self._share_until = float("-inf")
        share = self.fallback
        windows = (share.global_window, share.private_window, share.group_window)
        self._longest_window = max(window.window for window in windows)
        self._trouble = WarnEvery(log)
        self._member = f"{uuid.uuid4().hex}:"
        self._sent = 0

    def _shared_args(self, chat_id: str, per_chat: bool) -> tuple[list[str], list[Any]]:
        windows = [(f"{self.keys}:bot", self.global_window)]
        if per_chat:
            windows.append((f"{self.keys}:chat:{chat_id}", self._chat_window(chat_id)))
        args: list[Any] = []
        for _, window in windows:
            args += [window.limit, round(window.window * 1_000_000)]
        self._sent += 1
        args.append(f"{self._member}{self._sent}")
        return [key for key, _ in windows], args

    async def acquire(
        self, chat_id: str, monotonic: Callable[[], float], *, per_chat: bool = True
    ) -> float:
        """Wait until the send fits the windows all replicas share, and record it there; the
        time of the slot (Redis's clock in seconds, or ``monotonic`` when Redis was away)."""
        while True:
            if monotonic() >= self._redis_down_until:
                if monotonic() < self._share_until:
                    # Back from an outage: the sends made meanwhile are not in Redis, so the
                    # share holds too until they have left every window.
                    await self._room_in_share(chat_id, monotonic, per_chat)
                try:
                    granted = await self._try_shared(chat_id, per_chat)
                except (RedisError, OSError, TimeoutError) as exc:
                    self._redis_down_until = monotonic() + self.retry_redis_after
                    self._trouble.warning(
                        "send limiter: Redis is unreachable (%s); each replica keeps to "
                        "its share of the limits meanwhile",
                        type(exc).__name__,
                    )
                else:
                    self._trouble.recovered("send limiter: Redis answers again")
                    if granted is not None:
                        # This replica's own windows too: the sender sizes its batches by them.
                        self.record(chat_id, monotonic())
                        if monotonic() < self._share_until:
                            self.fallback.record(chat_id, monotonic())
                        return granted
                    continue
            # Redis away: this replica's share, in memory, until its sends left the windows.
            at = await self.fallback.acquire(chat_id, monotonic, per_chat=per_chat)
            self._share_until = at + self._longest_window
            return at

    async def _room_in_share(
        self, chat_id: str, monotonic: Callable[[], float], per_chat: bool
    ) -> None:
        share = self.fallback
        while True:
            now = monotonic()
            delay = max(share.global_wait(now), share.chat_wait(chat_id, now) if per_chat else 0)
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    async def _try_shared(self, chat_id: str, per_chat: bool) -> float | None:
        """The slot's time when the send fits now; else waits until it may and returns None."""
        keys, args = self._shared_args(chat_id, per_chat)
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
            fits, value = await self._script(keys=keys, args=args)
        if int(fits):
            return int(value) / 1_000_000
        # The windows free themselves with time: there is nothing to be woken by.
        await asyncio.sleep(int(value) / 1_000_000)
        return None


def limiter_factory(
    url: str, replicas: int
) -> tuple[Callable[..., SendLimiter], Callable[[], Awaitable[None]] | None]:
    """A maker of the app's limiters (a scope, then the limits as SendLimiter takes them) and
    the closer of their Redis client: shared ones with a Redis ``url``, in memory without."""
    if not url:

        def local(scope: str, **limits: float) -> SendLimiter:
            return SendLimiter(**limits)

        return local, None
    # One client for all the app's limiters; a slow Redis must not hold a send for long.
    client = Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )

    def shared(
        scope: str, *, global_per_second: float, private_per_second: float, group_per_minute: float
    ) -> SendLimiter:
        return SharedSendLimiter(
            client,
            scope,
            replicas=replicas,
            global_per_second=global_per_second,
            private_per_second=private_per_second,
            group_per_minute=group_per_minute,
        )

    return shared, client.aclose
