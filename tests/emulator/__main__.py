"""``python -m tests.emulator`` still runs the emulator standalone (see bot.playground.emulator)."""

from bot.playground.emulator.__main__ import main

if __name__ == "__main__":
    main()
