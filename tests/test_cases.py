"""The five cases: valid, branching, legally cited, in our own words, and scored so that the
best path beats the typical errors on every criterion."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from simulator.casefile import CASES_DIR, load_library
from simulator.engine import events_for, letter_view, replay
from simulator.letter_check import path_to_letter
from simulator.keys import strip_keys
from simulator.model import CRITERIA, ChoiceStep, LetterStep

from conftest import CASE_IDS, SEEDS, case_by_id
from own_words import copied_runs, reports

EXPECTED_CASES = {"rune", "michael", "benny", "marie", "sofie", "hanne"}


def test_the_cases_exist():
    assert EXPECTED_CASES <= set(CASE_IDS)


def path_steps(case, path):
    """Step ids visited along a path of option ids."""
    steps, current, visited = {s.id: s for s in case.steps}, case.start, []
    for choice in path:
        step = steps[current]
        visited.append(step.id)
        current = step.next if isinstance(step, LetterStep) else next(o.next for o in step.options if o.id == choice)
    return visited, current


@pytest.fixture(params=CASE_IDS)
def case(request):
    return case_by_id(request.param)


def test_at_least_eight_decision_points_on_the_model_path(case):
    visited, _ = path_steps(case, case.model_path)
    choice_ids = {s.id for s in case.steps if isinstance(s, ChoiceStep)}
    assert len([v for v in visited if v in choice_ids]) >= 8


def test_branching_is_real(case):
    """Wrong choices lead to other steps, not just other feedback on one line."""
    model, _ = path_steps(case, case.model_path)
    errors, _ = path_steps(case, case.typical_error_path)
    off_model = {s.id for s in case.steps} - set(model)
    assert len(off_model) >= 2, "fewer than two steps lie off the model path"
    assert set(errors) - set(model), "the typical-error path visits no step of its own"
    targets = Counter(len({o.next for o in s.options}) for s in case.steps if isinstance(s, ChoiceStep))
    assert sum(n for k, n in targets.items() if k > 1) >= 3, "fewer than three steps branch"


def test_best_path_beats_typical_errors_on_every_criterion(case):
    best = replay(case, events_for(case, list(case.model_path)))
    worst = replay(case, events_for(case, list(case.typical_error_path)))
    assert best.finished and worst.finished
    assert best.problems == worst.problems == []
    tested = [c for c in CRITERIA if best.scores[c].score is not None]
    assert tested, "the model path tests no criterion"
    for crit in tested:
        b, w = best.scores[crit].score, worst.scores[crit].score
        assert w is not None, f"{crit}: the typical-error path never tests it"
        assert b > w, f"{crit}: best {b} is not above typical errors {w}"
    assert best.critical_errors == []
    assert worst.critical_errors, "the typical errors raise no critical error"


def test_model_path_ends_well_and_in_a_letter(case):
    visited, ending = path_steps(case, case.model_path)
    steps = {s.id: s for s in case.steps}
    assert any(isinstance(steps[v], LetterStep) for v in visited)
    assert next(e for e in case.endings if e.id == ending).good is True


def test_refusals_end_in_a_letter_with_an_expectation_and_a_model_on_every_path(case):
    """Every letter that is not a full grant carries the structured key the reader compares with,
    requires a klagevejledning, and shows either a model letter or, where no good letter is
    possible on a path, a note saying why (never a defective letter as an example)."""
    for step in case.steps:
        if isinstance(step, LetterStep) and step.decision != "bevilling":
            assert step.expect is not None, step.id
            assert step.expect.complaint, step.id
            assert any(a.outcome in ("afslag", "delvis") for a in step.expect.activities), step.id
            assert step.expect.hearing is not None or case.id == "minimal", step.id
            assert step.model_letter or step.model_note, step.id
            for variant in step.variants:
                view = letter_view(step, variant.when.all + variant.when.any, {})
                assert view.model_letter or view.model_note, f"{step.id}: a variant shows neither letter nor note"


def test_the_model_letter_is_judged_right_on_its_own_path(case, library):
    """The case's own model letter meets its key: no wrong statement, and at least as good as any
    letter on every criterion the reader scores (it is the base of the corpus's judgements)."""
    from simulator.letter_check import assess_on_path

    step, _ = path_to_letter(case, None)
    report = assess_on_path(step.model_letter, case, library)
    wrong = [i.reason for i in report.items if i.kind == "fejl"]
    assert wrong == []
    low = {c: s for c, s in report.scores.items() if s is not None and s < 0.75}
    assert low == {}, low


def test_every_criterion_is_tested_in_at_least_three_cases(all_cases):
    if not EXPECTED_CASES <= set(all_cases):
        pytest.fail("not all five cases exist yet")
    for crit in CRITERIA:
        testing = [
            cid for cid, case in all_cases.items()
            if any(crit in (o.credit or {}) for s in case.steps if isinstance(s, ChoiceStep) for o in s.options)
        ]
        assert len(testing) >= 3, f"{crit} is tested only in {testing}"


def test_marie_and_sofie_end_in_a_section_85_letter(all_cases):
    for cid in ("marie", "sofie"):
        letters = [s for s in all_cases[cid].steps if isinstance(s, LetterStep)]
        assert letters and all("sel-85" in s.legal for s in letters), cid


def test_cited_report_lines_exist(case):
    lib = load_library()
    reports(SEEDS, required=[r.file for r in lib.registry.reports])  # skips on a clone without the reports
    lengths = {
        r.id: len((SEEDS / r.file).read_text(encoding="utf-8", errors="replace").splitlines())
        for r in lib.registry.reports
    }
    refs = list(case.based_on)
    for d in case.documents:
        refs += d.sources
    for s in case.steps:
        refs += s.sources
        if isinstance(s, ChoiceStep):
            for o in s.options:
                refs += o.sources
    assert refs
    for ref in refs:
        if ref.lines:
            assert ref.lines[1] <= lengths[ref.report], f"{ref.report} has no line {ref.lines[1]}"


def test_case_text_is_in_our_own_words(case):
    text = (CASES_DIR / f"{case.id}.yaml").read_text(encoding="utf-8")
    runs = copied_runs(text, SEEDS)
    assert runs == [], f"{len(runs)} ten-word runs copied from the reports, e.g. {runs[:3]}"


def test_exam_copy_has_no_key_material(case):
    public = yaml.safe_dump(strip_keys(case).model_dump(mode="json"), allow_unicode=True)
    for step in case.steps:
        if isinstance(step, ChoiceStep):
            for o in step.options:
                if o.feedback:
                    assert o.feedback not in public
                if o.critical:
                    assert o.critical not in public
        elif step.model_letter:
            assert step.model_letter.strip()[:200] not in public
    assert "credit" not in public.replace("credit: null", "")
