"""Pass rules and decisions (pure), then `sagssim certify` on the end-to-end cohort: one report per
candidate whose decision and figures match the gradebook."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
import yaml
from nbgrader.api import Gradebook

from grading.export import grade_table
from grading.certify import (FAILED, PASSED, PENDING, RULES_FILE, PassRules, RulesError, decide_one, load_rules)
from simulator.casefile import load_library
from simulator.cli import main
from simulator.model import CRITERIA, CRITERION_LABELS

from cohort_fixture import build_cohort_course

NO_CRIT = pd.DataFrame(columns=["student", "case", "ref", "text", "legal", "set_aside", "set_aside_by",
                                "set_aside_reason"])


def rules(**kw) -> PassRules:
    base = dict(name="test", cuts={c: 0.6 for c in CRITERIA}, min_cases=3, min_cases_per_criterion=2)
    return PassRules(**{**base, **kw})


def cells(student="k1", scores=None, cases=("a", "b", "c"), confirmed=True, flagged=()):
    """Choice and letter cells, 10 points each, with the given proportion per criterion."""
    scores = scores or {}
    rows = []
    for case in cases:
        for crit in CRITERIA:
            for part in ("valg", "brev"):
                rows.append({"student": student, "case": case, "part": part, "criterion": crit,
                             "item": f"{part}-{crit}", "score": 10 * scores.get(crit, 0.8), "max_score": 10.0,
                             "needs_manual_grade": part == "brev" and not confirmed, "flagged": case in flagged})
    return pd.DataFrame(rows)


def test_default_rules_are_valid_and_cite_the_registry():
    r = load_rules(RULES_FILE, load_library())
    assert set(r.cuts) == set(CRITERIA) and r.max_critical_errors == 0 and r.min_cases == 3
    assert set(r.legal_basis) == set(CRITERIA)


def test_bad_rules_are_refused_with_the_field_named(tmp_path):
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    del data["cuts"]["klagevejledning"]
    data["cuts"]["partshoering"] = 1.4
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(path)
    assert "cuts.partshoering" in str(exc.value)
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    data["legal_basis"]["begrundelse"] = ["fvl-999"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match="fvl-999"):
        load_rules(path, load_library())


def test_just_below_one_cut_fails_with_that_criterion_named():
    d = decide_one("k1", cells(scores={"begrundelse": 0.599}), NO_CRIT, rules())
    assert d.outcome == FAILED
    assert d.failed_criteria == ("begrundelse",)
    assert len(d.reasons) == 1 and d.reasons[0].startswith(CRITERION_LABELS["begrundelse"])
    assert "0,60" in d.reasons[0]
    at = decide_one("k1", cells(scores={"begrundelse": 0.6}), NO_CRIT, rules())
    assert at.outcome == PASSED and at.criteria["begrundelse"].score == 0.6


def test_conjunctive_high_scores_do_not_compensate():
    d = decide_one("k1", cells(scores={"partshoering": 0.5, "helhedsvurdering": 1, "begrundelse": 1,
                                       "klagevejledning": 1}), NO_CRIT, rules())
    assert d.outcome == FAILED and d.failed_criteria == ("partshoering",)


def test_critical_error_fails_unless_set_aside():
    crit = pd.DataFrame([{"student": "k1", "case": "a", "ref": "s1.afgoer", "text": "Ingen partshøring",
                          "legal": ("fvl-19",), "set_aside": False, "set_aside_by": "", "set_aside_reason": ""}])
    d = decide_one("k1", cells(), crit, rules())
    assert d.outcome == FAILED and d.critical_standing == 1 and "kritisk" in d.reasons[0]
    crit.loc[0, "set_aside"] = True
    assert decide_one("k1", cells(), crit, rules()).outcome == PASSED
    assert decide_one("k1", cells(), crit.assign(set_aside=False), rules(max_critical_errors=1)).outcome == PASSED


def test_too_few_cases_fail_and_open_work_leaves_the_decision_pending():
    d = decide_one("k1", cells(cases=("a", "b")), NO_CRIT, rules())
    assert d.outcome == FAILED and any("mindst 3" in r for r in d.reasons)
    d = decide_one("k1", cells(cases=("a",)), NO_CRIT, rules(min_cases=1, min_cases_per_criterion=1))
    assert d.outcome == PASSED
    assert decide_one("k1", cells(confirmed=False), NO_CRIT, rules()).outcome == PENDING
    assert decide_one("k1", cells(confirmed=False), NO_CRIT, rules(require_confirmed_grades=False)).outcome == PASSED
    p = decide_one("k1", cells(flagged=("b",)), NO_CRIT, rules())
    assert p.outcome == PENDING and "'b'" in p.pending[0]


# ---------------------------------------------------------------- on the end-to-end cohort


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.imgs = [], []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs))


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    course = build_cohort_course(tmp_path_factory.mktemp("certify") / "course", autograde="fast")
    root = course.root
    pending = course.trainees[0].id  # this candidate's letters stay unconfirmed
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sagssim") as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.name.startswith("brev-") and sub.student.id != pending:
                            g.needs_manual_grade = False  # the examiner confirms the provisional points
        gb.db.commit()
    rules_file = root.parent / "rules.yaml"
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    data["min_cases"] = data["min_cases_per_criterion"] = len(course.cases)
    rules_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = root.parent / "reports"
    assert main(["certify", str(root), "--rules", str(rules_file), "--out", str(out)]) == 0
    return course, out, load_rules(rules_file), pending


def gradebook_scores(root) -> dict:
    """(student, criterion) -> (earned, possible) straight from the gradebook."""
    acc: dict = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sagssim") as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.name.startswith(("valg-", "brev-")) and g.name != "brev-visning":
                            crit = g.name.split("-", 1)[1]
                            e, p = acc.get((sub.student.id, crit), (0.0, 0.0))
                            acc[(sub.student.id, crit)] = (e + (g.score or 0.0), p + g.max_score)
    return acc


def test_one_report_per_candidate_matching_the_gradebook(certified):
    course, out, rules, pending = certified
    reports = sorted(out.glob("*.html"))
    assert [p.stem for p in reports] == sorted(t.id for t in course.trainees)
    gb = gradebook_scores(course.root)
    flagged = {student for (student, _, _), (_, _, flag) in grade_table(course.root).items() if flag}
    assert {course.tampered[0], course.missing[0], course.cheat[0]} <= flagged
    outcomes = set()
    for path in reports:
        student = path.stem
        html = path.read_text(encoding="utf-8")
        data = json.loads(re.search(r"id='sagssim-afgoerelse'>(.*?)</script>", html, re.S).group(1))
        assert data["student"] == student
        for crit in CRITERIA:
            earned, possible = gb[(student, crit)]
            c = data["criteria"][crit]
            assert c["earned"] == pytest.approx(earned, abs=0.01) and c["possible"] == pytest.approx(possible)
            assert c["score"] == pytest.approx(earned / possible, abs=1e-4)
            # the visible table says the same
            row = re.search(rf"<tr data-criterion='{crit}'>(.*?)</tr>", html, re.S).group(1)
            assert f"{earned / possible:.2f}".replace(".", ",") in row
        below = [c for c in CRITERIA if gb[(student, c)][0] / gb[(student, c)][1] < rules.cuts[c] - 1e-9]
        if student == pending or student in flagged:
            expected = PENDING
        elif below or data["critical_standing"] > 0:
            expected = FAILED
        else:
            expected = PASSED
        assert data["outcome"] == expected, (student, below, data["reasons"])
        if expected == FAILED:
            assert set(below) <= set(data["failed_criteria"])
        parser = Text()
        parser.feed(html)
        text = " ".join(parser.parts)
        assert {"Bestået": PASSED, "Ikke bestået": FAILED, "Afventer eksaminator": PENDING}[
            re.search(r"Resultat: (Bestået|Ikke bestået|Afventer eksaminator)", text).group(1)] == expected
        for crit in CRITERIA:  # the legal basis is quoted from the registry
            for pid in rules.legal_basis[crit]:
                assert load_library().provisions[pid].gist in text
        png = base64.b64decode(parser.imgs[0]["src"].split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
        outcomes.add(expected)
    assert {PENDING, FAILED} <= outcomes
    summary = pd.read_csv(out / "afgoerelser.csv")
    assert len(summary) == len(course.trainees)


def test_pdf_when_chromium_is_there(certified, tmp_path):
    from grading.report import find_chromium

    course, _, _, _ = certified
    student = course.trainees[-1].id
    code = main(["certify", str(course.root), "--out", str(tmp_path), "--student", student, "--pdf"])
    assert code == 0
    pdf = tmp_path / f"{student}.pdf"
    if find_chromium() is None:
        assert not pdf.exists()
    else:
        assert pdf.read_bytes()[:5] == b"%PDF-"


def test_analyse_command_writes_tables_and_figures(certified, tmp_path):
    course, _, _, _ = certified
    assert main(["analyse", str(course.root), "--out", str(tmp_path)]) == 0
    items = pd.read_csv(tmp_path / "beslutningspunkter.csv")
    assert {"difficulty", "discrimination", "reached"} <= set(items.columns) and len(items) > 0
    rel = pd.read_csv(tmp_path / "reliabilitet.csv")
    assert list(rel["criterion"]) == [*CRITERIA, "samlet"]
    assert (tmp_path / "fordelinger.png").read_bytes()[:4] == b"\x89PNG"
