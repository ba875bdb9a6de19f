"""Middlewares: one database session and transaction per update, handled exactly once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from bot.core.offload import MAX_ROUNDS, Offload, WorkOutside
from storage.db import run_after_commit
from storage.repositories import InboxRepo

log = logging.getLogger(__name__)


class DbSessionMiddleware(BaseMiddleware):
    """Opens the session, takes the inbox row, and leaves the commit to the use case.

    The inbox row is marked done in the same transaction as everything the handler does, so
    an update is either fully handled and marked, or not at all (and then handled again).
    A use case that needs slow work first (bot.core.offload) has its attempt rolled back; the
    work runs in a thread with no session open, then the update is handled again.
    """

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, offload: Offload
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.offload = offload

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        prepared: list[Hashable] = []
        try:
            for _ in range(MAX_ROUNDS):
                try:
                    return await self._attempt(handler, event, data)
                except WorkOutside as request:
                    prepared.append(request.key)
                    await self.offload.prepare(request)
            return await self._attempt(handler, event, data)
        finally:
            for key in prepared:  # a result the last attempt did not take
                self.offload.forget(key)

    async def _attempt(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data = dict(data)  # each attempt starts from what aiogram passed, not the last one's
        inbox_id = data.get("inbox_id")
        # Calls to Telegram a handler wants made once its transaction is over (answering a
        # button): on SQLite the session is held in turn, so no network wait happens inside it.
        after: list[Callable[[], Awaitable[Any]]] = []
        data["after_commit"] = after
        async with self.sessionmaker() as session:
            if inbox_id is not None and not await InboxRepo(session).take(
                inbox_id, self.clock.now()
            ):
                log.info("inbox row %s was handled already; skipped", inbox_id)
                return None  # the take changed nothing; leaving the session rolls back
            data["session"] = session
            result = await handler(event, data)
            if session.in_transaction():
                # No use case committed (an update no handler wanted): still mark it handled.
                await session.commit()
        await run_after_commit(after)
        return result
