"""Reading a decision letter for what it says.

A letter becomes a `LetterReading`: for each activity applied for, the outcome it
states and the scope; the provisions it cites; the facts it relies on and the
document each is put down to; the considerations; whether the citizen's main
argument is stated and answered; what it says about partshøring; and the
klagevejledning as fields (where to send the complaint, who decides, the frist and
when it starts, form, genvurdering, restrictions, help). Every field keeps the
sentence it came from as evidence.

The reader works sentence by sentence and clause by clause, on Danish stems, with
negation by trigger words and clause scope (the NegEx idea), number words, and the
phrases in `data/lexicon.yaml`. It never decides whether the letter is right: that
is `letter_check`, which compares the reading with what the trainee's path makes
right. Pure functions only: no disk but the lexicon, read once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from . import danish
from .danish import Token
from .model import Document, LetterExpectation, Provision

LEXICON_FILE = Path(__file__).resolve().parent / "data" / "lexicon.yaml"
MAX_LETTER_CHARS = 100_000  # the session refuses longer letters; the reader never sees more


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The lexicon, with every phrase list as a tuple (tuples are the keys of the per-sentence cache)."""
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


# ---------------------------------------------------------------- text into sentences and clauses


@dataclass
class Sentence:
    index: int
    text: str
    tokens: list[Token]
    heading: str  # the heading the sentence stands under ("" before the first)
    paragraph: int = 0  # sentences of one paragraph (one block of text) share this
    bullet: bool = False  # an item of a list ("- post og papirer")
    clauses: list[tuple[int, int, bool]] = field(default_factory=list)  # token spans, negated?
    stream: str = ""  # " low/stem low/stem ...": one string to search for many phrases at once
    offsets: dict[int, int] = field(default_factory=dict)  # character offset in stream -> token index
    where_stem: dict[str, list[int]] = field(default_factory=dict)  # stem -> token positions
    where_low: dict[str, list[int]] = field(default_factory=dict)  # lower-case word -> token positions
    _hits: dict[Any, tuple[int, ...]] = field(default_factory=dict)
    _first: dict[Any, str] = field(default_factory=dict)
    letter: LetterIndex | None = None  # the words of the whole letter, once the letter is split

    def _positions(self, phrases: tuple[str, ...]) -> tuple[int, ...]:
        hit = self._hits.get(phrases)
        if hit is None and self.letter is not None and self.index not in self.letter.candidates(phrases):
            hit = self._hits[phrases] = ()  # none of the phrases' key words is in this sentence
        if hit is None:
            # one-word phrases are looked up in the word indexes; only the others (several words,
            # a word's start or end) need the regular expression over the token string
            words, longer = danish.split_single(phrases)
            found = {i for part in words for i in self._word(*part)}
            rx = danish.phrases_regex(longer) if longer else None
            keys = danish.anchors(longer) if rx else None
            if rx and (keys is None or any(self._has_word(*k) for k in keys)):  # no search without a key word
                found.update(self.offsets[m.start()] for m in rx.finditer(self.stream))
            hit = tuple(sorted(found))
            self._hits[phrases] = hit
        return hit

    def _has_word(self, want: str, how: str) -> bool:
        if how == "stem+":
            return bool(self._word(want, how))
        return want in self.where_low or (how == "stem" and want in self.where_stem)

    def _word(self, want: str, how: str) -> list[int]:
        """Positions of one word given as a phrase part (see `danish.Phrase`)."""
        if how == "stem":
            return self.where_stem.get(want, []) + self.where_low.get(want, [])
        if how == "exact":
            return self.where_low.get(want, [])
        stem_, start = want.split(":", 1)  # stem+
        return [i for i in self.where_stem.get(stem_, []) if self.tokens[i].low.startswith(start)]

    def find_all(self, phrase: str) -> tuple[int, ...]:
        return self._positions((phrase,))

    def positions(self, phrases: Iterable[str]) -> tuple[int, ...]:
        """Token positions where any of the phrases begins, in order."""
        return self._positions(tuple(phrases))

    def find(self, phrase: str) -> int | None:
        hits = self._positions((phrase,))
        return hits[0] if hits else None

    def has(self, phrase: str) -> bool:
        return bool(self._positions((phrase,)))

    def any(self, phrases: Iterable[str]) -> str | None:
        """The first phrase of the list that occurs (one search for the whole list first)."""
        key = tuple(phrases)
        if not self._positions(key):
            return None
        first = self._first.get(key)
        if first is None:
            first = self._first[key] = next(p for p in key if self._positions((p,)))
        return first

    def in_span(self, phrases: Iterable[str], start: int, end: int) -> bool:
        return any(start <= i < end for i in self._positions(tuple(phrases)))

    def negated_at(self, i: int) -> bool:
        return any(a <= i < b and neg for a, b, neg in self.clauses)

    def clause_of(self, i: int) -> tuple[int, int, bool]:
        return next((c for c in self.clauses if c[0] <= i < c[1]), (0, len(self.tokens), False))


class LetterIndex:
    """Which sentences hold a word, for the whole letter: most phrase lists are asked of every
    sentence, and most sentences hold none of their key words, so one look-up per list spares the
    per-sentence search (it keeps reading a 700-word letter well within the live help's budget)."""

    def __init__(self, sents: list[Sentence]):
        self.by_stem: dict[str, set[int]] = {}
        self.by_low: dict[str, set[int]] = {}
        for s in sents:
            for w in s.where_stem:
                self.by_stem.setdefault(w, set()).add(s.index)
            for w in s.where_low:
                self.by_low.setdefault(w, set()).add(s.index)
        self._candidates: dict[tuple[str, ...], frozenset[int] | range] = {}
        self._all = range(len(sents))

    def candidates(self, phrases: tuple[str, ...]) -> frozenset[int] | range:
        """The sentences that may hold one of the phrases (all of them when a phrase has no whole word)."""
        found = self._candidates.get(phrases)
        if found is None:
            words, longer = danish.split_single(phrases)
            keys = danish.anchors(longer) if longer else ()
            if keys is None:
                found = self._all
            else:
                hit: set[int] = set()
                for want, how in (*words, *keys):
                    if how == "stem+":
                        hit |= self.by_stem.get(want.split(":", 1)[0], set())
                        continue
                    hit |= self.by_low.get(want, set())
                    if how == "stem":
                        hit |= self.by_stem.get(want, set())
                found = frozenset(hit)
            self._candidates[phrases] = found
        return found


TERSE = re.compile(r"^([^:–]{1,90}?)\s*[:–]\s*(ja|nej|bevilget|bevilges|godkendt|imødekommet|afslag|afslået|ikke "
                   r"bevilget|slutter|stopper|ophører|bortfalder)\b", re.IGNORECASE)
# "Ønske 1: At komme ud og møde andre – ja": the verdict closes the line.
TERSE_END = re.compile(r"^(.{1,120}?)\s*[:–-]\s*(ja|nej|bevilget|bevilges|godkendt|imødekommet|afslag|afslået|ikke "
                       r"bevilget)\s*[.!]?$", re.IGNORECASE)
# "Struktur og aftaler: 4 timer om ugen (før 3)" -- hours given straight after the activity grant it.
TERSE_HOURS = re.compile(r"^([^:–]{1,90}?)\s*[:–]\s*((?:\d+(?:[,.]\d+)?|en|én|to|tre|fire|fem|seks|syv|otte|halvanden)"
                         r"(?:\s*(?:-|–|til)\s*\S+)?\s+timer?)\b", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)]|[a-zæøå]\))\s+")  # "- ", "2. ", "b) "
# A sentence ends at . ! ? followed by space and a capital, a digit, § or a bullet, or at the end;
# not after an abbreviation ("jf. § 85", "stk. 2").
SENT_END = re.compile(r"(?<=[.!?])(?<!\bjf\.)(?<!\bstk\.)(?<!\bnr\.)(?<!\bpkt\.)(?<!\bca\.)(?<!\bfx\.)"
                     r"\s+(?=[A-ZÆØÅ0-9§\"“»(-])")


# Control, format (zero-width, bidi) and private-use characters, except tab and newline.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u206f\ufeff\ufff9-\ufffb\ue000-\uf8ff\U000e0000-\U000e007f\U000f0000-\U0010ffff]")


def normalise(text: str) -> tuple[str, list[str]]:
    """NFC, no control characters, plain spaces; returns the text and notes on what changed."""
    notes = []
    text = unicodedata.normalize("NFC", text or "")
    cleaned = CONTROL.sub("", text)
    if len(cleaned) != len(text):
        notes.append("Brevet indeholdt usynlige kontroltegn; de er fjernet før læsningen.")
    cleaned = danish.fold(cleaned).replace("\t", " ")
    if len(cleaned) > MAX_LETTER_CHARS:
        notes.append(f"Brevet er meget langt; kun de første {MAX_LETTER_CHARS} tegn er læst.")
        cleaned = cleaned[:MAX_LETTER_CHARS]
    return cleaned, notes


def _is_heading(line: str) -> bool:
    line = re.sub(r"^\d+[.)]\s+", "", line.strip())  # "3. Rådgivning"
    words = line.split()
    if (TERSE.match(line) or TERSE_END.match(line)) and len(words) <= 14 and not re.search(r"[.!?;]$", line) \
            and not BULLET.match(line):
        return True  # "Følgeskab til NA og værestedet: ikke bevilget" heads the section about it
    if line.endswith("?") and len(words) <= 20 and not re.search(r"[.!?;]", line[:-1]) and not BULLET.match(line):
        return True  # a letter set out as questions and answers: "Hvorfor får jeg mindre hjælp til posten?"
    return 0 < len(words) <= 8 and not re.search(r"[.!?,;]$", line) and not BULLET.match(line) \
        and line[:1].isupper() and ":" not in line[:-1]


# The polite form ("De har søgt", "Deres ansøgning"). "De" begins a sentence as "the" or "they" as
# often as "you"; there it is "du" only before a verb (_FINITE_VERBS, the common finite verbs).
_FORMAL_MID = re.compile(r"(?<=[a-zæøå0-9,;:)]\s)(?:De|Dem|Deres)\b")
_FORMAL_AS_DU = {"de": "du", "dem": "dig"}
_PLURAL_MID = re.compile(r"(?<=[a-zæøå0-9,;:)]\s)I\b")
_NEUTER_AFTER_DERES = frozenset({"svar", "brev", "behov", "argument", "hovedargument", "synspunkt", "hovedsynspunkt",
                                 "ønske", "samtykke", "forløb", "helbred", "hjem", "liv", "netværk", "job"})
_FINITE_VERBS = frozenset({"har", "havde", "kan", "kunne", "skal", "skulle", "vil", "ville", "må", "måtte", "er",
                            "var", "fik", "får", "sagde", "siger", "bad", "beder", "gik", "går", "gav", "giver", "kom",
                            "kommer", "bor", "mener", "ønsker", "bliver", "blev", "modtager", "modtog", "behøver",
                            "bedes", "skrev", "skriver", "fortalte", "fortæller", "oplyste", "oplyser", "vidste",
                            "ved", "tager", "tog", "ser", "så", "klarer", "bruger", "anfører", "anførte"})


_DU_WORDS = frozenset({"du", "dig", "din", "dit", "dine"})
_PRONOUNS_AS_DU = {"han": {"han": "du", "ham": "dig", "hans": "din"},
                   "hun": {"hun": "du", "hende": "dig", "hendes": "din"}}


@dataclass(frozen=True)
class Address:
    """How the letter speaks to the citizen, when not in the du-form: the polite form, or about her in
    the third person by name ("Hanne får støtte", "hun", "Hannes ansøgning"). Either way the letter
    is read as if it said "du", so every wording the lexicon knows in the du-form is found in it."""

    formal: bool = False
    third: tuple[tuple[str, str], ...] = ()  # lower-case word -> its du-form
    plural: bool = False  # to her and a relative together: "I", "jer", "jeres"

    def words(self, toks: list[Token]) -> list[Token]:
        if not self.formal and not self.third and not self.plural:
            return toks
        third = dict(self.third)
        out = []
        for i, t in enumerate(toks):
            nxt = toks[i + 1].low if i + 1 < len(toks) else ""
            low = None
            if self.formal and t.text in ("De", "Dem") and (
                    i > 0 or t.text == "Dem" or nxt in _FINITE_VERBS or nxt.endswith("ede")):
                low = _FORMAL_AS_DU[t.low]
            elif self.formal and t.text == "Deres":
                low = "dit" if nxt in _NEUTER_AFTER_DERES else "din"
            elif self.plural and t.text == "I" and (i > 0 or nxt in _FINITE_VERBS or nxt.endswith("ede")):
                low = "du"
            elif self.plural and t.low in ("jer", "jeres"):
                low = "dig" if t.low == "jer" else ("dit" if nxt in _NEUTER_AFTER_DERES else "din")
            elif t.low in third:
                low = third[t.low]
            out.append(t if low is None else Token(t.text, low, danish.stem(low), t.start, t.end))
        return out


def address(text: str, citizen: str | None = None) -> Address:
    """The polite form: "De", "Dem" or "Deres" with a capital inside a sentence, twice. To her and a
    relative together: "I" inside a sentence, "jer" or "jeres", three times in all. The third
    person: the citizen's name more often than "du" (the greeting aside), with the pronoun ("han" or
    "hun") the letter uses most."""
    formal = len(_FORMAL_MID.findall(text)) >= 2
    if formal:
        return Address(formal)
    plural = len(_PLURAL_MID.findall(text)) + len(re.findall(r"\bjer(?:es)?\b", text, re.IGNORECASE)) >= 3
    if not citizen:
        return Address(plural=plural)
    words = [m.group().lower() for m in re.finditer(r"\w+", text)]
    name = citizen.split()[0].lower()
    named = words.count(name) + words.count(name + "s") - len(re.findall(rf"(?im)^\s*(?:kære|hej)\s+{name}\b", text))
    if named < 3 or named <= sum(w in _DU_WORDS for w in words):
        return Address(plural=plural)
    pronoun = max(_PRONOUNS_AS_DU, key=words.count)
    return Address(third=((name, "du"), (name + "s", "din"), *_PRONOUNS_AS_DU[pronoun].items()), plural=plural)


def sentences(text: str, citizen: str | None = None) -> list[Sentence]:
    out: list[Sentence] = []
    heading = ""
    paragraph = 0
    form = address(text, citizen)
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            paragraph += 1
            continue
        if _is_heading(line):
            heading = re.sub(r"^\d+[.)]\s+", "", line).rstrip(":")
            paragraph += 1
            out.append(_sentence(len(out), line, heading, paragraph, form))
            continue
        bullet = bool(BULLET.match(line))
        if bullet:
            paragraph += 1  # each bullet stands on its own
        line = BULLET.sub("", line)
        for part in SENT_END.split(line):
            if part.strip():
                out.append(_sentence(len(out), part.strip(), heading, paragraph, form))
                out[-1].bullet = bullet
    index = LetterIndex(out)
    for s in out:
        s.letter = index
    return out


def _sentence(index: int, text: str, heading: str, paragraph: int = 0, form: Address = Address()) -> Sentence:
    toks = form.words(danish.tokens(text))
    text_stream, starts = danish.stream(toks)
    where_stem: dict[str, list[int]] = {}
    where_low: dict[str, list[int]] = {}
    for i, t in enumerate(toks):
        where_stem.setdefault(t.stem, []).append(i)
        where_low.setdefault(t.low, []).append(i)
    s = Sentence(index, text, toks, heading, paragraph, stream=text_stream,
                 offsets={o: i for i, o in enumerate(starts)}, where_stem=where_stem, where_low=where_low)
    s.clauses = _clauses(s)
    return s


@lru_cache(maxsize=1)
def _break_stems() -> frozenset[str]:
    return frozenset(danish.stem(w) for p in lexicon()["clause_breaks"] for w in p.split()[:1])


_CLAUSE_MARKS = frozenset(",;:()–")


def _clauses(s: Sentence) -> list[tuple[int, int, bool]]:
    """Split at , ; : ( ) and clause words; a clause holding a negation trigger is negated.
    "og ikke"/"men ikke" start a new clause, so "struktur, men ikke budget" negates only budget."""
    toks, text = s.tokens, s.text
    cuts = {0, len(toks)}
    breaks = _break_stems()
    for i, tok in enumerate(toks):
        if i and (tok.stem in breaks or not _CLAUSE_MARKS.isdisjoint(text[toks[i - 1].end:tok.start])):
            cuts.add(i)
        if i + 1 < len(toks) and tok.low in ("og", "eller") and toks[i + 1].low in ("ikke", "ingen", "aldrig"):
            cuts.add(i)
    bounds = sorted(cuts)
    negations = lexicon()["negation"]
    return [(a, b, s.in_span(negations, a, b)) for a, b in pairwise(bounds)]


# ---------------------------------------------------------------- numbers


def _number_at(toks: list[Token], i: int) -> float | None:
    tok = toks[i]
    if tok.low[:1].isdigit():
        try:
            return float(tok.low.replace(",", "."))
        except ValueError:
            return None
    words = lexicon()["number_words"]
    if i + 1 < len(toks) and f"{tok.low} {toks[i + 1].low}" in words:
        return float(words[f"{tok.low} {toks[i + 1].low}"])
    return float(words[tok.low]) if tok.low in words else None


@dataclass(frozen=True)
class Quantity:
    low: float
    high: float
    unit: str  # a key of lexicon units: uge, dag, måned, time ...
    unit_weeks: float | None  # for periods: one unit's length in weeks; None for hours
    start: int  # token index of the first number
    end: int  # token index after the unit


def quantities(toks: list[Token]) -> list[Quantity]:
    """'4 uger', 'fire uger', '2-3 timer', 'to til tre timer', 'op til 3 timer', '14 dage'."""
    units = lexicon()["units"]
    out = []
    i = 0
    while i < len(toks):
        n = _number_at(toks, i)
        if n is None:
            i += 1
            continue
        pair = f"{toks[i].low} {toks[i + 1].low if i + 1 < len(toks) else ''}"
        j = i + 1 + (1 if pair in lexicon()["number_words"] else 0)
        high = n
        # a range: "2-3" is one token pair with "-" between, "2 til 3", "to eller tre"
        if j + 1 < len(toks) and toks[j].low in ("til", "eller") and _number_at(toks, j + 1) is not None:
            high = _number_at(toks, j + 1) or n
            j += 2
        elif j < len(toks) and _number_at(toks, j) is not None and toks[j].start - toks[j - 1].end <= 2:
            high = _number_at(toks, j) or n  # "2-3" tokenises as 2, 3 with a dash between
            j += 1
        if [t.low for t in toks[j:j + 3]] == ["og", "en", "halv"]:  # "4 og en halv time"
            n, high, j = n + 0.5, high + 0.5, j + 3
        if j < len(toks) and toks[j].low in units:
            unit = toks[j].low
            per = units[unit]
            unit_weeks = None if per == "hours" else float(per)
            out.append(Quantity(n, max(n, high), unit, unit_weeks, i, j + 1))
            i = j + 1
            continue
        i += 1
    return out


# ---------------------------------------------------------------- the record


@dataclass(frozen=True)
class Evidence:
    sentence: int
    text: str


@dataclass
class ActivityReading:
    id: str
    label: str
    outcome: str | None  # bevilget / afslag / delvis / None (not decided)
    verdicts: list[tuple[str, Evidence]] = field(default_factory=list)
    # per verdict: 2 named in its clause, 1 in the sentence, 0 by heading
    strength: list[int] = field(default_factory=list)
    reasoned_alone: bool = False  # a reason given for this activity on its own
    lumped: bool = False  # refused only together with other activities
    hours: tuple[float, float] | None = None
    per: str | None = None
    scope_evidence: Evidence | None = None
    provisions: list[str] = field(default_factory=list)  # registry ids cited for it
    clause_provisions: list[str] = field(default_factory=list)  # cited in the very clause that names it
    clause_evidence: Evidence | None = None  # the first sentence with such a citation
    mentioned: bool = False


@dataclass(frozen=True)
class Citation:
    law: str | None  # lexicon law key, or None when not said and no default applies
    number: str  # "85", "82b"
    stk: str | None
    registry_ids: tuple[str, ...]
    basis: bool  # cited as the rule the decision rests on
    negated: bool
    evidence: Evidence
    token: int = -1  # token index in its sentence


@dataclass
class FactReading:
    id: str
    label: str
    found: bool = False
    contradicted: bool = False
    document_named: str | None = None  # the document the letter says it comes from ("D viser, at ...")
    explains_document: bool = False  # the named document is the one the fact comes from
    names_itself: bool = False  # the fact's own words name its document ("din energidagbog viser ...")
    reported: bool = False  # some of its words stand in what a document is said to report ("D viser, at ...")
    evidence: Evidence | None = None
    at: int = -1  # token position of the fact's main term in its sentence


@dataclass
class ArgumentReading:
    restated: bool = False
    answered: bool = False
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class HearingReading:
    claims_heard: bool = False
    claims_not_heard: bool = False
    offers_now: bool = False  # invites comments now or sends the information with the letter
    response_stated: bool = False  # what she answered is restated (its content, where the case gives it)
    response_used: bool = False
    response_claimed: bool = False  # the letter says she answered, in any words
    no_response: bool = False  # the letter says she did not answer ("vi har ikke hørt fra dig")
    content_told: bool = False  # the letter tells what the adverse document says
    denial: Evidence | None = None  # the sentence that says she was not heard
    unneeded: Evidence | None = None  # the sentence that says hearing her was not needed
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class HelpReading:
    id: str
    label: str
    addressed: bool = False
    decided: bool = False  # the kommune decides or processes it
    referred: bool = False  # the citizen is sent off to apply herself
    self_apply: bool = False  # some sentence tells her to apply for it herself and decides nothing
    evidence: Evidence | None = None


@dataclass
class ComplaintReading:
    present: bool = False
    instance_named: bool = False  # Ankestyrelsen as the body that decides a complaint
    to_kommune: bool = False
    to_kommune_denied: bool = False  # "send ikke klagen til os"
    direct_to_instance: bool = False  # "send klagen direkte til Ankestyrelsen"
    direct_said: bool = False  # in so many words ("direkte"), which no "til os" elsewhere undoes
    reassessment: bool = False
    full_medhold_condition: bool = False
    keep_condition: bool = False
    frist_weeks: float | None = None
    frist_text: str | None = None
    frist_start: str | None = None  # "modtagelse", "forkert" or None
    deadline_date: bool = False
    form_restricted: bool = False
    oral_allowed: bool = False
    demand: bool = False  # asks of the complaint what the law does not: reasons, documents, a lawyer
    restriction: bool = False
    reassessment_conditioned: bool = False  # "vi ser kun på sagen igen, hvis der er nye oplysninger"
    no_pause_stated: bool = False  # "en klage stopper ikke ændringen" (RSL § 72)
    pause_claimed: bool = False  # "ændringen venter, til klagen er afgjort": wrong as a rule
    help_named: bool = False
    evidence: dict[str, Evidence] = field(default_factory=dict)


@dataclass
class LetterReading:
    activities: list[ActivityReading]
    total_hours: tuple[float, float] | None  # hours the letter gives for the help in all ("i alt 3-4 timer")
    total_evidence: Evidence | None
    citations: list[Citation]
    facts: list[FactReading]
    considerations: list[FactReading]
    weighing: Evidence | None
    boilerplate: list[Evidence]
    argument: ArgumentReading
    hearing: HearingReading
    other_help: list[HelpReading]
    complaint: ComplaintReading
    contact: Evidence | None
    access: Evidence | None
    jargon: list[str]
    words: int
    sentences: int
    notes: list[str]
    bare_boilerplate: list[Evidence] = field(default_factory=list)  # boilerplate in a paragraph with no facts
    resource_reason: Evidence | None = None  # budget, staff, waiting list or a standard's cap given as the reason

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- matching expectation terms


def _groups_match(s: Sentence, groups: tuple[tuple[str, ...], ...]) -> int | None:
    """Token index of the first group's match when every group matches in the sentence. A phrase
    of several content words also matches when all of them stand in the sentence in another order
    or with other words between ("kontakt med andre mennesker" for "blandt andre mennesker" does
    not, "mailen fra Mødestedet" for "Mødestedets mail" does)."""
    first = None
    for group in groups:
        hits: Sequence[int] = s._positions(tuple(group))  # one search for the whole group
        if not hits and s.positions(_bag_keys(tuple(group))):  # a bag needs at least its rarest word
            hits = [i for p in group if (i := _bag_match(s, p)) is not None]
        if not hits:
            return None
        first = min(hits) if first is None else first
    return first


@lru_cache(maxsize=8192)
def _content_parts(phrase: str) -> tuple[str, ...]:
    """The content words of a term phrase, as single-word phrases (stop words and gaps dropped)."""
    words = [w for w in phrase.split() if not w.startswith(("~", "!"))]
    content = [w for w in words if danish.stem(w.strip("*=").lower()) not in _STOP]
    return tuple(sorted(content, key=len, reverse=True)) if len(content) >= 2 else ()


LABEL_SHARE = 0.6  # share of a label's content words a sentence must hold to say the same thing


@lru_cache(maxsize=4096)
def _label_stems(label: str) -> frozenset[str]:
    """Content words of a case author's label, by stem: no names (capitalised inside the label),
    no stop words, no numbers, nothing shorter than three letters."""
    toks = danish.tokens(label)
    return frozenset(t.stem for n, t in enumerate(toks)
                     if t.low[:1].isalpha() and len(t.stem) >= 3 and t.stem not in _STOP
                     and not (n > 0 and t.text[:1].isupper()))


ARGUMENT_SHARE = 0.35  # for the citizen's argument in a sentence that reports her view


def _label_match(s: Sentence, label: str, share: float = LABEL_SHARE) -> int | None:
    """The sentence says what the label says in its own words: most of the label's content stems
    are there. Used when none of the author's terms match."""
    want = _label_stems(label)
    if len(want) < 3:
        return None
    have = [min(s.where_stem[w]) for w in want if w in s.where_stem]
    return min(have) if len(have) >= max(2, share * len(want)) else None


def _item_match(s: Sentence, item) -> int | None:
    """An expected item (activity, fact, consideration, argument) in a sentence: its terms, or
    its label's content."""
    i = _groups_match(s, item.terms)
    return i if i is not None else _label_match(s, item.label)


@lru_cache(maxsize=8192)
def _bag_keys(group: tuple[str, ...]) -> tuple[str, ...]:
    """The rarest content word of each phrase of a group that can match as a bag of words."""
    return tuple(parts[0] for p in group if (parts := _content_parts(p)))


def _bag_match(s: Sentence, phrase: str) -> int | None:
    parts = _content_parts(phrase)
    if not parts:
        return None
    first = None
    for w in parts:  # the rarest words come first, so a missing one ends the search early
        i = s.find(w)
        if i is None:
            return None
        first = i if first is None else min(first, i)
    return first


_STOP = frozenset(danish.stem(w) for w in (
    "og i at det en den til er som på de med for af om vi du dig din dit dine han hun hans hendes sin "
    "sit sine fra ved efter eller men så har have var være kan skal vil der her nu også ikke et".split()))


def _ev(s: Sentence) -> Evidence:
    return Evidence(s.index, s.text)


# ---------------------------------------------------------------- provisions


_PARA = re.compile(
    r"(?P<sign>§§?|\bparagraf(?:ferne|fen|fer)?\b|\bpar\.)\s*"
    r"(?P<nums>\d+(?:\s?[a-h]\b)?(?:\s*(?:,|og|eller|-|–)\s*\d+(?:\s?[a-h]\b)?)*)"
    r"(?:,?\s*stk\.?\s*(?P<stk>\d+))?",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _law_names() -> list[tuple[str, str]]:
    pairs = [(name.lower(), key) for key, spec in lexicon()["laws"].items() for name in spec["names"]]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _law_near(text: str, start: int, end: int) -> str | None:
    """The law named just before ('servicelovens § 85') or just after ('§ 85 i serviceloven')."""
    before = text[max(0, start - 60):start].lower()
    after = text[end:end + 60].lower()
    best: tuple[int, str] | None = None
    for name, key in _law_names():
        pat = rf"\b{re.escape(name)}\b"
        found = list(re.finditer(pat, before))
        m = found[-1] if found else None  # the mention nearest the §
        if m is not None and not re.search(r"[.;]", before[m.end():]):
            dist = len(before) - m.end()
            if best is None or dist < best[0]:
                best = (dist, key)
        m2 = re.match(rf"\s*(?:,?\s*stk\.?\s*\d+,?)?\s*(?:i|efter|fra|af)?\s*(?:den\s+)?{pat}", after)
        if m2 and (best is None or 0 < best[0]):
            best = (0, key)
    return best[1] if best else None


def provision_index(provisions: Iterable[Provision]) -> dict[tuple[str, str], list[str]]:
    """(law key, paragraph number) -> registry ids, e.g. ('sel', '85') -> ['sel-85']."""
    by_registry_name = {n.lower(): key for key, spec in lexicon()["laws"].items() for n in spec["registry"]}
    out: dict[tuple[str, str], list[str]] = {}
    for p in provisions:
        key = by_registry_name.get(p.law.lower())
        m = re.match(r"§\s*(\d+)\s?([a-z])?\b", p.paragraph)
        if key and m:
            out.setdefault((key, m.group(1) + (m.group(2) or "")), []).append(p.id)
    return out


def citations(text: str, sents: list[Sentence], default_law: str,
              index: dict[tuple[str, str], list[str]]) -> list[Citation]:
    out = []
    basis_markers = lexicon()["basis_markers"]
    laws_named: list[str] = []  # every law the letter has named so far, most recent last
    for s in sents:
        named_before = None  # "... jf. retssikkerhedslovens § 66, ... jf. § 67": a bare § keeps the law last named
        for m in _PARA.finditer(s.text):
            explicit = _law_near(s.text, m.start(), m.end())
            law = explicit or named_before or default_law
            if explicit is None:
                # a bare "§ 82" that the law at hand lacks, read in the case's own law or the law the
                # letter last named that has it ("§ 82 kan ikke bruges, fordi ... betales efter § 109")
                num0 = re.findall(r"\d+(?:\s?[a-h]\b)?", m.group("nums"))[0].replace(" ", "").lower()
                if (law, num0) not in index:
                    law = next((x for x in [default_law, *reversed(laws_named)] if (x, num0) in index), law)
            if explicit:
                laws_named.append(explicit)
            named_before = law
            nums = re.findall(r"\d+(?:\s?[a-h]\b)?", m.group("nums"))
            tok_i = next((i for i, t in enumerate(s.tokens) if t.start >= m.start()), 0)
            negated = s.negated_at(tok_i)
            basis = bool(s.any(basis_markers)) or s.heading == s.text or s.index == 0
            for num in nums:
                num = num.replace(" ", "").lower()
                ids = tuple(index.get((law, num), ()))
                out.append(Citation(law, num, m.group("stk"), ids, basis, negated, _ev(s), tok_i))
    return out


# ---------------------------------------------------------------- the reading


def read_letter(text: str, expect: LetterExpectation | None, documents: Iterable[Document] = (),
                provisions: Iterable[Provision] = (), citizen: str | None = None) -> LetterReading:
    """The letter as a structured record. `citizen` is her name, so that a letter about her in the
    third person ("Hanne får ...") reads as one to her."""
    text, notes = normalise(text)
    sents = sentences(text, citizen)
    lex = lexicon()
    docs = list(documents)
    index = provision_index(provisions)
    cites = citations(text, sents, expect.law if expect else "sel", index)
    activities = _activities(sents, expect, cites) if expect else []
    total, total_ev = _total_hours(sents, expect)
    sources = _sources(tuple(docs))
    labels = _paragraph_labels(sents, sources, docs)
    facts = [_fact(sents, f, docs, sources, labels) for f in expect.facts] if expect else []
    considerations = [_fact(sents, f, docs, sources, labels) for f in expect.considerations] if expect else []
    weighing = next((_ev(s) for s in sents if s.any(lex["weighing"])), None)
    boiler = [_ev(s) for s in sents if s.any(lex["boilerplate"])]
    bare = _bare_boilerplate(sents, expect) if expect and boiler else []
    argument = _argument(sents, expect)
    resource = next((_ev(x) for x in sents if _resource_reason(sents, x)), None)
    hearing = _hearing(sents, expect, docs)
    helps = [_help(sents, h) for h in expect.other_help] if expect else []
    complaint = _complaint(sents)
    contact = next((_ev(s) for s in sents
                    if s.any(lex["contact"]) or re.search(r"\b\d{2} ?\d{2} ?\d{2} ?\d{2}\b", s.text)), None)
    access = next((_ev(s) for s in sents if s.any(lex["access"])), None)
    jargon = sorted({m.group() for pat in lex["jargon"] for m in re.finditer(pat, text)})
    words = sum(1 for s in sents for t in s.tokens if t.low[:1].isalpha())
    return LetterReading(activities, total, total_ev, cites, facts, considerations, weighing, boiler, argument, hearing,
                         helps, complaint, contact, access, jargon, words, len(sents), notes, bare, resource)


def _resource_reason(sents: list[Sentence], s: Sentence) -> bool:
    """The kommune's budget, staff or waiting list, or a kvalitetsstandard's cap, given as what decides
    ("... som giver højst to timer", "Den skal vi følge"): not her view of it ("du mener, at vi sparer"),
    not denied ("kvalitetsstandarden har ikke bestemt din støtte"), not a starting point exceeded ("som
    udgangspunkt højst 4 timer, men du får 5")."""
    lex = lexicon()
    before = sents[s.index - 1] if s.index and sents[s.index - 1].paragraph == s.paragraph else None
    bound = s.any(lex["standard_bound"]) and (s.any(lex["standards"]) or (before and before.any(lex["standards"])))
    hit = s.any(lex["resource_reasons"]) or bound
    if not hit or s.any(lex["attribution"]) or s.any(lex["response_words"]) or s.any(lex["complaint_core"]):
        return False
    return not s.any(lex["standard_not_deciding"])


def _bare_boilerplate(sents: list[Sentence], expect: LetterExpectation) -> list[Evidence]:
    """Boilerplate standing where the facts should be: "vi har foretaget en konkret og individuel
    vurdering" in a paragraph that gives none of the case's facts. Said before the facts, it is only
    a preamble."""
    lex = lexicon()
    items = tuple(expect.facts) + tuple(expect.considerations)
    with_facts = {s.paragraph for s in sents if any(_item_match(s, f) is not None for f in items)}
    return [_ev(s) for s in sents if s.any(lex["boilerplate"]) and s.paragraph not in with_facts]


def _verdict(s: Sentence, start: int, end: int, object_at: int | None = None) -> str | None:
    """grant/refuse stated in tokens[start:end] (a clause), negation applied. A giving verb counts
    with a word for help, or with the activity itself as its object (`object_at`): "du får ikke
    faste besøg". A clause that reports the application ("du søgte om, at kommunen betaler") or
    is subordinate ("afslag på, at kommunen betaler ...") decides nothing by its giving verb."""
    lex = lexicon()
    if s.in_span(lex["history"], start, end) or s.in_span(lex["rule_described"], start, end):
        return None  # what she had before, or what the law offers, not what she gets now
    if start and s.tokens[start].low == "som":
        return None  # a relative clause tells of a noun before it: "den øvelse, som støtten skal give"
    if start == 0 and end < len(s.tokens) and len(s.tokens) > 2 and s.tokens[0].low in _FINITE_VERBS \
            and s.tokens[1].low in ("du", "der", "i", "vi") and not s.text.rstrip().endswith("?"):
        return None  # the verb first, then a comma: a condition ("Får du hjælp fra andre, er det vigtigt, at ...")
    if s.in_span(lex["refuse"], start, end):
        return "refuse"  # "afslag", even "vi kan ikke give dig andet end afslag"
    if s.in_span(lex["grant"], start, end):
        return "refuse" if s.in_span(lex["negation"], start, end) else "grant"
    if s.in_span(lex["reduces"], start, end) and not s.in_span(lex["negation"], start, end):
        return "reduce"
    # "støtten stopper ikke"; the help may stand before a parenthesis: "Støtten (i dag 1 time) ophører"
    if s.in_span(lex["ends"], start, end) and (object_at is not None or s.in_span(lex["help_nouns"], start, end) or (
            start and s.in_span(lex["help_nouns"], max(0, start - 8), start)
            and s.text[s.tokens[start - 1].end:s.tokens[start].start].strip() == ")")):
        return "grant" if s.in_span(lex["negation"], start, end) else "refuse"
    if s.in_span(lex["applied"], start, end) or s.in_span(lex["attribution"], start, end):
        return None  # the application, or the citizen's own view, is not the decision
    lead = [t.low for t in s.tokens[start:start + 2]]
    if start and lead and (lead[0] in ("at", "om")
                           or (lead[0] in ("ikke", "og", "men") and lead[1:] in (["at"], ["om"]))):
        # a subordinate clause is governed by the clause before it: "afslag på, at kommunen betaler",
        # "det er ikke nødvendigt, at kommunen betaler" decide nothing by "betaler"; "vi har
        # besluttet, at du får støtte" does, and so does our own "vi har vurderet, at du skal have støtte"
        head = next(((a, b) for a, b, _ in s.clauses if b == start), (0, start))
        if any(s.in_span(lex[k], *head) for k in ("refuse", "negation", "applied", "attribution", "rule_described")):
            return None
        if not s.in_span(lex["our_judgement"], 0, start) and any(
                s.in_span(lex[k], 0, start) for k in ("reporting_verbs", "perceiving")):
            return None  # "... så vi, at du ikke får åbnet breve", "Egebo har vurderet ..., ikke om du har ret til"
    idioms = s.positions(lex["give_idioms"])
    helps = s.positions(lex["help_nouns"])
    # "du får ikke en dag i gang", "du får ikke åbnet din post": "få" that gives nothing (but "du får
    # støtte til at komme i gang" gives support)
    gives = [i for i in s.positions(lex["give"]) if start <= i < end
             and not any(i < k <= i + 6 and not any(i < h < k for h in helps) for k in idioms)]
    if s.in_span(lex["self_pay"], start, end):
        gives = []  # "du kan selv betale for samtalerne": she pays, nothing is given
    # the activity is what is given when it stands after the giving verb ("du får ikke faste besøg"),
    # not when it gives ("værestedet giver hende besked")
    # ... and close after it: not "du kan ikke få en dag i gang uden en plan"
    has_object = s.in_span(lex["help_nouns"], start, end) or (
        object_at is not None and start <= object_at < end and any(object_at - 5 <= g < object_at for g in gives))
    if gives and has_object:
        if s.in_span(lex["instead"], start, end) and not s.in_span(lex["negation"], start, end):
            return None  # the help given in its place
        return "refuse" if s.in_span(lex["negation"], start, end) else "grant"
    return None


def _terse_verdict(m: re.Match) -> str:
    word = m.group(2).lower()
    return "refuse" if word in ("nej", "afslag", "afslået", "ikke bevilget", "slutter", "stopper", "ophører",
                                "bortfalder") else "grant"


@lru_cache(maxsize=512)
def _heading_verdict(heading: str) -> str | None:
    """A heading like "Det får du ikke" decides for the list under it: a giving verb needs no object there."""
    lex = lexicon()
    terse = TERSE_END.match(heading) or TERSE.match(heading)
    if terse:
        return _terse_verdict(terse)
    hs = _heading_sentence(heading)
    v = _verdict(hs, 0, len(hs.tokens))
    if v is None and hs.any(lex["give"]):
        v = "refuse" if hs.any(lex["negation"]) else "grant"
    return v


def _activities(sents: list[Sentence], expect: LetterExpectation, cites: list[Citation]) -> list[ActivityReading]:
    lex = lexicon()
    acts = {a.id: ActivityReading(a.id, a.label, None) for a in expect.activities}
    provisions = {a.id: a.provisions for a in expect.activities}
    # the rules of the other things the letter decides: a verdict under one of them is about that thing
    elsewhere = {p for a in expect.activities for p in a.provisions}
    elsewhere |= {p for h in expect.other_help for p in h.provisions}
    heading_acts: dict[str, set[str]] = {}
    for s in sents:
        if s.heading and s.heading not in heading_acts:
            hs = _heading_sentence(s.heading)
            heading_acts[s.heading] = {a.id for a in expect.activities if _groups_match(hs, a.terms) is not None}
    # facts that belong to each activity, for "reasoned on its own"
    fact_terms = {f.id: f.terms for f in expect.facts}
    decided_sections: set[tuple[str, str]] = set()
    hours_decided: dict[str, bool] = {}
    before: dict[str, int] = {}  # the activities the sentence before named, in the same paragraph
    lead = None  # "Der er bevilget støtte efter § 85 til" + a list: the verdict its items carry
    for s in sents:
        if not s.bullet:
            lead = None if s.text == s.heading or s.text.rstrip().endswith((".", "!", "?")) else next(
                (v for a, b, _ in s.clauses if (v := _verdict(s, a, b))), None)
        named, by_rule = _named_activities(s, expect.activities)
        own_heading = heading_acts.get(s.heading, set()) if s.heading != s.text else set()
        in_scope = set(named) or (own_heading if len(own_heading) == 1 else set())
        # "Du har bedt om besøg hver dag. Det giver vi dig et nej til." -- "det" is what was just named
        pointing = not in_scope and len(before) == 1 and s.tokens[:1] != [] and s.tokens[0].low in lex["pointers"]
        if pointing:
            in_scope = set(before)
        last_of_paragraph = s.index + 1 < len(sents) and sents[s.index + 1].paragraph != s.paragraph
        before = {} if s.text == s.heading or last_of_paragraph else named
        for aid in in_scope:
            acts[aid].mentioned = True
        if not in_scope or s.any(lex["complaint_core"]) or s.any(lex["complaint_help"]) or (
                s.heading != s.text and _heading_sentence(s.heading).any(lex["rules_headings"])):
            continue  # "du kan klage over det hele, også over nej'et til botilbud" decides nothing, nor does the law
        # "Betaling for din psykoterapeut: Nej." -- the terse verdict of a summary list
        terse = TERSE_END.match(s.text) or TERSE.match(s.text) or TERSE_HOURS.match(s.text)
        terse_verdict: dict[str, str] = {}
        if terse and named:
            said = _terse_verdict(terse)
            cut = len(danish.tokens(terse.group(1)))
            terse_verdict = {aid: said for aid, i in named.items() if i < cut}
        # verdict per activity: in the clause that names it, else the nearest clause with a verdict
        clause_verdicts = [(a, b, _verdict(s, a, b)) for a, b, _ in s.clauses]
        # a verbless clause with a negation takes the opposite of the last clause with a verb of its own:
        # "du får hjælp ..., men ikke besøg hver dag og ikke en hjemmehjælper" (both refused)
        last = None
        inherited = []
        for a, b, v in clause_verdicts:
            if v is None and last is not None:
                inherited.append((a, b, ("refuse" if last == "grant" else "grant")
                                  if s.in_span(lex["negation"], a, b) else None))
                continue
            inherited.append((a, b, v))
            if v is not None:
                last = v
        sentence_verdict = next((v for _, _, v in inherited if v), None)
        if sentence_verdict is None and s.bullet and lead:
            sentence_verdict = lead
        if sentence_verdict is None and s.heading and s.heading != s.text and not s.any(lex["instead"]):
            # under "Det får du" / "Det får du ikke" the list items carry the heading's verdict; a
            # heading that names one activity speaks only of that one
            heading_names = heading_acts.get(s.heading, set())
            if not heading_names or in_scope <= heading_names:
                sentence_verdict = _heading_verdict(s.heading)
        verdict_of: dict[str, str | None] = {}
        strength: dict[str, int] = {}
        # "får du praktisk hjælp efter § 83: en hjemmehjælper gør rent sammen med dig": a verdict whose
        # clause cites another rule than the activity's decides the other help, not the activity
        verdict_span = next(((a, b) for a, b, v in inherited if v), None)
        cited_there = [set(c.registry_ids) for c in cites if c.evidence.sentence == s.index and c.registry_ids
                       and verdict_span and verdict_span[0] <= c.token < verdict_span[1]]
        for aid in in_scope:
            i = named.get(aid)
            foreign = bool(cited_there) and not any(ids & set(provisions[aid]) for ids in cited_there) and any(
                ids & (elsewhere - set(provisions[aid])) for ids in cited_there)
            if aid in terse_verdict:
                verdict_of[aid], strength[aid] = terse_verdict[aid], 2
            elif i is not None:
                a_b = next(((a, b) for a, b, _ in s.clauses if a <= i < b), None)
                own = _verdict(s, a_b[0], a_b[1], i) if a_b else None
                v = own or next((v for a, b, v in inherited if a <= i < b and v), None)
                verdict_of[aid], strength[aid] = (v, 1 if aid in by_rule else 2) if v else (
                    None if foreign else sentence_verdict, 1)
            elif pointing:
                verdict_of[aid], strength[aid] = sentence_verdict, 1
            elif (s.heading, aid) not in decided_sections:
                strength[aid] = 0
                # a section's decision is its first verdict; later sentences there speak of other
                # things ("hjælp til at komme afsted får du under punkt 1")
                verdict_of[aid] = sentence_verdict
            if verdict_of.get(aid):
                decided_sections.add((s.heading, aid))
        same_verdict: dict[str, list[str]] = {}
        for aid, v in verdict_of.items():
            if v:
                acts[aid].verdicts.append((v, _ev(s)))
                acts[aid].strength.append(strength[aid])
                same_verdict.setdefault(v, []).append(aid)
        # reasons given for one activity on its own: a fact of its own, or a plain "fordi/derfor";
        # not the rules section, nor the klagevejledning
        about_rules = s.any(lex["complaint_words"]) or _heading_sentence(s.heading).any(["regl*", "regel*", "klag*",
                                                                                          "uenig*"])
        reason = bool(s.any(lex["strong_reasons"])) or any(
            _groups_match(s, fact_terms[f]) is not None for a in expect.activities if a.id in in_scope for f in a.facts)
        if reason and len(in_scope) == 1 and not about_rules:
            acts[next(iter(in_scope))].reasoned_alone = True
        for v, ids in same_verdict.items():
            if v == "refuse" and len(ids) > 1:
                for aid in ids:
                    acts[aid].lumped = True
        _scope_hours(s, acts, in_scope, named, verdict_of, hours_decided)
        _cited_for(s, acts, in_scope, named, cites)
    # a total ("i alt 2-3 timer om ugen") covers granted activities that have no hours of their own
    total = next((s for s in sents if (s.any(lex["total_words"]) or "omfang" in s.heading.lower())
                  and any(q.unit_weeks is None for q in quantities(s.tokens))), None)
    for act in acts.values():
        # the outcome is what the letter says where it names the activity most plainly
        top = max(act.strength, default=0)
        kinds = {v for (v, _), k in zip(act.verdicts, act.strength, strict=True) if k == top}
        if not kinds:
            act.outcome = None
        elif kinds == {"grant"}:
            act.outcome = "bevilget"
        elif kinds == {"refuse"}:
            act.outcome = "afslag"
        else:
            act.outcome = "delvis"  # both, or a cut
        if act.lumped and act.reasoned_alone:
            act.lumped = False
        # ... but not when the total is split among activities it names ("i alt 5 timer (4 til
        # struktur, 1 til posten)"): each has a share, which the total is not
        if act.outcome in ("bevilget", "delvis") and act.hours is None and total is not None \
                and sum(_groups_match(total, a.terms) is not None for a in expect.activities) < 2:
            q = next(q for q in quantities(total.tokens) if q.unit_weeks is None)
            (act.hours, act.per), act.scope_evidence = _per_week(total, q), _ev(total)
    return list(acts.values())


def _scope_hours(s: Sentence, acts: dict[str, ActivityReading], in_scope: set[str], named: dict[str, int],
                 verdict_of: dict[str, str | None], hours_decided: dict[str, bool]) -> None:
    """The hours a sentence gives an activity it grants. Not hours that describe the need ("4-6 timer
    går med at planlægge"), nor the hours she applied for ("du søgte om en time mere om ugen"); hours
    stated with the decision win over hours said in passing."""
    hours = [q for q in quantities(s.tokens) if q.unit_weeks is None]
    lex = lexicon()
    if len(named) > 1:  # "i alt 5 timer (4 til struktur, 1 til posten)": the total is no one activity's
        totals = s.positions(lex["total_words"])
        hours = [q for q in hours if not any(q.start - 3 <= t < q.start for t in totals)]
    if not hours:
        return
    scope_here = s.any(lex["help_nouns"]) and not any(s.any(lex[k]) for k in (
        "perceiving", "reporting_verbs", "applied", "attribution"))
    for aid in in_scope:
        decided = verdict_of.get(aid) in ("grant", "reduce")
        granted = decided or (verdict_of.get(aid) is None and scope_here)
        if granted and (acts[aid].hours is None or (decided and not hours_decided.get(aid))):
            q = _hours_for(hours, named.get(aid), min(named.values(), default=None))
            acts[aid].hours, acts[aid].per = _per_week(s, q)
            acts[aid].scope_evidence = _ev(s)
            hours_decided[aid] = decided


def _cited_for(s: Sentence, acts: dict[str, ActivityReading], in_scope: set[str], named: dict[str, int],
               cites: list[Citation]) -> None:
    """The provisions a sentence cites for the activities it speaks of; those in the very clause that
    names an activity are its own ("støtte efter § 85 til at komme i gang")."""
    for c in cites:
        if c.evidence.sentence != s.index:
            continue
        for aid in in_scope:
            acts[aid].provisions.extend(x for x in c.registry_ids if x not in acts[aid].provisions)
            if aid in named and not c.negated and s.clause_of(named[aid])[:2] == s.clause_of(c.token)[:2]:
                acts[aid].clause_provisions.extend(c.registry_ids)
                acts[aid].clause_evidence = acts[aid].clause_evidence or _ev(s)


def _per_week(s: Sentence, q: Quantity) -> tuple[tuple[float, float], str | None]:
    """The hours and what they are per: the period named right after them ("1 time hver anden uge i
    stedet for 2 timer om ugen" is half an hour a week), else any in the sentence. Every other week
    and the like are given as hours per week."""
    lex = lexicon()
    near = [(i, k) for k, ps in lex["per"].items() for p in ps for i in s.find_all(p) if q.end <= i <= q.end + 3]
    per = min(near)[1] if near else next((k for k, ps in lex["per"].items() if s.any(ps)), None)
    factor = lex["per_factor"].get(per)
    if factor:
        return (q.low * factor, q.high * factor), "uge"
    return (q.low, q.high), per


def _named_activities(s: Sentence, activities) -> tuple[dict[str, int], set[str]]:
    """Activity id -> token position, for each activity the sentence names, and the ids named only by
    their rule ("§ 83"). Those are not named at all where another activity is named by what it is
    ("du får støtte efter § 83 til at komme i gang" speaks of getting started, under a wrong rule),
    and name their activity only weakly elsewhere ("støtten gives efter § 83")."""
    named = {a.id: i for a in activities if (i := _item_match(s, a)) is not None}
    # "Ad d) Praktisk hjælp efter § 83: du har ikke brug for, at en anden gør rent": a label before a
    # colon says what the sentence is about; what it goes on to name is its content
    colon = next((k for k, t in enumerate(s.tokens[:12]) if ":" in s.text[t.end:t.end + 2]), None)
    if colon is not None:
        head = _heading_sentence(s.text[:s.tokens[colon].end])
        labelled = {a.id for a in activities if a.id in named and _item_match(head, a) is not None}
        if labelled:
            named = {k: v for k, v in named.items() if k in labelled}
    by_rule = {a.id for a in activities if a.id in named and _groups_match(s, _without_rules(a.terms)) is None
               and _label_match(s, a.label) is None}
    if by_rule and len(by_rule) < len(named):
        return {k: v for k, v in named.items() if k not in by_rule}, set()
    return named, by_rule


@lru_cache(maxsize=512)
def _without_rules(terms: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p for p in g if "§" not in p and "paragraf" not in p.lower()) for g in terms)


def _hours_for(hours: list[Quantity], at: int | None, first_name: int | None) -> Quantity:
    """The hours that belong to an activity named at token `at`, when a sentence gives several:
    "struktur i 1-2 timer og logistik i 1 time" (hours after each name) or "2 timer til struktur og
    1 time til logistik" (hours before each name), as the sentence's own order shows."""
    if at is None or first_name is None or len(hours) == 1:
        return hours[0]
    if hours[0].start < first_name:
        return next((q for q in reversed(hours) if q.start < at), hours[0])
    return next((q for q in hours if q.start > at), hours[-1])


def _total_hours(sents: list[Sentence], expect: LetterExpectation | None) -> tuple[tuple[float, float] | None,
                                                                                   Evidence | None]:
    """Hours stated for the help in all: "i alt 3-4 timer", "samlet 3 timer", hours in a section about
    the scope (Omfang), or "du får 3 til 4 timer om ugen" naming no single activity."""
    lex = lexicon()
    acts = expect.activities if expect else ()
    for s in sents:
        hours = [q for q in quantities(s.tokens) if q.unit_weeks is None]
        if not hours:
            continue
        total_word = s.any(lex["total_words"]) or "omfang" in s.heading.lower()
        leads = hours[0].start == 0  # "3-4 timer om ugen: ca. 1 time til ugeplanen, resten til ..."
        named_at = [i for a in acts if (i := _groups_match(s, a.terms)) is not None]
        # "du får 3 til 4 timer om ugen, hvoraf cirka en time går til ugeplanen": the first hours,
        # given before any activity is named, are the whole
        split = len(hours) > 1 and all(i > hours[0].start for i in named_at)
        granted = _verdict(s, 0, len(s.tokens)) == "grant" and any(s.any(ps) for ps in lex["per"].values())
        if total_word or ((granted or leads) and (len(named_at) != 1 or split)):
            return (hours[0].low, hours[0].high), _ev(s)
    return None, None


def _doc_terms(doc: Document) -> tuple[str, ...]:
    return tuple(doc.aliases) or _title_terms(doc.title)


@lru_cache(maxsize=1024)
def _title_terms(title: str) -> tuple[str, ...]:
    """Distinctive words of a document's title, by which a letter names it."""
    generic = {danish.stem(w) for w in "notat fra om til af og i på med den det de en et din dit dine hans hendes "
               "sin sit sine egen eget brev".split()} | {danish.stem(w) for w in lexicon()["title_stopwords"]}
    head = re.split(r",|\(| om | til ", title)[0]  # "Notat fra samtalen om, hvad ..." -> "Notat fra samtalen"
    toks = danish.tokens(head)
    # a capitalised possessive is a name ("Sofies", "Bennys"), unless a definite noun ("Klinikkens",
    # "Mødestedets": what letters say)
    words = [t for t in toks if t.low[:1].isalpha() and len(t.stem) >= 4 and t.stem not in generic
             and not (t.text[:1].isupper() and t.low.endswith("s") and not t.low.endswith(("ens", "ets")))]
    return tuple(f"{t.stem}*" for t in words)


def _fact(sents: list[Sentence], fact, docs: list[Document], sources: tuple[tuple[str, tuple[str, ...]], ...] = (),
          labels: dict[int, tuple[str, Sentence]] | None = None) -> FactReading:
    """Found when a sentence holds every group of the fact's terms. Contradicted only when every
    such sentence negates the main concept itself ("lægen anbefaler ikke ..."), since facts often
    carry a negation of their own ("ingen gæld"). The document it is put down to is the one the
    letter reports it from: "Ergoterapeutens notat viser, at ...", "Ifølge din læge ...", "...,
    hvilket værestedet beskriver", "... Det står i afslutningsnotatet."."""
    out = FactReading(fact.id, fact.label)
    sources = sources or _sources(tuple(docs))
    labels = _paragraph_labels(sents, sources, docs) if labels is None else labels
    for s in sents:
        i = _item_match(s, fact)
        label = labels.get(s.paragraph)
        labelled = label if label and s.index > label[1].index else None  # the sentences under the label
        in_s = [_groups_match(s, (g,)) is not None for g in fact.terms]
        if i is None and labelled and labelled[0] == fact.document and any(in_s) and all(
                here or _groups_match(labelled[1], (g,)) is not None for g, here in zip(fact.terms, in_s, strict=True)):
            # "Udtalelsen fra distriktspsykiatrien: Du har svært ved breve. Du klarer selv indkøb.": the
            # label names the document for every sentence under it
            i = 0
        if i is None:
            continue
        if not _has_negation(fact.label) and _negates_term(s, fact.terms[0]):
            if not out.found:
                out.contradicted, out.evidence = True, out.evidence or _ev(s)
            continue
        own = next((d for d in docs if d.id == fact.document), None)
        positions = [j for g in fact.terms for p in g for j in s.find_all(p)]
        if own is not None and positions and all(j in _naming(s, own) for j in positions):
            continue  # "ergoterapeutens notat viser, at ...": naming the document does not state what it says
        out.found, out.contradicted, out.evidence, out.at = True, False, _ev(s), i
        attributions = _attributions(s, sources)
        lex = lexicon()
        voice = s.positions(lex["attribution"]) + s.positions(lex["response_words"])
        if voice:  # "du oplyste, at udtalelsen er skrevet i en god periode": the document is what she spoke of
            attributions = [a for a in attributions if a.back or a.name_at < min(voice)]
        out.reported = any(j > a.at for a in attributions if not a.back for j in positions) or any(
            j < a.at for a in attributions if a.back for j in positions)
        source, name_at = _source_of(attributions, i, fact.document, positions)
        # "Distriktspsykiatrien skriver, at ...": the source is the fact's own word
        out.names_itself = name_at in positions
        own_voice = s.any(lex["attribution"]) or s.any(lex["response_words"]) or s.any(lex["perceiving"])
        if source is None and not own_voice:  # "du svarede, at ...": her own words, whatever confirms them next
            nxt = sents[s.index + 1] if s.index + 1 < len(sents) else None
            if nxt is not None and nxt.paragraph == s.paragraph and nxt.text != nxt.heading:
                # "Du går selv til NA. Det står i afslutningsnotatet." -- the next sentence names the source
                back = sorted((a for a in _attributions(nxt, sources) if a.back and a.at <= 4),
                              key=lambda a: (a.at, a.doc != fact.document))
                source = back[0].doc if back else None
                out.reported = out.reported or source is not None
        if source is None and not own_voice:
            # "- Notatet fra hjemmebesøget den 15. oktober: Du åbner ikke din post. Du har ingen kalender.":
            # the label before the colon opening the paragraph is the source of all it holds
            source = labelled[0] if labelled else None
            out.reported = out.reported or source is not None
        if source is None and own is not None and any(abs(j - i) <= 3 for p in _doc_terms(own) for j in s.find_all(p)):
            source = own.id  # "din energidagbog viser ...", "dagbogen fra samtalen"
            out.names_itself = True
        if source is not None:
            out.document_named = source
            out.explains_document = source == fact.document
        break
    return out


def _paragraph_labels(sents: list[Sentence], sources, docs: list[Document]) -> dict[int, tuple[str, Sentence]]:
    """Per paragraph, the document named before a colon in its first sentence ("Udtalelsen fra
    distriktspsykiatrien: ..."), with that sentence: the source of what the sentences after it hold.
    The label must say what kind of document it is (notat, udtalelse, mail), so "Rådgivning: Ja."
    names no document. Found once per letter."""
    kinds = {d.id: danish.stem(d.kind.split()[0]) for d in docs if d.kind}
    out: dict[int, tuple[str, Sentence]] = {}
    for first in sents:
        opens = not first.index or sents[first.index - 1].paragraph != first.paragraph
        if not opens or ":" not in first.text:
            continue
        colon = first.text.index(":")
        label = [t.stem for t in first.tokens if t.start < colon]
        found = {a.doc for a in _attributions(first, sources) if first.tokens[a.at].start < colon
                 and kinds.get(a.doc) in label}
        if len(found) == 1:
            out[first.paragraph] = (next(iter(found)), first)
    return out


def _naming(s: Sentence, doc: Document) -> set[int]:
    """Token positions of the words that name a document: its letter terms and its title's words."""
    return {j for p in _doc_terms(doc) + _title_stems(doc.title) for j in s.find_all(p)}


@lru_cache(maxsize=1024)
def _title_stems(title: str) -> tuple[str, ...]:
    return tuple(t.stem for t in danish.tokens(title)
                 if t.low[:1].isalpha() and t.stem not in _STOP and len(t.stem) >= 3)


@dataclass(frozen=True)
class _Attribution:
    doc: str  # a document id, or "?<kind>" for a source the case has no document from
    at: int  # token position of the reporting verb (or of "ifølge")
    name_at: int  # token position of the document's name
    back: bool  # it reports what stands before it: "..., hvilket værestedet beskriver", "Det står i D."


def _source_of(attributions: list[_Attribution], i: int, own: str | None = None,
               positions: Iterable[int] = ()) -> tuple[str | None, int]:
    """The attribution that covers the fact at token i: the nearest one that points back to it from
    after it, else the nearest one before it that points forward. Where one name fits several
    documents ("bostøtten": the report and its supplement), the fact's own document wins."""
    after = sorted((a for a in attributions if a.at > i), key=lambda a: (a.at, a.doc != own))
    if after and after[0].back:
        return after[0].doc, after[0].name_at
    # forward: named at or before the fact ("Distriktspsykiatrien skriver, at ..." where the fact's own
    # words begin with the source)
    # words, or whose words go on after the verb ("lægeattesten ..., hvoraf det fremgår, at din stress ...")
    positions = list(positions)
    before = sorted((a for a in attributions if not a.back and (min(a.at, a.name_at) <= i or any(
        j > a.at for j in positions))), key=lambda a: (-a.at, a.doc != own))
    return (before[0].doc, before[0].name_at) if before else (None, -1)


@lru_cache(maxsize=64)
def _sources(docs: tuple[Document, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What a letter may name as a source: the case's documents, and the kinds of source (a doctor, a
    psychiatrist ...) the case has no document from, as "?<kind>" -- a fact put down to one of them
    comes from nowhere in the case."""
    kinds = lexicon()["source_kinds"]
    probes = {d.id: _sentence(-1, f"{d.title} {d.kind} {' '.join(d.aliases)}", "") for d in docs}
    # a document is also named by its kind of source: "psykiateren" for the speciallæge's udtalelse
    own = tuple((d.id, _doc_terms(d) + _own_date(d.text)
                 + tuple(p for ps in kinds.values() if probes[d.id].any(ps) for p in ps)) for d in docs)
    foreign = tuple((f"?{kind}", tuple(phrases)) for kind, phrases in kinds.items()
                    if not any(pr.any(phrases) for pr in probes.values()))
    return own + foreign


_OWN_DATE = re.compile(r"^\W*(?:\w+dag\s+(?:den\s+)?)?(\d{1,2})\.\s*(januar|februar|marts|april|maj|juni|juli|august|"
                       r"september|oktober|november|december)\b", re.IGNORECASE)


def _own_date(text: str) -> tuple[str, ...]:
    """The date a document opens with ("23. november 2026, indhentet med Runes samtykke"), as a way a
    letter names it: "distriktspsykiatrien skrev den 23. november" is the udtalelse, not the mail."""
    m = _OWN_DATE.match(text)
    return (f"{m.group(1)} {m.group(2).lower()}",) if m else ()


def _attributions(s: Sentence, sources: tuple[tuple[str, tuple[str, ...]], ...]) -> list[_Attribution]:
    """Every "D viser/skriver, at ...", "ifølge D", "det fremgår af D, at ...", and the backward
    "..., hvilket/som D beskriver", "Det står i D." in a sentence."""
    lex = lexicon()
    verbs = sorted(set(s.positions(lex["reporting_verbs"]) + s.positions(lex["reported_in"])))
    back_words = set(s.positions(lex["backward_refs"]))
    n = len(s.tokens)
    pronouns = {"du", "vi", "jeg", "han", "hun", "de", "i"}
    out, later = [], []
    for doc, terms in sources:
        for p in terms:
            for j in s.find_all(p):
                after = [v for v in verbs if j < v <= j + 4]
                before = [v for v in verbs if j - 6 <= v < j]
                if after and not (after[0] + 1 < n and s.tokens[after[0] + 1].low in pronouns):
                    # "D viser, at", "..., hvilket D beskriver" -- not "mailen, skrev du tilbage"
                    out.append(_Attribution(doc, after[0], j, any(j - 2 <= k < j for k in back_words)))
                elif any(j - 2 <= k < j for k in s.find_all("ifølge")):
                    out.append(_Attribution(doc, j, j, False))
                elif (c := _colon_after(s, j)) is not None:  # "Egebos notat om dit besøg: du skal opereres ..."
                    out.append(_Attribution(doc, c, j, False))
                elif before:
                    # "det fremgår af D, at ..." points forward; "Det står i D." and "..., som det fremgår af D" back
                    forward = any(s.tokens[k].low == "at" and s.tokens[k - 1].low not in ("og", "eller", "men")
                                  for k in range(j + 1, min(n, j + 9)))
                    pointer = any(before[-1] - 2 <= k < before[-1] for k in back_words)
                    if forward or pointer:  # not "hun står ikke i registret": content, not a source
                        later.append(_Attribution(doc, before[-1], j, not forward))
    # a verb already reporting for the document before it does not report again for one after it
    # ("hvilket værestedet beskriver i sin udtalelse")
    used = {a.at for a in out}
    out += [a for a in later if a.at not in used]
    return _best_named(s, out, dict(sources))


def _colon_after(s: Sentence, j: int) -> int | None:
    """The token just before a colon that closes a label starting with the document's name at j:
    "Egebos notat om dit besøg den 30. september: ...", "Notatet fra hjemmebesøget den 15. oktober: ..."
    (the label names the source of what follows)."""
    if j > 3:
        return None
    for k in range(j, min(len(s.tokens) - 1, j + 8)):
        if ":" in s.text[s.tokens[k].end:s.tokens[k + 1].start]:
            return k
    return None


def _best_named(s: Sentence, found: list[_Attribution], terms: dict[str, tuple[str, ...]]) -> list[_Attribution]:
    """Where one reporting verb has several candidate documents ("distriktspsykiatrien skriver i sin
    udtalelse": the mail or the udtalelse from there), keep those the words around it name best."""
    def score(a: _Attribution) -> int:
        return sum(1 for p in terms[a.doc] if any(abs(j - a.at) <= 6 for j in s.find_all(p)))
    best: dict[tuple[int, bool], int] = {}
    for a in found:
        best[(a.at, a.back)] = max(best.get((a.at, a.back), 0), score(a))
    return [a for a in dict.fromkeys(found) if score(a) == best[(a.at, a.back)]]


def _has_negation(text: str) -> bool:
    """A fact stated with a "not" of its own ("§ 82 kan ikke bruges") cannot be told from its denial by
    a trigger word, so it is never read as contradicted."""
    return _heading_sentence(text).any(lexicon()["negation"]) is not None


def _negates_term(s: Sentence, group: tuple[str, ...]) -> bool:
    """A negation trigger within two words before (or right after) a term of the group."""
    negs = set(s.positions(lexicon()["negation"]))
    for p in group:
        for i in s.find_all(p):
            if any(i - 2 <= n <= i + 1 and n != i for n in negs):
                return True
    return False


def _argument(sents: list[Sentence], expect: LetterExpectation | None) -> ArgumentReading:
    """Stated when the argument's terms stand (in one sentence or two adjacent ones) in words the
    letter puts in the citizen's mouth; answered when the letter then takes a stand on it."""
    out = ArgumentReading()
    if expect is None or expect.main_argument is None:
        return out
    lex = lexicon()
    arg = expect.main_argument
    for s in sents:
        pair = [x for x in sents[s.index:s.index + 2] if x.heading == s.heading]
        # in words the letter puts in the citizen's mouth, a looser likeness to the argument will do
        # (but the argument's first concept must be there: not "de dårlige uger" without "hver dag")
        # (her own words set out as a point, a quoted line or her question, need only the first concept)
        loose = _groups_match(s, arg.terms[:1]) is not None and (_her_words(sents, s) or (
            s.any(lex["attribution"]) and _label_match(s, arg.label, ARGUMENT_SHARE) is not None))
        if _item_match(s, arg) is None and not _groups_match_in(pair, arg.terms) and not loose:
            continue
        if _attributed(sents, s):
            out.restated = True
            out.evidence.append(_ev(s))
            answer = s.any(lex["answer_markers"])
            # her own words (a letter set out as her questions or quoted points and our answers): what follows it
            # is the kommune's answer
            asked = _her_words(sents, s) and any(
                x.heading == s.heading and not x.text.rstrip().endswith("?") for x in sents[s.index + 1:s.index + 2])
            if asked or ((answer and answer not in ("=men", "=dog"))
                    or _answered_after(sents, s, 3, lambda x: _her_voice(x, arg))):
                out.answered = True
        elif s.any(lex["answer_markers"]) and (s.has("vi") or s.has("kommunen")):
            out.answered = True
            out.evidence.append(_ev(s))
    return out


def _her_voice(s: Sentence, arg) -> bool:
    """The sentence goes on with the citizen's own view ("Du sagde også, at ...", "Du klarer
    hverdagen, fordi du skal"), so its "men" or "fordi" are hers, not the kommune's answer."""
    lex = lexicon()
    if s.any(lex["our_voice"]):
        return False
    return bool(s.any(lex["attribution"])) or _item_match(s, arg) is not None


def _groups_match_in(window: list[Sentence], groups) -> bool:
    """Every group matches somewhere in a run of adjacent sentences."""
    return len(window) > 1 and all(any(_groups_match(x, (g,)) is not None for x in window) for g in groups)


def _attributed(sents: list[Sentence], s: Sentence) -> bool:
    """The sentence reports the citizen's view: it says so, its section is about her argument,
    or the sentence before it in the same section said so."""
    lex = lexicon()
    if s.any(lex["attribution"]) or _her_words(sents, s):
        return True
    if s.heading and s.heading != s.text and _heading_sentence(s.heading).any(lex["attribution_headings"]):
        return True
    prev = sents[s.index - 1] if s.index else None
    return bool(prev and prev.heading == s.heading and prev.text != prev.heading and prev.any(lex["attribution"]))


def _her_words(sents: list[Sentence], s: Sentence) -> bool:
    """The citizen's own words set out as a point the letter answers: a question in the first person
    (a letter set out as her questions), or a sentence that is all quotation ("»Min søster havde
    ryddet op.«"), unless the sentence before introduces it as a document's words ("Udtalelsen siger:")."""
    text = s.text.strip()
    if text.endswith("?") and s.any(lexicon()["citizen_question"]) is not None:
        return True
    if len(text) < 4 or text[0] not in '"“„»«' or text[-1] not in '"”«»':
        return False
    before = sents[s.index - 1] if s.index else None
    return not (before and before.text.rstrip().endswith(":"))


@lru_cache(maxsize=256)
def _heading_sentence(heading: str) -> Sentence:
    return _sentence(-1, heading, "")


def _hearing(sents: list[Sentence], expect: LetterExpectation | None, docs: list[Document]) -> HearingReading:
    out = HearingReading()
    if expect is None or expect.hearing is None:
        return out
    lex = lexicon()
    h = expect.hearing
    doc = next((d for d in docs if d.id == h.document), None)
    doc_names = _doc_terms(doc) if doc else ()
    mentions = _doc_mentions(sents, docs)
    named = [_groups_match(s, h.terms) is not None or h.document in mentions[s.index] for s in sents]
    explicit_words = lex["hearing_explicit"]
    context = False  # the sentence before was about the høring: "Vi sendte dig notatet. Du svarede, at ..."
    conditional = False  # "Uden dit svar var hjælpen stoppet": what her answer changed
    for s in sents:
        # the document may be named in the section's heading or just before: "Ergoterapeutens notat" /
        # "... Vi har ikke sendt notatet til dig."
        near_doc = named[s.index] or _heading_names(s, h.terms, doc_names) or any(
            named[x.index] for x in sents[max(0, s.index - 2):s.index] if x.paragraph == s.paragraph)
        explicit = bool(s.any(explicit_words))
        about = near_doc or explicit
        was_context, context = context, False
        if (about or s.any(lex["hearing_sent"])) and s.any(lex["hearing_unneeded"]) \
                and not s.any(lex["counterfactual"]):
            out.unneeded = out.unneeded or _ev(s)  # "det var ikke nødvendigt at høre dig"
        if s.any(lex["sent_now"]) and near_doc:
            out.offers_now = True  # "du får notatet med dette brev": the information given now
            out.evidence.append(_ev(s))
        if near_doc and (s.any(lex["reporting_verbs"]) or s.any(lex["document_says"])):
            out.content_told = True  # "der står, at du klarer dig fint": she learns what it says
        if s.any(lex["no_reply"]) and (about or was_context):
            out.no_response = context = True  # "vi har ikke hørt fra dig": silence, not a denial of the høring
            out.evidence.append(_ev(s))
            continue
        if 0 in s.positions(lex["hearing_conditional"]):
            out.response_claimed = context = conditional = True
            continue
        hear = s.positions(lex["hearing_sent"])
        if named[s.index] or _heading_names(s, h.terms, doc_names):
            hear = tuple(sorted(hear + s.positions(lex["hearing_weak"])))
        answer_next = was_context and s.any(lex["response_words"])  # "Vi sendte dig notatet. Du svarede, at ..."
        if not (hear and about) and not answer_next:
            continue
        context = True
        # "vi har ikke sendt", "vi har ikke bedt dig om at kommentere", "vi burde have sendt dig den"
        denied = bool(hear) and (_denied_at(s, hear[0])
                                 or any(i <= hear[0] for i in s.positions(lex["counterfactual"])))
        invites = s.any(lex["invitation"]) and not s.any(lex["past_hearing"])
        if denied and near_doc and s.any(lex["before_then"]) and not s.any(lex["this_decision"]):
            continue  # "du havde ikke set notatet [da vi traf den første afgørelse]": history, not this decision
        if denied and near_doc:
            out.claims_not_heard = True
            out.denial = out.denial or _ev(s)
            out.evidence.append(_ev(s))
        elif invites:
            out.offers_now = True  # "har du bemærkninger, så ring": a chance to comment now, no claim
            out.evidence.append(_ev(s))
        elif not denied and about:
            out.claims_heard = True
            out.evidence.append(_ev(s))
        if not denied and not invites and _says_she_answered(s):
            out.response_claimed = True
    if h.response:
        for s in sents:
            # reported speech: what she said may well hold a "not" of its own, so no negation test here;
            # it may follow the sentence that says she answered ("Du svarede den 2. oktober. Du vidste ikke, ...")
            before = sents[s.index - 1] if s.index else None
            said = s.any(lex["response_words"]) or _her_words(sents, s) or (
                before is not None and before.paragraph == s.paragraph and before.any(lex["answered_lead"])
                and _groups_match(before, h.response) is None)
            if _groups_match(s, h.response) is None or not said:
                continue
            out.response_stated = out.response_claimed = True
            out.evidence.append(_ev(s))
            if _answered_after(sents, s):
                out.response_used = True
                break
    else:
        out.response_stated = out.response_used = out.response_claimed
    if out.response_stated and not out.response_used:
        # what the answer meant may stand elsewhere: "vi har lagt vægt på det, du har fortalt"
        out.response_used = conditional or any(
            x.any(lex["response_refs"]) and (x.any(lex["answer_markers"]) or x.any(lex["weighing"])) for x in sents)
    return out


def _doc_mentions(sents: list[Sentence], docs: list[Document]) -> list[set[str]]:
    """Per sentence, the documents it names: by their own terms, or by a short definite form
    ("notatet", "udtalelsen", "rapporten") that points back to the document of that kind named last."""
    forms = lexicon()["document_nouns"]
    nouns = {d.id: [n for n in forms if any(w.endswith(n) for w in _title_words(d.title) + _title_words(d.kind))]
             for d in docs}
    last: dict[str, str] = {}
    out: list[set[str]] = []
    every_term = tuple(t for d in docs for t in _doc_terms(d))
    every_form = tuple(f for n in forms for f in forms[n])
    for s in sents:
        if not s.any(every_term) and not s.any(every_form):  # most sentences name no document
            out.append(set())
            continue
        ids = {d.id for d in docs if s.any(_doc_terms(d))}
        for d in docs:
            if d.id in ids:
                last.update({n: d.id for n in nouns[d.id]})
        out.append(ids | {last[n] for n in last if s.any(forms[n])})
    return out


@lru_cache(maxsize=1024)
def _title_words(title: str) -> list[str]:
    return [t.low for t in danish.tokens(title)]


def _heading_names(s: Sentence, terms, doc_names: tuple[str, ...]) -> bool:
    if not s.heading or s.heading == s.text:
        return False
    hs = _heading_sentence(s.heading)
    return _groups_match(hs, terms) is not None or bool(doc_names and hs.any(doc_names))


def _denied_at(s: Sentence, i: int) -> bool:
    """A negation before position i in the same clause, not far off: "vi har ikke sendt",
    "du har ikke set", "uden at høre dig", "vi har ikke bedt dig om at kommentere"."""
    a, _, _ = s.clause_of(i)
    negs = s.positions(lexicon()["negation"])
    return any(max(a, i - 6) <= n < i for n in negs)


def _says_she_answered(s: Sentence) -> bool:
    """The sentence reports her answer ("du svarede", "dine bemærkninger var"), not a request for one
    ("vi bad om dine bemærkninger")."""
    lex = lexicon()
    hits = s.positions(lex["response_words"])
    asks = s.positions(lex["hearing_request"])
    # a deadline word marks a request beside a noun ("send dine bemærkninger inden 7. oktober"), not
    # beside her own verb ("du har inden fristen telefonisk oplyst, at ...")
    deadlines = set(s.positions(lex["hearing_deadline"]))

    def asked(i: int) -> bool:
        return any(s.clause_of(i)[:2] == s.clause_of(j)[:2] for j in asks
                   if not (j in deadlines and s.tokens[i].low == "du"))
    return any(not asked(i) for i in hits)


@lru_cache(maxsize=1)
def _strong_markers() -> tuple[str, ...]:
    """Answer markers without "men" and "dog", which in a sentence reporting her view are hers."""
    return tuple(p for p in lexicon()["answer_markers"] if p not in ("=men", "=dog"))


def _answered_after(sents: list[Sentence], s: Sentence, window: int = 4, hers=None) -> bool:
    """The sentence, or one of the next `window` sentences that are not headings, takes a stand;
    in the sentences after it, giving a reason ("fordi det er dit behov") is taking a stand too.
    Sentences that only go on with the citizen's own view (`hers`) take no stand."""
    lex = lexicon()
    follow = [x for x in sents[s.index + 1:] if x.text != x.heading and x.heading == s.heading
              and (hers is None or not hers(x))][:window]
    # in the sentence that reports her view, a "men" or "dog" is still hers: "du sagde, at ..., men ..."
    strong = s.any(_strong_markers()) or s.any(lex["weighing"])
    return bool(strong) or any(x.any(lex["answer_markers"]) or x.any(lex["weighing"]) for x in follow) or any(
        x.any(lex["answer_reasons"]) for x in follow)


def _help(sents: list[Sentence], h) -> HelpReading:
    """Other help is addressed when the letter decides it, starts it, or (for guidance) says
    where to turn; a bare mention in passing is not guidance."""
    lex = lexicon()
    out = HelpReading(h.id, h.label)
    for s in sents:
        if _groups_match(s, h.terms) is None:
            continue
        # what the kommune does about it: for help it must decide, in this or the next two
        # sentences; for guidance, in the sentence that names it (a passing mention is not guidance)
        window = [x for x in sents[s.index:s.index + 3] if x.heading == s.heading]
        decided = any(x.any(lex["decide_help"]) for x in window)
        referred = bool(s.any(lex["refer_help"]))
        # guidance is addressed by any mention in the kommune's own words; help the kommune must
        # decide needs a decision or a step taken (a passing mention is neither)
        guided = h.handling == "vejled" and not s.any(lex["attribution"])
        if decided or referred or guided or s.any(["*vejled*", "*rådgiv*"]):
            out.addressed = True
            out.decided = out.decided or decided
            out.referred = out.referred or referred
            out.evidence = out.evidence or _ev(s)
        if s.any(lex["self_apply"]) and not s.any(lex["decide_help"]):
            # "søg selv om § 82 hos Ydelsesservice": wrong even where the letter speaks of it elsewhere too
            out.self_apply = True
            out.evidence = _ev(s)
    return out


def _complaint(sents: list[Sentence]) -> ComplaintReading:
    lex = lexicon()
    out = ComplaintReading()
    # The klagevejledning: every sentence of a paragraph that speaks of complaining, or under
    # a heading that does ("Hvis du er uenig", "Klagevejledning").
    # ("du er uenig i" alone does not make a paragraph a klagevejledning: "skriv, hvis du er uenig i noget")
    complaint_paragraphs = {s.paragraph for s in sents if s.any(lex["complaint_paragraph"])}
    in_section = [s for s in sents if s.paragraph in complaint_paragraphs or
                  (s.heading and _heading_sentence(s.heading).any(lex["complaint_words"]))]
    hear_ctx = ["bemærkning*", "høring*", "partshør*", "kommentere", "svare på"]
    for s in in_section:
        ev = _ev(s)
        complaint_here = bool(s.any(lex["complaint_words"]))
        out.present = True
        # who decides
        inst = s.find("ankestyrelsen")
        if inst is not None and not s.negated_at(inst):
            out.instance_named = True
            out.evidence.setdefault("klageinstans", ev)
        # where to send it
        route = _kommune_route(s)
        if route is not None and (complaint_here or s.any(lex["route_verbs"])):
            if s.negated_at(route) and not s.has("behøver ikke"):
                out.to_kommune_denied = True
                out.evidence["til-kommunen-nej"] = ev
            else:
                out.to_kommune = True
                out.evidence.setdefault("til-kommunen", ev)
        if inst is not None and s.any(lex["direct"]) and not s.negated_at(inst):
            out.direct_to_instance = out.direct_said = True
            out.evidence["direkte"] = ev
        elif inst is not None and complaint_here and route is None and not s.any(lex["forward"]) \
                and s.any(["send*", "skriv*", "ring*"]) and s.find("til ankestyrelsen") is not None \
                and not s.negated_at(inst) and not s.any(["vi", "kommunen", "os"]):
            out.direct_to_instance = True
            out.evidence["direkte"] = ev
        # genvurdering and its condition
        if s.any(lex["reassess_words"]) or (s.any(lex["reassess_verbs"])
                                            and s.any(["igen", "på ny", "en gang til", "endnu en gang", "om igen"])):
            if not s.negated_at(s.find("igen") or s.find(s.any(lex["reassess_words"]) or "igen") or 0):
                out.reassessment = True
                out.evidence.setdefault("genvurdering", ev)
        # "får du ikke fuldt ud medhold", or "fastholder vi afgørelsen helt eller delvist": the same condition
        if s.any(lex["full_medhold"]) or (s.any(lex["keep_decision"]) and s.any(lex["in_part"])):
            out.full_medhold_condition = True
            out.evidence.setdefault("medhold", ev)
        if s.any(lex["keep_decision"]):
            out.keep_condition = True
        # frist
        # not "efter en dag blandt mange mennesker", nor the kommune's own time to send the complaint on
        # ("sender vi klagen videre til Ankestyrelsen inden 4 uger")
        forwarding = s.any(lex["forward"]) and s.has("ankestyrelse*")
        if not s.any(hear_ctx) and s.any(lex["frist_cues"]) and not forwarding:
            for q in quantities(s.tokens):
                if q.unit_weeks is None:
                    continue
                if out.frist_weeks is None or "frist" not in out.evidence:
                    out.frist_weeks = round(q.low * q.unit_weeks, 2)
                    out.frist_text = " ".join(t.text for t in s.tokens[q.start:q.end])
                    out.evidence["frist"] = ev
                    tail = s.tokens[q.end:]
                    start = _frist_start(tail)
                    if start:
                        out.frist_start = start
            if out.frist_start is None and "frist" in out.evidence and out.evidence["frist"].sentence == s.index:
                pass
            if re.search(r"\bsenest\b[^.]*\b\d{1,2}\.\s*(januar|februar|marts|april|maj|juni|juli|august|september|"
                         r"oktober|november|december)", s.text, re.IGNORECASE):
                out.deadline_date = True
                out.evidence.setdefault("dato", ev)
        # form
        written = s.any(lex["written_form"])
        if written:
            wi = s.find(written) or 0
            reqs = [i for i in s.positions(lex["requirement"]) if wi - 5 <= i < wi]
            if reqs and not s.negated_at(wi) and not s.any(lex["oral_form"]) and not s.has("behøver ikke"):
                out.form_restricted = True
                out.evidence["form-krav"] = ev
        oral = s.any(lex["oral_form"])
        if oral and not s.negated_at(s.find(oral) or 0):
            out.oral_allowed = True
            out.evidence.setdefault("mundtlig", ev)
        if oral and s.negated_at(s.find(oral) or 0) and s.has("kan ikke"):
            out.form_restricted = True
            out.evidence["form-krav"] = ev
        if _demands_of_complaint(s):
            out.demand = True
            out.evidence["krav"] = ev
        if (out.reassessment or s.any(lex["reassess_verbs"])) and s.any(lex["reassess_only_if"]):
            out.reassessment_conditioned = True
            out.evidence["genvurdering-betinget"] = ev
        # restrictions on what can be complained about, or on what Ankestyrelsen looks at
        restr = s.any(lex["restriction"]) or s.any(lex["review_limits"])
        if restr and not s.has("behøver"):
            out.restriction = True
            out.evidence["begraensning"] = ev
        if s.any(lex["help"]):
            out.help_named = True
            out.evidence.setdefault("hjaelp", ev)
        pause = s.any(lex["suspends"])
        if s.any(lex["applies_meanwhile"]) or (pause and _negates_term(s, (pause,))):
            out.no_pause_stated = True
            out.evidence.setdefault("opsaettende", ev)
        elif pause and complaint_here:
            out.pause_claimed = True
            out.evidence["opsaettende-fejl"] = ev
    # the frist may be stated in its own sentence without a complaint word ("Fristen er 4 uger fra ...")
    if out.frist_weeks is None:
        for s in sents:
            if s.any(["frist*"]) and not s.any(hear_ctx):
                qs = [(q, q.unit_weeks) for q in quantities(s.tokens) if q.unit_weeks is not None]
                if qs and (s.heading and _heading_sentence(s.heading).any(lex["complaint_words"]) or out.present):
                    q, unit_weeks = qs[0]
                    out.frist_weeks = round(q.low * unit_weeks, 2)
                    out.frist_text = " ".join(t.text for t in s.tokens[q.start:q.end])
                    out.evidence["frist"] = _ev(s)
                    out.frist_start = _frist_start(s.tokens[q.end:])
                    break
    # the start point may stand in the next sentence ("Fristen regnes fra den dag, du modtog brevet")
    if out.frist_weeks is not None and out.frist_start is None:
        i = out.evidence["frist"].sentence
        for s in sents[i:i + 2]:
            start = _frist_start(s.tokens if s.index != i else [])
            if start:
                out.frist_start = start
                break
    return out


def _demands_of_complaint(s: Sentence) -> bool:
    """"Klagen skal indeholde en begrundelse", "skal indgives gennem en advokat", "En klage uden
    begrundelse kan vi ikke behandle": a requirement (not negated) followed within seven words by
    something the law does not ask of a complaint. "Du kan få hjælp af en bisidder" asks nothing."""
    lex = lexicon()
    if s.any(lex["complaint_refused_without"]):
        return True
    wanted = s.positions(lex["complaint_demands"])
    if not wanted or s.has("behøver ikke") or s.has("ingen krav"):
        return False
    return any(i < j <= i + 7 for i in s.positions(lex["requirement"]) if not s.negated_at(i) for j in wanted)


def _frist_start(toks: list[Token]) -> str | None:
    lex = lexicon()
    window = toks[:16]
    wrong = next((i for p in lex["wrong_start"] if (i := danish.phrase(p).find(window)) is not None), None)
    right = next((i for p in lex["receipt"] if (i := danish.phrase(p).find(window)) is not None), None)
    if right is not None and (wrong is None or right <= wrong):
        return "modtagelse"
    if wrong is not None:
        return "forkert"
    return None


def _kommune_route(s: Sentence) -> int | None:
    lex = lexicon()
    for p in lex["kommune_route"]:
        i = s.find(p)
        if i is not None:
            return i
    for i, tok in enumerate(s.tokens[:-1]):
        if tok.low in ("til", "hos") and any(s.tokens[i + 1].low.endswith(suf) for suf in lex["kommune_unit_suffixes"]):
            return i
        if tok.low in ("til", "hos") and i + 2 < len(s.tokens) and s.tokens[i + 2].low == "kommune":
            return i
        # "Klagen sendes til Handicap og Psykiatri": a named unit (or the caseworker), not another body
        nxt = s.tokens[i + 1]
        if tok.low in ("til", "hos") and nxt.text[:1].isupper() and not s.any(lex["other_bodies"]) \
                and nxt.low not in ("dig", "din", "dit", "dine", "os", "mig"):
            return i
    return None

