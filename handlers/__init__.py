"""aiogram routers, assembled from config by one function."""

from __future__ import annotations

from aiogram import Router

from bot.config import Config
from handlers import citizen, staff


def staff_groups(config: Config) -> list[int]:
    """The staff groups: each office's of a network, else the one office's (if any)."""
    if config.offices:
        return [office.staff_group_id for office in config.offices]
    group = config.telegram.staff_group_id
    return [] if group is None else [group]


def build_routers(config: Config) -> list[Router]:
    """The routers for this office, in the order they get updates."""
    routers = []
    if groups := staff_groups(config):
        routers.append(staff.build_router(*groups))
    routers.append(citizen.build_router())
    return routers
