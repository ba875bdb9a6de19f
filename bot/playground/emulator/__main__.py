"""Run the emulator standalone for manual tries: ``python -m bot.playground.emulator --port 8081``.

Point a bot at the printed ``api_base`` with the printed token. Messages the bot sends are
echoed to stdout. With ``--console`` a few stdin commands play users (type ``help``).
"""

from __future__ import annotations

import argparse
import asyncio

from bot.playground.emulator.waiting import Console as ConsoleBase
from bot.playground.emulator.waiting import print_sent, serve_until_stopped

from .models import FakeUser
from .server import BotApiEmulator
from .state import DEFAULT_TOKEN

HELP = """commands:
  user NAME                      create a user (prints its id)
  group TITLE [forum]            create a supergroup where the bot is admin
  say USER TEXT...               USER (id or name) writes to the bot privately
  gsay USER CHAT THREAD TEXT...  USER writes in a group (THREAD "-" for none)
  press USER CHAT MESSAGE DATA   USER taps an inline button
  block USER | unblock USER
  sent [N]                       the last N messages the bot sent (default 10)
  help | quit"""


class Console(ConsoleBase):
    """Interprets stdin commands against a running emulator."""

    HELP = HELP
    emu: BotApiEmulator

    def __init__(self, emu: BotApiEmulator, stop: asyncio.Event) -> None:
        super().__init__(emu, stop)
        self.users: dict[str, FakeUser] = {}

    def find_user(self, ref: str) -> FakeUser:
        if ref in self.users:
            return self.users[ref]
        for user in self.users.values():
            if str(user.id) == ref:
                return user
        raise ValueError(f"unknown user {ref!r}; create one with: user NAME")

    async def command(self, command: str, args: list[str]) -> bool:
        emu = self.emu
        if command == "user":
            user = emu.user(" ".join(args) or "Tester")
            self.users[user.first_name] = user
            print(f"user {user.first_name} id={user.id}")
        elif command == "group":
            forum = bool(args) and args[-1] == "forum"
            title = " ".join(args[:-1] if forum else args) or "Group"
            chat = emu.group(title, is_forum=forum)
            print(f"group {title!r} id={chat.id} forum={forum}")
        elif command == "say":
            await emu.send_text(self.find_user(args[0]), " ".join(args[1:]))
        elif command == "gsay":
            thread = None if args[2] == "-" else int(args[2])
            text = " ".join(args[3:])
            await emu.send_text(self.find_user(args[0]), text, chat=int(args[1]), thread_id=thread)
        elif command == "press":
            user, chat_id, message = self.find_user(args[0]), int(args[1]), int(args[2])
            await emu.press_button(user, message, args[3], chat=chat_id)
        elif command in ("block", "unblock"):
            getattr(emu, command)(self.find_user(args[0]))
        else:
            return False
        return True


async def serve(args: argparse.Namespace) -> None:
    emu = BotApiEmulator(args.token, host=args.host, port=args.port)
    emu.listeners.append(print_sent)
    await emu.start()
    print(f"api_base={emu.api_base}\ntoken={emu.token}", flush=True)
    make_console = (lambda stop: Console(emu, stop)) if args.console else None
    await serve_until_stopped(emu, make_console, (ValueError, IndexError, TypeError))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.playground.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--console", action="store_true", help="read user commands from stdin")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
