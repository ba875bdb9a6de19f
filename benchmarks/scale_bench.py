"""Scale-out benchmark: 1, 2 and 4 replicas on PostgreSQL (webhook mode behind nginx) against
one process polling on SQLite, in one run, side by side.

usage: .venv/bin/python benchmarks/scale_bench.py [--citizens 100] [--messages 10]
                                                  [--replicas 1 2 4] [--output FILE] [--quick]

Each scenario gets a fresh Bot API emulator (bot/playground/emulator) and, for the replicas, a
fresh PostgreSQL database (127.0.0.1:5432, see tests/services.py), nginx started with the
tests' configuration (tests/nginx.py, the one docs/deploy.md deploys) and the Redis send
limiter (127.0.0.1:6379) when Redis answers. The emulator delivers webhooks to nginx
with the secret, up to 40 at once (Telegram's default max_connections), one chat in order.

The burst and the figures are load_bench.py's: every citizen's k-th question is queued before
anyone's (k+1)-th; throughput = messages answered / (first queued -> last reply recorded);
latency = queued -> its reply recorded; CPU = user + system time of all the bot's processes
during the burst (start-up left out; nginx, PostgreSQL and Redis are not counted); exactly
once = every citizen got exactly one reply per question, the k-th answering the k-th.
Telegram's send limits are raised, as in load_bench's burst: this measures the desk, not the
30 messages/s Telegram allows a bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_bench import (
    RAISED_LIMITS,
    SETTLE_SECONDS,
    Result,
    burst,
    cpu_seconds,
    measure,
    peak_rss_mb,
    wait_replies,
)

from bot.playground.emulator import BotApiEmulator
from tests import services
from tests.harness import LoketProcess
from tests.nginx import nginx_binary
from tests.scale import Cluster


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat), all cores."""
    import os

    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / tick, sum(fields) / tick


def busy_note(before: tuple[float, float], after: tuple[float, float]) -> str:
    """The machine's CPU use during a burst: everything on it, the other sessions included."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return f"machine CPU busy {100 * busy / total:.0f}% during the burst" if total else ""


async def transactions(db_url: str) -> tuple[int, int]:
    """(committed, rolled back) transactions of the replicas' database so far."""
    from tests.scale import pg_rows

    name = db_url.rsplit("/", 1)[1]
    [(commits, rollbacks)] = await pg_rows(
        db_url,
        "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1",
        name,
    )
    return int(commits), int(rollbacks)


def redis_url() -> str:
    """The Redis limiter's URL when Redis answers (started if down, as the tests do), else ""."""
    if asyncio.run(services.ensure_redis()) is not None:
        return ""
    return services.REDIS_URL


async def run_polling(citizens: int, each: int, workdir: Path, limit: float) -> Result:
    async with BotApiEmulator() as emu:
        bot = LoketProcess(emu, workdir / "polling-sqlite", extra_toml=RAISED_LIMITS)
        await bot.start()
        try:
            assert bot.proc is not None
            pid = bot.proc.pid
            cpu, machine = cpu_seconds(pid), machine_cpu()
            b = await burst(emu, citizens, each)
            await wait_replies(emu, b, limit=limit)
            busy = busy_note(machine, machine_cpu())
            await asyncio.sleep(SETTLE_SECONDS)  # a doubled reply would show up by now
            usage = (peak_rss_mb(pid), cpu_seconds(pid) - cpu)
        finally:
            await bot.stop()
        result = measure(emu, b, "polling, SQLite", "1 process", usage, answers=True)
        result.notes.append(busy)
        return result


async def run_replicas(
    size: int, citizens: int, each: int, workdir: Path, limit: float, redis: str
) -> Result:
    from tests.conftest import fresh_postgres

    async with BotApiEmulator() as emu, fresh_postgres() as db_url:
        cluster = Cluster(
            emu,
            workdir / f"webhook-{size}",
            db_url,
            size,
            extra_toml=RAISED_LIMITS,
            redis_url=redis,
        )
        try:
            await cluster.start()
            pids = [r.proc.pid for r in cluster.replicas if r.proc is not None]
            cpu, machine = sum(cpu_seconds(pid) for pid in pids), machine_cpu()
            xacts = await transactions(db_url)
            b = await burst(emu, citizens, each)
            await wait_replies(emu, b, limit=limit)
            busy = busy_note(machine, machine_cpu())
            # PostgreSQL's statistics lag up to half a second behind (stats collector).
            await asyncio.sleep(SETTLE_SECONDS)
            after = await transactions(db_url)
            # Rolled back: the read-only sessions (the workers' and senders' passes), and the
            # updates whose chat another replica held (ChatBusy): how much the replicas read
            # and got in each other's way for the same 1,000 answers.
            contention = (
                f"PostgreSQL: {after[0] - xacts[0]} transactions committed, "
                f"{after[1] - xacts[1]} rolled back (read-only passes, chats held elsewhere)"
            )
            await asyncio.sleep(SETTLE_SECONDS)
            usage = (
                max(peak_rss_mb(pid) for pid in pids),
                sum(cpu_seconds(pid) for pid in pids) - cpu,
            )
        except BaseException:
            await cluster.kill()
            raise
        await cluster.stop()
        backend = "PostgreSQL + Redis" if redis else "PostgreSQL"
        name = f"{size} replica{'s' if size > 1 else ''}"
        result = measure(emu, b, f"webhook, {backend}, nginx", name, usage, answers=True)
        result.notes += [busy, contention]
        return result


def report(results: list[Result], citizens: int, each: int, seconds: float) -> str:
    import os

    load = os.getloadavg()
    out = [
        f"`scale_bench.py --citizens {citizens} --messages {each}` ({seconds:.0f} s; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}):",
        "",
        "| setup | bot | throughput msg/s | p50 ms | p99 ms | peak MB (one process) "
        "| bot CPU s (all processes) | answered exactly once |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        out.append(
            f"| {r.scenario} | {r.bot} | {r.throughput:.1f} | {r.p50_ms:.0f} | {r.p99_ms:.0f} "
            f"| {r.peak_mb:.1f} | {r.cpu_s:.1f} | {r.once_cell()} |"
        )
    notes = [f"- {r.bot}: {note}" for r in results for note in r.notes]
    if notes:
        out += ["", *notes]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--citizens", type=int, default=100)
    ap.add_argument("--messages", type=int, default=10, help="messages per citizen")
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--quick", action="store_true", help="smoke run: 20 citizens x 3, 1 and 2")
    ap.add_argument("--output", type=Path, help="write the markdown table here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = ap.parse_args(argv)
    if args.quick:
        args.citizens, args.messages, args.replicas = 20, 3, [1, 2]
    if args.citizens < 1 or args.messages < 1 or min(args.replicas) < 1:
        ap.error("--citizens, --messages and --replicas must be >= 1")
    if nginx_binary() is None:
        ap.error("nginx is not installed (apt-get install nginx)")
    if asyncio.run(services.ensure_postgres()) is not None:
        ap.error("PostgreSQL does not answer on 127.0.0.1:5432 (see tests/services.py)")
    redis = redis_url()
    workdir = Path(tempfile.mkdtemp(prefix="loket-scale-"))
    limit = 30 + args.citizens * args.messages / 10
    started = time.monotonic()
    results: list[Result] = []

    def show(r: Result) -> None:
        results.append(r)
        print(
            f"{r.scenario:>34} {r.bot:>10}: {r.throughput:7.1f} msg/s  p50 {r.p50_ms:6.0f} ms  "
            f"p99 {r.p99_ms:6.0f} ms  cpu {r.cpu_s:5.1f} s  {r.once_cell()}",
            flush=True,
        )

    try:
        show(asyncio.run(run_polling(args.citizens, args.messages, workdir, limit)))
        for size in args.replicas:
            show(
                asyncio.run(run_replicas(size, args.citizens, args.messages, workdir, limit, redis))
            )
    finally:
        failed = len(results) < 1 + len(args.replicas) or not all(r.exactly_once for r in results)
        if args.keep or failed:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, args.citizens, args.messages, time.monotonic() - started)
    print()
    print(text)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    return 0 if all(r.exactly_once for r in results) else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
