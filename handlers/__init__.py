"""aiogram routers, assembled from config by one function."""

from __future__ import annotations

from aiogram import Router

from bot.config import Config
from handlers import citizen, staff


def build_routers(config: Config) -> list[Router]:
    """The routers for this office, in the order they get updates."""
    routers = []
    if config.telegram.staff_group_id is not None:
        routers.append(staff.build_router(config.telegram.staff_group_id))
    routers.append(citizen.build_router())
    return routers
