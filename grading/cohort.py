"""Cohort grading: nbgrader's own autograde pipeline, in one process, without kernels.

Stock `nbgrader autograde` starts a Python kernel for every notebook and runs
every cell, including the widget player, only so that the hidden grading cells
can replay the decision log. Here the same Autograde converter runs with the
same sanitizing preprocessors (OverwriteCells restores the grading cells from
the gradebook) and the same SaveAutoGrades, but `Execute` is replaced by
`ReplayExecute`, which runs only the grading cells, in this process. The scores
written to the gradebook are the same; the benchmark checks that.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from .coursedir import CONFIG_FILE, CourseFolder, CourseRef

STOCK_EXECUTE = "nbgrader.preprocessors.Execute"
REPLAY_EXECUTE = "grading.nbgrader_plugins.ReplayExecute"


@dataclass(frozen=True)
class Outcome:
    assignment: str
    student: str
    success: bool
    error: str = ""


def course_config(root: CourseRef, replay: bool = True):
    """The course's nbgrader configuration (a copy), with ReplayExecute in place of Execute if `replay`."""
    config = CourseFolder.open(root).config
    if replay:
        pre = [REPLAY_EXECUTE if str(p).endswith("Execute") and "Replay" not in str(p) else p
               for p in config.Autograde.autograde_preprocessors]
        config.Autograde.autograde_preprocessors = pre
    return config


def submissions(root: CourseRef, assignments: list[str] | None = None, students: list[str] | None = None):
    """(assignment, student) of every submission to grade, student by student."""
    for student, assignment in CourseFolder.open(root).submissions():
        if (not students or student in students) and (not assignments or assignment in assignments):
            yield assignment, student


def grade_cohort(root: CourseRef, assignments: list[str] | None = None, students: list[str] | None = None,
                 progress: bool = True, replay: bool = True) -> list[Outcome]:
    from nbgrader.apps import NbGraderAPI

    from .course import CourseError

    course = CourseFolder.open(root)
    if not course.has_config:  # nothing would say how to grade (the preprocessors, the keys)
        raise CourseError(f"{course.root} is not a course folder: it has no {CONFIG_FILE} (sagssim build-course)")
    # nbgrader runs `alembic` by name when it first creates a gradebook
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    config = course_config(course, replay)
    api = NbGraderAPI(coursedir=course.coursedir, config=config)
    todo = list(submissions(course, assignments, students))
    outcomes = []
    bar = _progress(len(todo), progress)
    with warnings.catch_warnings():
        ignore_new_submission_warnings()
        for assignment, student in todo:
            result = api.autograde(assignment, student, force=True, create=True)
            outcomes.append(Outcome(assignment, student, bool(result.get("success")), result.get("error") or ""))
            bar.set_postfix_str(f"{student}/{assignment}", refresh=False)
            bar.update(1)
    bar.close()
    return outcomes


def ignore_new_submission_warnings() -> None:
    """Silence the three SQLAlchemy warnings nbgrader 0.9 causes for every NEW submission.

    Cause: `Gradebook.add_submission` (nbgrader/api.py) builds a SubmittedAssignment and, before
    `db.add(submission)`, reads `submission.assignment.notebooks` and `notebook.grade_cells`;
    those reads autoflush the session while the new SubmittedAssignment/SubmittedNotebook are
    not in it yet, and SQLAlchemy 2 (no more cascade_backrefs) warns that the backref add
    "will not proceed". It is harmless: `db.add(submission)` right after cascades them in, and
    the grades are written (the tests compare the gradebook with stock nbgrader's). Only these
    messages are filtered; any other SAWarning still shows."""
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings(
        "ignore", category=SAWarning,
        message=r"Object of type <Submitted(Assignment|Notebook)> not in session, add operation along "
                r"'(Assignment|Student|Notebook)\.submissions' will not proceed")


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, unit="aflevering", desc="Bedømmer", file=sys.stderr)
