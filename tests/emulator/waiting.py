"""Compatibility alias of ``bot.playground.emulator.waiting``."""

from bot.playground.emulator.waiting import ChangeWaiter, serve_app

__all__ = ["ChangeWaiter", "serve_app"]
