"""The item-writing lint finds each kind of flaw when it is planted in a clean case, and the
shipped cases pass it (issue 9)."""

from __future__ import annotations

import copy

import pytest

from simulator.lint import form_figures, lint_case
from simulator.model import Case
from simulator.strategies import MAX_EXCESS, excess_over_random, strategy_shares

from conftest import CASE_IDS, case_by_id

WORDS = ["ring", "skriv", "mød", "send", "spørg", "tjek", "læs", "vent", "notér", "book", "besøg", "aftal"]


def _label(i: int, step: int, length: int) -> str:
    """A neutral label of about `length` characters, different words per option."""
    words, n = [], i * 3 + step
    while len(" ".join(words)) < length:
        words.append(WORDS[n % len(WORDS)] + ("en" if len(words) % 2 else ""))
        n += 5
    return " ".join(words)[:length].rstrip().capitalize() + "."


def clean_case() -> dict:
    """Six choice steps, three options each: best, partial, wrong; alike in length and
    form, with consequences, and feedback that agrees with the credit."""
    steps = []
    # the best option is the longest in two steps of six
    lengths = [(48, 50, 47), (50, 46, 51), (47, 49, 50), (51, 48, 46), (49, 50, 48), (50, 47, 49)]
    for k, (la, lb, lc) in enumerate(lengths, start=1):
        nxt = f"s{k + 1}" if k < len(lengths) else "brev"
        steps.append({
            "id": f"s{k}", "title": f"Trin {k}", "situation": "Der sker noget i sagen.", "legal": ["fvl-19"],
            "options": [
                {"id": "a", "label": _label(0, k, la), "next": nxt, "outcome": "Det går godt.",
                 "effects": {"tillid": 5}, "credit": {"partshoering": 1}, "feedback": "Rigtigt. Sådan skal det gøres.",
                 "legal": ["fvl-19"]},
                {"id": "b", "label": _label(1, k, lb), "next": nxt, "outcome": "Det går nogenlunde.",
                 "effects": {"tillid": 0}, "credit": {"partshoering": 0.5},
                 "feedback": "Delvis rigtigt. Det er et skridt på vejen.", "legal": ["fvl-19"]},
                {"id": "c", "label": _label(2, k, lc), "next": nxt, "outcome": "Det går dårligt.",
                 "effects": {"tillid": -5}, "credit": {"partshoering": 0},
                 "feedback": "Forkert. Borgeren skal høres først.", "legal": ["fvl-19"]},
            ],
        })
    return {
        "id": "lint", "title": "Lint", "summary": "s", "citizen": {"name": "A", "age": 30, "summary": "s"},
        "based_on": [{"report": "ankestyrelsen-2024", "section": "x"}], "learning_goals": ["g"],
        "state": {"tillid": {"label": "Tillid", "initial": 50}},
        "start": "s1",
        "steps": steps + [{"kind": "letter", "id": "brev", "title": "Brev", "situation": "x", "task": "t",
                           "decision": "afslag", "next": "slut"}],
        "endings": [{"id": "slut", "title": "Slut", "text": "Slut."}],
    }


def kinds(data: dict) -> dict[str, str]:
    return {f.kind: f.level for f in lint_case(Case.model_validate(data), "lint.yaml")}


def option(data, step, opt):
    return next(o for o in data["steps"][step - 1]["options"] if o["id"] == opt)


def test_the_clean_case_has_no_findings():
    assert kinds(clean_case()) == {}


def _plant_long_best(d):
    for k in range(1, 7):
        option(d, k, "a")["label"] = _label(0, k, 140)


PLANTED = {
    "best-longer": (lambda d: option(d, 1, "a").update(label=_label(0, 1, 90)), "warning"),
    "length-spread": (lambda d: option(d, 2, "c").update(label=_label(2, 2, 140)), "warning"),
    "cue-absolute": (lambda d: option(d, 1, "c").update(label="Afgør altid sagen på det, der ligger nu."), "warning"),
    "cue-dismissive": (lambda d: option(d, 1, "c").update(label="Luk sagen, så slipper han for mere besvær."),
                       "warning"),
    "names-criterion": (lambda d: option(d, 1, "a").update(label="Partshør borgeren om det nye notat nu."),
                        "warning"),
    "feedback-credit": (lambda d: option(d, 1, "b").update(feedback="Forkert. Det er ikke nok."), "error"),
    "critical-credit": (lambda d: option(d, 2, "b").update(critical="Borgeren er ikke hørt."), "error"),
    "credit-not-exercised": (lambda d: option(d, 3, "a")["credit"].update(klagevejledning=1), "error"),
    "no-consequence": (lambda d: [o.update(effects={}) for o in d["steps"][0]["options"]], "warning"),
    "few-consequences": (lambda d: [o.update(effects={}) for s in d["steps"][:-1] for o in s["options"]], "error"),
    "best-longest-share": (_plant_long_best, "error"),
    "length-ratio": (_plant_long_best, "error"),
    "word-only-wrong": (lambda d: [o.update(label=o["label"][:-1] + " uden videre.")
                                   for s in d["steps"][:-1] for o in s["options"] if o["id"] != "a"], "warning"),
}


@pytest.mark.parametrize("kind", PLANTED)
def test_each_planted_flaw_is_reported(kind):
    data = copy.deepcopy(clean_case())
    plant, level = PLANTED[kind]
    plant(data)
    found = kinds(data)
    assert found.get(kind) == level, f"{kind} not reported as {level}; found {found}"


def test_a_finding_names_file_line_step_and_option(tmp_path):
    import yaml

    from simulator.lint import lint_file

    data = clean_case()
    option(data, 1, "b")["feedback"] = "Forkert. Det er ikke nok."
    path = tmp_path / "lint.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    finding = next(f for f in lint_file(path, Case.model_validate(data)) if f.kind == "feedback-credit")
    assert (finding.step, finding.option) == ("s1", "b") and finding.line and finding.line > 1
    assert str(finding).startswith(f"{path}:{finding.line}: steps[0](s1).options[1](b): [error] feedback-credit")


# ---------------------------------------------------------------- the shipped cases


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_shipped_case_has_no_error_level_item_writing_flaw(case_id):
    errors = [str(f) for f in lint_case(case_by_id(case_id), case_id) if f.level == "error"]
    assert errors == []


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_shipped_case_form_figures_are_within_limits(case_id):
    figs = form_figures(case_by_id(case_id))
    assert figs["best_longest_share"] <= 0.35
    assert 0.85 <= figs["median_length_ratio"] <= 1.15


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_no_naive_strategy_beats_random_by_more_than_ten_points(case_id):
    excess = excess_over_random(strategy_shares(case_by_id(case_id), seeds=200))
    assert max(excess.values()) <= MAX_EXCESS, excess
