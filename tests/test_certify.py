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
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sagssim") as gb:
        # the first candidate with a letter score to confirm: theirs stay unconfirmed
        pending = next(t.id for t in course.trainees
                       if any(g.needs_manual_grade for a in gb.assignments
                              for nb in gb.find_submission(a.name, t.id).notebooks
                              for g in nb.grades if g.name.startswith("brev-")))
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
    """(student, criterion) -> (earned, possible) straight from the gradebook, leaving out the
    letter cells of a criterion the candidate's path does not assess (they count neither way)."""
    from grading.autograde import graded_submission, letter_assessed

    acc: dict = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sagssim") as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                graded = graded_submission(root, a.name, sub.student.id)
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.name.startswith(("valg-", "brev-")) and g.name != "brev-visning":
                            crit = g.name.split("-", 1)[1]
                            if g.name.startswith("brev-") and graded is not None \
                                    and not letter_assessed(graded, load_library(), crit):
                                assert g.manual_score == 0 and not g.needs_manual_grade
                                continue
                            e, p = acc.get((sub.student.id, crit), (0.0, 0.0))
                            acc[(sub.student.id, crit)] = (e + (g.score or 0.0), p + g.max_score)
    return acc


def test_one_report_per_candidate_matching_the_gradebook(certified):
    course, out, rules, pending = certified
    reports = sorted(out.glob("*.html"))
    assert [p.stem for p in reports] == sorted(t.id for t in course.trainees)
    gb = gradebook_scores(course.root)
    flagged = {student for (student, _, _), (_, _, flag) in grade_table(course.root).items() if flag}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", "sagssim") as book:
        waiting = {sub.student.id for a in book.assignments for sub in a.submissions for nb in sub.notebooks
                   for g in nb.grades if g.name.startswith("brev-") and g.needs_manual_grade}
    assert waiting == {pending}  # the examiner confirmed everyone else's letters
    assert {course.tampered[0], course.missing[0], course.cheat[0]} <= flagged
    outcomes = set()
    for path in reports:
        student = path.stem
        html = path.read_text(encoding="utf-8")
        data = json.loads(re.search(r"id=[\"']sagssim-afgoerelse[\"']>(.*?)</script>", html, re.S).group(1))
        assert data["student"] == student
        for crit in CRITERIA:
            earned, possible = gb[(student, crit)]
            c = data["criteria"][crit]
            assert c["earned"] == pytest.approx(earned, abs=0.01) and c["possible"] == pytest.approx(possible)
            assert c["score"] == pytest.approx(earned / possible, abs=1e-4)
            # the visible table says the same
            row = re.search(rf"<tr data-criterion=[\"']{crit}[\"']>(.*?)</tr>", html, re.S).group(1)
            # (shown as the report rounds its own score: a gradebook sum a hair off .xx5 may round either way)
            assert f"{c['score']:.2f}".replace(".", ",") in row
        below = [c for c in CRITERIA if gb[(student, c)][0] / gb[(student, c)][1] < rules.cuts[c] - 1e-9]
        if student in waiting or student in flagged:
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


# ---------------------------------------------------------------- cases with a letter on each of two branches

BRANCH_STUDENTS = "id,first_name,last_name\n"


def two_letter_cases() -> list[str]:
    from grading.autograde import letter_steps
    from conftest import CASE_IDS, case_by_id

    return [c for c in CASE_IDS if len(letter_steps(case_by_id(c))) >= 2]


@pytest.fixture(scope="module")
def branches(tmp_path_factory):
    """Every two-letter case played once along each letter's branch, graded by `sagssim grade`
    (nbgrader's Autograde pipeline with Sagssim's preprocessors), feedback generated."""
    from grading.autograde import letter_steps
    from conftest import case_by_id
    from cohort_fixture import LETTERS_DIR, run, submit_walk, walk_to_letter

    cases = two_letter_cases()
    assert cases, "no case has two letter steps any more; this test needs one"
    work = tmp_path_factory.mktemp("branches")
    root = work / "course"
    played = []  # (student, case, letter step, text)
    rows = []
    for cid in cases:
        case = case_by_id(cid)
        flawed = sorted(p for p in (LETTERS_DIR / cid).glob("*.txt") if p.name != "model.txt")
        for n, step in enumerate(letter_steps(case)):
            walk = walk_to_letter(case, step.id)
            assert walk is not None, (cid, step.id)
            # a flawed letter on one branch, the model letter (if the branch has one) on the other
            text = (flawed[0].read_text(encoding="utf-8") if n == 0 and flawed else None) or step.model_letter \
                or flawed[-1].read_text(encoding="utf-8")
            student = f"{cid}{n + 1}"
            played.append((student, cid, step, text, walk))
            rows.append(f"{student},Kirsten {cid.title()},Æbelø-{n + 1}\n")
    (work / "students.csv").write_text(BRANCH_STUDENTS + "".join(rows), encoding="utf-8")
    run("sagssim", "build-course", str(root), "--students", str(work / "students.csv"), "--cases", ",".join(cases),
        cwd=work)
    for cid in cases:
        run("nbgrader", "generate_assignment", cid, "--force", cwd=root)
    for student, cid, _step, text, walk in played:
        submit_walk(root, cid, student, walk, text)
    graded = run("sagssim", "grade", str(root), cwd=root)
    for cid in cases:
        run("nbgrader", "generate_feedback", cid, "--force", cwd=root)
    return root, played, graded


def test_prefilled_letter_points_are_those_of_the_letter_on_the_path(branches, library):
    """Formgrader's prefilled letter points (nbgrader's Gradebook after autograde) equal the
    letter check of the letter the candidate wrote, not an average with the branch never reached."""
    root, played, _ = branches
    checked = 0
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sagssim") as gb:
        for student, cid, step, text, walk in played:
            scores = self_study_check(root, cid, walk, text, step).scores
            nb = gb.find_submission_notebook(cid, cid, student)
            assert not nb.flagged, (student, cid)
            cells = {g.name: g for g in nb.grades if g.name.startswith("brev-")}
            assert cells, (student, cid)
            for name, grade in cells.items():
                crit = name.removeprefix("brev-")
                if scores.get(crit) is None:  # this letter does not test the criterion: nothing to confirm
                    assert grade.manual_score == 0 and not grade.needs_manual_grade, (student, name)
                    continue
                assert grade.manual_score == pytest.approx(round(scores[crit] * 10, 2), abs=0.011), (student, name)
                assert grade.needs_manual_grade
                checked += 1
    assert checked >= 2 * len(played)
    # one of the letters is a flawed one: its points are between nothing and full marks
    assert any(0 < g < 10 for g in _letter_scores(root))


def self_study_check(root, cid: str, walk: list[str], text: str, step):
    """The letter check as self-study and `sagssim play --json` show it for this walk and letter,
    on the course's own copy of the case and rubric (what the grader used)."""
    from grading.autograde import load_key
    from simulator.cli import letter_checks
    from simulator.engine import events_for

    case, lib = load_key(str(root / "keys" / f"{cid}.yaml"))
    return letter_checks(case, events_for(case, walk, [text]), lib)[step.id]


def _letter_scores(root) -> list[float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sagssim") as gb:
        return [g.manual_score for a in gb.assignments for s in a.submissions for nb in s.notebooks
                for g in nb.grades if g.name.startswith("brev-")]


def test_examiner_sees_only_the_letter_and_rubric_on_the_path(branches, library):
    import nbformat

    from grading.autograde import letter_steps
    from conftest import case_by_id

    root, played, _ = branches
    for student, cid, step, text, walk in played:
        others = [s for s in letter_steps(case_by_id(cid)) if s.id != step.id]
        nb = nbformat.read(root / "autograded" / student / cid / f"{cid}.ipynb", as_version=4)
        by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
        view = "\n".join(o.get("data", {}).get("text/plain", "") for o in by_id["brev-visning"].outputs)
        assert text.strip()[:80] in view and "ikke afleveret" not in view
        for crit in ("begrundelse", "klagevejledning"):
            scheme = by_id[f"brev-{crit}"].source
            assert f"`{step.id}`" in scheme and not any(f"`{o.id}`" in scheme for o in others)
            items = [i for i in self_study_check(root, cid, walk, text, step).items if i.criterion == crit]
            assert scheme.count("\n- (") == len(items) > 0, (student, crit)
    # the source notebook (generated once for all candidates) names both branches' letters
    cid = played[0][1]
    source = nbformat.read(root / "source" / cid / f"{cid}.ipynb", as_version=4)
    scheme = next(c.source for c in source.cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == "brev-begrundelse")
    assert all(f"`{s.id}`" in scheme for s in letter_steps(case_by_id(cid)))
    assert "kun det tæller" in scheme


def test_certificate_lists_only_the_letter_on_the_path(branches, tmp_path):
    from grading.certify import collect

    root, played, _ = branches
    evidence = collect(root)
    for student, cid, step, _, _ in played:
        steps = set(evidence.letter_items[(evidence.letter_items["student"] == student)
                                          & (evidence.letter_items["case"] == cid)]["step"])
        assert steps == {step.id}, (student, cid, steps)


def test_grade_prints_no_sqlalchemy_warnings(branches):
    """`sagssim grade` on new submissions: nbgrader 0.9's add_submission used to print three
    SAWarnings per submission; stderr has the progress bar and nothing else."""
    _, played, graded = branches
    assert f"graded {len(played)} of {len(played)} submissions" in graded.stdout
    assert "Bedømmer" in graded.stderr
    assert "SAWarning" not in graded.stderr and "Warning" not in graded.stderr, graded.stderr[-2000:]


NBGRADER_TERMS = ("Test cell", "Student's task", "Student's answer", "Score:", "Grade cell", "Comments:", "(Top)",
                  "grade_id", "nbgrader", "valg-", "brev-", "criterion_points", "import ", "print(", "start(",
                  "Written response", "Coding free-response", "Late submission")


def test_feedback_is_danish_with_points_and_no_code_or_key(branches):
    from grading.autograde import load_key
    from simulator.engine import play_headless
    from simulator.model import CRITERIA as CRITS
    from cohort_fixture import GENERIC_KEY_MARKERS, key_strings, scan

    root, played, _ = branches
    for student, cid, step, text, walk in played:
        path = root / "feedback" / student / cid / f"{cid}.html"
        page = path.read_text(encoding="utf-8")
        parser = Text()
        parser.feed(page)
        shown = " ".join(" ".join(parser.parts).split())
        assert '<html lang="da">' in page
        assert [t for t in NBGRADER_TERMS if t in page] == [], student
        assert "<pre" not in page.replace("<pre class=\"brev\">", "")  # the only preformatted text is the letter
        case, _ = load_key(str(root / "keys" / f"{cid}.yaml"))
        assert case.title in shown and "Kirsten" in shown  # the candidate's name from the gradebook
        result = play_headless(case, walk, [text])
        report = self_study_check(root, cid, walk, text, step)
        for crit in CRITS:
            s = result.scores[crit]
            if s.score is None:
                continue
            assert CRITERION_LABELS[crit] in shown
            # an exam's feedback gives the points per criterion, not which choice earned them: that is the key
            for item in (i for i in s.items if i.source == "choice"):
                assert "du valgte »" not in shown, (student, item.ref)
        for item in report.items:
            if item.reason.strip():
                assert " ".join(item.reason.split()) not in shown, (student, item.id)
        assert "Mangler:" not in shown and "facitliste" in shown
        assert "Foreløbige point" in shown  # nothing confirmed yet, and the page says so
        needles = {n for n in (set(GENERIC_KEY_MARKERS) | key_strings(case)) if n not in text}
        assert scan([path], needles) == [], student


def test_a_teaching_course_can_show_the_reasons_behind_each_point(branches):
    """With FeedbackSummary.detail on (a course assignment, not an exam), the page names every decision
    point with the candidate's own choice and its points, and each letter finding with its reason."""
    from cohort_fixture import run
    from simulator.engine import play_headless
    from simulator.model import CRITERIA as CRITS
    from grading.autograde import load_key

    root, played, _ = branches
    student, cid, step, text, walk = played[0]
    run("nbgrader", "generate_feedback", cid, "--force", "--student", student, "--FeedbackSummary.detail=True",
        cwd=root)
    parser = Text()
    parser.feed((root / "feedback" / student / cid / f"{cid}.html").read_text(encoding="utf-8"))
    shown = " ".join(" ".join(parser.parts).split())
    case, _ = load_key(str(root / "keys" / f"{cid}.yaml"))
    result = play_headless(case, walk, [text])
    labels = {v.step: v.label for v in result.path}
    for crit in CRITS:
        for item in (i for i in result.scores[crit].items if i.source == "choice"):
            assert f"{item.label}: du valgte »{' '.join(labels[item.ref].split())}«" in shown, item.ref
    report = self_study_check(root, cid, walk, text, step)
    assert all(" ".join(i.reason.split()) in shown for i in report.items if i.reason.strip())
    assert "facitliste" not in shown
    run("nbgrader", "generate_feedback", cid, "--force", "--student", student, cwd=root)  # back to the exam page


def test_certificate_pdf_is_a4_titled_with_the_name_and_summarised_on_page_one(branches, tmp_path, library):
    from pypdf import PdfReader

    from grading.report import find_chromium

    root, played, _ = branches
    student, cid = played[0][0], played[0][1]
    assert find_chromium() is not None, "Chromium is needed for the PDF (make system-deps installs it)"
    assert main(["certify", str(root), "--out", str(tmp_path), "--student", student, "--pdf"]) == 0
    html = (tmp_path / f"{student}.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da">' in html
    pdf = PdfReader(tmp_path / f"{student}.pdf")
    name = f"Kirsten {cid.title()} Æbelø-1"
    for page in pdf.pages:  # A4: 210 × 297 mm = 595.3 × 841.9 pt, not US Letter's 612 × 792
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx((595.3, 841.9), abs=1.0)
    assert name in (pdf.metadata.title or "")
    first = " ".join(pdf.pages[0].extract_text().split())
    assert name in first and "Resultat:" in first
    for crit in CRITERIA:
        assert CRITERION_LABELS[crit] in first
    assert "Grundlaget for afgørelsen" not in first  # the evidence starts on page 2
    rest = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages[1:])
    assert rest.startswith("Grundlaget for afgørelsen")
    assert 2 <= len(pdf.pages) <= 5, len(pdf.pages)  # one case: a summary page and a few pages of evidence


def test_certify_names_every_unconfirmed_letter_grade(certified, capsys, tmp_path):
    course, _, _, pending = certified
    assert main(["certify", str(course.root), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    listed = set(re.findall(r"^  (\S+)\s+(\S+)\s+(brev-\S+)\s+provisional", out, re.M))
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", "sagssim") as gb:
        waiting = {(sub.student.id, a.name, g.name) for a in gb.assignments for sub in a.submissions
                   for nb in sub.notebooks for g in nb.grades if g.name.startswith("brev-") and g.needs_manual_grade}
    assert listed == waiting and listed
    assert {s for s, _, _ in listed} == {pending}
    assert "'Resolve'" in out
