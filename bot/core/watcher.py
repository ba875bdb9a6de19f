"""Reads the knowledge base and the information map again when their files change, without a
restart and without /reload, on every replica.

Polling the files' stat every few seconds is enough for hand-edited files and works the same
on every platform and network share. A change is read and indexed in a worker thread (answers
go on from the old one meanwhile) and put in service only when the files are valid; a broken
file is reported (one line: file and problem) and the old one stays in service. Each replica
reloads for itself; the notice to the staff group is claimed in the database by what was read
(``Reloaded.digest``), so several replicas post it once (see bot.app).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from bot.core.faq_service import content_digest, fingerprint

log = logging.getLogger(__name__)
T = TypeVar("T")

# What a source is called in the log.
LABELS = {"faq": "FAQ", "dip": "DIP"}


@dataclass(frozen=True, slots=True)
class Reloaded:
    """One reload after a change: of what ("faq" or "dip"), for whom (a network office's id;
    None: the shared files), the error ("" when in service) or the count now in service, and a
    digest of the files' contents as read."""

    what: str
    office: str | None
    error: str
    count: int | None
    digest: str


def notice_job(done: Reloaded) -> str:
    """The job_run name a reload notice is claimed under (its key: the digest): one per source,
    within the column's 32 characters whatever the office's id."""
    job = f"reload-{done.what}"
    if done.office is None:
        return job
    return f"{job}-{hashlib.sha256(done.office.encode()).hexdigest()[:16]}"


class Watched(Generic[T]):
    """One thing read from files: what it is, its files (or folders), how to read them (in a
    worker thread; raises one of ``errors`` when a file is broken), how to put the result in
    service (on the event loop; the count in service), and whom to tell. ``uses``: something
    else in service that reading depends on (the map is indexed with the FAQ's thesaurus): a
    new one there is read again as a change of the files is."""

    def __init__(
        self,
        what: str,
        files: Sequence[Path],
        load: Callable[[], T],
        install: Callable[[T], int],
        errors: tuple[type[Exception], ...],
        report: Callable[[Reloaded], Awaitable[None]],
        office: str | None = None,
        uses: Callable[[], object] | None = None,
    ) -> None:
        self.what, self.office = what, office
        self.files: tuple[Path, ...] = tuple(files)
        self.load, self.install = load, install
        self.errors = errors
        self.report = report
        self.uses = uses
        self._seen = fingerprint(self.files)
        self._used = uses() if uses is not None else None

    async def check(self) -> bool:
        """Reload if the files, or what reading them uses, changed since the last look; True
        when something changed."""
        now = fingerprint(self.files)
        used = self.uses() if self.uses is not None else None
        if now == self._seen and used is self._used:
            return False
        self._seen, self._used = now, used
        label = LABELS.get(self.what, self.what)
        digest = await asyncio.to_thread(content_digest, self.files)
        try:
            loaded = await asyncio.to_thread(self.load)
        except self.errors as exc:
            log.warning("%s not reloaded, keeping the old one: %s", label, exc)
            await self.report(Reloaded(self.what, self.office, str(exc), None, digest))
        else:
            count = self.install(loaded)
            log.info("%s reloaded after a file change: %d", label, count)
            await self.report(Reloaded(self.what, self.office, "", count, digest))
        return True


class FileWatcher:
    """Looks at every watched source in turn, in the order given: the knowledge bases before
    the maps, so a map read after a thesaurus change is indexed with the new thesaurus."""

    def __init__(self, watched: Sequence[Watched[Any]], interval: float = 3.0) -> None:
        self.watched = tuple(watched)
        self.interval = interval

    async def check(self) -> int:
        """One look at every source; how many had changed."""
        changed = 0
        for source in self.watched:
            try:
                changed += await source.check()
            except Exception:  # one source's surprise must not stop the others
                log.exception("watching the %s files failed", LABELS.get(source.what))
        return changed

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()
