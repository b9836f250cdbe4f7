"""Settling a double-marked cell: the settled score goes into nbgrader's gradebook as the cell's
confirmed manual score, and the settlement (both marks, who settled, why) into the double-marking
store beside it."""

from __future__ import annotations

from contextlib import closing

import pandas as pd

from .coursedir import CourseFolder, CourseRef
from .double_marking import MarkError, connect, find_grade, now, open_gradebook, pairs, record_mark
from .reliability import disagreements


def settle(root: CourseRef, student: str, case: str, grade_id: str, score: float, examiner: str, reason: str,
           course_id: str | None = None) -> None:
    """Record the settled score and write it to the gradebook as the cell's confirmed manual score."""
    if not examiner.strip() or not reason.strip():
        raise MarkError("settling needs an examiner id and a reason")
    course = CourseFolder.open(root, course_id)
    p = pairs(course)
    row = p[(p["student"] == student) & (p["case"] == case) & (p["grade_id"] == grade_id) & (p["rubric_item"] == "")]
    first = float(row["first"].iloc[0]) if len(row) and pd.notna(row["first"].iloc[0]) else None
    second = float(row["second"].iloc[0]) if len(row) else None
    if first is not None and row["first_examiner"].iloc[0] == "gradebook":
        # keep the gradebook's first mark before it is overwritten, so agreement stays computable
        record_mark(course, student, case, grade_id, first, "gradebook", "first",
                    source="gradebook, before settlement")
    with open_gradebook(course) as gb:
        grade = find_grade(gb, case, grade_id, student)
        if not 0 <= float(score) <= float(grade.max_score):
            raise MarkError(f"score {score} is outside 0–{grade.max_score:g}")
        grade.manual_score = float(score)
        grade.needs_manual_grade = False
        gb.db.commit()
    with closing(connect(course)) as con, con:
        con.execute("INSERT INTO settlements (student, assignment, notebook, grade_id, score, first_score,"
                    " second_score, examiner, reason, settled_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (student, case, case, grade_id, float(score), first, second, examiner.strip(), reason.strip(),
                     now()))


def settle_agreed(root: CourseRef, examiner: str, tolerance: float = 1.0, cuts: dict[str, float] | None = None,
                  course_id: str | None = None) -> int:
    """Settle every pair that agrees (within tolerance, same side of the cut) to the mean of the two marks."""
    course = CourseFolder.open(root, course_id)
    p = pairs(course)
    open_ = disagreements(p, tolerance, cuts)
    todo = p[(p["rubric_item"] == "")].dropna(subset=["first", "second"])
    bad = set(zip(open_["student"], open_["case"], open_["grade_id"], strict=True))
    n = 0
    for r in todo.itertuples():
        if (r.student, r.case, r.grade_id) in bad:
            continue
        settle(course, r.student, r.case, r.grade_id, round((r.first + r.second) / 2, 2), examiner,
               f"Enige bedømmere (forskel {abs(r.first - r.second):g} point): gennemsnittet.")
        n += 1
    return n
