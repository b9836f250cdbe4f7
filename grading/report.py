"""The candidate's certification report: one self-contained HTML file (chart inline), Danish.

Page 1 is a summary: the candidate's name (nbgrader's student record), the decision
and its reasons, each criterion's score against its cut. The evidence follows: per
criterion the grade cells, the decision points and the letter items behind the score,
and the provisions the criterion rests on (quoted from the legal registry). The HTML
comes from the Jinja2 template grading/templates/certificate.html.j2. A machine-readable copy of the
decision is embedded as JSON (`<script id="sagssim-afgoerelse">`), so a test or an
appeal board can check the figures against the gradebook.

PDF: made with headless Chromium when it is installed (`chromium --print-to-pdf`), on A4
(the template's `@page` rule);
otherwise only HTML is written and the caller is told why.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from simulator import danish
from simulator.model import CRITERIA, CRITERION_LABELS, ChoiceStep

from .cells import CHOICE, LETTER
from .certify import FAILED, PASSED, PENDING, Decision, Evidence, PassRules
from .coursedir import CourseFolder

OUTCOME_TEXT = {PASSED: "Bestået", FAILED: "Ikke bestået", PENDING: "Afventer eksaminator"}
OUTCOME_COLOR = {PASSED: "#2e7d32", FAILED: "#b71c1c", PENDING: "#8a6d00"}
PART_TEXT = {CHOICE: "Dine valg i sagen", LETTER: "Dit afgørelsesbrev"}
SEVERITY_TEXT = {"kritisk": "kritisk", "vaesentlig": "væsentlig", "formel": "formel"}
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "certificate.html.j2"


def dk(x: float | None, decimals: int = 2) -> str:
    return f"{x:.{decimals}f}".replace(".", ",") if x is not None and not pd.isna(x) else "–"


def pts(x: float) -> str:
    return danish.number(x, 6, trim=True)


def chart_png(decision: Decision) -> bytes:
    """One bar per criterion (the candidate's score) with the cut marked."""
    from simulator.charts import Bar, bars_png

    bars = [Bar(CRITERION_LABELS[c], decision.criteria[c].score,
                "#2e7d32" if decision.criteria[c].passed else "#b71c1c", decision.criteria[c].cut)
            for c in CRITERIA]
    return bars_png(bars, "Andel af de mulige point (sort streg = grænsen for at bestå)", "ikke bedømt")


def _cite(ids, lib) -> str:
    provs = lib.provisions
    return ", ".join(f"{provs[p].law} {provs[p].paragraph}" for p in ids if p in provs)


def _case_info(course: CourseFolder | None, case_id: str):
    """The full case (key) for titles and labels, if the course directory has it."""
    if course is None:
        return None
    key = course.key(case_id)
    if not key.exists():
        return None
    from .autograde import load_key

    return load_key(str(key))[0]


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=False)


def render(decision: Decision, evidence: Evidence, rules: PassRules, lib, cases: dict | None = None,
           today: str | None = None) -> str:
    """The report as HTML, from grading/templates/certificate.html.j2."""
    from markupsafe import Markup

    cases = cases if cases is not None else {c: _case_info(evidence.course, c) for c in decision.cases}
    s = decision.student
    title = lambda c: cases[c].title if cases.get(c) is not None else c  # noqa: E731
    provs = lib.provisions

    summary = [{"criterion": c, "label": r.label, "score": dk(r.score), "cut": dk(r.cut), "cases": r.cases,
                "points": f"{pts(r.earned)} af {pts(r.possible)}", "passed": r.passed}
               for c, r in decision.criteria.items()]
    crit = evidence.critical[evidence.critical["student"] == s]
    critical = [{"case": title(r.case), "text": r.text, "legal": _cite(r.legal, lib),
                 "status": (f"Tilsidesat af eksaminator {r.set_aside_by}: {r.set_aside_reason}" if r.set_aside
                            else "Står ved magt")} for r in crit.itertuples()]

    cells = evidence.cells[evidence.cells["student"] == s]
    criteria = []
    for c in CRITERIA:
        r = decision.criteria[c]
        rows = []
        for x in cells[cells["criterion"] == c].sort_values(["case", "part"], ascending=[True, False]).itertuples():
            if x.max_score <= 0:
                points, status = "–", "ikke bedømt på din vej (tæller ikke med)"
            else:
                points = f"{pts(round(x.score, 2))} af {pts(x.max_score)}"
                status = (("foreløbig, ikke bekræftet" if x.needs_manual_grade else "bekræftet") if x.part == LETTER
                          else "beregnet ud fra dine gemte valg")
            if x.flagged:
                status = "afleveringen er markeret til kontrol"
            rows.append({"case": x.case, "item": x.item, "title": title(x.case), "part": PART_TEXT.get(x.part, x.part),
                         "points": points, "status": status})
        criteria.append({"criterion": c, "label": r.label, "score": dk(r.score), "cut": dk(r.cut), "passed": r.passed,
                         "provisions": [provs[p] for p in rules.legal_basis.get(c, ()) if p in provs], "cells": rows})
    return _environment().get_template(TEMPLATE).render(
        name=evidence.name(s), student=s, today=today or date.today().isoformat(),
        rules_name=rules.name, rules_version=rules.version, case_titles=[title(c) for c in decision.cases],
        outcome=OUTCOME_TEXT[decision.outcome], color=OUTCOME_COLOR[decision.outcome],
        passed=decision.outcome == PASSED, failed=decision.outcome == FAILED,
        reasons=list(decision.reasons), pending=list(decision.pending), summary=summary,
        critical_standing=decision.critical_standing, max_critical=rules.max_critical_errors,
        chart=base64.b64encode(chart_png(decision)).decode(), critical=critical, criteria=criteria,
        cases=[_case_evidence(evidence, s, cid, cases.get(cid), title(cid), lib) for cid in decision.cases],
        decision_json=Markup(json.dumps(decision.to_dict(), ensure_ascii=False).replace("</", "<\\/")),
    )


def _case_evidence(evidence: Evidence, student: str, case_id: str, case, title: str, lib) -> dict:
    """One case's evidence: each decision point on the path once, with its points per criterion,
    and the letter pre-check per criterion (what was found, what was not)."""
    dps = evidence.decision_points
    dps = dps[(dps["student"] == student) & (dps["case"] == case_id)]
    steps = {st.id: st for st in case.steps} if case is not None else {}
    points = []
    for (step_id, choice), d in dps.groupby(["step", "choice"], sort=False):
        step = steps.get(step_id)
        opt = next((o for o in step.options if o.id == choice), None) if isinstance(step, ChoiceStep) else None
        by_crit = {x.criterion: f"{pts(round(x.score, 2))} af {pts(round(x.max_score, 2))}" for x in d.itertuples()}
        points.append({"step": step.title if step else step_id, "choice": opt.label if opt else choice,
                       "points": [f"{CRITERION_LABELS[c].split()[0]}: {by_crit[c]}" for c in CRITERIA if c in by_crit]})
    li = evidence.letter_items
    li = li[(li["student"] == student) & (li["case"] == case_id)]
    letters = []
    for c in CRITERIA:
        d = li[li["criterion"] == c]
        if d.empty:
            continue
        letters.append({"label": CRITERION_LABELS[c], "found": int(d["passed"].astype(bool).sum()), "total": len(d),
                        "missing": [{"label": x.label, "severity": SEVERITY_TEXT.get(x.severity, x.severity),
                                     "legal": _cite(x.legal, lib)} for x in d.itertuples() if not x.passed]})
    return {"title": title, "decision_points": points, "letters": letters}


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_file: Path, pdf_file: Path, timeout: int = 120) -> tuple[bool, str]:
    """Print an HTML file to PDF with headless Chromium. Returns (made, note)."""
    exe = find_chromium()
    if exe is None:
        return False, "PDF ikke lavet: Chromium findes ikke på maskinen (apt install chromium). HTML er skrevet."
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_file}", Path(html_file).resolve().as_uri()]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, "PDF ikke lavet: Chromium svarede ikke i tide. HTML er skrevet."
    if r.returncode != 0 or not Path(pdf_file).exists():
        return False, f"PDF ikke lavet: Chromium fejlede ({r.stderr.strip()[-300:]}). HTML er skrevet."
    return True, ""


def write_reports(evidence: Evidence, decisions: dict[str, Decision], rules: PassRules, lib, out_dir: Path,
                  pdf: bool = False, today: str | None = None) -> tuple[list[Path], list[str]]:
    """One report per candidate, plus `afgoerelser.csv` with every decision. Returns (files, notes)."""
    from .certify import decisions_frame

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    case_ids = sorted(set(evidence.cells["case"]))
    cases = {c: _case_info(evidence.course, c) for c in case_ids}
    files, notes = [], []
    for student, d in sorted(decisions.items()):
        path = out_dir / f"{student}.html"
        path.write_text(render(d, evidence, rules, lib, cases, today), encoding="utf-8")
        files.append(path)
        if pdf:
            made, note = html_to_pdf(path, path.with_suffix(".pdf"))
            if made:
                files.append(path.with_suffix(".pdf"))
            elif note not in notes:
                notes.append(note)
    decisions_frame(decisions).to_csv(out_dir / "afgoerelser.csv", index=False)
    return files, notes
