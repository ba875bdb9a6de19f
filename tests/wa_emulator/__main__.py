"""Run the WhatsApp emulator standalone: ``python -m tests.wa_emulator --port 8091``.

Point a bot at the printed ``api_base`` with the printed token, app secret and phone number
id; give ``--webhook`` the bot's listening URL. Messages the bot sends are echoed to stdout.
With ``--console`` a few stdin commands play citizens (type ``help``).
"""

from __future__ import annotations

import argparse
import asyncio

from bot.playground.emulator.waiting import Console as ConsoleBase
from bot.playground.emulator.waiting import print_sent, serve_until_stopped

from .models import WaUser
from .server import DEFAULT_VERSION, WhatsAppEmulator

HELP = """commands:
  user WA_ID [NAME...]             create a citizen (digits with country code)
  say WA_ID TEXT...                the citizen writes to the bot
  button WA_ID ID                  tap a reply button of the latest message offering it
  row WA_ID ID                     pick a list row of the latest message offering it
  location WA_ID LAT LON           share a location
  age WA_ID HOURS                  move the citizen's last inbound back in time
  verify [TOKEN]                   make Meta's GET verification request
  sent [N]                         the last N messages the bot sent (default 10)
  help | quit"""


class Console(ConsoleBase):
    """Interprets stdin commands against a running emulator."""

    HELP = HELP
    emu: WhatsAppEmulator

    def find_user(self, wa_id: str) -> WaUser:
        user = self.emu.users.get(wa_id)
        if user is None:
            raise ValueError(f"unknown citizen {wa_id!r}; create one with: user WA_ID NAME")
        return user

    async def command(self, command: str, args: list[str]) -> bool:
        emu = self.emu
        if command == "user":
            user = emu.user(args[0], " ".join(args[1:]) or "Warga")
            print(f"citizen {user.name} wa_id={user.wa_id}")
        elif command == "say":
            wamid = await emu.send_text(self.find_user(args[0]), " ".join(args[1:]))
            print(f"delivered {wamid} -> {emu.webhook_responses[-1]}")
        elif command == "button":
            await emu.send_button_reply(self.find_user(args[0]), args[1])
        elif command == "row":
            await emu.send_list_reply(self.find_user(args[0]), args[1])
        elif command == "location":
            await emu.send_location(self.find_user(args[0]), float(args[1]), float(args[2]))
        elif command == "age":
            emu.age_window(self.find_user(args[0]), float(args[1]))
        elif command == "verify":
            status, body = await emu.verify_webhook(args[0] if args else None)
            print(f"verification: {status} {body!r} (challenge {emu.last_challenge})")
        else:
            return False
        return True


async def serve(args: argparse.Namespace) -> None:
    emu = WhatsAppEmulator(
        args.token,
        args.app_secret,
        args.phone_number_id,
        args.verify_token,
        host=args.host,
        port=args.port,
        version=args.version,
        webhook_url=args.webhook,
    )
    emu.listeners.append(print_sent)
    await emu.start()
    print(
        f"api_base={emu.api_base}\naccess_token={emu.access_token}\n"
        f"phone_number_id={emu.phone_number_id}\napp_secret={emu.app_secret}\n"
        f"verify_token={emu.verify_token}\nwebhook={emu.webhook_url or '(none)'}",
        flush=True,
    )
    make_console = (lambda stop: Console(emu, stop)) if args.console else None
    await serve_until_stopped(emu, make_console, (ValueError, IndexError, RuntimeError))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.wa_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091, help="0 picks a free port")
    parser.add_argument("--webhook", default=None, help="the bot's webhook URL")
    parser.add_argument("--token", default="EAAtest", help="the access token the bot must send")
    parser.add_argument("--app-secret", default="secret", help="signs X-Hub-Signature-256")
    parser.add_argument("--phone-number-id", default="1234567890")
    parser.add_argument("--verify-token", default="verify-me")
    parser.add_argument("--version", default=DEFAULT_VERSION, help="Graph version in api_base")
    parser.add_argument("--console", action="store_true", help="read citizen commands from stdin")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
