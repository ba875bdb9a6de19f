"""Nothing stops the desk: what cannot be handled is set aside, and outages are logged calmly.

An update that does not parse (a Telegram update the installed aiogram cannot read, a signed
WhatsApp body that is not what Meta documents) or whose handler keeps raising is stored in the
inbox with status "failed" and its error, instead of stopping the poller or the worker. The
staff group hears of it at most once an hour (the time of the last notice is a row in the
database, so restarts and replicas share it); `loket inbox failed|show|retry` lists, prints
and hands such rows back to the worker (after an upgrade, say).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.core.postman import Postman
from bot.texts import st
from storage.repositories import InboxRepo, claim_notice

log = logging.getLogger(__name__)

NOTICE_JOB = "inbox_set_aside"
NOTICE_EVERY = timedelta(hours=1)


def validation_error(exc: ValidationError, what: str) -> str:
    """A short, one-line reason: the first few fields that did not validate."""
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in exc.errors()[:3]
    ]
    more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return f"does not validate as {what}: {'; '.join(problems)}{more}"


def raw_key(raw: Any) -> str:
    """A stable key for a payload without an id of its own: a redelivery stores nothing new."""
    text = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True, default=str)
    return "raw:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached, is shutting down or busy: an outage, not the fault of
    the work that met it. Looks through SQLAlchemy's wrapping to the driver's error.

    Narrow on purpose: SQLite reports a missing table or an unopenable file as an
    OperationalError too, and those are bugs or configuration, not something to wait out.
    """
    todo: list[BaseException] = [exc]
    for _ in range(12):  # SQLAlchemy's error, the adapter's, the driver's, what caused them
        if not todo:
            return False
        seen = todo.pop(0)
        if isinstance(seen, DisconnectionError | InterfaceError | ConnectionError | TimeoutError):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        # SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server shutting
        # down, crashed, not yet accepting connections), as PostgreSQL drivers report them.
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state[:4] == "57P0"):
            return True
        # SQLite's busy and locked (another writer holds the database).
        if isinstance(seen, sqlite3.Error) and (getattr(seen, "sqlite_errorcode", 0) & 0xFF) in (
            sqlite3.SQLITE_BUSY,
            sqlite3.SQLITE_LOCKED,
        ):
            return True
        orig = seen.orig if isinstance(seen, DBAPIError) else None
        todo.extend(
            e for e in (orig, seen.__cause__, seen.__context__) if isinstance(e, BaseException)
        )
    return False


class SetAsideNotice:
    """Tells the staff group that updates were set aside: one short notice an hour at most."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        postman: Postman,
        clock: Clock,
        on_commit: Callable[[], None],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.postman = postman
        self.clock = clock
        self.on_commit = on_commit

    async def __call__(self) -> None:
        """Called after rows were set aside (committed); never raises."""
        try:
            async with self.sessionmaker() as session:
                count = await InboxRepo(session).count_failed()
                now = self.clock.now()
                if not count or not await claim_notice(session, NOTICE_JOB, now, NOTICE_EVERY):
                    return
                await self.postman.to_staff(session, st("inbox_set_aside", count=count))
                await session.commit()
        except Exception as exc:  # the rows are stored; only the notice is missed
            log.warning("could not tell the staff group of set-aside updates: %r", exc)
            return
        self.on_commit()


class WarnEvery:
    """One warning line per period for a trouble that repeats (an outage), not one per try."""

    def __init__(self, logger: logging.Logger, seconds: float = 60.0) -> None:
        self.logger = logger
        self.seconds = seconds
        self._last: float | None = None
        self._since_last = 0  # tries that failed since the last line
        self.failing = False

    def warning(self, message: str, *args: object, exc: BaseException | None = None) -> None:
        """``exc``'s trace is logged with the first line of a trouble only (to find a bug)."""
        first = not self.failing
        self.failing = True
        self._since_last += 1
        now = time.monotonic()
        if self._last is not None and now - self._last < self.seconds:
            return
        if self._since_last > 1:
            message += f" ({self._since_last} failed tries since the last line)"
        self.logger.warning(message, *args, exc_info=exc if first else None)
        self._last, self._since_last = now, 0

    def recovered(self, message: str, *args: object) -> None:
        """Say once that the trouble is over (if there was one)."""
        if self.failing:
            self.logger.warning(message, *args)
        self.failing, self._last, self._since_last = False, None, 0


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def utf8_text(value: Any) -> Any:
    """Parsed JSON with every lone surrogate in its strings made U+FFFD. JSON can escape one
    ("\\ud800", a surrogate pair is already one character) although no UTF-8 text holds it, and
    such a string can be neither stored nor sent: a delivery carrying one is read like any other
    instead of failing wherever its text goes."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {utf8_text(key): utf8_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [utf8_text(item) for item in value]
    return value


def whatsapp_unparsed(body: bytes) -> tuple[Any, list[tuple[Any, str]]]:
    """A signed WhatsApp webhook body: (the parsed payload, or None when it does not parse;
    the parts to set aside, each with why).

    A body that is not a JSON object with an ``entry`` list is set aside whole; in one that
    is, a message or status without the ids every event carries (``id`` and ``from``, ``id``
    and ``status`` and ``recipient_id``) is set aside alone: no silent drop.
    """
    try:
        payload = utf8_text(json.loads(body))
    except ValueError as exc:
        return None, [(body.decode("utf-8", "replace"), f"not JSON: {exc}")]
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        return None, [(payload, "not a WhatsApp webhook object (no entry list)")]
    bad: list[tuple[Any, str]] = []
    for entry in payload["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for kind, name, keys in (
                ("messages", "message", ("id", "from")),
                ("statuses", "status", ("id", "status", "recipient_id")),
            ):
                events = value.get(kind)
                for event in events if isinstance(events, list) else []:
                    if not isinstance(event, dict) or not all(
                        isinstance(event.get(key), str) and event.get(key) for key in keys
                    ):
                        bad.append((event, f"a WhatsApp {name} without {', '.join(keys)}"))
    return payload, bad


def whatsapp_rows(parts: list[tuple[Any, str]]) -> list[dict[str, Any]]:
    """Inbox rows keeping unparsed WhatsApp parts raw, keyed by their content (Meta's retry of
    the same delivery stores nothing new)."""
    return [
        {
            "channel": "whatsapp",
            "update_id": raw_key(raw),
            "chat_key": "wa:unparsed",
            "payload": {"raw": raw},
            "error": error,
        }
        for raw, error in parts
    ]
