"""The database work of one FAQ question, alone: what loket's storage costs per message.

usage: .venv/bin/python benchmarks/db_bench.py [--updates 3000] [--per-transaction 1]

Runs the statements the desk makes for a citizen's question (take the inbox row, read the
citizen with its context, the question's and the answer's transcript rows, the outbox row)
on a migrated SQLite file through the app's own session factory, ``--per-transaction``
updates per commit (1, the default, is what the app does: one transaction per update; more
shows what a commit costs). Prints wall and CPU time per update.

Times drift with this machine's load; instruction counts do not. For a figure that repeats,
count instructions with valgrind at two sizes and take the difference per update:

    for n in 100 400; do PYTHONHASHSEED=0 valgrind --tool=callgrind \\
      --callgrind-out-file=/tmp/cg.$n .venv/bin/python benchmarks/db_bench.py --updates $n; done
    # "Collected" of the two runs: (I400 - I100) / 300 per update
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from storage.db import make_app_sessions, make_engine
from storage.migrate import upgrade
from storage.repositories import CitizenRepo, InboxRepo, MessageRepo, OutboxRepo

CITIZENS = 50
ANSWER = "Layanan buka Senin-Jumat pukul 08.00-16.00 WIB. " * 3


async def run(updates: int, per_transaction: int) -> tuple[float, float]:
    """(wall, CPU) seconds for ``updates`` questions."""
    folder = Path(tempfile.mkdtemp(prefix="loket-db-bench-"))
    engine = make_engine(f"sqlite+aiosqlite:///{folder / 'loket.db'}")
    await upgrade(engine)
    sessions = make_app_sessions(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        await InboxRepo(session).store(
            [
                {
                    "channel": "telegram",
                    "update_id": str(i),
                    "chat_key": str(i % CITIZENS),
                    "payload": {"message": {"text": "jam berapa kantor buka?"}},
                }
                for i in range(updates)
            ],
            now,
        )
        await session.commit()
        ids = [head.id for head in await InboxRepo(session).heads(updates)]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    for start in range(0, updates, per_transaction):
        async with sessions() as session:
            for i in range(start, min(start + per_transaction, updates)):
                await InboxRepo(session).take(ids[i], now)
                seen = await CitizenRepo(session).seen(
                    channel="telegram",
                    external_id=str(i % CITIZENS),
                    name="Warga",
                    username=None,
                    language="id",
                    now=now,
                    inbound_since=now,
                    ticket_kind="LC",
                    reopen_since=now,
                )
                assert seen.citizen.id is not None
                messages = MessageRepo(session)
                await messages.write(
                    citizen_id=seen.citizen.id,
                    channel="telegram",
                    direction="in",
                    text="jam berapa kantor buka?",
                    created_at=now,
                )
                answer_id = await messages.write(
                    citizen_id=seen.citizen.id,
                    channel="telegram",
                    direction="out",
                    text=ANSWER,
                    created_at=now,
                )
                await OutboxRepo(session).write(
                    channel="telegram",
                    chat_id=str(i % CITIZENS),
                    method="text",
                    payload={"text": ANSWER, "parse_mode": "HTML", "lang": "id"},
                    priority=0,
                    now=now,
                    message_id=answer_id,
                )
            await session.commit()
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    await engine.dispose()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--updates", type=int, default=3000)
    ap.add_argument("--per-transaction", type=int, default=1)
    args = ap.parse_args()
    if args.updates < 1 or args.per_transaction < 1:
        ap.error("--updates and --per-transaction must be >= 1")
    wall, cpu = asyncio.run(run(args.updates, args.per_transaction))
    print(
        f"{args.updates} updates, {args.per_transaction} per transaction: "
        f"{wall / args.updates * 1e6:.0f} µs wall, {cpu / args.updates * 1e6:.0f} µs CPU per update"
    )


if __name__ == "__main__":
    main()
