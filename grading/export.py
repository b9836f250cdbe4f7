"""Per-trainee, per-case, per-criterion (and per decision point) scores out of the gradebook.

nbgrader's own `export` writes assignment totals only. This reads every grade
cell through nbgrader's Gradebook API, and replays each trainee's autograded
decision log through the engine for the decision-point rows.

A letter cell whose criterion the candidate's path does not assess (the path's letter has
no rubric item for it, or a finished path had no letter: `autograde.letter_assessed`) is
written with max_score 0 and no score, so it counts neither way in certification.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from simulator.model import Criterion

from . import cells
from .autograde import Graded, assessed_letter_criteria, graded_submission, load_key
from .coursedir import CourseFolder, CourseRef

COLUMNS = ["student", "case", "level", "criterion", "item", "choice", "score", "max_score",
           "needs_manual_grade", "flagged", "position", "offered"]


@dataclass(frozen=True)
class Row:
    student: str
    case: str
    level: str  # "criterion" (a grade cell: choices or letter) or "decision_point"
    criterion: str
    item: str  # grade cell id, or step id for a decision point
    choice: str
    score: float | None
    max_score: float
    needs_manual_grade: bool
    flagged: bool
    # For a decision point: where the chosen option stood in the order this candidate saw (1 = top)
    # and how many were on offer, so that position effects can be studied. Empty for a grade cell
    # or a log from before options were shuffled.
    position: int | None = None
    offered: int | None = None


def rows(root: CourseRef, course_id: str | None = None) -> list[Row]:
    """Every row of the export; the course id is the folder's unless given."""
    course = CourseFolder.open(root, course_id)
    out: list[Row] = []
    with Gradebook(course.db_url, course.course_id) as gb:
        for assignment in gb.assignments:
            for student in gb.students:
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    continue
                graded = graded_submission(course, assignment.name, student.id)
                assessed = _assessed(course, graded)
                for nb in sub.notebooks:
                    for grade in sorted(nb.grades, key=lambda g: g.name):
                        parsed = cells.parse(grade.name)
                        if not parsed:
                            continue
                        row = Row(student.id, assignment.name, "criterion", parsed.criterion, grade.name, "",
                                  grade.score, grade.max_score, bool(grade.needs_manual_grade), bool(nb.flagged))
                        if parsed.part == cells.LETTER and assessed is not None and parsed.criterion not in assessed:
                            row = replace(row, score=None, max_score=0.0, needs_manual_grade=False)
                        out.append(row)
                    out += decision_point_rows(graded, assignment.name, student.id, bool(nb.flagged))
    return out


def _assessed(course: CourseFolder, graded: Graded | None) -> set[Criterion] | None:
    """Letter criteria assessed on the candidate's path; None: all of them."""
    if graded is None:
        return None
    _, lib = load_key(str(course.key(graded.case.id)))
    return assessed_letter_criteria(graded, lib)


def decision_point_rows(graded: Graded | None, case_id: str, student: str, flagged: bool) -> list[Row]:
    if graded is None or not graded.trusted:
        return []
    visits = {v.step: v for v in graded.replayed.path}
    out = []
    for crit, score in graded.replayed.scores.items():
        for item in score.items:
            if item.source == "choice":
                visit = visits.get(item.ref)
                option = visit.option if visit and visit.option else ""
                shown = visit.shown if visit and graded.replayed.seed is not None else ()
                out.append(Row(student, case_id, "decision_point", crit, item.ref, option, item.earned, item.possible,
                               False, flagged, shown.index(option) + 1 if option in shown else None,
                               len(shown) or None))
    return out


def write_csv(root: CourseRef, out: Path, course_id: str | None = None) -> int:
    data = rows(root, course_id)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in data:
            writer.writerow(asdict(row))
    return len(data)


def grade_table(root: CourseRef, course_id: str | None = None) -> dict[tuple[str, str, str], tuple]:
    """Every grade cell in the gradebook: (student, assignment, cell) -> (auto, manual, flagged).
    Two gradebooks hold the same grading exactly when their tables are equal."""
    course = CourseFolder.open(root, course_id)
    with Gradebook(course.db_url, course.course_id) as gb:
        return {(s.student.id, a.name, g.name): (g.auto_score, g.manual_score, bool(nb.flagged))
                for a in gb.assignments for s in a.submissions for nb in s.notebooks for g in nb.grades}
