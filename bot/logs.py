"""Logging set-up that never prints a secret."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable


class RedactingFormatter(logging.Formatter):
    """Replaces every configured secret in the final log line, tracebacks included.

    The token is part of every Bot API URL (https://core.telegram.org/bots/api#making-requests),
    so any library that logs a URL or an exception could otherwise leak it.
    """

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs every handled update at INFO; keep that for DEBUG runs only.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(quiet)
    # APScheduler logs every run of the one-second escalation tick at INFO.
    logging.getLogger("apscheduler").setLevel(quiet)
