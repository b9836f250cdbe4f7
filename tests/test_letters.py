"""The labelled letter corpus (issue 10): its shape, and how well the letter check judges it.

A corpus per case lives in tests/letters/<case>/: the tuned part (corpus.yaml) and the held-out
part (held-out/corpus.yaml), written by people who had not read the reader's rules and never used
for tuning. The figures the README reports come from `python -m benchmarks --only letters`; the
floors below keep them from sliding back unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.letter_check import assess
from simulator.letter_corpus import HELD_OUT, CorpusResult, judge_case, load_corpus
from simulator.model import LetterStep
from simulator.readability import readability
from simulator.reading import normalise

from conftest import CASE_IDS, case_by_id

LETTERS = Path(__file__).resolve().parent / "letters"
LETTER_CASES = [c for c in CASE_IDS if any(isinstance(s, LetterStep) for s in case_by_id(c).steps)]

# Floors for the share of pairwise judgements the check gets right (see the README for the
# measured figures and the targets).
TUNED_FLOOR = 0.96
HELD_OUT_FLOOR = 0.89


@pytest.mark.parametrize("case_id", LETTER_CASES)
def test_every_case_with_a_letter_has_a_corpus_with_a_held_out_third(case_id):
    letters = load_corpus(LETTERS / case_id, case_by_id(case_id))
    held = [x for x in letters if x.held_out]
    assert len(letters) >= 30, f"{case_id}: {len(letters)} letters"
    assert len(held) >= 0.25 * len(letters), f"{case_id}: only {len(held)} held-out letters"
    for part in (False, True):
        good = [x for x in letters if x.held_out == part and x.kind == "good"]
        assert len({x.style for x in good}) >= 3, f"{case_id}: fewer than three good styles"
    kinds = {c for x in letters if x.kind == "flawed" for c in x.below}
    assert kinds >= {"helhedsvurdering", "begrundelse", "klagevejledning"}, kinds


def test_the_model_letter_is_kept_once_in_the_case():
    assert not list(LETTERS.glob("*/model.txt")), "model letters live in the case files, not beside the corpus"


@pytest.fixture(scope="module")
def corpus(library) -> CorpusResult:
    result = CorpusResult()
    for cid in LETTER_CASES:
        judge_case(case_by_id(cid), library, LETTERS / cid, result)
    return result


def test_the_check_judges_the_tuned_and_the_held_out_letters(corpus):
    tuned, n_tuned = corpus.accuracy(held_out=False)
    held, n_held = corpus.accuracy(held_out=True)
    assert n_tuned > 500 and n_held > 300
    assert tuned >= TUNED_FLOOR, f"tuned part: {tuned:.3f} of {n_tuned}"
    assert held >= HELD_OUT_FLOOR, f"held-out part: {held:.3f} of {n_held}"


def test_no_cap_flattens_the_scores_of_flawed_letters(corpus):
    """The old check capped a failed kritisk item at 0.5: most letters sat there. No criterion may
    now hold more than a third of the letters flawed on it at exactly 0.5."""
    for crit, share in corpus.flawed_at(0.5).items():
        assert share <= 1 / 3, f"{crit}: {share:.0%} of flawed letters at 0.5"
    assert min(corpus.spread().values()) >= 3


def test_a_wrong_statement_costs_more_than_leaving_it_out(library):
    """The same klagevejledning with the frist left out, and with a wrong frist."""
    case = case_by_id("sofie")
    step = next(s for s in case.steps if isinstance(s, LetterStep) and s.id == "brev")
    base = ("Du kan klage til os i kommunen. Vi ser på sagen igen, og giver vi dig ikke fuldt ud medhold, "
            "sender vi klagen til Ankestyrelsen. Du kan ringe eller skrive.")
    flags = ["partshoert"]
    missing = assess(base, step, case, library, flags).scores["klagevejledning"]
    wrong = assess(base + " Fristen er 8 uger fra brevets dato.", step, case, library, flags).scores["klagevejledning"]
    right = assess(base + " Fristen er 4 uger fra den dag, du modtog brevet.", step, case, library,
                   flags).scores["klagevejledning"]
    assert wrong < missing < right


def test_empty_whitespace_control_and_huge_letters_are_handled(library):
    case = case_by_id("sofie")
    step = next(s for s in case.steps if isinstance(s, LetterStep) and s.id == "brev")
    for text in ("", "   \n\t ", "\x00\x07Ankestyrelsen 4 uger\x1b", "Ankestyrelsen 4 uger. " * 10_000):
        report = assess(text, step, case, library, ["partshoert"])
        assert report.items and all(0 <= s <= 1 for s in report.scores.values() if s is not None)
    assert "Brevet er tomt." in assess("", step, case, library).notes
    assert any("kontroltegn" in n for n in assess("\x00Ankestyrelsen", step, case, library).notes)
    assert normalise("a\u00a0b")[0] == "a b"


def test_lix_matches_a_hand_count():
    text = "Vi har lagt vægt på dine oplysninger. Du kan klage inden fire uger."
    r = readability(text)
    # 13 words, 2 sentences, long words (>6 letters): oplysninger -> 1
    assert (r.words, r.sentences, r.long_words) == (13, 2, 1)
    assert r.lix == round(13 / 2 + 100 * 1 / 13, 1)


def test_held_out_letters_sit_apart():
    for cid in LETTER_CASES:
        assert (LETTERS / cid / HELD_OUT / "corpus.yaml").exists(), cid
