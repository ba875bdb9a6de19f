"""Loket: a live-chat help desk bot for public information services."""
