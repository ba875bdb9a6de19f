"""`loket playground` as a newcomer uses it: the real process, its page in headless Chromium
(Debian's ``chromium`` driven by playwright) and the page's HTTP API.

The browser tests skip when chromium is not installed, except in CI (``CI=true``), where that
is a failure. ``LOKET_UPDATE_SCREENSHOT=1`` copies the screenshot the browser test takes to
docs/playground.png (the README's).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.harness import REPO

# A Wednesday, a working day, at 09:00 office time: the same day whatever today is.
START = "2026-03-04T09:00:00+07:00"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
T = TypeVar("T")


def wait_until(probe: Callable[[], T | None], timeout: float = 20.0, what: str = "") -> T:
    """Poll ``probe`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.1)


@dataclass
class Playground:
    proc: subprocess.Popen[bytes]
    url: str
    out: Path
    err: Path
    data: Path

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def messages(self, chat: int, thread: int | None = None) -> list[dict[str, Any]]:
        query = f"?chat={chat}" + (f"&thread={thread}" if thread is not None else "")
        return list(self.get("/api/messages" + query)["messages"])

    def bot_said(self, chat: int, contains: str, thread: int | None = None) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            for message in self.messages(chat, thread):
                if message["from"]["is_bot"] and contains in message["text"]:
                    return message
            return None

        return wait_until(probe, what=f"the bot saying {contains!r} in chat {chat}/{thread}")

    def log(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")


def start_playground(workdir: Path, *extra: str) -> Playground:
    out, err = workdir / "stdout.log", workdir / "stderr.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    env["PYTHONPATH"] = str(REPO)
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "bot", "playground", "--port", "0", "--start", START),
                *("--data", str(workdir / "data"), *extra),
            ],
            cwd=workdir,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )

    def url() -> str | None:
        if proc.poll() is not None:
            raise AssertionError(f"playground exited {proc.returncode}:\n{err.read_text()}")
        found = re.search(r"open (http://\S+/)", out.read_text())
        return found.group(1) if found else None

    return Playground(proc, wait_until(url, 90, "the playground's URL"), out, err, workdir / "data")


def stop_playground(playground: Playground) -> None:
    """Ctrl-C, as a person stops it: a clean exit."""
    playground.proc.send_signal(signal.SIGINT)
    try:
        code = playground.proc.wait(30)
    except subprocess.TimeoutExpired:
        playground.proc.kill()
        raise
    assert code == 0, playground.log()
    assert "loket playground: stopped" in playground.out.read_text()


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    running = start_playground(tmp_path_factory.mktemp("playground"))
    try:
        yield running
    finally:
        stop_playground(running)


def chromium_path() -> str:
    """Debian's chromium, or skip (fail in CI: the browser tests must run there)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        reason = "headless Chromium tests need Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " and the playwright package (.[test])")
        pytest.skip(reason)
    return path


# -- the page's HTTP API --------------------------------------------------------------------


def test_serves_the_page_with_its_hooks_and_nothing_from_elsewhere(playground: Playground) -> None:
    with urllib.request.urlopen(playground.url, timeout=10) as response:
        html = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/html")
    for hook in (
        "citizen-input",
        "citizen-messages",
        "topic-list",
        "staff-input",
        "staff-messages",
    ):
        assert f'data-testid="{hook}"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no CDN, no remote file"
    with urllib.request.urlopen(playground.url + "static/app.js", timeout=10) as response:
        script = response.read().decode()
    # Messages are drawn as elements, never parsed as HTML.
    assert ".innerHTML" not in script and "insertAdjacentHTML" not in script
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(playground.url + "static/secrets.toml", timeout=10)
    assert missing.value.code == 404


def test_state_has_a_citizen_two_officers_a_coordinator_and_the_clock(
    playground: Playground,
) -> None:
    state = playground.get("/api/state")
    assert [c["name"] for c in state["citizens"]][:1] == ["Dewi"]
    assert [p["role"] for p in state["staff"]] == ["officer", "officer", "coordinator"]
    assert state["clock"]["local"].startswith("Rabu 04-03-2026 09:")
    assert state["clock"]["open"] is True
    assert state["data_dir"] == str(playground.data.resolve())
    assert (playground.data / "loket.db").is_file()
    commands = [name for name, _ in state["commands"]["staff"]]
    assert {"close", "note", "tolak", "putusan_keberatan"} <= set(commands)


def test_a_faq_question_over_the_api_is_answered(playground: Playground) -> None:
    status, citizen = playground.post("/api/citizens", {"name": "Eko", "language": "id"})
    assert status == 200
    status, _ = playground.post("/api/send", {"user": citizen["id"], "text": "berapa biayanya?"})
    assert status == 200
    answer = playground.bot_said(citizen["id"], "biaya")
    assert answer["from"]["is_bot"]


def test_bad_requests_get_a_reason_not_a_traceback(playground: Playground) -> None:
    dewi = playground.get("/api/state")["citizens"][0]["id"]
    cases = [
        ("/api/citizens", {"name": "  ", "language": "id"}, "name"),
        ("/api/citizens", {"name": "Fajar", "language": "fr"}, "language"),
        ("/api/send", {"user": dewi, "text": "   "}, "nothing to send"),
        ("/api/send", {"user": 1, "text": "halo"}, "unknown"),
        ("/api/send", {"user": "x", "text": "halo"}, "user"),
        ("/api/clock", {"speed": -1}, "speed"),
        ("/api/clock", {"advance": "kemarin"}, "advance"),
    ]
    for path, body, reason in cases:
        status, answer = playground.post(path, body)
        assert status == 400, (path, body, answer)
        assert reason in answer["error"], (path, body, answer)


def test_the_clock_control_drives_the_bots_clock_and_escalations(playground: Playground) -> None:
    status, citizen = playground.post("/api/citizens", {"name": "Gita", "language": "id"})
    playground.post("/api/send", {"user": citizen["id"], "text": "/petugas"})
    number = re.search(r"LC-\d{4}-\d{6}", playground.bot_said(citizen["id"], "LC-")["text"])
    assert number
    topic = wait_until(
        lambda: next(
            (t for t in playground.get("/api/state")["topics"] if number.group(0) in t["name"]),
            None,
        ),
        what="the ticket's topic",
    )
    status, stopped = playground.post("/api/clock", {"speed": 0})
    assert status == 200 and stopped["speed"] == 0
    before = playground.get("/api/state")["clock"]["iso"]
    assert playground.get("/api/state")["clock"]["iso"] == before  # stopped: time stands still
    status, _ = playground.post("/api/clock", {"advance": "20m"})
    assert status == 200
    # Nobody answered for 20 minutes: the ladder's first step reminds the assignee.
    playground.bot_said(
        playground.get("/api/state")["staff_group"]["id"],
        "belum dijawab",
        thread=topic["thread_id"],
    )
    status, _ = playground.post("/api/clock", {"speed": 1})
    assert status == 200


# -- the page in headless Chromium ----------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_newcomer_asks_calls_an_officer_gets_an_answer_and_rates(
    playground: Playground, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 860})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(playground.url)
    # A new citizen, so this test reads only its own chat.
    page.get_by_test_id("citizen-name").fill("Hana")
    page.get_by_test_id("add-citizen").click()
    citizen = page.get_by_test_id("citizen-messages")
    expect(page.get_by_role("tab", name="Hana (id)")).to_have_attribute("aria-selected", "true")
    box = page.get_by_test_id("citizen-input")
    expect(box).to_be_focused()

    # A question the FAQ answers.
    box.fill("jam berapa kantor buka?")
    box.press("Enter")
    expect(citizen).to_contain_text("Senin")
    # /petugas: a ticket, and its topic appears in the staff pane.
    box.fill("/petugas")
    box.press("Enter")
    expect(citizen).to_contain_text("LC-2026-")
    number = re.search(r"LC-\d{4}-\d{6}", citizen.inner_text())
    assert number
    topics = page.get_by_test_id("topic-list")
    topic = topics.get_by_role("button", name=f"{number.group(0)} · Hana")
    expect(topic).to_be_visible()
    topic.click()
    staff = page.get_by_test_id("staff-messages")
    expect(staff).to_contain_text(f"{number.group(0)} · Hana")
    expect(staff).to_contain_text("Ambil")  # the card's buttons
    # The officer takes it with the card's button.
    staff.get_by_role("button", name=re.compile("Ambil")).click()
    expect(staff).to_contain_text("Ani")

    # The officer answers from the topic; the citizen reads it.
    answer = page.get_by_test_id("staff-input")
    answer.fill("Selamat pagi Bu Hana, kantor buka pukul 08.00.")
    answer.press("Enter")
    expect(citizen).to_contain_text("Selamat pagi Bu Hana, kantor buka pukul 08.00.")
    page.screenshot(path=str(tmp_path / "playground.png"))

    # Close from the topic; the citizen rates with a button.
    answer.fill("/close")
    answer.press("Enter")
    expect(citizen).to_contain_text("diselesaikan")
    citizen.get_by_role("button", name=re.compile("4 · Sangat puas")).last.click()
    expect(citizen).to_contain_text("4/4")
    expect(staff).to_contain_text(f"Penilaian warga untuk {number.group(0)}: 4/4")

    # What a citizen types is shown literally, never as markup, on both sides.
    box.fill("<b>tebal</b> & <i>miring</i>")
    box.press("Enter")
    expect(citizen).to_contain_text("<b>tebal</b> & <i>miring</i>")
    expect(staff).to_contain_text("<b>tebal</b> & <i>miring</i>")
    assert citizen.locator("b, i").count() == 0 and staff.locator("b, i").count() == 0

    # Readable on a phone: the panes stack, nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("staff-input")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    assert problems == []
    if os.environ.get("LOKET_UPDATE_SCREENSHOT") == "1":
        shutil.copy(tmp_path / "playground.png", REPO / "docs" / "playground.png")
    page.close()


def test_photo_from_the_page_reaches_the_topic(
    playground: Playground, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from bot.playground.emulator.files import TINY_PNG

    page = browser.new_page()
    page.goto(playground.url)
    page.get_by_test_id("citizen-name").fill("Irma")
    page.get_by_test_id("add-citizen").click()
    box = page.get_by_test_id("citizen-input")
    expect(box).to_be_focused()
    box.fill("/petugas")
    box.press("Enter")
    citizen = page.get_by_test_id("citizen-messages")
    expect(citizen).to_contain_text("LC-2026-")
    picture = tmp_path / "ktp.png"
    picture.write_bytes(TINY_PNG)
    box.fill("foto dokumen")
    page.get_by_test_id("citizen-file").set_input_files(str(picture))
    expect(citizen.locator("img")).to_have_count(1)
    page.get_by_test_id("topic-list").get_by_role("button", name=re.compile("· Irma")).click()
    staff = page.get_by_test_id("staff-messages")
    expect(staff).to_contain_text("foto dokumen")
    expect(staff.locator("img")).to_have_count(1)
    # A document too, as a link on both sides.
    letter = tmp_path / "surat kuasa.pdf"
    letter.write_bytes(b"%PDF-1.4\n%playground\n")
    page.get_by_test_id("citizen-file").set_input_files(str(letter))
    expect(citizen.get_by_role("link", name="surat kuasa.pdf")).to_be_visible()
    expect(staff.get_by_role("link", name="surat kuasa.pdf")).to_be_visible()
    href = staff.get_by_role("link", name="surat kuasa.pdf").get_attribute("href")
    with urllib.request.urlopen(playground.url + (href or "").lstrip("/"), timeout=10) as got:
        assert got.read() == letter.read_bytes()
    page.close()


# -- training mode --------------------------------------------------------------------------


def start_run(playground: Playground, scenario: str, trainee: int) -> dict[str, Any]:
    status, run = playground.post("/api/training/start", {"scenario": scenario, "trainee": trainee})
    assert status == 200, run

    def waiting() -> dict[str, Any] | None:
        current = playground.get("/api/state")["training"]["runs"][run["number"] - 1]
        assert current["status"] != "failed", current["error"]
        return current if current["status"] == "waiting" else None

    return wait_until(waiting, 60, f"scenario {scenario} to hand over to the trainee")


def topic_of(playground: Playground, citizen: str, prefix: str) -> int:
    def find() -> int | None:
        return next(
            (
                t["thread_id"]
                for t in playground.get("/api/state")["topics"]
                if t["name"].startswith(prefix) and t["name"].endswith(f"· {citizen}")
            ),
            None,
        )

    return wait_until(find, what=f"the {prefix} topic of {citizen}")


def test_training_scenario_is_scored_from_what_the_trainee_did(playground: Playground) -> None:
    ani = playground.get("/api/state")["staff"][0]
    run = start_run(playground, "06_informasi_dikecualikan", ani["id"])
    thread = topic_of(playground, run["citizen"]["name"], "PI-")
    status, _ = playground.post(
        "/api/send",
        {
            "user": ani["id"],
            "thread": thread,
            "text": "/tolak h Alamat dan NIK adalah data pribadi",
        },
    )
    assert status == 200
    # The decision reaches the citizen before the run is scored (the database has it).
    playground.bot_said(run["citizen"]["id"], "ditolak")
    status, scored = playground.post("/api/training/score", {"run": run["number"]})
    assert status == 200, scored
    assert scored["score"] == 100, scored["checks"]
    assert [c["name"] for c in scored["checks"]] == [
        "dijawab dalam SLA",
        "perintah yang tepat",
        "keputusan yang tepat",
        "alasan Pasal 17 yang tepat",
        "tanpa data pribadi di chat",
    ]
    # Scored once.
    status, again = playground.post("/api/training/score", {"run": run["number"]})
    assert status == 400 and "scored" in again["error"]
    with urllib.request.urlopen(playground.url + "training/report", timeout=10) as response:
        report = response.read().decode()
    assert "Ani (Petugas 1)" in report and "Permohonan informasi yang dikecualikan" in report


def test_training_marks_what_the_trainee_got_wrong(playground: Playground) -> None:
    bayu = playground.get("/api/state")["staff"][1]
    run = start_run(playground, "05_laporan_pelanggaran", bayu["id"])
    thread = topic_of(playground, run["citizen"]["name"], "LC-")
    # Handled as a chat to note down, with a phone number pasted, and never closed.
    playground.post(
        "/api/send",
        {
            "user": bayu["id"],
            "thread": thread,
            "text": "Baik, sudah saya catat. Hubungi 0812-3456-7890",
        },
    )
    playground.bot_said(run["citizen"]["id"], "sudah saya catat")
    status, scored = playground.post("/api/training/score", {"run": run["number"]})
    assert status == 200
    failed = {c["name"]: c["detail"] for c in scored["checks"] if not c["passed"]}
    assert set(failed) == {"isi jawaban", "tiket ditutup", "tanpa data pribadi di chat"}
    assert "nomor telepon" in failed["tanpa data pribadi di chat"]
    assert scored["score"] == 40  # SLA and "not an information request" passed: 2 of 5


def test_training_through_the_page_to_a_score(playground: Playground, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(playground.url)
    page.get_by_test_id("training-toggle").click()
    panel = page.get_by_test_id("training-panel")
    expect(panel).to_be_visible()
    panel.locator("[data-scenario='01_faq_sudah_terjawab']").click()
    row = panel.locator("tbody tr").first
    expect(row.get_by_test_id("run-status")).to_have_text("giliran Anda", timeout=60_000)
    citizen = row.get_by_test_id("run-citizen").inner_text()
    assert re.fullmatch(r"Rudi \(latihan \d+\)", citizen)
    topics = page.get_by_test_id("topic-list")
    topics.get_by_role("button", name=re.compile(re.escape(f"· {citizen}"))).click()
    staff = page.get_by_test_id("staff-messages")
    expect(staff).to_contain_text("Tutup")
    box = page.get_by_test_id("staff-input")
    box.fill("Hari Jumat layanan buka sampai pukul 16.30 WIB, Pak Rudi.")
    box.press("Enter")
    expect(staff).to_contain_text("sampai pukul 16.30 WIB")
    box.fill("/close")
    box.press("Enter")
    expect(staff).to_contain_text("ditutup")
    row.get_by_test_id("score-run").click()
    expect(row.get_by_test_id("run-score")).to_contain_text("100/100")
    page.close()
