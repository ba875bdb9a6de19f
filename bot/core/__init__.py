"""The desk core: services that know nothing of Telegram; they take and return plain data."""
