"""Detect sentences carried over from the source reports: any run of N words shared."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

NGRAM = 10
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    # The report files break words across lines with hyphens; join those first.
    text = re.sub(r"-\s*\n\s*", "", text)
    return [w.lower() for w in WORD.findall(text)]


def ngrams(words: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@lru_cache(maxsize=None)
def seed_ngrams(seeds_dir: str) -> frozenset:
    grams: set = set()
    for path in sorted(Path(seeds_dir).glob("*.txt")):
        grams |= ngrams(tokens(path.read_text(encoding="utf-8", errors="replace")))
    return frozenset(grams)


def copied_runs(text: str, seeds_dir: Path) -> list[str]:
    seeds = seed_ngrams(str(seeds_dir))
    return sorted({" ".join(g) for g in ngrams(tokens(text)) if g in seeds})
