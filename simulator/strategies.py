"""Naive answering strategies: how far form alone gets a candidate who knows no law.

Each strategy picks an option from what it sees on screen (the labels, in the
order shown for a seed), never from the key. Played over many seeds, the share
of the choice points it earns says whether the cases measure legal judgement or
test-wiseness: every naive strategy should do about as well as random clicking.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from . import danish
from .engine import Result, choice_event, letter_event, replay, shown_options
from .lint import cues, text_length
from .model import Case, ChoiceStep, LetterStep

# A strategy sees the texts on screen in the order shown and returns the position it clicks. The
# same strategies play the cases' options and the self-check's answers.
Strategy = Callable[[list[str], random.Random], int]
# A naive strategy may beat random clicking by at most this share of the choice points.
MAX_EXCESS = 0.10


def _first(texts: list[str], _rng: random.Random) -> int:
    return 0


def _random(texts: list[str], rng: random.Random) -> int:
    return rng.randrange(len(texts))


def _by_length(texts: list[str]) -> list[int]:
    """Positions, shortest first (the first shown wins a tie)."""
    return sorted(range(len(texts)), key=lambda i: text_length(texts[i]))


def _longest(texts: list[str], _rng: random.Random) -> int:
    return max(range(len(texts)), key=lambda i: text_length(texts[i]))  # the first shown wins a tie


def _shortest(texts: list[str], _rng: random.Random) -> int:
    return _by_length(texts)[0]


def _has(text: str, phrases: list[str]) -> int:
    toks = danish.tokens(text)
    return sum(danish.contains(toks, p) for p in phrases)


def _avoid_cues_then_longest(texts: list[str], rng: random.Random) -> int:
    c = cues()
    clean = [i for i, t in enumerate(texts) if not _has(t, c["absolute"] + c["dismissive"])]
    return max(clean or range(len(texts)), key=lambda i: text_length(texts[i]))  # the first shown wins a tie


def _keyword_hits(texts: list[str]) -> list[int]:
    return [_has(t, cues()["legal_keywords"]) for t in texts]


def _legal_keyword(texts: list[str], _rng: random.Random) -> int:
    hits = _keyword_hits(texts)
    return hits.index(max(hits))


def _no_legal_keyword(texts: list[str], _rng: random.Random) -> int:
    hits = _keyword_hits(texts)
    return hits.index(min(hits))


def _middle(texts: list[str], rng: random.Random) -> int:
    """Neither the longest nor the shortest: a key written to avoid both extremes sits in the middle."""
    order = _by_length(texts)
    return rng.choice(order[1:-1] or order)


def _never(pick: Strategy) -> Strategy:
    """Rule out the text `pick` would choose and click at random among the rest: the test-wise
    habit of striking the option that looks least likely (a key that is never the shortest option
    is found this way, though "always the longest" misses it)."""
    def strategy(texts: list[str], rng: random.Random) -> int:
        if len(texts) < 2:
            return 0
        ruled_out = pick(texts, rng)
        return rng.choice([i for i in range(len(texts)) if i != ruled_out])
    return strategy


# The strategies issue 9 names, their mirror images (a key that is never the longest, or never
# mentions the law, can be found by form just as well), and striking one option before guessing.
RANDOM = "tilfældig"
STRATEGIES: dict[str, Strategy] = {
    RANDOM: _random,
    "altid den første": _first,
    "altid den længste": _longest,
    "undgå signalord, så den længste": _avoid_cues_then_longest,
    "altid den med et juridisk nøgleord": _legal_keyword,
    "altid den korteste": _shortest,
    "altid den uden juridiske nøgleord": _no_legal_keyword,
    "aldrig den korteste": _never(_shortest),
    "aldrig den længste": _never(_longest),
    "aldrig den uden juridiske nøgleord": _never(_no_legal_keyword),
    "hverken den længste eller den korteste": _middle,
}


def choice_share(result: Result) -> float:
    """Share of the choice points available on the path that the path earned (all criteria)."""
    items = [i for s in result.scores.values() for i in s.items if i.source == "choice"]
    possible = sum(i.possible for i in items)
    return sum(i.earned for i in items) / possible if possible else 0.0


def play_strategy(case: Case, strategy: Strategy, seed: int) -> Result:
    rng = random.Random(seed * 7919 + 1)
    steps = {s.id: s for s in case.steps}
    events: list[dict] = [{"type": "start", "seed": seed}]
    res = replay(case, events)
    while not res.finished and not res.problems:
        step = steps[res.current]
        if isinstance(step, LetterStep):
            events.append(letter_event(step.id, ""))
        else:
            assert isinstance(step, ChoiceStep)
            by_id = {o.id: o for o in step.options}
            shown = [by_id[i] for i in shown_options(step, res.seed, res.flags, res.state)]
            events.append(choice_event(step.id, shown[strategy([o.label for o in shown], rng)].id))
        res = replay(case, events)
    return res


@dataclass(frozen=True)
class StrategyFigure:
    case: str
    strategy: str
    share: float  # mean over seeds
    seeds: int


def strategy_shares(case: Case, seeds: int = 200) -> list[StrategyFigure]:
    out = []
    for name, strategy in STRATEGIES.items():
        shares = [choice_share(play_strategy(case, strategy, s)) for s in range(seeds)]
        out.append(StrategyFigure(case.id, name, statistics.mean(shares), seeds))
    model = choice_share(replay(case, _model_events(case)))
    out.append(StrategyFigure(case.id, "modelvejen", model, 1))
    return out


def _model_events(case: Case) -> list[dict]:
    from .engine import events_for

    return events_for(case, list(case.model_path))


def excess_over_random(figures: list[StrategyFigure]) -> dict[str, float]:
    """How many points (0-1) each naive strategy earns above random, per strategy."""
    rnd = next(f.share for f in figures if f.strategy == RANDOM)
    return {f.strategy: f.share - rnd for f in figures if f.strategy not in (RANDOM, "modelvejen")}
