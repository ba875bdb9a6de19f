"""Middlewares: one database session and transaction per update, handled exactly once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from storage.db import SharedTransaction, run_after_commit
from storage.repositories import InboxRepo

log = logging.getLogger(__name__)


class DbSessionMiddleware(BaseMiddleware):
    """Opens the session, takes the inbox row, and leaves the commit to the use case.

    The inbox row is marked done in the same transaction as everything the handler does, so
    an update is either fully handled and marked, or not at all (and then handled again).
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        inbox_id = data.get("inbox_id")
        # Calls to Telegram a handler wants made once its transaction is over (answering a
        # button): on SQLite the session is held in turn, so no network wait happens inside it.
        after: list[Callable[[], Awaitable[Any]]] = []
        data["after_commit"] = after
        # A session of the inbox worker's shared transaction, which commits and then makes the
        # calls; else one of our own.
        shared: AsyncSession | None = data.get("shared_session")
        async with nullcontext(shared) if shared is not None else self.sessionmaker() as session:
            if inbox_id is not None and not await InboxRepo(session).take(
                inbox_id, self.clock.now()
            ):
                log.info("inbox row %s was handled already; skipped", inbox_id)
                return None  # the take changed nothing; leaving the session rolls back
            data["session"] = session
            result = await handler(event, data)
            transaction = SharedTransaction.of(session)
            if transaction is not None:
                transaction.then.extend(after)
                return result
            if session.in_transaction():
                # No use case committed (an update no handler wanted): still mark it handled.
                await session.commit()
        await run_after_commit(after)
        return result
