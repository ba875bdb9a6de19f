"""What the outbox sender needs from a channel, and how a channel reports failures."""

from __future__ import annotations

from typing import Any, Protocol

from storage.models import Outbox


class SendError(Exception):
    """Base of send failures; ``str()`` must never contain secrets."""


class RetryLater(SendError):
    """The platform asked us to slow down (HTTP 429): retry after ``seconds``."""

    def __init__(self, seconds: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.seconds = seconds


class TransientError(SendError):
    """Network trouble or a server error: retry with backoff."""


class PermanentError(SendError):
    """The message can never be delivered (blocked, chat not found, bad request)."""


class Held(SendError):
    """Not sendable now, but will be once the recipient writes again (WhatsApp's 24-hour
    window): the row waits in status "held" until the channel releases it."""


class ChannelSender(Protocol):
    async def send(self, row: Outbox) -> str:
        """Deliver one outbox row; return the platform's message id."""
        ...

    async def probe(
        self, chat_id: str, method: str, payload: dict[str, Any], candidates: list[int]
    ) -> str | bool | None:
        """After a crash mid-send: the message id if the row did arrive, None if it surely did
        not, False if the channel cannot tell."""
        ...
