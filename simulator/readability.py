"""LIX, the Scandinavian readability index, for letters to citizens.

LIX = words per sentence + percentage of long words (more than six letters).
Bands commonly used in Danish plain-language work: under 25 very easy,
25-34 easy, 35-44 medium, 45-54 hard, 55 and over very hard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# A sentence ends at . ! ? or : followed by space, or at a line break (headings, bullets).
SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|\n")

LIX_TARGET = 45  # letters to citizens should stay below "hard"


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    long_words: int
    lix: float

    @property
    def band(self) -> str:
        for limit, name in ((25, "meget let"), (35, "let"), (45, "middel"), (55, "svær")):
            if self.lix < limit:
                return name
        return "meget svær"


def words(text: str) -> list[str]:
    return WORD.findall(text)


def readability(text: str) -> Readability:
    segments = [s for s in SENTENCE_END.split(text) if WORD.search(s)]
    ws = words(text)
    n_words, n_sent = len(ws), max(len(segments), 1)
    long_words = sum(1 for w in ws if len(w.replace("-", "")) > 6)
    lix = 0.0 if n_words == 0 else n_words / n_sent + 100.0 * long_words / n_words
    return Readability(n_words, len(segments), long_words, round(lix, 1))
