"""The baseline for the load benchmark: a bare aiogram echo bot, no database, no outbox.

usage: python benchmarks/echo_bot.py API_BASE   (token from $LOKET_TELEGRAM__TOKEN)
"""

from __future__ import annotations

import asyncio
import os
import sys

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def main(api_base: str) -> None:
    bot = Bot(
        os.environ["LOKET_TELEGRAM__TOKEN"],
        session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)),
    )
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    await dp.start_polling(bot, polling_timeout=1)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
