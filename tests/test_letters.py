"""Letter rubric pre-checks separate each case's model letter from letters missing each item."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grading.letters import check_letter, normalise
from simulator.casefile import rubric_items
from simulator.model import LetterStep
from simulator.readability import readability

from conftest import case_by_id

LETTERS = Path(__file__).resolve().parent / "letters"
LETTER_CASES = sorted(p.name for p in LETTERS.iterdir() if p.is_dir()) if LETTERS.exists() else []


def letter_step(case) -> LetterStep:
    return next(s for s in case.steps if isinstance(s, LetterStep))


def manifest(case_id: str) -> dict[str, list[str]]:
    return yaml.safe_load((LETTERS / case_id / "expected.yaml").read_text(encoding="utf-8"))


def test_every_case_with_a_letter_has_test_letters(all_cases):
    for cid, case in all_cases.items():
        if any(isinstance(s, LetterStep) for s in case.steps):
            assert cid in LETTER_CASES, f"no test letters for {cid}"


@pytest.mark.parametrize("case_id", LETTER_CASES)
def test_at_least_twelve_letters_and_every_critical_item_targeted(case_id, library):
    expected = manifest(case_id)
    assert len(expected) >= 12
    assert expected["model.txt"] == []
    items = rubric_items(letter_step(case_by_id(case_id)), library)
    serious = {i.id for i in items if i.severity in ("kritisk", "vaesentlig")}
    targeted = {i for failing in expected.values() for i in failing}
    assert serious <= targeted, f"no test letter targets {sorted(serious - targeted)}"


@pytest.mark.parametrize("case_id", LETTER_CASES)
def test_model_letter_passes_everything(case_id, library):
    step = letter_step(case_by_id(case_id))
    text = (LETTERS / case_id / "model.txt").read_text(encoding="utf-8")
    assert " ".join(text.split()) == " ".join(step.model_letter.split()), "model.txt differs from the case's model_letter"
    report = check_letter(text, rubric_items(step, library))
    failed = [(i.id, i.evidence) for i in report.items if not i.passed]
    assert failed == []
    assert all(score == 1.0 for score in report.scores.values() if score is not None)
    assert readability(text).lix <= 45


def _letter_params():
    for cid in LETTER_CASES:
        if not (LETTERS / cid / "expected.yaml").exists():
            continue  # reported by the test below, not as a collection error
        for name in manifest(cid):
            if name != "model.txt":
                yield pytest.param(cid, name, id=f"{cid}/{name}")


@pytest.mark.parametrize("case_id, name", list(_letter_params()))
def test_flawed_letter_fails_its_items_and_scores_below_the_model(case_id, name, library):
    step = letter_step(case_by_id(case_id))
    items = rubric_items(step, library)
    report = check_letter((LETTERS / case_id / name).read_text(encoding="utf-8"), items)
    result = {i.id: i.passed for i in report.items}
    for item_id in manifest(case_id)[name]:
        assert item_id in result, f"{item_id} is not in the rubric"
        assert result[item_id] is False, f"{name} should fail {item_id}"
    model = check_letter(step.model_letter, items)
    lower = [c for c, s in report.scores.items() if s is not None and s < model.scores[c]]
    assert lower, "the flawed letter scores as well as the model on every criterion"


def test_empty_whitespace_control_and_huge_letters_are_handled(minimal, library):
    items = rubric_items(letter_step(minimal), library)
    for text in ("", "   \n\t ", "\x00\x07Ankestyrelsen 4 uger\x1b", "Ankestyrelsen 4 uger. " * 10_000):
        report = check_letter(text, items)
        assert len(report.items) == len(items)
    assert check_letter("", items).notes == ["Brevet er tomt."]
    assert any("kontroltegn" in n for n in check_letter("\x00Ankestyrelsen", items).notes)
    assert normalise("a\u00a0b")[0] == "a b"


def test_lix_matches_a_hand_count():
    text = "Vi har lagt vægt på dine oplysninger. Du kan klage inden fire uger."
    r = readability(text)
    # 13 words, 2 sentences, long words (>6 letters): oplysninger -> 1
    assert (r.words, r.sentences, r.long_words) == (13, 2, 1)
    assert r.lix == round(13 / 2 + 100 * 1 / 13, 1)


@pytest.mark.parametrize("text, item, passes", [
    ("Når vi får din klage, ser vi på sagen igen.", "kv-genvurdering", True),
    ("Vi genvurderer afgørelsen, før klagen går videre.", "kv-genvurdering", True),
    ("Du kan klage til Ankestyrelsen.", "kv-genvurdering", False),
    ("Du skal sende din klage til os i Ungeenheden.", "kv-til-kommunen", True),
    ("Klagen skal sendes til Socialforvaltningen.", "kv-til-kommunen", True),
    ("Du skal sende din klage til Ankestyrelsen.", "kv-til-kommunen", False),
])
def test_common_klagevejledning_checks_accept_plain_variants_and_reject_the_wrong_route(text, item, passes, library):
    report = check_letter(text, [library.common_rubric[item]])
    assert report.items[0].passed is passes
