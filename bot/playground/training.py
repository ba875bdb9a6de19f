"""Training mode: scripted citizens play scenarios against a trainee acting as the officer
on duty (or the coordinator), and each run is scored.

A scenario is a TOML file an office can write (the shipped ones are in scenarios/)::

    title = "Pertanyaan yang sudah dijawab FAQ"
    brief = "What the trainee is told when the scenario starts."
    role = "officer"                 # or "coordinator": who the trainee acts as
    at = "working"                   # or "after_hours": the clock moves there first
    citizen = { name = "Rudi", language = "id" }

    [[script]]                       # the citizen's moves, in order; each waits for the bot
    say = "jam berapa kantor buka?"
    [[script]]
    press = "Hubungi petugas"        # a button on the bot's messages: label or callback data
    [[script]]
    expect = '(?P<request>PI-\\d{4}-\\d{6})'   # wait for the bot to say this; keeps {request}
    [[script]]
    staff = "/tolak c alasan"        # a colleague (officer 2) writes in the citizen's topic
    [[script]]
    say = "halo??"
    wait = "none"                    # no reply expected (an open ticket relays silently)

    [score]                          # every key optional; no personal data is always checked
    within = "15m"                   # first answer within this much office time
    command = ["/close", "/tutup"]   # one of these commands used in the topic
    closed = true                    # the ticket ends closed (the Tutup button counts)
    decision = "rejected"            # the request's decision (granted, partly_granted, ...)
    ground = "h"                     # the Pasal 17 letter relied on
    objection = "accepted"           # the objection's decision
    mention = ["16 digit"]           # the trainee's messages mention one of these
    no_request = true                # no information request is opened for this citizen

Scores are read from what the trainee did (their messages in the topics) and from the
database the bot wrote (decisions, grounds), never from the trainee's own claim.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import text

from bot.core.durations import parse_duration
from bot.playground.desk import Person, World
from bot.playground.web import EXTRA_STATE, STAFF_ACTIONS, json_response

if TYPE_CHECKING:
    # Only a type here: `loket playground` checks its --scenarios before loading the bot.
    from bot.app import App

SHIPPED = resources.files("bot.playground") / "scenarios"
STEP_KINDS = ("say", "press", "expect", "staff")
SCORE_KEYS = {
    "within",
    "command",
    "closed",
    "decision",
    "ground",
    "objection",
    "mention",
    "no_request",
}
STEP_TIMEOUT = 30.0
PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")
# Personal data a trainee must not paste into a chat: a NIK (16 digits, maybe spaced), an
# Indonesian mobile number, an e-mail address.
PERSONAL = (
    ("NIK", re.compile(r"(?<!\d)(?:\d[ .-]?){15}\d(?!\d)")),
    ("nomor telepon", re.compile(r"(?<!\d)(?:\+?62|0)8\d{1,3}[ .-]?\d{3,4}[ .-]?\d{3,5}(?!\d)")),
    ("e-mail", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
)


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    brief: str
    role: str
    at: str
    citizen_name: str
    citizen_language: str
    script: tuple[dict[str, str], ...]
    score: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "brief": self.brief, "role": self.role}


def parse_scenario(name: str, raw: str) -> Scenario:
    """A scenario from TOML text; a mistake raises ScenarioError naming the file and key."""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{name}: not valid TOML: {exc}") from None

    def need(key: str, value: Any, kind: type) -> Any:
        if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
            raise ScenarioError(f"{name}: {key}: expected a non-empty {kind.__name__}")
        return value

    unknown = set(data) - {"title", "brief", "role", "at", "citizen", "script", "score"}
    if unknown:
        raise ScenarioError(f"{name}: unknown key {sorted(unknown)[0]}")
    citizen = need("citizen", data.get("citizen"), dict)
    role = data.get("role", "officer")
    if role not in ("officer", "coordinator"):
        raise ScenarioError(f"{name}: role: officer or coordinator")
    at = data.get("at", "working")
    if at not in ("working", "after_hours"):
        raise ScenarioError(f"{name}: at: working or after_hours")
    language = citizen.get("language", "id")
    if language not in ("id", "en"):
        raise ScenarioError(f"{name}: citizen.language: id or en")
    steps = need("script", data.get("script"), list)
    for number, step in enumerate(steps, 1):
        kinds = [k for k in STEP_KINDS if k in need(f"script[{number}]", step, dict)]
        if len(kinds) != 1 or set(step) - {*STEP_KINDS, "wait"}:
            raise ScenarioError(f"{name}: script[{number}]: one of {', '.join(STEP_KINDS)}")
        if step.get("wait", "reply") not in ("reply", "none"):
            raise ScenarioError(f"{name}: script[{number}].wait: reply or none")
        need(f"script[{number}].{kinds[0]}", step[kinds[0]], str)
        if "expect" in step:
            try:
                re.compile(step["expect"])
            except re.error as exc:
                raise ScenarioError(f"{name}: script[{number}].expect: {exc}") from None
    score = data.get("score", {})
    need("score", score, dict)
    if set(score) - SCORE_KEYS:
        raise ScenarioError(f"{name}: score: unknown key {sorted(set(score) - SCORE_KEYS)[0]}")
    if "within" in score:
        try:
            parse_duration(score["within"])
        except ValueError as exc:
            raise ScenarioError(f"{name}: score.within: {exc}") from None
    return Scenario(
        id=Path(name).stem,
        title=need("title", data.get("title"), str),
        brief=need("brief", data.get("brief"), str),
        role=role,
        at=at,
        citizen_name=need("citizen.name", citizen.get("name"), str),
        citizen_language=language,
        script=tuple(steps),
        score=score,
    )


def load_scenarios(extra: Path | None = None) -> list[Scenario]:
    """The shipped scenarios, then the office's own (a folder of *.toml or one file)."""
    found = [
        parse_scenario(item.name, item.read_text(encoding="utf-8"))
        for item in sorted(SHIPPED.iterdir(), key=lambda i: i.name)
        if item.name.endswith(".toml")
    ]
    if extra is not None:
        files = sorted(extra.glob("*.toml")) if extra.is_dir() else [extra]
        found += [parse_scenario(f.name, f.read_text(encoding="utf-8")) for f in files]
    return found


@dataclass
class Check:
    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class Run:
    number: int
    scenario: Scenario
    trainee: Person
    citizen: Person
    status: str = "playing"  # playing, waiting (for the trainee), scored, failed
    error: str = ""
    waiting_since: datetime | None = None
    values: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    @property
    def score(self) -> int | None:
        if self.status != "scored" or not self.checks:
            return None
        return round(100 * sum(c.passed for c in self.checks) / len(self.checks))

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "scenario": self.scenario.to_json(),
            "trainee": self.trainee.to_json(),
            "citizen": self.citizen.to_json(),
            "status": self.status,
            "error": self.error,
            "score": self.score,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass
class StaffAction:
    """What a staff member did from the page (the trainee's record)."""

    user_id: int
    thread: int | None
    text: str
    at: datetime


class Training:
    def __init__(self, world: World, app: App, scenarios: list[Scenario], enabled: bool) -> None:
        self.world = world
        self.app = app
        self.scenarios = {s.id: s for s in scenarios}
        self.enabled = enabled
        self.runs: list[Run] = []
        self.actions: list[StaffAction] = []
        self.calendar = world.config.hours.calendar()

    # -- what the page shows

    def state(self) -> dict[str, Any]:
        return {
            "training": {
                "enabled": self.enabled,
                "scenarios": [s.to_json() for s in self.scenarios.values()],
                "runs": [r.to_json() for r in self.runs],
            }
        }

    def record(self, user_id: int, thread: int | None, text: str) -> None:
        self.actions.append(StaffAction(user_id, thread, text, self.world.clock.now()))

    # -- playing

    def start(self, scenario_id: str, trainee_id: int) -> Run:
        scenario = self.scenarios.get(scenario_id)
        if scenario is None:
            raise ValueError(f"no scenario {scenario_id!r}")
        trainee = self.world.person(trainee_id)
        if trainee.role == "citizen":
            raise ValueError("the trainee is an officer or the coordinator")
        number = len(self.runs) + 1
        citizen = self.world.add_citizen(
            f"{scenario.citizen_name} (latihan {number})", scenario.citizen_language
        )
        run = Run(number, scenario, trainee, citizen)
        self.runs.append(run)
        run.task = asyncio.create_task(self._play(run), name=f"training-{number}")
        return run

    async def _play(self, run: Run) -> None:
        try:
            self._move_clock(run.scenario.at)
            for step in run.scenario.script:
                await self._step(run, step)
            run.waiting_since = self.world.clock.now()
            run.status = "waiting"
        except Exception as exc:  # shown on the page; the trainee can start another run
            run.status, run.error = "failed", str(exc) or type(exc).__name__

    def _move_clock(self, at: str) -> None:
        clock, now = self.world.clock, self.world.clock.now()
        if at == "working" and not self.calendar.is_open(now):
            clock.advance(self.calendar.next_opening(now) - now + timedelta(minutes=5))
        elif at == "after_hours":
            target = now
            while self.calendar.is_open(target):
                target += timedelta(minutes=15)
            target += timedelta(minutes=30)  # not just at the door
            if target > now:
                clock.advance(target - now)

    def _fill(self, run: Run, value: str) -> str:
        """``{name}`` replaced by what an ``expect`` step kept (regex counts like {4} stay)."""

        def value_of(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in run.values:
                raise ValueError(f"{{{name}}} is not known yet: keep it with an expect step")
            return run.values[name]

        return PLACEHOLDER.sub(value_of, value)

    async def _step(self, run: Run, step: dict[str, str]) -> None:
        emu, chat = self.world.emu, run.citizen.user.id
        before = max((m["message_id"] for m in emu.chat_history(chat)), default=0)
        if "expect" in step:
            await self._expect(run, re.compile(self._fill(run, step["expect"])))
            return
        if "say" in step:
            await emu.send_text(run.citizen.user, self._fill(run, step["say"]))
        elif "press" in step:
            await self._press(run, self._fill(run, step["press"]))
        elif "staff" in step:
            colleague = self.world.officers[1]
            # The topic is created by its own outbox row: it may follow the citizen's reply.
            await self._until(lambda: bool(self._topic_ids(run)), "the citizen's staff topic")
            thread = self._topic_ids(run)[-1]
            await emu.send_text(
                colleague.user,
                self._fill(run, step["staff"]),
                chat=self.world.staff_group,
                thread_id=thread,
            )
        if step.get("wait", "reply") != "none":
            await self._until(
                lambda: any(
                    m["message_id"] > before and m["from"].get("is_bot")
                    for m in emu.chat_history(chat)
                ),
                "the bot's reply",
            )

    async def _press(self, run: Run, wanted: str) -> None:
        emu = self.world.emu
        for message in reversed(emu.chat_history(run.citizen.user.id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for button in (b for row in rows for b in row):
                data = button.get("callback_data")
                if data and (data == wanted or wanted.lower() in button.get("text", "").lower()):
                    await emu.press_button(run.citizen.user, message["message_id"], data)
                    return
        raise ValueError(f"no button {wanted!r} in the chat")

    async def _expect(self, run: Run, pattern: re.Pattern[str]) -> None:
        def found() -> bool:
            for message in self.world.emu.chat_history(run.citizen.user.id):
                if message["from"].get("is_bot"):
                    match = pattern.search(message.get("text") or message.get("caption") or "")
                    if match:
                        run.values.update({k: v for k, v in match.groupdict().items() if v})
                        return True
            return False

        await self._until(found, f"the bot saying /{pattern.pattern}/")

    async def _until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} within {STEP_TIMEOUT:g}s")
            await asyncio.sleep(0.1)

    def _topic_ids(self, run: Run) -> list[int]:
        """The staff topics of this run's citizen (ticket, request, objection), oldest first."""
        name = run.citizen.user.full_name
        return [
            t["message_thread_id"]
            for t in self.world.emu.topics(self.world.staff_group)
            if t["name"].endswith(f"· {name}") and not t["is_deleted"]
        ]

    def _topics(self, run: Run) -> list[int]:
        topics = self._topic_ids(run)
        if not topics:
            raise ValueError(f"no staff topic for {run.citizen.user.full_name} yet")
        return topics

    # -- scoring

    async def score(self, number: int) -> Run:
        run = next((r for r in self.runs if r.number == number), None)
        if run is None:
            raise ValueError(f"no run {number}")
        if run.status != "waiting":
            raise ValueError(f"run {number} is {run.status}, not waiting for a score")
        topics = set(self._topics(run))
        actions = [
            a for a in self.actions if a.user_id == run.trainee.user.id and a.thread in topics
        ]
        run.checks = await self._checks(run, actions)
        run.status = "scored"
        return run

    async def _checks(self, run: Run, actions: list[StaffAction]) -> list[Check]:
        want = run.scenario.score
        texts = [a.text for a in actions]
        checks: list[Check] = []
        async with self.app.engine.connect() as db:
            tickets = (
                await db.execute(
                    text(
                        "SELECT t.number, t.status FROM ticket t JOIN citizen c "
                        "ON c.id = t.citizen_id WHERE c.external_id = :ext ORDER BY t.id"
                    ),
                    {"ext": str(run.citizen.user.id)},
                )
            ).all()
            requests = (
                await db.execute(
                    text(
                        "SELECT r.id, r.decision, r.exemption FROM info_request r JOIN ticket t "
                        "ON t.id = r.ticket_id JOIN citizen c ON c.id = t.citizen_id "
                        "WHERE c.external_id = :ext ORDER BY r.id"
                    ),
                    {"ext": str(run.citizen.user.id)},
                )
            ).all()
            objections = (
                await db.execute(
                    text(
                        "SELECT o.decision FROM objection o JOIN info_request r "
                        "ON r.id = o.request_id JOIN ticket t ON t.id = r.ticket_id "
                        "JOIN citizen c ON c.id = t.citizen_id WHERE c.external_id = :ext "
                        "ORDER BY o.id"
                    ),
                    {"ext": str(run.citizen.user.id)},
                )
            ).all()
        if "within" in want:
            limit = parse_duration(want["within"]).delta
            if not actions or run.waiting_since is None:
                checks.append(Check("dijawab dalam SLA", False, "belum ada jawaban di topik"))
            else:
                first = actions[0].at
                taken = self.calendar.business_time_between(run.waiting_since, first)
                checks.append(
                    Check(
                        "dijawab dalam SLA",
                        taken <= limit,
                        f"{_minutes(taken)} jam kerja (batas {want['within']})",
                    )
                )
        if "command" in want:
            options = [c.lower() for c in want["command"]]
            used = [t.split()[0].lower() for t in texts if t.startswith("/")]
            hit = next((c for c in used if c.split("@")[0] in options), None)
            checks.append(
                Check(
                    "perintah yang tepat",
                    hit is not None,
                    f"dipakai: {hit}" if hit else f"diharapkan: {' / '.join(want['command'])}",
                )
            )
        if want.get("closed"):
            status = tickets[0][1] if tickets else "-"
            checks.append(Check("tiket ditutup", status == "closed", f"status: {status}"))
        if "decision" in want:
            got = requests[-1][1] if requests else None
            checks.append(
                Check(
                    "keputusan yang tepat",
                    got == want["decision"],
                    f"keputusan: {got or '-'} (diharapkan {want['decision']})",
                )
            )
        if "ground" in want:
            got = requests[-1][2] if requests else None
            checks.append(
                Check(
                    "alasan Pasal 17 yang tepat",
                    got == want["ground"],
                    f"huruf: {got or '-'} (diharapkan {want['ground']})",
                )
            )
        if "objection" in want:
            got = objections[-1][0] if objections else None
            checks.append(
                Check(
                    "putusan keberatan yang tepat",
                    got == want["objection"],
                    f"putusan: {got or '-'} (diharapkan {want['objection']})",
                )
            )
        if "mention" in want:
            said = " ".join(t for t in texts if not t.startswith("/")).lower()
            hit = next((w for w in want["mention"] if w.lower() in said), None)
            words = ", ".join(want["mention"])
            detail = f"menyebut {hit!r}" if hit else f"sebutkan salah satu: {words}"
            checks.append(Check("isi jawaban", hit is not None, detail))
        if want.get("no_request"):
            checks.append(
                Check(
                    "bukan permohonan informasi",
                    not requests,
                    "tidak ada permohonan dibuka" if not requests else "permohonan dibuka",
                )
            )
        leaked = [label for t in texts for label, pattern in PERSONAL if pattern.search(t)]
        checks.append(
            Check(
                "tanpa data pribadi di chat",
                not leaked,
                "tidak ada" if not leaked else f"tertulis: {', '.join(sorted(set(leaked)))}",
            )
        )
        return checks

    # -- the printable summary

    def report_html(self) -> str:
        """Per trainee: each scored run with its checks (printable; every value escaped)."""
        e = html.escape
        printed = self.world.clock.now().astimezone(self.calendar.tz)
        parts = [
            "<!doctype html><html lang='id'><head><meta charset='utf-8'>",
            "<title>Ringkasan latihan</title><style>body{font:14px system-ui,sans-serif;"
            "margin:2rem}table{border-collapse:collapse;margin-bottom:1.5rem}td,th{border:1px "
            "solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}</style></head>"
            "<body data-testid='training-report'>",
            f"<h1>Ringkasan latihan — {e(self.world.config.office.name)}</h1>",
            f"<p>Dicetak {printed:%d-%m-%Y %H:%M}</p>",
        ]
        by_trainee: dict[int, list[Run]] = {}
        for run in self.runs:
            if run.status == "scored":
                by_trainee.setdefault(run.trainee.user.id, []).append(run)
        if not by_trainee:
            parts.append("<p>Belum ada skenario yang dinilai.</p>")
        for runs in by_trainee.values():
            trainee = runs[0].trainee
            average = round(sum(r.score or 0 for r in runs) / len(runs))
            parts.append(
                f"<h2>{e(trainee.user.full_name)}</h2><p>{len(runs)} skenario, "
                f"nilai rata-rata <b>{average}</b>/100</p><table><tr><th>Skenario</th>"
                "<th>Nilai</th><th>Pemeriksaan</th></tr>"
            )
            for run in runs:
                checks = "<br>".join(
                    f"{'✔' if c.passed else '✘'} {e(c.name)}: {e(c.detail)}" for c in run.checks
                )
                parts.append(
                    f"<tr><td>{e(run.scenario.title)}</td><td>{run.score}</td><td>{checks}</td></tr>"
                )
            parts.append("</table>")
        parts.append("</body></html>")
        return "".join(parts)


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


TRAINING: web.AppKey[Training] = web.AppKey("training", Training)


def enable_training(
    web_app: web.Application, world: World, app: App, *, on: bool, extra: Path | None = None
) -> Training:
    """Add the training routes to the page's app (``on``: the panel opens at start)."""
    training = Training(world, app, load_scenarios(extra), on)
    web_app[TRAINING] = training
    web_app[EXTRA_STATE].append(training.state)
    web_app[STAFF_ACTIONS].append(training.record)

    async def start(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            trainee = int(body.get("trainee"))
        except (TypeError, ValueError):
            raise ValueError("trainee must be a number") from None
        run = training.start(str(body.get("scenario", "")), trainee)
        return json_response(run.to_json())

    async def score(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            number = int(body.get("run"))
        except (TypeError, ValueError):
            raise ValueError("run must be a number") from None
        return json_response((await training.score(number)).to_json())

    async def report(request: web.Request) -> web.Response:
        return web.Response(text=training.report_html(), content_type="text/html")

    async def stop_runs(_: web.Application) -> None:
        for run in training.runs:
            if run.task is not None and not run.task.done():
                run.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await run.task

    web_app.router.add_post("/api/training/start", start)
    web_app.router.add_post("/api/training/score", score)
    web_app.router.add_get("/training/report", report)
    web_app.on_cleanup.append(stop_runs)
    return training
