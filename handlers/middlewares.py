"""Middlewares: one database session and transaction per update, handled exactly once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.clock import Clock
from storage.repositories import UpdateLog

log = logging.getLogger(__name__)


class DbSessionMiddleware(BaseMiddleware):
    """Opens the session, records the update id, and leaves the commit to the use case.

    The update id is written in the same transaction as everything the handler does, so an
    update is either fully handled and marked, or not at all (and then handled on redelivery).
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
        assert isinstance(event, Update)
        async with self.sessionmaker() as session:
            if not await UpdateLog(session).claim(
                "telegram", str(event.update_id), self.clock.now()
            ):
                log.info("update %s was handled before; skipped", event.update_id)
                await session.rollback()
                return None
            data["session"] = session
            result = await handler(event, data)
            if session.in_transaction():
                # Nothing committed (an update no handler wanted): still mark it handled.
                await session.commit()
            return result
