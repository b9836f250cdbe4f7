"""The labelled letter corpus, and how well the letter check judges it.

Each case's folder `tests/letters/<case>/` holds letters and `corpus.yaml` with their
labels; `held-out/` holds letters written by someone who had not read the reader's
rules, kept out of tuning. A judgement is pairwise: a flawed letter must score below
its base (good) letter on each criterion it is labelled `below`, and not below on each
criterion labelled `not_below`; a good variant must not score below the model letter.
"Not below" allows a small tolerance (a good letter in another style may lack a formal
nicety); "below" must be strictly lower. Both figures, with and without tolerance, are
reported by the benchmark.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .casefile import Library
from .errors import SagssimError
from .letter_check import LetterReport, assess_on_path
from .model import CRITERIA, Case, Criterion

CORPUS_FILE = "corpus.yaml"
MODEL = "model.txt"  # in a corpus, the case's own model letter: it lives in the case file, not here
HELD_OUT = "held-out"
NOT_BELOW_TOLERANCE = 0.10


@dataclass(frozen=True)
class CorpusLetter:
    case: str
    file: Path
    kind: str  # good | flawed
    path: tuple[str, ...] | None  # option ids; None = the case's model path
    base: str | None
    below: tuple[Criterion, ...]  # checked against CRITERIA when the corpus is read
    not_below: tuple[Criterion, ...]
    held_out: bool
    flaw: str = ""
    style: str = ""

    @property
    def name(self) -> str:
        return f"{HELD_OUT}/{self.file.name}" if self.held_out else self.file.name


@dataclass(frozen=True)
class Judgement:
    case: str
    letter: str
    base: str
    criterion: Criterion
    relation: str  # "below" or "not_below"
    letter_score: float | None
    base_score: float | None
    held_out: bool

    def right(self, tolerance: float = NOT_BELOW_TOLERANCE) -> bool:
        if self.letter_score is None or self.base_score is None:
            return False
        if self.relation == "below":
            return self.letter_score < self.base_score
        return self.letter_score >= self.base_score - tolerance


class CorpusError(SagssimError, ValueError):
    """A corpus file that cannot be used; the message names the file and the entry."""


def load_corpus(folder: Path, case: Case) -> list[CorpusLetter]:
    out: list[CorpusLetter] = []
    for sub, held in ((folder, False), (folder / HELD_OUT, True)):
        spec_file = sub / CORPUS_FILE
        if not spec_file.exists():
            continue
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        paths = {k: tuple(v) for k, v in (spec.get("paths") or {}).items()}
        for n, entry in enumerate(spec.get("letters") or []):
            where = f"{spec_file}: letters[{n}]"
            try:
                file = sub / entry["file"]
                kind = entry["kind"]
            except (KeyError, TypeError):
                raise CorpusError(f"{where}: needs 'file' and 'kind'") from None
            if kind not in ("good", "flawed"):
                raise CorpusError(f"{where}: kind must be good or flawed, not {kind!r}")
            if not file.exists() and file.name != MODEL:
                raise CorpusError(f"{where}: no such letter file {file.name!r}")
            path_name = entry.get("path", "model")
            if path_name != "model" and path_name not in paths:
                raise CorpusError(f"{where}: unknown path {path_name!r} (define it under 'paths')")
            crits = [*entry.get("below", ()), *entry.get("not_below", ())]
            bad = [c for c in crits if c not in CRITERIA]
            if bad:
                raise CorpusError(f"{where}: unknown criterion {bad[0]!r}")
            if kind == "flawed" and not entry.get("below"):
                raise CorpusError(f"{where}: a flawed letter needs 'below'")
            out.append(CorpusLetter(case.id, file, kind, None if path_name == "model" else paths[path_name],
                                    entry.get("base", "model.txt" if entry["file"] != "model.txt" else None),
                                    tuple(entry.get("below", ())), tuple(entry.get("not_below", ())), held,
                                    entry.get("flaw", ""), entry.get("style", "")))
    return out


@dataclass
class CorpusResult:
    judgements: list[Judgement] = field(default_factory=list)
    reports: dict[str, LetterReport] = field(default_factory=dict)  # by "case/letter name"
    letters: list[CorpusLetter] = field(default_factory=list)

    def accuracy(self, held_out: bool, tolerance: float = NOT_BELOW_TOLERANCE) -> tuple[float, int]:
        part = [j for j in self.judgements if j.held_out == held_out]
        return (sum(j.right(tolerance) for j in part) / len(part) if part else float("nan")), len(part)

    def wrong(self, tolerance: float = NOT_BELOW_TOLERANCE) -> list[Judgement]:
        return [j for j in self.judgements if not j.right(tolerance)]

    def flawed_at(self, value: float = 0.5) -> dict[Criterion, float]:
        """Per criterion: the share of flawed letters (labelled below on it) whose score is exactly
        `value` — the old check capped a failed kritisk item at 0.5, which piled letters up there."""
        out = {}
        for crit in CRITERIA:
            scores = [self.reports[f"{x.case}/{x.name}"].scores[crit] for x in self.letters
                      if x.kind == "flawed" and crit in x.below]
            scored = [s for s in scores if s is not None]
            if scored:
                out[crit] = sum(1 for s in scored if abs(s - value) < 1e-9) / len(scored)
        return out

    def spread(self) -> dict[Criterion, int]:
        """Per criterion: how many different scores the flawed letters labelled below on it get."""
        return {crit: len({self.reports[f"{x.case}/{x.name}"].scores[crit] for x in self.letters
                           if x.kind == "flawed" and crit in x.below}) for crit in CRITERIA}


def letter_text(x: CorpusLetter, case: Case) -> str:
    """A corpus letter's text; `model.txt` without a file is the case's model letter on the letter's path."""
    if x.file.exists():
        return x.file.read_text(encoding="utf-8", errors="replace")
    from .engine import letter_view
    from .letter_check import path_to_letter

    step, before = path_to_letter(case, list(x.path) if x.path is not None else None)
    if step is None:
        raise CorpusError(f"{x.file}: its path reaches no letter step")
    view = letter_view(step, before.flags, before.state)
    if not view.model_letter:
        raise CorpusError(f"{x.file}: the case has no model letter on this letter's path")
    return view.model_letter


def judge_case(case: Case, library: Library, folder: Path, result: CorpusResult | None = None) -> CorpusResult:
    result = result or CorpusResult()
    letters = load_corpus(folder, case)
    by_name = {x.name: x for x in letters}
    for x in letters:
        report = assess_on_path(letter_text(x, case), case, library, list(x.path) if x.path is not None else None)
        if report is None:
            raise CorpusError(f"{folder}: {x.name}: its path reaches no letter step")
        result.reports[f"{case.id}/{x.name}"] = report
    result.letters += letters
    for x in letters:
        if x.base is None:
            continue
        # a held-out letter's base is another held-out letter if there is one by that name
        own = f"{HELD_OUT}/{x.base}"
        base_name = own if x.held_out and own in by_name else x.base
        if base_name not in by_name:
            raise CorpusError(f"{folder}: {x.name}: base letter {x.base!r} is not in the corpus")
        mine, base = result.reports[f"{case.id}/{x.name}"], result.reports[f"{case.id}/{base_name}"]
        relations = ([(c, "below") for c in x.below] + [(c, "not_below") for c in x.not_below]
                     if x.kind == "flawed" else [(c, "not_below") for c in CRITERIA])
        for crit, rel in relations:
            if x.kind == "good" and (mine.scores[crit] is None or base.scores[crit] is None):
                continue
            result.judgements.append(Judgement(case.id, x.name, base_name, crit, rel, mine.scores[crit],
                                               base.scores[crit], x.held_out))
    return result


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")
