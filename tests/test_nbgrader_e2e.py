"""End to end through the real nbgrader commands: build the course, generate the assignments,
submit for a cohort of synthetic trainees, autograde (stock, with kernels), override a letter
grade, generate feedback; then check every score against the engine, the flag on a tampered
log, the keys' absence from everything a candidate receives, and the fast grader's agreement."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading.autograde import graded_submission, letter_assessed, load_key
from grading.cohort import grade_cohort
from grading.course import CHOICE_POINTS, choice_criteria
from grading.export import grade_table, write_csv
from simulator.casefile import load_case, load_library
from simulator.engine import replay
from simulator.decision_log import read_log
from simulator.keys import case_version

from conftest import CASE_IDS
from cohort_fixture import (CHEAT, GENERIC_KEY_MARKERS, MISSING, N_TRAINEES, TAMPERED, cohort_course,  # noqa: F401
                            key_strings, run, scan)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(cohort_course):  # noqa: F811 -- the fixture imported above, requested by name
    return cohort_course


def expected_points(root: Path, cid: str, student: str, criterion: str) -> float:
    case, _ = load_key(str(root / "keys" / f"{cid}.yaml"))
    log = read_log(root / "submitted" / student / cid / f"{cid}.decisions.jsonl", cid, case_version(case))
    if not log.intact:
        return 0.0
    result = replay(case, log.events)
    if result.problems:  # events that do not fit the case: the submission is flagged and scores 0
        return 0.0
    score = result.scores[criterion].score or 0.0
    return round(score * CHOICE_POINTS, 2)


def test_every_criterion_score_matches_the_engine(course):
    root, trainees, _ = course
    checked = 0
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for cid in CASE_IDS:
            case = load_case(root / "keys" / f"{cid}.yaml")
            for t in trainees:
                for crit in choice_criteria(case):
                    grade = gb.find_grade(f"valg-{crit}", cid, cid, t.id)
                    assert grade.auto_score == pytest.approx(expected_points(root, cid, t.id, crit)), (cid, t.id, crit)
                    checked += 1
    assert checked >= N_TRAINEES * len(CASE_IDS) * 3


def test_skill_shows_in_the_scores(course):
    root, trainees, _ = course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        totals = {t.id: sum(gb.find_submission(cid, t.id).score for cid in CASE_IDS) for t in trainees}
    assert totals[trainees[-1].id] > totals[trainees[0].id]


def test_tampered_logs_missing_logs_and_added_code_are_flagged(course):
    root, _, _ = course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student, cid in ((TAMPERED, CASE_IDS[0]), (MISSING, CASE_IDS[-1])):
            nb = gb.find_submission_notebook(cid, cid, student)
            assert nb.flagged, (student, cid)
            assert all((g.auto_score or 0) == 0 for g in nb.grades if g.name.startswith("valg-"))
        # the cheat's own code never ran (scores match the engine, checked above) and the notebook is flagged
        cheat = gb.find_submission_notebook(CASE_IDS[0], CASE_IDS[0], CHEAT)
        assert cheat.flagged
        assert any((g.auto_score or 0) < 10 for g in cheat.grades if g.name.startswith("valg-"))
        clean = gb.find_submission_notebook(CASE_IDS[0], CASE_IDS[0], "t011")
        assert not clean.flagged


def test_letters_get_provisional_points_that_need_confirmation(course):
    root, trainees, _ = course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        graded_cells = [(cid, t.id, g) for cid in CASE_IDS for t in trainees
                        for g in gb.find_submission_notebook(cid, cid, t.id).grades if g.name.startswith("brev-")]
    letter_grades = [g for _, _, g in graded_cells]
    assert letter_grades
    # every letter grade waits for the examiner, except a criterion the path's letter does not assess
    settled = {(cid, sid, g.name.removeprefix("brev-")) for cid, sid, g in graded_cells if not g.needs_manual_grade}
    assert all(g.manual_score == 0 for g in letter_grades if not g.needs_manual_grade)
    assert len(settled) < len(letter_grades), "some letter grades must wait for the examiner"
    lib = load_library()
    for cid, student, crit in settled:
        graded = graded_submission(root, cid, student)
        assert graded is not None and not letter_assessed(graded, lib, crit), (cid, student, crit)
    assert all(g.manual_score is not None for g in letter_grades)
    assert len({g.manual_score for g in letter_grades}) > 1  # model letters and flawed letters differ


def test_override_feedback_and_no_key_material_anywhere(course):
    root, trainees, _ = course
    cid, student = CASE_IDS[0], trainees[-1].id
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = next(g for g in gb.find_submission_notebook(cid, cid, student).grades if g.name.startswith("brev-"))
        grade.manual_score, grade.needs_manual_grade = 3.5, False
        comment = gb.find_comment(grade.name, cid, cid, student)
        comment.manual_comment = "Eksaminators kommentar: begrundelsen mangler de afgørende fakta."
        gb.db.commit()
        gname = grade.name
    for c in CASE_IDS:
        run("nbgrader", "generate_feedback", c, "--force", cwd=root)
    html = (root / "feedback" / student / cid / f"{cid}.html").read_text(encoding="utf-8")
    assert "Eksaminators kommentar" in html
    assert "Dine valg:" in html and "af 10 point" in html  # the trainee sees per-criterion scores
    assert '<html lang="da">' in html and "Test cell" not in html
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert gb.find_grade(gname, cid, cid, student).score == 3.5

    # Each case's key against what candidates receive for that case (one case's model letter may
    # quote what another case tells the candidate openly).
    released = [p for p in (root / "release").rglob("*") if p.is_file()]
    feedback = [p for p in (root / "feedback").rglob("*") if p.is_file()]
    assert released and feedback
    for c in CASE_IDS:
        needles = set(GENERIC_KEY_MARKERS) | key_strings(load_case(root / "keys" / f"{c}.yaml"))
        assert scan([p for p in released if p.relative_to(root / "release").parts[0] == c], needles) == [], c
        for t in trainees:
            # A trainee who wrote (a line of) the model letter gets their own text back: that is not a leak.
            own = "\n".join(json.loads(line).get("text", "") for p in (root / "submitted" / t.id).rglob("*.jsonl")
                            for line in p.read_text(encoding="utf-8").splitlines() if line.startswith("{"))
            theirs = [p for p in feedback if p.relative_to(root / "feedback").parts[:2] == (t.id, c)]
            assert scan(theirs, {n for n in needles if n not in own}) == [], (t.id, c)


def test_export_has_per_criterion_and_decision_point_rows(course, tmp_path):
    root, trainees, _ = course
    out = tmp_path / "scores.csv"
    write_csv(root, out)
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    levels = {r["level"] for r in rows}
    assert levels == {"criterion", "decision_point"}
    per = {(r["student"], r["case"], r["item"]) for r in rows if r["level"] == "criterion"}
    for cid in CASE_IDS:
        assert {(t.id, cid) for t in trainees} <= {(s, c) for s, c, _ in per}
    items = {i for _, _, i in per}
    assert any(i.startswith("valg-") for i in items) and any(i.startswith("brev-") for i in items)
    flagged = {r["student"] for r in rows if r["flagged"] == "True"}
    assert {TAMPERED, MISSING} <= flagged


def test_fast_grader_gives_identical_scores(course, tmp_path):
    root, _, _ = course
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("autograded", "feedback"))
    (copy / "nbgrader_config.py").write_text(
        (root / "nbgrader_config.py").read_text().replace(str(root), str(copy)))
    outcomes = grade_cohort(copy, progress=False)
    assert outcomes and all(o.success for o in outcomes)

    fast, stock = grade_table(copy), grade_table(root)
    assert len(stock) >= N_TRAINEES * len(CASE_IDS)
    assert fast == stock
