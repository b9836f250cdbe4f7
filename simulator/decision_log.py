"""The decision log: append-only JSON Lines, hash-chained, written before the screen moves on.

Each line is one event. Every event carries `prev`, the hash of the event
before it, and `hash`, the SHA-256 of its own canonical JSON (without `hash`).
Editing, inserting, reordering or deleting a line inside the log breaks the
chain; a torn last line (a crash mid-write) is reported as such.

Appends take an exclusive lock on a sidecar lock file, so two browser tabs
(two kernels) on the same case never interleave, and are fsync'd before
returning, so a kernel crash right after a click loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

GENESIS = "0" * 64
MAX_LOG_BYTES = 20 * 1024 * 1024  # a real log is a few KB; anything this big is not a log
LOG_SUFFIX = ".decisions.jsonl"


# What can be wrong with a log, by code; the Danish text is what trainees and examiners read.
PROBLEM_TEXTS = {
    "missing": "beslutningsloggen findes ikke",
    "too_big": "beslutningsloggen er {size} bytes; det er for stort til at være en log",
    "unreadable": "beslutningsloggen kan ikke læses: {error}",
    "empty": "beslutningsloggen er tom",
    "not_utf8": "ikke gyldig UTF-8-tekst",
    "torn": "afbrudt midt i skrivningen",
    "not_json": "ikke gyldig JSON",
    "no_newline": "mangler afsluttende linjeskift",
    "bad_event": "{detail}",
    "no_start": "første hændelse er ikke 'start'",
    "other_case": "loggen hører til sagen {found!r}, ikke {wanted!r}",
    "other_version": "loggen er skrevet til en anden version af sagen ({found!r}, nu {wanted!r})",
    "damaged": "loggen er beskadiget; der skrives ikke videre i den",
}
TORN_CODES = frozenset({"torn", "no_newline"})  # a crash mid-write: repairable, nothing confirmed is lost


class LogProblem(str):
    """A problem with a log: reads as its Danish text (so it can be shown and stored as is),
    and carries a code and the line it concerns, so code decides on the code, never the text."""

    code: str
    line: int | None
    quiet = True  # refused because of it, the player says nothing more: it shows the damage already

    def __new__(cls, code: str, line: int | None = None, **values: Any) -> LogProblem:
        text = PROBLEM_TEXTS[code].format(**values)
        obj = super().__new__(cls, f"linje {line}: {text}" if line else text)
        obj.code, obj.line = code, line
        return obj


def canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def event_hash(event: dict[str, Any]) -> str:
    body = {k: v for k, v in event.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class LogRead:
    """What could be read from a log, and everything that is wrong with it."""

    events: list[dict[str, Any]] = field(default_factory=list)
    problems: list[LogProblem] = field(default_factory=list)
    exists: bool = True

    @property
    def intact(self) -> bool:
        return self.exists and not self.problems

    @property
    def last_hash(self) -> str:
        return self.events[-1]["hash"] if self.events else GENESIS


def read_log(path: Path, case_id: str | None = None, case_version: str | None = None) -> LogRead:
    """Read and verify a log. Never raises on bad content: problems are listed.

    Reading stops at the first broken line; events after it cannot be trusted.
    """
    path = Path(path)
    if not path.exists():
        return LogRead(exists=False, problems=[LogProblem("missing")])
    try:
        size = path.stat().st_size
        if size > MAX_LOG_BYTES:
            return LogRead(problems=[LogProblem("too_big", size=size)])
        raw = path.read_bytes()
    except OSError as exc:
        return LogRead(problems=[LogProblem("unreadable", error=exc.strerror)])
    return parse_log(raw, case_id, case_version)


def parse_log(raw: bytes, case_id: str | None = None, case_version: str | None = None) -> LogRead:
    out = LogRead()
    if not raw.strip():
        out.problems.append(LogProblem("empty"))
        return out
    lines = raw.split(b"\n")
    torn_tail = lines[-1] != b""  # a complete log always ends with a newline
    if not torn_tail:
        lines = lines[:-1]
    prev = GENESIS
    for n, line in enumerate(lines, start=1):
        last = n == len(lines)
        try:
            event = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.problems.append(LogProblem("not_utf8", n))
            break
        except json.JSONDecodeError:
            out.problems.append(LogProblem("torn" if (last and torn_tail) else "not_json", n))
            break
        problem = _event_problem(event, n, prev)
        if problem:
            out.problems.append(LogProblem("bad_event", n, detail=problem))
            break
        if last and torn_tail:
            out.problems.append(LogProblem("no_newline", n))
        out.events.append(event)
        prev = event["hash"]
    if out.events:
        start = out.events[0]
        if start.get("type") != "start":
            out.problems.append(LogProblem("no_start"))
        if case_id is not None and start.get("case") != case_id:
            out.problems.append(LogProblem("other_case", found=start.get("case"), wanted=case_id))
        if case_version is not None and start.get("case_version") != case_version:
            out.problems.append(LogProblem("other_version", found=start.get("case_version"), wanted=case_version))
    return out


def _event_problem(event: Any, n: int, prev: str) -> str | None:
    if not isinstance(event, dict):
        return "hændelsen er ikke et JSON-objekt"
    for key, kind in (("seq", int), ("type", str), ("time", str), ("prev", str), ("hash", str)):
        if not isinstance(event.get(key), kind) or isinstance(event.get(key), bool):
            return f"feltet {key!r} mangler eller har forkert type"
    if event["seq"] != n - 1:
        return f"løbenummer {event['seq']} hvor {n - 1} var ventet (en linje mangler eller er flyttet)"
    if event["prev"] != prev:
        return "kæden er brudt: hændelsen peger ikke på den forrige (en linje er ændret, slettet eller indsat)"
    if event_hash(event) != event["hash"]:
        return "hændelsens indhold passer ikke med dens hash (linjen er redigeret)"
    for key in ("step", "option", "text", "case", "case_version"):
        if key in event and not isinstance(event[key], str):
            return f"feltet {key!r} har forkert type"
    return None


class DecisionLog:
    """Append side of a log file. One instance per notebook/session."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = FileLock(str(self.path) + ".lock", timeout=30)

    def append(
        self,
        event: dict[str, Any],
        guard: Callable[[LogRead], str | None] | None = None,
    ) -> tuple[dict[str, Any] | None, str | None]:
        """Append one event under the lock.

        `guard` sees the log as it is on disk (another tab may have written) and
        may veto the append by returning a reason; this is how a double click or a
        second tab never records the same choice twice.
        Returns (event written or None, reason for not writing or None).
        """
        with self.lock:
            current = read_log(self.path)
            if current.problems and _only_torn_tail(current):
                current = self._repair_torn_tail(current)
            if current.exists and any(p.code != "empty" for p in current.problems):
                return None, LogProblem("damaged")
            if guard is not None:
                reason = guard(current)
                if reason:
                    return None, reason
            full = dict(event)
            full["seq"] = len(current.events)
            full["time"] = full.get("time") or now()
            full["prev"] = current.last_hash
            full["hash"] = event_hash(full)
            line = canonical(full) + b"\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            _fsync_dir(self.path.parent)
            return full, None


    def _repair_torn_tail(self, current: LogRead) -> LogRead:
        """A crash mid-write leaves a partial last line that was never confirmed to the
        trainee. Keep it aside for the examiner, cut it off, and carry on."""
        raw = self.path.read_bytes()
        keep = raw[: raw.rfind(b"\n") + 1]
        with open(str(self.path) + ".torn", "ab") as fh:
            fh.write(raw[len(keep):] + b"\n")
        with open(self.path, "r+b") as fh:
            fh.truncate(len(keep))
            fh.flush()
            os.fsync(fh.fileno())
        return read_log(self.path)


def _only_torn_tail(log: LogRead) -> bool:
    return len(log.problems) == 1 and log.problems[0].code in TORN_CODES


def _fsync_dir(folder: Path) -> None:
    """Make a newly created log file's directory entry durable too."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
