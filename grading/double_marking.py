"""Double marking of letters, the store: a second examiner's scores beside nbgrader's, and their pairs.

nbgrader keeps one manual score per grade cell and records neither who gave it
nor when. Sagssim keeps its own append-only SQLite store beside the gradebook,
`<course>/double-marking.db`, with three tables:

    marks          every examiner mark: student, case, grade cell (brev-<criterion>),
                   optional rubric item, role (first/second), examiner id, score, time
    settlements    the settled score of a disagreement (or an agreed pair), who settled it,
                   when and why; the settled score is written to the gradebook as the
                   cell's manual score through nbgrader's Gradebook API
    set_asides     critical errors an examiner has set aside, with a reason (see certify)

Rows are only ever added; the latest row per key counts, the earlier ones are
the audit trail. `pairs` lines up each second mark with its first: the first
examiner's recorded mark if there is one, otherwise the gradebook's confirmed
manual score. How well the pairs agree is computed, without any I/O, in
`grading/reliability.py`; settlement is `grading/settlement.py`.
"""

from __future__ import annotations

import csv
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.errors import SagssimError

from .coursedir import CourseFolder, CourseRef, course_root

STORE = "double-marking.db"
SCHEMA = """
CREATE TABLE IF NOT EXISTS marks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student TEXT NOT NULL, assignment TEXT NOT NULL, notebook TEXT NOT NULL, grade_id TEXT NOT NULL,
    rubric_item TEXT NOT NULL DEFAULT '', role TEXT NOT NULL CHECK (role IN ('first', 'second')),
    examiner TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,
    comment TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL, source TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS settlements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student TEXT NOT NULL, assignment TEXT NOT NULL, notebook TEXT NOT NULL, grade_id TEXT NOT NULL,
    score REAL NOT NULL, first_score REAL, second_score REAL,
    examiner TEXT NOT NULL, reason TEXT NOT NULL, settled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS set_asides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student TEXT NOT NULL, assignment TEXT NOT NULL, ref TEXT NOT NULL,
    examiner TEXT NOT NULL, reason TEXT NOT NULL, recorded_at TEXT NOT NULL
);
"""
PAIR_COLUMNS = ["student", "case", "grade_id", "rubric_item", "criterion", "max_score",
                "first", "second", "first_examiner", "second_examiner"]


class MarkError(SagssimError, ValueError):
    pass


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(root: CourseRef) -> sqlite3.Connection:
    con = sqlite3.connect(course_root(root) / STORE)
    con.row_factory = sqlite3.Row
    con.executescript(SCHEMA)
    return con


def open_gradebook(course: CourseFolder):
    from nbgrader.api import Gradebook

    return Gradebook(course.db_url, course.course_id)


def find_grade(gb, case: str, grade_id: str, student: str):
    from nbgrader.api import MissingEntry

    try:
        return gb.find_grade(grade_id, case, case, student)
    except MissingEntry:
        raise MarkError(f"no grade cell {grade_id!r} for student {student!r} in case {case!r} "
                        "in the gradebook") from None


# ---------------------------------------------------------------- recording


def record_mark(root: CourseRef, student: str, case: str, grade_id: str, score: float, examiner: str,
                role: str = "second", rubric_item: str = "", comment: str = "", at: str | None = None,
                course_id: str | None = None, source: str = "") -> None:
    """Record one examiner mark after checking the cell exists and the score is in range."""
    if not examiner.strip():
        raise MarkError("an examiner id is required")
    if role not in ("first", "second"):
        raise MarkError(f"role must be 'first' or 'second', not {role!r}")
    with open_gradebook(CourseFolder.open(root, course_id)) as gb:
        grade = find_grade(gb, case, grade_id, student)
        max_score = float(grade.max_score)
    limit = 1.0 if rubric_item else max_score  # a rubric item is met (1) or not (0), or a share of it
    if not 0 <= float(score) <= limit:
        raise MarkError(f"score {score} for {student}/{case}/{grade_id}{'/' + rubric_item if rubric_item else ''} "
                        f"is outside 0–{limit:g}")
    with closing(connect(root)) as con, con:
        _insert(con, student, case, grade_id, rubric_item, role, examiner.strip(), float(score),
                1.0 if rubric_item else max_score, comment, at or now(), source)


def _insert(con, student, case, grade_id, rubric_item, role, examiner, score, max_score, comment, at, source):
    con.execute("INSERT INTO marks (student, assignment, notebook, grade_id, rubric_item, role, examiner, score,"
                " max_score, comment, recorded_at, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (student, case, case, grade_id, rubric_item, role, examiner, score, max_score, comment, at, source))


def import_csv(root: CourseRef, path: Path, examiner: str | None = None, role: str = "second",
               course_id: str | None = None) -> int:
    """CSV with a header: student,case,item,score[,rubric_item,examiner,comment,time].
    `item` is the grade cell id (e.g. brev-begrundelse). Every row is checked before any is stored."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    need = {"student", "case", "item", "score"}
    if rows and not need <= set(rows[0]):
        raise MarkError(f"{path}: the header must name the columns {', '.join(sorted(need))}")
    problems, clean = [], []
    with open_gradebook(CourseFolder.open(root, course_id)) as gb:
        for n, row in enumerate(rows, start=2):
            who = (row.get("examiner") or examiner or "").strip()
            try:
                score = float(str(row["score"]).replace(",", "."))
                grade = find_grade(gb, row["case"].strip(), row["item"].strip(), row["student"].strip())
                limit = 1.0 if (row.get("rubric_item") or "").strip() else float(grade.max_score)
                if not 0 <= score <= limit:
                    raise MarkError(f"score {score:g} is outside 0–{limit:g}")
                if not who:
                    raise MarkError("no examiner id (give an 'examiner' column or --examiner)")
            except (ValueError, MarkError) as exc:
                problems.append(f"{path}:{n}: {exc}")
                continue
            clean.append((row, who, score, limit))
    if problems:
        raise MarkError("\n".join(problems))
    if role not in ("first", "second"):
        raise MarkError(f"role must be 'first' or 'second', not {role!r}")
    with closing(connect(root)) as con, con:
        for row, who, score, limit in clean:
            _insert(con, row["student"].strip(), row["case"].strip(), row["item"].strip(),
                    (row.get("rubric_item") or "").strip(), role, who, score, limit, row.get("comment") or "",
                    (row.get("time") or "").strip() or now(), str(path))
    return len(clean)


def snapshot_first(root: CourseRef, examiner: str, course_id: str | None = None) -> int:
    """Record the gradebook's confirmed letter scores as the first examiner's marks, with their id and the time."""
    from .cells import LETTER, parse

    n = 0
    with open_gradebook(CourseFolder.open(root, course_id)) as gb:
        cells = [(sub.student.id, a.name, g.name, g.manual_score, g.max_score)
                 for a in gb.assignments for sub in a.submissions for nb in sub.notebooks for g in nb.grades
                 if (parse(g.name) or ("",))[0] == LETTER and g.manual_score is not None
                 and not g.needs_manual_grade]
    with closing(connect(root)) as con, con:
        for student, case, gid, score, max_score in cells:
            _insert(con, student, case, gid, "", "first", examiner, float(score), float(max_score), "", now(),
                    "gradebook")
            n += 1
    return n


def set_aside_critical(root: CourseRef, student: str, case: str, ref: str, examiner: str, reason: str) -> None:
    if not examiner.strip() or not reason.strip():
        raise MarkError("setting a critical error aside needs an examiner id and a reason")
    with closing(connect(root)) as con, con:
        con.execute("INSERT INTO set_asides (student, assignment, ref, examiner, reason, recorded_at)"
                    " VALUES (?,?,?,?,?,?)", (student, case, ref, examiner.strip(), reason.strip(), now()))


def set_asides(root: CourseRef) -> list[dict]:
    if not (course_root(root) / STORE).exists():
        return []
    with closing(connect(root)) as con:
        rows = con.execute("SELECT student, assignment AS 'case', ref, examiner, reason, recorded_at FROM set_asides"
                           " ORDER BY id").fetchall()
    return [dict(r) for r in rows]


def marks(root: CourseRef) -> pd.DataFrame:
    with closing(connect(root)) as con:
        return pd.read_sql_query("SELECT * FROM marks ORDER BY id", con)


def settlements(root: CourseRef) -> pd.DataFrame:
    with closing(connect(root)) as con:
        return pd.read_sql_query("SELECT * FROM settlements ORDER BY id", con)


# ---------------------------------------------------------------- pairs


def pairs(root: CourseRef, course_id: str | None = None) -> pd.DataFrame:
    """One row per marked cell (or rubric item): the first and the second examiner's latest mark."""
    m = marks(root)
    latest = m.sort_values("id").groupby(["student", "assignment", "grade_id", "rubric_item", "role"]).tail(1)
    first = latest[latest["role"] == "first"].set_index(["student", "assignment", "grade_id", "rubric_item"])
    second = latest[latest["role"] == "second"].set_index(["student", "assignment", "grade_id", "rubric_item"])
    out = []
    with open_gradebook(CourseFolder.open(root, course_id)) as gb:
        for key, s in second.iterrows():
            student, case, gid, item = key
            if key in first.index:
                f_score, f_who = float(first.loc[key, "score"]), first.loc[key, "examiner"]
            elif not item:
                g = find_grade(gb, case, gid, student)
                if g.manual_score is None or g.needs_manual_grade:
                    f_score, f_who = np.nan, ""
                else:
                    f_score, f_who = float(g.manual_score), "gradebook"
            else:
                f_score, f_who = np.nan, ""
            out.append({"student": student, "case": case, "grade_id": gid, "rubric_item": item,
                        "criterion": gid.split("-", 1)[-1], "max_score": float(s["max_score"]),
                        "first": f_score, "second": float(s["score"]), "first_examiner": f_who,
                        "second_examiner": s["examiner"]})
    return pd.DataFrame(out, columns=PAIR_COLUMNS)
