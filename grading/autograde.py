"""Grading one submitted case from its decision log.

Hidden test cells in an assignment call `criterion_points`; nbgrader turns the
float it returns into partial credit. Everything here reads the log and the
examiner's full case (the key, kept outside the release) and never raises on a
bad submission: a missing, damaged or foreign log scores zero with a comment.

nbgrader pitfalls this module respects (nbgrader/utils.py, determine_grade):
- a value that cannot be parsed as a float gives FULL credit, so always return a
  plain rounded float;
- any stderr output gives zero, so warnings are silenced;
- a value above the cell's points raises inside nbgrader, so clamp.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.casefile import Library, library_dir_for, load_case, load_library
from simulator.decision_log import LOG_SUFFIX, read_log
from simulator.engine import Result, replay
from simulator.keys import case_version
from simulator.model import CRITERION_LABELS, Case, Criterion, LetterStep, as_criterion

from .coursedir import CONFIG_FILE, CourseFolder, CourseRef

if TYPE_CHECKING:  # the letter check itself is imported only where a letter is checked
    from simulator.letter_check import LetterReport


@dataclass(frozen=True)
class Graded:
    """A submission's replay, or why it cannot be trusted."""

    case: Case
    result: Result | None
    problems: tuple[str, ...]
    events: tuple = ()  # the log's events (a letter is judged on the path as it stood when written)

    @property
    def trusted(self) -> bool:
        return self.result is not None and not self.problems

    @property
    def replayed(self) -> Result:
        """The replay, for code that has checked `trusted` (or stands behind code that has)."""
        if self.result is None:
            raise ValueError(f"no replay of the {self.case.id} log: {'; '.join(self.problems)}")
        return self.result


@lru_cache(maxsize=32)
def load_key(key_path: str) -> tuple[Case, Library]:
    path = Path(key_path)
    lib = load_library(library_dir_for(path))
    return load_case(path, lib), lib


def grade_folder(case: Case, folder: Path) -> Graded:
    log = read_log(Path(folder) / f"{case.id}{LOG_SUFFIX}", case.id, case_version(case))
    if not log.exists:
        return Graded(case, None, ("beslutningsloggen mangler i afleveringen",))
    if log.problems:
        return Graded(case, None, tuple(log.problems))
    result = replay(case, log.events)
    return Graded(case, result, tuple(result.problems), tuple(log.events))


def graded_submission(root: CourseRef, case_id: str, student: str) -> Graded | None:
    """A student's autograded submission in a course directory, replayed against the key;
    None when the key or the autograded folder is not there."""
    course = CourseFolder.open(root)
    key = course.key(case_id)
    folder = course.autograded(student, case_id)
    if not key.exists() or not folder.exists():
        return None
    case, _ = load_key(str(key))
    return grade_folder(case, folder)


def points_for(graded: Graded, criterion: str, points: float) -> float:
    """Points for one criterion: the engine's 0-1 score times the cell's points.
    A criterion the path never tested earns nothing: it was not shown."""
    if not graded.trusted:
        return 0.0
    score = graded.replayed.scores[as_criterion(criterion)].score or 0.0
    return round(max(0.0, min(points, score * points)), 2)


def explain(graded: Graded, criterion: str, points: float) -> str:
    label = CRITERION_LABELS[as_criterion(criterion)]
    if not graded.trusted:
        reasons = "; ".join(graded.problems)
        return (f"{label}: 0 point. Dine valg kunne ikke bedømmes automatisk ({reasons}). "
                "Afleveringen er sendt til manuel bedømmelse.")
    got = points_for(graded, criterion, points)
    status = "" if graded.replayed.finished else " Sagen blev ikke gjort færdig."
    return f"{label}: {got:g} af {points:g} point ud fra dine gemte valg.{status}"


def course_key(case_id: str, folder: str | Path = ".") -> Path:
    """The examiner's key for a case: the key of the course folder that holds the submission
    (found by walking up to nbgrader_config.py), so a moved or copied course grades against its
    own keys. A path to a key file is taken as it is.

    The walk starts above the submission folder: what lies in it was handed in by the candidate,
    and a config or keys/ there must be neither run nor believed."""
    given = Path(case_id)
    if given.suffix == ".yaml" and given.exists():
        return given
    here = Path(folder).resolve()
    for root in here.parents:
        if (root / CONFIG_FILE).exists():
            candidate = CourseFolder.open(root).key(case_id)
            if candidate.exists():
                return candidate
    raise FileNotFoundError(f"no key for {case_id} in a course folder above {here}")


def criterion_points(criterion: str, key: str, points: float, folder: str = ".") -> float:
    """Called by a hidden test cell. Prints the reason, returns the points."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case, _ = load_key(str(course_key(key, folder)))
        except Exception as exc:  # a broken key is the examiner's problem, not the candidate's
            print(f"Bedømmelsesnøglen kunne ikke indlæses ({type(exc).__name__}). Kontakt eksaminator.")
            return 0.0
        graded = grade_folder(case, Path(folder))
        print(explain(graded, criterion, points))
        return float(points_for(graded, criterion, points))


def letter_steps(case: Case) -> list[LetterStep]:
    """Every letter step of the case (a case may have one per branch)."""
    return [s for s in case.steps if isinstance(s, LetterStep)]


def letter_criteria(case: Case, lib) -> list[Criterion]:
    """Criteria any of the case's letters is assessed on (a `brev-<criterion>` cell each), in the
    standard order: those the letter check scores on an empty letter at each letter step."""
    from simulator.model import CRITERIA

    covered = {c for s in letter_steps(case) for c, v in check_letter_text("", s, case, lib).scores.items()
               if v is not None}
    return [c for c in CRITERIA if c in covered]


# ---------------------------------------------------------------- the letters on the candidate's path
#
# A case may have a letter step on each of two branches; a candidate writes only the one
# their path reaches. Everything that grades, shows or reports a letter goes through
# `path_letters`, and `check_letter_text` is the one call of the letter check in grading/.


def check_letter_text(text: str | None, step: LetterStep, case: Case, lib, flags=(), state=None) -> LetterReport:
    """The automatic pre-check of a letter at a letter step: the ONE call of the letter check in
    grading/. Its report has `items` (criterion, severity, label, passed, points, earned, reason,
    evidence) and `scores` per criterion (None for a criterion the letter is not assessed on).

    The letter is read by simulator.letter_check against the path as it stood when the letter
    was written. A letter never sent is checked as an empty letter."""
    from simulator.letter_check import assess

    return assess(text or "", step, case, lib, flags, state)


def item_legal(item_id: str, step: LetterStep, lib) -> tuple[str, ...]:
    """The provisions behind one item of the letter check's report."""
    spec = lib.letter_items.get(item_id.split(":")[0])
    return tuple(spec.legal) if spec is not None else ()


@dataclass(frozen=True)
class PathLetter:
    """A letter step the candidate's path reached, what they sent there, and its pre-check."""

    step: LetterStep
    text: str | None  # None: the candidate reached the step but never sent the letter
    report: LetterReport  # the letter check's report (items, scores, words, lix, ...)

    @property
    def sent(self) -> bool:
        return self.text is not None

    def covers(self, criterion: Criterion) -> bool:
        return self.report.scores.get(criterion) is not None


def path_letter_steps(graded: Graded) -> list[LetterStep]:
    """Letter steps on the candidate's path, in path order: every letter sent, and the letter
    step the candidate stands at without having sent it. Empty for an untrusted log."""
    if not graded.trusted:
        return []
    steps = {s.id: s for s in letter_steps(graded.case)}
    ids = [v.step for v in graded.replayed.path if v.step in steps]
    if graded.replayed.current in steps and graded.replayed.current not in ids:
        ids.append(graded.replayed.current)
    return [steps[i] for i in dict.fromkeys(ids)]


def _path_before(graded: Graded, step_id: str) -> tuple[list[str], dict]:
    """Flags and state of the path just before the letter at `step_id` was written (or now,
    for a letter step the candidate stands at)."""
    events = list(graded.events)
    for n, ev in enumerate(events):
        if ev.get("type") == "letter" and ev.get("step") == step_id:
            before = replay(graded.case, events[:n])
            return list(before.flags), dict(before.state)
    return list(graded.replayed.flags), dict(graded.replayed.state)


def path_letters(graded: Graded, lib) -> list[PathLetter]:
    """The letter(s) on the candidate's path with their checks; computed once per submission
    (autograde, export, certification and feedback each ask several times)."""
    cached = graded.__dict__.get("_path_letters")
    if cached is not None and cached[0] is lib:
        return cached[1]
    out: list[PathLetter] = []
    for step in path_letter_steps(graded):
        text = graded.replayed.letters.get(step.id)
        flags, state = _path_before(graded, step.id)
        out.append(PathLetter(step, text, check_letter_text(text, step, graded.case, lib, flags, state)))
    object.__setattr__(graded, "_path_letters", (lib, out))  # a cache on a frozen record, not state
    return out


def letter_assessed(graded: Graded, lib, criterion: str) -> bool:
    """Whether the letter part of `criterion` is assessed for this candidate.

    Not assessed: the case was finished and no letter on the path is checked on the criterion
    (the path's letter does not test it, or the path ended without a letter). An unfinished
    case or an untrusted log is assessed, and scores 0."""
    covered = assessed_letter_criteria(graded, lib)
    return covered is None or criterion in covered


def assessed_letter_criteria(graded: Graded, lib) -> set[Criterion] | None:
    """The criteria the letter(s) on the path are assessed on; None: every criterion (an
    untrusted log or an unfinished case, which score 0)."""
    if not graded.trusted or not graded.replayed.finished:
        return None
    return {c for pl in path_letters(graded, lib) for c, v in pl.report.scores.items() if v is not None}


def letter_provisional(graded: Graded, lib, criterion: str, points: float) -> tuple[float, str]:
    """Provisional letter points for one criterion, and the per-item reasons, for the examiner.

    Only the letter(s) on the candidate's path count; several on one path count equally.
    A criterion that is not assessed (see `letter_assessed`) gets 0 and says why."""
    if not graded.trusted:
        return 0.0, "Ingen pålidelig log, så intet brev at vurdere: " + "; ".join(graded.problems)
    crit = as_criterion(criterion)
    label = CRITERION_LABELS[crit].lower()
    letters = [pl for pl in path_letters(graded, lib) if pl.covers(crit)]
    if not letters:
        if not graded.replayed.finished:
            return 0.0, "Sagen blev ikke gjort færdig, så der er intet brev at vurdere."
        if path_letter_steps(graded):
            return 0.0, (f"Ikke vurderet: brevet på kandidatens vej bedømmes ikke på {label}. "
                         "Cellen tæller ikke med i certificeringen.")
        return 0.0, ("Ikke vurderet: kandidatens vej endte uden et afgørelsesbrev. "
                     "Cellen tæller ikke med i certificeringen.")
    shares, lines = [], []
    for pl in letters:
        if len(letters) > 1 or not pl.sent:
            lines.append(f"Brevet ved '{pl.step.title}':")
        if not pl.sent:
            lines.append("Brevet blev ikke afleveret.")
            shares.append(0.0)
            continue
        shares.append(pl.report.scores.get(crit) or 0.0)
        lines += [f"[{'OK' if i.passed else 'MANGLER'}] ({i.severity}) {i.label} {i.reason}"
                  for i in pl.report.items if i.criterion == crit]
    share = sum(shares) / len(shares)
    return round(max(0.0, min(points, share * points)), 2), "\n".join(lines)
