"""The engine: a pure function of (case, events) -> result.

Same engine in self-study, exam, the CLI and autograde. It never touches the
disk: the decision log is read elsewhere and handed in as a list of events.
Events that do not fit the case (wrong step, unknown option) are not applied;
they are reported as problems, so a damaged log can be flagged, never crash.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from .model import CRITERIA, CRITERION_LABELS, Case, ChoiceStep, Criterion, LetterStep, Option, Route


@dataclass(frozen=True)
class Item:
    """One scored element behind a criterion score."""

    source: str  # "choice" or "rule"
    ref: str  # step id, or rule id
    label: str
    earned: float
    possible: float


@dataclass(frozen=True)
class CriterionScore:
    score: float | None  # None when nothing on the path tested the criterion
    earned: float
    possible: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Visit:
    step: str
    option: str | None  # None for letter steps
    label: str
    outcome: str
    shown: tuple[str, ...] = ()  # option ids in the order this trainee saw them


@dataclass(frozen=True)
class FeedbackEntry:
    step: str
    option: str
    text: str
    legal: tuple[str, ...]
    sources: tuple[str, ...]
    credit: dict[Criterion, float]
    critical: str | None


@dataclass(frozen=True)
class CriticalError:
    ref: str
    text: str
    legal: tuple[str, ...]


@dataclass
class Result:
    case_id: str
    current: str  # id of the step the trainee is at, or of the ending reached
    finished: bool
    state: dict[str, int]
    path: list[Visit]
    flags: list[str]  # in the order they were first set
    documents: list[str]  # visible document ids, in the order they appeared
    letters: dict[str, str]
    feedback: list[FeedbackEntry]
    scores: dict[Criterion, CriterionScore] = field(default_factory=dict)
    critical_errors: list[CriticalError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seed: int | None = None  # option order seed from the start event; None = authored order

    @property
    def choices(self) -> list[str]:
        return [v.option or v.step for v in self.path]

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape documented in the README."""
        return {
            "case": self.case_id,
            "seed": self.seed,
            "current": self.current,
            "finished": self.finished,
            "path": [asdict(v) for v in self.path],
            "state": self.state,
            "flags": self.flags,
            "documents": self.documents,
            "scores": {
                c: {"score": s.score, "earned": s.earned, "possible": s.possible,
                    "items": [asdict(i) for i in s.items]}
                for c, s in self.scores.items()
            },
            "critical_errors": [asdict(e) for e in self.critical_errors],
            "feedback": [asdict(f) for f in self.feedback],
            "letters": self.letters,
            "problems": self.problems,
        }

    def summary_text(self) -> str:
        lines = [f"Sag: {self.case_id}", "Vej: " + " → ".join(self.choices)]
        lines.append(("Afsluttet: " if self.finished else "Ikke afsluttet, står ved: ") + self.current)
        lines.append("Tilstand: " + ", ".join(f"{k}={v}" for k, v in self.state.items()))
        lines.append("Point pr. kriterium:")
        for crit in CRITERIA:
            s = self.scores[crit]
            shown = "ikke testet på denne vej" if s.score is None else f"{s.score:.2f} ({s.earned:g}/{s.possible:g})"
            lines.append(f"  {CRITERION_LABELS[crit]}: {shown}")
        lines.append(f"Kritiske fejl: {len(self.critical_errors)}")
        for e in self.critical_errors:
            lines.append(f"  - [{e.ref}] {e.text}")
        for p in self.problems:
            lines.append(f"PROBLEM: {p}")
        return "\n".join(lines)


def _clamp(case: Case, name: str, value: int) -> int:
    var = case.state[name]
    return max(var.min, min(var.max, value))


def replay(case: Case, events: list[dict[str, Any]]) -> Result:
    """Apply choice and letter events in order; return the full state and scores."""
    steps = {s.id: s for s in case.steps}
    endings = {e.id for e in case.endings}
    res = Result(
        case_id=case.id,
        current=case.start,
        finished=False,
        state={k: v.initial for k, v in case.state.items()},
        path=[],
        flags=[],
        documents=[d.id for d in case.documents if d.visible_from_start],
        letters={},
        feedback=[],
    )
    choice_items: dict[Criterion, list[Item]] = {c: [] for c in CRITERIA}

    for n, ev in enumerate(events):
        kind = ev.get("type")
        if kind == "start" and res.seed is None and not res.path:
            res.seed = ev.get("seed") if _is_seed(ev.get("seed")) else None
            continue
        if kind not in ("choice", "letter"):
            continue  # resume and other bookkeeping events carry no decision
        if res.finished:
            res.problems.append(f"event {n}: {kind} after the case ended; ignored")
            continue
        step = steps[res.current]
        if ev.get("step") != step.id:
            res.problems.append(f"event {n}: {kind} for step {ev.get('step')!r}, "
                                f"but the case is at {step.id!r}; ignored")
            continue
        if kind == "letter":
            if not isinstance(step, LetterStep):
                res.problems.append(f"event {n}: letter given at choice step {step.id!r}; ignored")
                continue
            text = ev.get("text")
            res.letters[step.id] = text if isinstance(text, str) else ""
            _set_flags(res, step.sets)
            res.path.append(Visit(step.id, None, step.title, "Brevet er sendt."))
            _advance(res, _route(step.next, step.next_if, res), endings)
            continue
        if not isinstance(step, ChoiceStep):
            res.problems.append(f"event {n}: choice given at letter step {step.id!r}; ignored")
            continue
        shown = shown_options(step, res.seed, res.flags, res.state)
        option = next((o for o in step.options if o.id == ev.get("option")), None)
        if option is None:
            res.problems.append(f"event {n}: step {step.id!r} has no option {ev.get('option')!r}; ignored")
            continue
        if option.id not in shown:
            res.problems.append(f"event {n}: option {option.id!r} was not on offer at step {step.id!r}; ignored")
            continue
        _apply_option(case, res, step, option, choice_items, shown)
        _advance(res, _route(option.next, option.next_if, res), endings)

    rule_items, rule_errors = _evaluate_rules(case, res)
    res.critical_errors.extend(rule_errors)
    res.scores = _scores(choice_items, rule_items)
    return res


def _is_seed(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def shown_options(step: ChoiceStep, seed: int | None, flags, state: dict[str, int]) -> tuple[str, ...]:
    """The options on offer at a step, in the order this trainee sees them.

    The order is a pure function of the session's seed and the step id, so resume,
    replay, grading and the debrief all see the order the trainee saw. Without a seed
    (logs from before shuffling) it is the authored order."""
    ids = [o.id for o in step.options if o.available_if is None or o.available_if.holds(flags, state)]
    if seed is not None:
        random.Random(f"{seed}:{step.id}").shuffle(ids)
    return tuple(ids)


def _route(default: str, routes: tuple[Route, ...], res: Result) -> str:
    return next((r.next for r in routes if r.when.holds(res.flags, res.state)), default)


def letter_view(step: LetterStep, flags, state: dict[str, int]) -> LetterStep:
    """The letter step as it reads on this path: the first variant whose condition holds
    overrides the step's own task, model letter and expectation (key by key)."""
    variant = next((v for v in step.variants if v.when.holds(flags, state)), None)
    if variant is None:
        return step
    update = {k: v for k, v in variant.model_dump(exclude={"when", "expect"}, exclude_none=True).items()}
    if "model_note" in update and "model_letter" not in update:
        update["model_letter"] = None  # a path with no good letter shows the note, not the base letter
    if variant.expect and step.expect is not None:
        merged = step.expect.model_dump() | variant.expect
        update["expect"] = type(step.expect).model_validate(merged)
    return step.model_copy(update=update)


def _advance(res: Result, target: str, endings: set[str]) -> None:
    res.current = target
    res.finished = target in endings


def _set_flags(res: Result, flags: tuple[str, ...]) -> None:
    for f in flags:
        if f not in res.flags:
            res.flags.append(f)


def _apply_option(case: Case, res: Result, step: ChoiceStep, opt: Option, items: dict[Criterion, list[Item]],
                  shown: tuple[str, ...]) -> None:
    for name, delta in opt.effects.items():
        res.state[name] = _clamp(case, name, res.state[name] + delta)
    for doc in opt.reveals:
        if doc not in res.documents:
            res.documents.append(doc)
    _set_flags(res, opt.sets)
    res.path.append(Visit(step.id, opt.id, opt.label, opt.outcome, shown))
    if opt.credit is not None:
        offered = [o for o in step.options if o.id in shown]
        for crit in CRITERIA:
            best = max((o.credit or {}).get(crit, 0.0) for o in offered)
            if best > 0:
                items[crit].append(Item("choice", step.id, step.title, opt.credit.get(crit, 0.0), best))
    if opt.critical:
        res.critical_errors.append(CriticalError(f"{step.id}.{opt.id}", opt.critical, opt.legal))
    if opt.feedback is not None:
        res.feedback.append(
            FeedbackEntry(
                step=step.id,
                option=opt.id,
                text=opt.feedback,
                legal=opt.legal,
                sources=tuple(f"{s.report}: {s.section}" for s in opt.sources),
                credit=dict(opt.credit or {}),
                critical=opt.critical,
            )
        )


def _evaluate_rules(case: Case, res: Result) -> tuple[dict[Criterion, list[Item]], list[CriticalError]]:
    """Process rules. A `before` rule is judged when its `then` flag is set; a
    `requires` rule only once the case has ended (the flag may still come)."""
    items: dict[Criterion, list[Item]] = {c: [] for c in CRITERIA}
    errors = []
    order = {f: i for i, f in enumerate(res.flags)}
    for rule in case.rules:
        if rule.kind == "before":
            if rule.then not in order:
                continue
            ok = rule.first in order and order[rule.first] < order[rule.then]
        else:
            if not res.finished or rule.when not in order:
                continue
            ok = rule.then in order
        items[rule.criterion].append(Item("rule", rule.id, rule.description, rule.points if ok else 0.0, rule.points))
        if not ok and rule.critical:
            errors.append(CriticalError(rule.id, rule.description, rule.legal))
    return items, errors


def _scores(*parts: dict[Criterion, list[Item]]) -> dict[Criterion, CriterionScore]:
    out = {}
    for crit in CRITERIA:
        items = tuple(i for part in parts for i in part[crit])
        earned = sum(i.earned for i in items)
        possible = sum(i.possible for i in items)
        score = round(earned / possible, 4) if possible else None
        out[crit] = CriterionScore(score, round(earned, 4), round(possible, 4), items)
    return out


def choice_event(step: str, option: str) -> dict[str, Any]:
    return {"type": "choice", "step": step, "option": option}


def letter_event(step: str, text: str) -> dict[str, Any]:
    return {"type": "letter", "step": step, "text": text}


def start_event(seed: int | None) -> dict[str, Any]:
    return {"type": "start", "seed": seed}


def events_for(case: Case, choices: list[str], letters: list[str] | None = None,
               seed: int | None = None) -> list[dict[str, Any]]:
    """Turn a list of option ids into events, walking the case. At a letter step the
    next letter text is used (or an empty letter); its id in `choices` is optional.
    With a seed, the events start with a start event that carries it."""
    letters = list(letters or [])
    events: list[dict[str, Any]] = [start_event(seed)] if seed is not None else []
    steps = {s.id: s for s in case.steps}
    queue = list(choices)
    res = replay(case, events)
    while not res.finished and not res.problems:
        step = steps[res.current]
        if isinstance(step, LetterStep):
            if queue and queue[0] == step.id:
                queue.pop(0)
            events.append(letter_event(step.id, letters.pop(0) if letters else ""))
        elif queue:
            events.append(choice_event(step.id, queue.pop(0)))
        else:
            break
        res = replay(case, events)
    for extra in queue:
        events.append(choice_event(res.current, extra))  # replay reports these as problems
    return events


def play_headless(case: Case, choices: list[str], letters: list[str] | None = None,
                  seed: int | None = None) -> Result:
    return replay(case, events_for(case, choices, letters, seed))
