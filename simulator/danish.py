"""Danish words for the machine: tokens, stems and number words.

One place that turns Danish text into comparable units, used by the letter
reader and by the item-writing lint. Stems come from the Snowball Danish
stemmer (a maintained package, no download at run time), so "klagen",
"klager" and "klage" compare equal, as do "modtaget" and "modtagelsen".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Words (letters, with inner hyphens), numbers (with decimal comma), and the section sign.
TOKEN = re.compile(r"§§?|\d+(?:[.,]\d+)?|[^\W\d_]+(?:[-'’][^\W\d_]+)*")

_STEMMER = snowballstemmer.stemmer("danish")


@dataclass(frozen=True)
class Token:
    text: str  # as written
    low: str  # lower case
    stem: str
    start: int  # character offsets in the text the tokens were made from
    end: int


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    low = word.lower()
    if not low[:1].isalpha():
        return low
    return _STEMMER.stemWord(low)


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.group().lower(), stem(m.group()), m.start(), m.end()) for m in TOKEN.finditer(text)]


def stems(text: str) -> list[str]:
    return [t.stem for t in tokens(text)]


def fold(text: str) -> str:
    """NFC and plain spaces, so that look-alike characters compare equal."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("\u00a0", " ").replace("\u2011", "-").replace("\u2013", "–")


@dataclass(frozen=True)
class Phrase:
    """A phrase to look for: a sequence of words compared by stem. A word written `klag*`
    matches any word that begins with it, `*dagbog` any word that ends with it (Danish
    compounds: energidagbog), `*dagbog*` any word that holds it, `=men` only that very
    word (so the conjunction "men" does not match "mener", whose stem is also "men"), and
    `!for` that the next word is not "for" ("uden !for": the negation, not "uden for")."""

    parts: tuple[tuple[str, str], ...]  # (text, how): how is stem, prefix, suffix, infix or exact
    text: str

    def match_at(self, toks: list[Token], i: int) -> bool:
        k = i
        for want, how in self.parts:
            if how == "not":  # looks at the next word without taking it
                if k < len(toks) and toks[k].low == want:
                    return False
                continue
            if k >= len(toks) or not _part_matches(want, how, toks[k]):
                return False
            k += 1
        return True

    def find(self, toks: list[Token]) -> int | None:
        """Index of the first token of the first match, or None."""
        for i in range(len(toks) - len(self.parts) + 1):
            if self.match_at(toks, i):
                return i
        return None


def _gap(want: str) -> int:
    return int(want) if want.isdigit() else 2


def _part_matches(want: str, how: str, tok: Token) -> bool:
    if how == "prefix":
        return tok.low.startswith(want)
    if how == "suffix":
        return tok.low.endswith(want)
    if how == "infix":
        return want in tok.low
    if how == "exact":
        return tok.low == want
    if how == "stem+":
        stem_, start = want.split(":", 1)
        return tok.stem == stem_ and tok.low.startswith(start)
    return tok.stem == want or tok.low == want


@lru_cache(maxsize=8192)
def split_single(phrases: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The one-word phrases of a list (compared by stem or as the very word) as their single
    (word, how) part, and the others (several words, or a word's start, end or inside)."""
    single, longer = [], []
    for p in phrases:
        parts = phrase(p).parts
        if len(parts) == 1 and parts[0][1] in ("stem", "stem+", "exact"):
            single.append(parts[0])
        elif parts:
            longer.append(p)
    return tuple(single), tuple(longer)


@lru_cache(maxsize=8192)
def anchors(phrases: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
    """For each phrase, one whole word it cannot match without (its longest word compared by stem or
    as itself), so a sentence holding none of them needs no search; None when some phrase has no
    such word (only a word's start, end or inside)."""
    out = []
    for p in phrases:
        whole = [part for part in phrase(p).parts if part[1] in ("stem", "stem+", "exact")]
        if not whole:
            return None
        out.append(max(whole, key=lambda part: len(part[0])))
    return tuple(out)


@lru_cache(maxsize=16384)
def phrase(text: str) -> Phrase:
    parts: list[tuple[str, str]] = []
    for raw in text.split():
        low = raw.lower()
        if low.startswith("~"):
            parts.append((low[1:] or "2", "gap"))  # "skal ~2 have": up to two words between
        elif low.startswith("!") and len(low) > 1:
            parts.append((low[1:], "not"))  # "uden !for": "uden", but not "uden for"
        elif low.startswith("=") and len(low) > 1:
            parts.append((low[1:], "exact"))
        elif low.startswith("*") and low.endswith("*") and len(low) > 2:
            parts.append((low[1:-1], "infix"))
        elif low.startswith("*") and len(low) > 1:
            parts.append((low[1:], "suffix"))
        elif low.endswith("*") and len(low) > 1:
            parts.append((low[:-1], "prefix"))
        else:
            for t in tokens(raw):
                # Snowball cuts derivations hard ("dagligt" -> "dag"): when a word loses more than an
                # inflection's worth, its stem must also come with the start of the word itself.
                parts.append((t.stem, "stem") if len(t.low) - len(t.stem) <= 2 else (f"{t.stem}:{t.low[:-2]}", "stem+"))
    return Phrase(tuple(parts), text)


def contains(toks: list[Token], text: str) -> bool:
    rx = phrases_regex((text,))
    return rx is not None and rx.search(stream(toks)[0]) is not None


def starts_with(toks: list[Token], text: str) -> bool:
    rx = phrases_regex((text,))
    return rx is not None and rx.match(stream(toks)[0]) is not None


# ---------------------------------------------------------------- many phrases at once
#
# A sentence is also kept as one string, " low/stem low/stem ...", so that a whole list of
# phrases becomes one regular expression and one search: the reader asks a few thousand
# such questions of a letter, and this keeps a long letter well under the 20 ms budget.


def _part_regex(want: str, how: str) -> str:
    if how == "gap":
        return rf"(?: [^ ]+){{0,{_gap(want)}}}"
    if how == "not":
        return rf"(?= |$)(?! {re.escape(want)}/)"
    if how == "stem+":
        stem_, start = (re.escape(x) for x in want.split(":", 1))
        return rf" {start}[^ /]*/{stem_}(?= |$)"
    w = re.escape(want)
    if how == "prefix":
        return rf" {w}[^ /]*/[^ ]*"
    if how == "suffix":
        return rf" [^ /]*{w}/[^ ]*"
    if how == "infix":
        return rf" [^ /]*{w}[^ /]*/[^ ]*"
    if how == "exact":
        return rf" {w}/[^ ]*"
    return rf" (?:{w}/[^ ]*|[^ /]*/{w}(?= |$))"


@lru_cache(maxsize=4096)
def phrases_regex(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    alts = ["".join(_part_regex(w, how) for w, how in phrase(p).parts) for p in phrases if phrase(p).parts]
    if not alts:
        return None
    if all(a.startswith(" ") for a in alts):
        # every match begins at a token's leading space: take that space as a literal, so the engine
        # jumps from space to space instead of trying the lookahead at every character
        return re.compile(" (?=(?:" + "|".join(a[1:] for a in alts) + "))")
    return re.compile("(?=(?:" + "|".join(alts) + "))")


def stream(toks: list[Token]) -> tuple[str, list[int]]:
    """The token string and the character offset where each token starts in it."""
    starts, parts, pos = [], [], 0
    for t in toks:
        piece = f" {t.low}/{t.stem}"
        starts.append(pos)
        parts.append(piece)
        pos += len(piece)
    return "".join(parts), starts


# ---------------------------------------------------------------- numbers as Danish readers write them


def number(x: float | None, decimals: int = 2, *, trim: bool = False, missing: str = "–") -> str:
    """0.75 -> '0,75'; a whole number without decimals; `trim` drops trailing zeros ('2,50' -> '2,5');
    None or NaN -> `missing`. The one formatter for numbers a Danish reader sees."""
    if x is None or x != x:  # NaN is not equal to itself
        return missing
    if float(x).is_integer():
        return str(int(x))
    text = f"{x:.{decimals}f}"
    if trim:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
