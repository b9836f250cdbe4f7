"""A trainee's session on one case: the I/O edge between the engine and the log.

The widgets, the CLI, the tests and the synthetic nbgrader cohorts all play
through this class, so there is one way to record a choice.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import secrets
from pathlib import Path
from typing import Literal

from .decision_log import LOG_SUFFIX, DecisionLog, LogRead, read_log
from .engine import Result, choice_event, letter_event, replay, shown_options
from .keys import case_version
from .model import Case, ChoiceStep, LetterStep

Mode = Literal["selvstudie", "eksamen", "undervisning"]
MODES: tuple[Mode, ...] = ("selvstudie", "eksamen", "undervisning")
# A real decision letter is a few thousand characters; the cap keeps a pasted book from
# pushing the log past its own size limit (which would make every choice in it unreadable).
MAX_LETTER_CHARS = 100_000


def default_log_path(folder: Path, case_id: str) -> Path:
    return Path(folder) / f"{case_id}{LOG_SUFFIX}"


REFUSAL_TEXTS = {
    "finished": ("sagen er allerede afsluttet", True),
    "already_recorded": ("valget er allerede registreret", True),
    "letter_sent": ("brevet er allerede afleveret", True),
    "not_offered": ("valget {option!r} er ikke en mulighed ved trinnet {step!r}", False),
    "not_a_letter_step": ("{step!r} er ikke et brevtrin", False),
    "read_only": ("loggen er skrivebeskyttet under bedømmelsen", False),
    "too_long": ("brevet er for langt ({chars} tegn; højst {limit} tegn). Dit udkast er gemt. Forkort brevet, "
                 "og send det igen.", False),
}


class Refusal(str):
    """Why nothing was written: reads as its Danish text, and carries a code and whether the screen
    should stay quiet about it (a double click, a second tab: the screen already shows the truth)."""

    code: str
    quiet: bool

    def __new__(cls, code: str, **values: object) -> Refusal:
        text, quiet = REFUSAL_TEXTS[code]
        obj = super().__new__(cls, text.format(**values))
        obj.code, obj.quiet = code, quiet
        return obj


def identity(trainee: str = "") -> str:
    """Who is playing: the name given, else the JupyterHub user, else the login name."""
    if trainee:
        return trainee
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user:
        return hub_user
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (some containers)
        return ""


def exam_seed(who: str, case_id: str) -> int:
    """The option-order seed in an exam: fixed by candidate and case, so a restart or a
    re-fetch shows the same order, and two candidates side by side see different ones."""
    digest = hashlib.sha256(f"sagssim-order\n{who}\n{case_id}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def new_seed(mode: str, who: str, case_id: str) -> int:
    return exam_seed(who, case_id) if mode == "eksamen" else secrets.randbits(48)


def grading_run() -> bool:
    """True while nbgrader autograde executes the notebook: then nothing may be written,
    or a missing log would be replaced by an empty one and escape notice."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


class Session:
    def __init__(self, case: Case, log_path: Path, mode: Mode = "selvstudie", trainee: str = "",
                 read_only: bool | None = None, seed: int | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        self.case = case
        self.mode = mode
        self.version = case_version(case)
        self.log = DecisionLog(Path(log_path))
        self.trainee = identity(trainee)
        self.read_only = grading_run() if read_only is None else read_only
        if not self.read_only:
            self._ensure_started(new_seed(mode, self.trainee, case.id) if seed is None else seed)

    # ------------------------------------------------------------ reading

    def read(self) -> LogRead:
        return read_log(self.log.path, self.case.id, self.version)

    def result(self) -> Result:
        return replay(self.case, self.read().events)

    @property
    def step(self) -> ChoiceStep | LetterStep | None:
        res = self.result()
        return None if res.finished else {s.id: s for s in self.case.steps}[res.current]

    # ------------------------------------------------------------ writing

    def _ensure_started(self, seed: int) -> None:
        """The first open writes the start event with the option-order seed; later opens
        (restart, reopen) find it and keep it, so the order never changes mid-case."""
        def guard(log: LogRead) -> str | None:
            return "already started" if log.events else None

        self.log.append(
            {"type": "start", "case": self.case.id, "case_version": self.version,
             "mode": self.mode, "trainee": self.trainee, "seed": seed, "pid": os.getpid()},
            guard,
        )

    def choose(self, step_id: str, option_id: str) -> tuple[bool, str | None]:
        """Record a choice if, on disk, the case is still at that step.

        Returns (recorded, reason). A second click, or the same click from a
        second tab, finds the case already past the step and records nothing.
        """

        def guard(log: LogRead) -> str | None:
            res = replay(self.case, log.events)
            if res.finished:
                return Refusal("finished")
            if res.current != step_id:
                return Refusal("already_recorded")
            step = {s.id: s for s in self.case.steps}[step_id]
            if not isinstance(step, ChoiceStep) or option_id not in shown_options(step, res.seed, res.flags, res.state):
                return Refusal("not_offered", option=option_id, step=step_id)
            return None

        if self.read_only:
            return False, Refusal("read_only")
        written, reason = self.log.append(choice_event(step_id, option_id), guard)
        return written is not None, reason

    def submit_letter(self, step_id: str, text: str) -> tuple[bool, str | None]:
        def guard(log: LogRead) -> str | None:
            res = replay(self.case, log.events)
            if res.finished or res.current != step_id:
                return Refusal("letter_sent")
            step = {s.id: s for s in self.case.steps}[step_id]
            return None if isinstance(step, LetterStep) else Refusal("not_a_letter_step", step=step_id)

        if self.read_only:
            return False, Refusal("read_only")
        if len(text) > MAX_LETTER_CHARS:
            return False, Refusal("too_long", chars=f"{len(text):,}".replace(",", "."),
                                  limit=f"{MAX_LETTER_CHARS:,}".replace(",", "."))
        written, reason = self.log.append(letter_event(step_id, text), guard)
        if written is not None:
            self.draft_path(step_id).unlink(missing_ok=True)
        return written is not None, reason

    def record(self, event: dict) -> tuple[bool, str | None]:
        """Record one event as the engine writes them (a choice or a letter), e.g. from `events_for`."""
        if event["type"] == "choice":
            return self.choose(event["step"], event["option"])
        return self.submit_letter(event["step"], event["text"])

    # ------------------------------------------------------------ letter drafts

    def draft_path(self, step_id: str) -> Path:
        return self.log.path.with_name(f"{self.log.path.name}.{step_id}.draft.txt")

    def save_draft(self, step_id: str, text: str) -> None:
        """Atomic replace, so a crash while typing keeps the last saved draft whole."""
        if self.read_only:
            return
        path = self.draft_path(step_id)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def load_draft(self, step_id: str) -> str:
        try:
            return self.draft_path(step_id).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
