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

from simulator.casefile import library_dir_for, load_case, load_library, rubric_items
from simulator.decision_log import LOG_SUFFIX, read_log
from simulator.engine import Result, replay
from simulator.keys import case_version
from simulator.model import CRITERION_LABELS, Case, LetterStep


@dataclass(frozen=True)
class Graded:
    """A submission's replay, or why it cannot be trusted."""

    case: Case
    result: Result | None
    problems: tuple[str, ...]

    @property
    def trusted(self) -> bool:
        return self.result is not None and not self.problems


@lru_cache(maxsize=32)
def load_key(key_path: str) -> tuple[Case, object]:
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
    return Graded(case, result, tuple(result.problems))


def graded_submission(root: Path, case_id: str, student: str) -> Graded | None:
    """A student's autograded submission in a course directory, replayed against the key;
    None when the key or the autograded folder is not there."""
    key = Path(root) / "keys" / f"{case_id}.yaml"
    folder = Path(root) / "autograded" / student / case_id
    if not key.exists() or not folder.exists():
        return None
    case, _ = load_key(str(key))
    return grade_folder(case, folder)


def points_for(graded: Graded, criterion: str, points: float) -> float:
    """Points for one criterion: the engine's 0-1 score times the cell's points.
    A criterion the path never tested earns nothing: it was not shown."""
    if not graded.trusted:
        return 0.0
    score = graded.result.scores[criterion].score or 0.0
    return round(max(0.0, min(points, score * points)), 2)


def explain(graded: Graded, criterion: str, points: float) -> str:
    label = CRITERION_LABELS[criterion]
    if not graded.trusted:
        reasons = "; ".join(graded.problems)
        return (f"{label}: 0 point. Dine valg kunne ikke bedømmes automatisk ({reasons}). "
                "Afleveringen er sendt til manuel bedømmelse.")
    got = points_for(graded, criterion, points)
    status = "" if graded.result.finished else " Sagen blev ikke gjort færdig."
    return f"{label}: {got:g} af {points:g} point ud fra dine gemte valg.{status}"


def criterion_points(criterion: str, key: str, points: float, folder: str = ".") -> float:
    """Called by a hidden test cell. Prints the reason, returns the points."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case, _ = load_key(key)
        except Exception as exc:  # a broken key is the examiner's problem, not the candidate's
            print(f"Bedømmelsesnøglen kunne ikke indlæses ({type(exc).__name__}). Kontakt eksaminator.")
            return 0.0
        graded = grade_folder(case, Path(folder))
        print(explain(graded, criterion, points))
        return float(points_for(graded, criterion, points))


def letter_steps(case: Case) -> list[LetterStep]:
    return [s for s in case.steps if isinstance(s, LetterStep)]


def letter_criteria(case: Case, lib) -> list[str]:
    """Criteria the case's letter rubrics cover, in the standard order."""
    from simulator.model import CRITERIA

    covered = {i.criterion for s in letter_steps(case) for i in rubric_items(s, lib)}
    return [c for c in CRITERIA if c in covered]


def letter_provisional(graded: Graded, lib, criterion: str, points: float) -> tuple[float, str]:
    """Provisional letter points for one criterion, and the per-item reasons, for the examiner.
    Several letters in one case count equally."""
    from grading.letters import check_letter

    if not graded.trusted:
        return 0.0, "Ingen pålidelig log, så intet brev at vurdere: " + "; ".join(graded.problems)
    shares, lines = [], []
    for step in letter_steps(graded.case):
        items = rubric_items(step, lib)
        if not any(i.criterion == criterion for i in items):
            continue
        text = graded.result.letters.get(step.id)
        if text is None:
            lines.append(f"Brevet ved '{step.title}' blev ikke afleveret.")
            shares.append(0.0)
            continue
        report = check_letter(text, items)
        shares.append(report.scores[criterion] or 0.0)
        lines += [f"[{'OK' if i.passed else 'MANGLER'}] ({i.severity}) {i.label} {i.reason}"
                  for i in report.items if i.criterion == criterion]
    share = sum(shares) / len(shares) if shares else 0.0
    return round(share * points, 2), "\n".join(lines)
