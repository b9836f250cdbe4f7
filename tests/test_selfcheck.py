"""The module self-checks: shown alone (no object repr), feedback that says its verdict once,
answers in a per-trainee order that is stable, and answers whose form does not give the
right one away (issue 9: naive strategies earn no more than random clicking + 10 points)."""

from __future__ import annotations

import re
from collections import Counter

import nbformat
import pytest
import yaml

from simulator.course import (
    SELFCHECK_FILE,
    SelfCheckError,
    answer_order,
    load_selfcheck,
    quiz,
    selfcheck_form_figures,
    selfcheck_strategy_shares,
)

from simulator import danish
from simulator.lint import cues
from simulator.strategies import RANDOM, STRATEGIES

from conftest import ROOT

MODULES = ["01-vejledningspligt", "02-helhedsvurdering", "03-partshoering", "04-begrundelse", "05-klagevejledning"]


@pytest.fixture(scope="module")
def check(library):
    return load_selfcheck(library=library)


def all_questions(check):
    return [(mid, qi, q) for mid, m in check.modules.items() for qi, q in enumerate(m.questions)]


# ---------------------------------------------------------------- what the notebook shows


@pytest.mark.slow
def test_the_module_notebook_shows_the_quiz_and_nothing_else(tmp_path):
    """Run as JupyterLab runs it: the quiz cell's only output is the quiz widget, no `<simulator.course.Quiz …>`."""
    from nbclient import NotebookClient

    path = ROOT / "course" / "03-partshoering.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    cell = next(c for c in nb.cells if c.cell_type == "code" and "quiz(" in c.source)
    texts = [o.get("data", {}).get("text/plain", "") for o in cell.outputs] + [o.get("text", "") for o in cell.outputs]
    assert not any("simulator.course.Quiz" in t or "object at 0x" in t for t in texts), texts
    assert len(cell.outputs) == 1
    assert "application/vnd.jupyter.widget-view+json" in cell.outputs[0]["data"]


def test_feedback_states_its_verdict_once(check, library):
    for mid in MODULES:
        q = quiz(mid, seed="test")
        for qi, question in enumerate(q.module.questions):
            for answer in question.options:
                shown = q.answer(qi, answer.id)
                verdict = "Rigtigt." if answer.correct else "Ikke rigtigt."
                assert shown.startswith(verdict), shown
                rest = shown[len(verdict):].lstrip()
                assert not re.match(r"(rigtigt|ikke rigtigt|korrekt|forkert|nej|ja)\b", rest, re.I), shown
                assert len(re.findall(r"\bRigtigt\.", shown)) == (1 if answer.correct else 0), shown


def test_a_feedback_that_opens_with_a_verdict_is_refused(tmp_path, library):
    data = yaml.safe_load(SELFCHECK_FILE.read_text(encoding="utf-8"))
    data["modules"]["01-vejledningspligt"]["questions"][0]["options"][1]["feedback"] = "Rigtigt. Sådan gør man."
    bad = tmp_path / "selfcheck.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SelfCheckError, match="opens with the verdict 'Rigtigt'"):
        load_selfcheck(bad, library=library)


# ---------------------------------------------------------------- the order of the answers


def test_each_trainee_has_an_order_that_stays(check):
    mid, _, question = all_questions(check)[0]
    first = quiz(mid, seed="mette")
    again = quiz(mid, seed="mette")  # reopened, or after a kernel restart
    assert [first.shown(i) for i in range(len(first.module.questions))] == \
           [again.shown(i) for i in range(len(again.module.questions))]
    orders = {tuple(answer_order(f"kursist-{n}", mid, question)) for n in range(40)}
    assert len(orders) > 3  # others see other orders


def test_buttons_carry_the_answer_id_and_appear_in_the_shown_order(check):
    q = quiz("05-klagevejledning", seed="jonas")
    block = q.widget.children[1]  # the first question
    buttons = [c for c in block.children if hasattr(c, "_dom_classes") and "sagssim-option" in c._dom_classes]
    ids = [next(k[len("sagssim-option-"):] for k in b._dom_classes if k.startswith("sagssim-option-")) for b in buttons]
    assert ids == q.shown(0)
    assert [b.description[:2] for b in buttons] == ["A.", "B.", "C."]


def test_the_right_answer_is_not_tied_to_a_place(check):
    """Over many trainees the right answer stands first about as often as chance says."""
    for mid, _, question in all_questions(check):
        right = next(i for i, a in enumerate(question.options) if a.correct)
        first = Counter(answer_order(str(s), mid, question)[0] == right for s in range(300))
        share = first[True] / 300
        assert abs(share - 1 / len(question.options)) < 0.12, (question.id, share)


# ---------------------------------------------------------------- can form find the right answer?


def test_naive_strategies_do_no_better_than_random_clicking():
    shares = selfcheck_strategy_shares(seeds=200)
    assert set(shares) == set(STRATEGIES)  # the same strategies the cases are played with
    random_share = shares[RANDOM]
    assert 0.25 < random_share < 0.45
    for name, share in shares.items():
        assert share <= random_share + 0.10, f"{name} earns {share:.0%}, random {random_share:.0%}"


def test_answer_lengths_do_not_point_at_the_right_answer():
    figures = selfcheck_form_figures()
    assert figures["right_is_longest"] <= 0.35
    assert 0.85 <= figures["median_length_ratio"] <= 1.15


def test_no_tell_tale_words_in_the_answers(check):
    """The absolute and dismissive cues `sagssim lint` looks for in the cases' options."""
    telltale = cues()["absolute"] + cues()["dismissive"]
    for _, _, question in all_questions(check):
        for answer in question.options:
            toks = danish.tokens(answer.text)
            found = [w for w in telltale if danish.contains(toks, w)]
            assert not found, (question.id, answer.id, found)


def test_sometimes_the_right_answer_is_the_short_one(check):
    shortest = sum(min(q.options, key=lambda a: len(a.text)).correct for _, _, q in all_questions(check))
    assert 2 <= shortest <= 0.35 * len(all_questions(check))


def test_the_strategy_measure_catches_a_self_check_that_gives_itself_away(tmp_path, library):
    """Plant the old flaw (the right answer is the long, legalistic one) and see the measure report it."""
    data = yaml.safe_load(SELFCHECK_FILE.read_text(encoding="utf-8"))
    for module in data["modules"].values():
        for q in module["questions"]:
            for a in q["options"]:
                if a.get("correct"):
                    a["text"] += " Det følger af loven, og borgeren skal vejledes om klage og begrundelse."
    flawed = tmp_path / "selfcheck.yaml"
    flawed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    check = load_selfcheck(flawed, library=library)
    shares = selfcheck_strategy_shares(seeds=50, check=check)
    assert shares["altid den længste"] > shares[RANDOM] + 0.10
    assert shares["altid den med et juridisk nøgleord"] > shares[RANDOM] + 0.10
    assert selfcheck_form_figures(check)["right_is_longest"] > 0.35
