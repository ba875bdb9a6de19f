"""aiogram routers, assembled from config by one function."""

from __future__ import annotations

from aiogram import Router

from bot.config import Config
from handlers import citizen


def build_routers(config: Config) -> list[Router]:
    """The routers for this office, in the order they get updates."""
    return [citizen.build_router()]
