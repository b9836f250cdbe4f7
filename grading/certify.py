"""Certification: pass rules, the evidence behind a decision, and the decision itself.

Three layers, I/O only at the edges:

- `load_rules(path)` reads and validates the pass-rule file (cases/pass-rules.yaml);
- `collect(root)` reads one course's gradebook through nbgrader's API (the same
  rows `sagssim export` writes), replays every autograded decision log through
  the engine for critical errors and choices, re-runs the letter rubric check,
  and reads examiners' set-asides of critical errors from the double-marking store;
- `decide(evidence, rules)` is pure: one `Decision` per candidate, with every
  failed condition named, and the figures it rests on.

Decisions are "bestået", "ikke bestået" or "afventer" (an examiner must act first:
unconfirmed letter grades or a flagged submission).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.casefile import CASES_DIR, read_model
from simulator.errors import SagssimError
from simulator.model import CRITERIA, CRITERION_LABELS, Criterion

from .coursedir import CourseFolder, CourseRef

RULES_FILE = CASES_DIR / "pass-rules.yaml"
PASSED, FAILED, PENDING = "bestået", "ikke bestået", "afventer"

Cut = Annotated[float, Field(ge=0.0, le=1.0)]


class StandardSetting(BaseModel):
    """Where the cuts came from (written by `sagssim angoff compute`)."""

    model_config = ConfigDict(extra="forbid")
    method: str
    date: str
    panelists: int = Field(ge=1)
    standard_error: dict[Criterion, float] = Field(default_factory=dict)
    worksheet: str = ""


class PassRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    name: str
    cuts: dict[Criterion, Cut]
    min_cases: int = Field(ge=1)
    min_cases_per_criterion: int = Field(default=1, ge=1)
    max_critical_errors: int = Field(default=0, ge=0)
    require_confirmed_grades: bool = True
    legal_basis: dict[Criterion, tuple[str, ...]] = Field(default_factory=dict)
    standard_setting: StandardSetting | None = None

    @model_validator(mode="after")
    def _every_criterion_has_a_cut(self):
        missing = [c for c in CRITERIA if c not in self.cuts]
        if missing:
            raise ValueError(f"cuts: no cut for {', '.join(missing)} (every criterion needs one)")
        if self.min_cases_per_criterion > self.min_cases:
            raise ValueError("min_cases_per_criterion cannot exceed min_cases")
        return self


class RulesError(SagssimError, ValueError):
    pass


def load_rules(path: Path | None = None, library=None) -> PassRules:
    """Read and validate a pass-rule file; errors name the file, the line and the field."""
    path = Path(path or RULES_FILE)
    rules = read_model(PassRules, path, RulesError)
    if library is not None:
        unknown = sorted({p for ids in rules.legal_basis.values() for p in ids} - set(library.provisions))
        if unknown:
            raise RulesError(f"{path}: legal_basis: unknown provision(s) {', '.join(unknown)}")
    return rules


def write_rules(rules: PassRules, path: Path, header: str = "") -> None:
    data = rules.model_dump(mode="json", exclude_none=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    Path(path).write_text(header + text, encoding="utf-8")


# ---------------------------------------------------------------- evidence

CELL_COLUMNS = ["student", "case", "part", "criterion", "item", "score", "max_score", "needs_manual_grade", "flagged"]
DP_COLUMNS = ["student", "case", "criterion", "step", "choice", "score", "max_score", "position", "offered"]
CRIT_COLUMNS = ["student", "case", "ref", "text", "legal", "set_aside", "set_aside_by", "set_aside_reason"]
LETTER_COLUMNS = ["student", "case", "step", "item", "criterion", "severity", "label", "passed", "legal"]


@dataclass
class Evidence:
    """Everything a decision and a report rest on, as tidy tables.

    cells:           one row per grade cell (valg-*/brev-*) per submission, from the gradebook
    decision_points: one row per scored decision point on each candidate's path (replayed)
    critical:        critical errors on each path (replayed), with examiners' set-asides
    letter_items:    the automatic rubric check per letter item (provisional; the examiner's
                     grade in `cells` is what counts)
    students:        every student in the gradebook (so a candidate with no submission still
                     gets a decision)
    names:           student id -> name from nbgrader's student record (first and last name),
                     for the candidate's report
    """

    cells: pd.DataFrame
    decision_points: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DP_COLUMNS))
    critical: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CRIT_COLUMNS))
    letter_items: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LETTER_COLUMNS))
    students: list[str] = field(default_factory=list)
    course: CourseFolder | None = None  # where the keys are, for the report's case titles
    names: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path | None:
        return self.course.root if self.course is not None else None

    def name(self, student: str) -> str:
        return self.names.get(student) or student


def cells_from_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The criterion-level rows of an export (grading/export.py COLUMNS) as grade cells."""
    df = rows[rows["level"] == "criterion"].copy()
    df["part"] = df["item"].str.split("-", n=1).str[0]
    for col in ("needs_manual_grade", "flagged"):
        df[col] = df[col].map(lambda v: v if isinstance(v, bool) else str(v) == "True")
    df["score"] = pd.to_numeric(df["score"], errors="coerce").fillna(0.0)
    df["max_score"] = pd.to_numeric(df["max_score"])
    return df[CELL_COLUMNS].reset_index(drop=True)


def collect(root: CourseRef, course_id: str | None = None) -> Evidence:
    """All evidence for one course directory (gradebook + autograded logs + keys). The course id
    is the folder's unless given."""
    from nbgrader.api import Gradebook

    from .autograde import graded_submission, item_legal, load_key, path_letters
    from .double_marking import set_asides
    from .export import rows

    course = CourseFolder.open(root, course_id)
    exported = pd.DataFrame([r.__dict__ for r in rows(course)])
    if exported.empty:
        from .export import COLUMNS

        exported = pd.DataFrame(columns=COLUMNS)
    cells = cells_from_rows(exported)
    dps = exported[exported["level"] == "decision_point"].rename(columns={"item": "step"})[DP_COLUMNS].copy()
    with Gradebook(course.db_url, course.course_id) as gb:
        students = sorted(s.id for s in gb.students)
        names = {s.id: " ".join(x.strip() for x in (s.first_name, s.last_name) if x and x.strip())
                 for s in gb.students}

    asides = {(a["student"], a["case"], a["ref"]): a for a in set_asides(course.root)}
    crit_rows, letter_rows = [], []
    for student, case_id in sorted(set(zip(cells["student"], cells["case"], strict=True))):
        graded = graded_submission(course, case_id, student)
        if graded is None or not graded.trusted:
            continue
        _, lib = load_key(str(course.key(case_id)))
        for e in graded.replayed.critical_errors:
            a = asides.get((student, case_id, e.ref))
            crit_rows.append({"student": student, "case": case_id, "ref": e.ref, "text": e.text,
                              "legal": tuple(e.legal), "set_aside": a is not None,
                              "set_aside_by": a["examiner"] if a else "", "set_aside_reason": a["reason"] if a else ""})
        for pl in path_letters(graded, lib):  # only the letter(s) the candidate's path reached
            for i in pl.report.items:
                letter_rows.append({"student": student, "case": case_id, "step": pl.step.id, "item": i.id,
                                    "criterion": i.criterion, "severity": i.severity, "label": i.label,
                                    "passed": bool(i.passed and pl.sent), "legal": item_legal(i.id, pl.step, lib)})
    return Evidence(cells=cells, decision_points=dps.reset_index(drop=True),
                    critical=pd.DataFrame(crit_rows, columns=CRIT_COLUMNS),
                    letter_items=pd.DataFrame(letter_rows, columns=LETTER_COLUMNS),
                    students=students, course=course, names={k: v for k, v in names.items() if v})


# ---------------------------------------------------------------- decision


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    label: str
    score: float | None  # pooled proportion; None if no grade cell assessed it
    earned: float
    possible: float
    cut: float
    cases: int  # cases in which the criterion was assessed
    passed: bool


@dataclass(frozen=True)
class Decision:
    student: str
    outcome: str  # PASSED, FAILED or PENDING
    criteria: dict[Criterion, CriterionResult]
    cases: tuple[str, ...]
    critical_standing: int
    reasons: tuple[str, ...]  # why not passed (Danish, one per failed condition)
    pending: tuple[str, ...]  # what an examiner must do first (Danish)
    failed_criteria: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED

    def to_dict(self) -> dict:
        return {
            "student": self.student, "outcome": self.outcome, "cases": list(self.cases),
            "critical_standing": self.critical_standing, "reasons": list(self.reasons),
            "pending": list(self.pending), "failed_criteria": list(self.failed_criteria),
            "criteria": {c: r.__dict__ for c, r in self.criteria.items()},
        }


def criterion_scores(cells: pd.DataFrame) -> pd.DataFrame:
    """Pooled proportion per student and criterion: sum(score) / sum(max_score) over grade cells.
    A cell with max_score 0 (a letter criterion the candidate's path does not assess) counts
    neither in the pool nor as a case that assessed the criterion."""
    g = cells[cells["max_score"] > 0].groupby(["student", "criterion"], sort=True)
    out = g.agg(earned=("score", "sum"), possible=("max_score", "sum"), cases=("case", "nunique")).reset_index()
    out["score"] = (out["earned"] / out["possible"]).where(out["possible"] > 0)
    return out


def _fmt(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")  # always two decimals: cuts and scores line up in the reasons


def decide_one(student: str, cells: pd.DataFrame, critical: pd.DataFrame, rules: PassRules) -> Decision:
    mine = cells[cells["student"] == student]
    cases = tuple(sorted(mine["case"].unique()))
    pending: list[str] = []
    flagged = sorted(mine.loc[mine["flagged"].astype(bool), "case"].unique())
    for c in flagged:
        pending.append(f"Afleveringen i sagen '{c}' er markeret til kontrol (beslutningsloggen mangler eller er "
                       "ændret). En eksaminator skal afklare den, før der kan træffes afgørelse.")
    if rules.require_confirmed_grades:
        open_cells = mine[mine["needs_manual_grade"].astype(bool)]
        for c, d in open_cells.groupby("case"):
            pending.append(f"Bedømmelsen i sagen '{c}' er ikke bekræftet af en eksaminator endnu "
                           f"({', '.join(sorted(d['item']))}).")

    scores = {r.criterion: r for r in criterion_scores(mine).itertuples()} if not mine.empty else {}
    results, reasons, failed = {}, [], []
    for crit in CRITERIA:
        cut = rules.cuts[crit]
        row = scores.get(crit)
        score = None if row is None or pd.isna(row.score) else round(float(row.score), 4)
        n = 0 if row is None else int(row.cases)
        ok = score is not None and score >= cut and n >= rules.min_cases_per_criterion
        results[crit] = CriterionResult(crit, CRITERION_LABELS[crit], score,
                                        0.0 if row is None else round(float(row.earned), 2),
                                        0.0 if row is None else round(float(row.possible), 2), cut, n, ok)
        if not ok:
            failed.append(crit)
            label = CRITERION_LABELS[crit]
            if score is None:
                reasons.append(f"{label}: kriteriet er ikke bedømt i nogen sag.")
            elif score < cut:
                reasons.append(f"{label}: {_fmt(score)} er under grænsen på {_fmt(cut)}.")
            if score is not None and n < rules.min_cases_per_criterion:
                reasons.append(f"{label}: bedømt i {n} sag(er); der kræves mindst {rules.min_cases_per_criterion}.")
    if len(cases) < rules.min_cases:
        reasons.append(f"Du har afleveret {len(cases)} sag(er); der kræves mindst {rules.min_cases}.")
    mine_crit = critical[(critical["student"] == student) & (~critical["set_aside"].astype(bool))]
    standing = len(mine_crit)
    if standing > rules.max_critical_errors:
        reasons.append(f"Der står {standing} kritisk(e) fejl; højst {rules.max_critical_errors} er tilladt.")
    outcome = PENDING if pending else (PASSED if not reasons else FAILED)
    return Decision(student, outcome, results, cases, standing, tuple(reasons), tuple(pending), tuple(failed))


def decide(evidence: Evidence, rules: PassRules) -> dict[str, Decision]:
    students = sorted(set(evidence.students) | set(evidence.cells["student"]))
    return {s: decide_one(s, evidence.cells, evidence.critical, rules) for s in students}


def decisions_frame(decisions: dict[str, Decision]) -> pd.DataFrame:
    rows = []
    for d in decisions.values():
        row = {"student": d.student, "outcome": d.outcome, "cases": len(d.cases),
               "critical_standing": d.critical_standing, "failed_criteria": ",".join(d.failed_criteria)}
        row.update({c: r.score for c, r in d.criteria.items()})
        rows.append(row)
    return pd.DataFrame(rows)
