"""Automatic pre-checks of a decision letter against its rubric.

These checks look for the presence of required content with patterns; they
cannot judge whether the content is legally right. They give an examiner a
provisional score with a reason per item; the examiner confirms or overrides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from simulator.model import CRITERIA, CheckSpec, RubricItem
from simulator.readability import readability
from simulator.session import MAX_LETTER_CHARS  # logs refuse longer letters; checks never see more

SEVERITY_LABELS = {"kritisk": "kritisk", "vaesentlig": "væsentlig", "formel": "formel"}
# A failed critical item caps its criterion: the letter cannot be more than half right
# on a criterion whose core element is missing (research 002, section 7.1 "caps").
CRITICAL_CAP = 0.5


@dataclass(frozen=True)
class ItemResult:
    id: str
    criterion: str
    severity: str
    label: str
    passed: bool
    points: float
    earned: float
    reason: str
    evidence: str = ""


@dataclass(frozen=True)
class LetterReport:
    items: list[ItemResult]
    scores: dict[str, float | None]  # provisional, per criterion; None if no item covers it
    words: int
    lix: float
    lix_band: str
    notes: list[str]

    def to_dict(self) -> dict:
        return {
            "items": [asdict(i) for i in self.items],
            "scores": self.scores,
            "words": self.words,
            "lix": self.lix,
            "lix_band": self.lix_band,
            "notes": self.notes,
        }


def normalise(text: str) -> tuple[str, list[str]]:
    """NFC, no control characters, plain spaces; returns the text and notes on what was changed."""
    notes = []
    text = unicodedata.normalize("NFC", text)
    cleaned = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if len(cleaned) != len(text):
        notes.append("Brevet indeholdt usynlige kontroltegn; de er fjernet før kontrollen.")
    cleaned = cleaned.replace("\u00a0", " ").replace("\t", " ")
    if len(cleaned) > MAX_LETTER_CHARS:
        notes.append(f"Brevet er meget langt; kun de første {MAX_LETTER_CHARS} tegn er kontrolleret.")
        cleaned = cleaned[:MAX_LETTER_CHARS]
    return cleaned, notes


def _find(pattern: str, text: str) -> re.Match | None:
    return re.search(pattern, text, flags=re.IGNORECASE | re.MULTILINE)


def _snippet(text: str, m: re.Match) -> str:
    start, end = max(m.start() - 30, 0), min(m.end() + 30, len(text))
    return " ".join(text[start:end].split())


def _first_match(patterns, text: str) -> re.Match | None:
    return next((m for pat in patterns if (m := _find(pat, text))), None)


def run_check(check: CheckSpec, text: str) -> tuple[bool, str]:
    """(passed, evidence). Evidence is a short snippet or figure an examiner can verify."""
    if check.kind in ("any", "none"):
        # "any" passes on the first pattern found; "none" fails on it. Either way it is the evidence.
        m = _first_match(check.patterns, text)
        return (m is not None) == (check.kind == "any"), _snippet(text, m) if m else ""
    if check.kind == "all":
        found = []
        for group in check.groups:
            hit = _first_match(group, text)
            if hit is None:
                return False, f"mangler: {group[0]}"
            found.append(_snippet(text, hit))
        return True, " | ".join(found)
    if check.kind == "count":
        n = sum(len(re.findall(p, text, flags=re.IGNORECASE | re.MULTILINE)) for p in check.patterns)
        return n >= (check.min or 0), f"{n} forekomster"
    if check.kind == "lix_max":
        r = readability(text)
        return r.words > 0 and r.lix <= (check.max or 0), f"LIX {r.lix} ({r.band})"
    if check.kind == "min_words":
        n = readability(text).words
        return n >= (check.min or 0), f"{n} ord"
    raise ValueError(f"unknown check kind {check.kind!r}")  # unreachable: the schema forbids it


def check_letter(text: str, items: list[RubricItem]) -> LetterReport:
    text, notes = normalise(text or "")
    r = readability(text)
    empty = not text.strip()
    if empty:
        notes.append("Brevet er tomt.")
    results = []
    for item in items:
        if empty:
            passed, evidence, reason = False, "", "Brevet er tomt, så punktet er ikke opfyldt."
        else:
            passed, evidence = run_check(item.check, text)
            reason = item.passed if passed else item.failed
        results.append(
            ItemResult(
                id=item.id,
                criterion=item.criterion,
                severity=item.severity,
                label=item.label,
                passed=passed,
                points=item.points,
                earned=item.points if passed else 0.0,
                reason=reason,
                evidence=evidence,
            )
        )
    return LetterReport(results, provisional_scores(results), r.words, r.lix, r.band, notes)


def provisional_scores(results: list[ItemResult]) -> dict[str, float | None]:
    scores: dict[str, float | None] = {}
    for crit in CRITERIA:
        mine = [i for i in results if i.criterion == crit]
        possible = sum(i.points for i in mine)
        if not possible:
            scores[crit] = None
            continue
        score = sum(i.earned for i in mine) / possible
        if any(i.severity == "kritisk" and not i.passed for i in mine):
            score = min(score, CRITICAL_CAP)
        scores[crit] = round(score, 4)
    return scores
