"""Item-writing lint: flaws that let a candidate find the right option by its form.

A case step is a multiple-choice item of the situational-judgement kind, so the
published item-writing guidance applies (Haladyna, Downing & Rodriguez 2002,
"A review of multiple-choice item-writing guidelines for classroom assessment",
Applied Measurement in Education 15(3): options homogeneous in length and
detail, plausible distractors, no specific determiners, no clues to the key;
Millman, Bishop & Ebel 1965 for test-wiseness cues; Lievens, Peeters &
Schollaert 2008, Personnel Review 37(4), for situational judgement tests:
partial credit is normal, the key must say why the best option is best).
Besides form, the lint checks that the key agrees with itself: feedback that
calls an option wrong must not give it credit, a critical option earns no
partial credit, and credit goes only to a criterion the step exercises.

Each finding names file, line, step and option, like `validate`. `error`
findings fail the shipped-case test; `warning` findings are for the author.
"""

from __future__ import annotations

import fnmatch
import statistics
from dataclasses import dataclass
from functools import lru_cache
from math import comb
from pathlib import Path

import yaml

from . import danish
from .casefile import _line_of, _loc_parts, _read_yaml
from .model import CRITERIA, CRITERION_PROVISIONS, Case, ChoiceStep, Criterion, Option

CUES_FILE = Path(__file__).resolve().parent / "data" / "cues.yaml"

# Case-level limits (issue 9's acceptance figures): the best option may be the longest in at
# most this share of steps, and its length relative to the others must have a median near 1.
MAX_BEST_LONGEST_SHARE = 0.35
LENGTH_RATIO_BAND = (0.85, 1.15)
# Step-level: warn when the best option is this much longer than the mean of the others,
# or when the longest option is this many times the shortest.
STEP_RATIO_WARN = 1.3
SPREAD_WARN = 2.0
MIN_CONSEQUENTIAL_SHARE = 0.5
# A word that occurs in many options but never in a best one (or only in best ones) is a cue
# when chance alone would rarely produce that split.
CUE_P_LIMIT = 0.01
STOPWORDS = frozenset(danish.stem(w) for w in (
    "og i at det en den til er som på de med han hun for ikke der var dig du har af om vi "
    "så men hans hendes efter eller kan skal vil får før nu selv også hvad når hvis fra ham "
    "hende sig sin sine dit din dine jeg os ud op ind bliver blev have været et man".split()))


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    kind: str
    file: str
    location: str
    message: str
    line: int | None = None
    step: str | None = None
    option: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        loc = f" {self.location}:" if self.location else ""
        return f"{where}:{loc} [{self.level}] {self.kind}: {self.message}"


@lru_cache(maxsize=1)
def cues() -> dict:
    return yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))


def text_length(text: str) -> int:
    """Length as a reader sees it: runs of white space count once."""
    return len(" ".join(text.split()))


def label_length(option: Option) -> int:
    return text_length(option.label)


def total_credit(option: Option) -> float:
    return sum((option.credit or {}).values())


def best_options(step: ChoiceStep) -> list[Option]:
    """The keyed best option(s) of a step: the highest total credit."""
    if not any(o.credit for o in step.options):
        return []
    top = max(total_credit(o) for o in step.options)
    return [o for o in step.options if total_credit(o) == top]


def keyed_steps(case: Case) -> list[ChoiceStep]:
    """Choice steps with a key that tells options apart (at least one option is not best)."""
    return [s for s in case.steps if isinstance(s, ChoiceStep) and 0 < len(best_options(s)) < len(s.options)]


def length_ratio(step: ChoiceStep) -> float:
    """Length of the best option over the mean length of the others."""
    best = best_options(step)
    others = [label_length(o) for o in step.options if o not in best]
    return statistics.mean(label_length(o) for o in best) / statistics.mean(others)


def best_is_longest(step: ChoiceStep) -> bool:
    best = best_options(step)
    longest = max(label_length(o) for o in step.options)
    return any(label_length(o) == longest for o in best) and all(
        label_length(o) < longest for o in step.options if o not in best)


def form_figures(case: Case) -> dict[str, float]:
    """The case-level form figures the limits are about."""
    steps = keyed_steps(case)
    if not steps:
        return {"steps": 0, "best_longest_share": 0.0, "median_length_ratio": 1.0}
    return {
        "steps": len(steps),
        "best_longest_share": sum(best_is_longest(s) for s in steps) / len(steps),
        "median_length_ratio": statistics.median(length_ratio(s) for s in steps),
    }


def opening_verdict(feedback: str) -> str | None:
    toks = danish.tokens(feedback)[:4]
    found = [(len(danish.phrase(text).parts), verdict)
             for verdict, phrases in cues()["verdicts"].items() for text in phrases
             if danish.starts_with(toks, text)]
    return max(found)[1] if found else None


def credit_class(step: ChoiceStep, option: Option) -> str:
    """full, partial or zero, relative to the best credit on each criterion the step tests."""
    exercised = {c: max((o.credit or {}).get(c, 0.0) for o in step.options) for c in CRITERIA}
    exercised = {c: b for c, b in exercised.items() if b > 0}
    mine = option.credit or {}
    if all(mine.get(c, 0.0) == 0 for c in exercised):
        return "zero"
    if all(mine.get(c, 0.0) >= b for c, b in exercised.items()):
        return "full"
    return "partial"


def cites_criterion(tags: tuple[str, ...], criterion: Criterion) -> bool:
    return any(fnmatch.fnmatchcase(t, pat) for t in tags for pat in CRITERION_PROVISIONS[criterion])


def matches_any(toks: list[danish.Token], phrases: list[str]) -> str | None:
    return next((p for p in phrases if danish.contains(toks, p)), None)


def consequential(step: ChoiceStep) -> bool:
    """Options differ in where they lead or what they change."""
    def effect(o: Option) -> tuple:
        return (o.next, tuple(sorted(o.effects.items())), tuple(sorted(o.reveals)), tuple(sorted(o.sets)),
                o.next_if != ())
    return len({effect(o) for o in step.options}) > 1 or any(o.next_if for o in step.options)


def _chance(n_in: int, n_total: int, share: float) -> float:
    """P(at least n_in of n_total land in a group that holds `share` of the options) — binomial tail."""
    return sum(comb(n_total, k) * share**k * (1 - share) ** (n_total - k) for k in range(n_in, n_total + 1))


def lint_case(case: Case, file: str = "") -> list[Finding]:
    out: list[Finding] = []
    index = {s.id: i for i, s in enumerate(case.steps)}

    def add(level: str, kind: str, msg: str, step: ChoiceStep | None = None, option: Option | None = None) -> None:
        loc = ""
        if step is not None:
            loc = f"steps[{index[step.id]}]({step.id})"
            if option is not None:
                k = next(i for i, o in enumerate(step.options) if o.id == option.id)
                loc += f".options[{k}]({option.id})"
        out.append(Finding(level, kind, file, loc, msg, None, step.id if step else None,
                           option.id if option else None))

    c = cues()
    steps = [s for s in case.steps if isinstance(s, ChoiceStep)]
    for step in steps:
        best = best_options(step)
        tags_step = step.legal
        for opt in step.options:
            toks = danish.tokens(opt.label)
            for crit, value in (opt.credit or {}).items():
                if value > 0 and not cites_criterion(opt.legal + tags_step, crit):
                    add("error", "credit-not-exercised",
                        f"earns {value:g} on {crit}, but neither the option nor the step cites a provision of "
                        f"that criterion ({', '.join(CRITERION_PROVISIONS[crit][:4])} ...): credit for something "
                        "the step does not test", step, opt)
            if opt.credit is not None and opt.feedback:
                verdict, klass = opening_verdict(opt.feedback), credit_class(step, opt)
                if verdict == "wrong" and klass != "zero":
                    add("error", "feedback-credit", "feedback opens by calling the option wrong, but it earns "
                        "credit; make the verdict and the credit agree", step, opt)
                elif verdict == "right" and klass == "zero":
                    add("error", "feedback-credit", "feedback opens by calling the option right, but it earns "
                        "no credit", step, opt)
                elif verdict == "right" and klass == "partial":
                    add("warning", "feedback-credit", "feedback calls the option right, but it earns only "
                        "part of the credit", step, opt)
                elif verdict == "partial" and klass != "partial":
                    add("warning", "feedback-credit", f"feedback says 'partly', but the credit is {klass}",
                        step, opt)
            if opt.critical and opt.credit is not None:
                klass = credit_class(step, opt)
                if klass == "full":
                    add("error", "critical-credit", "a critical option earns full credit on every criterion the "
                        "step tests; it cannot be a critical error", step, opt)
                elif klass == "partial":
                    add("error", "critical-credit", "a critical option earns partial credit; it must earn none "
                        "on the criterion it violates", step, opt)
            for kind in ("absolute", "dismissive"):
                hit = matches_any(toks, c[kind])
                if hit:
                    add("warning", f"cue-{kind}", f"the label uses {hit!r}, a word test-wise candidates "
                        "read as the mark of a wrong option", step, opt)
            exercised = [k for k in CRITERIA if any((o.credit or {}).get(k, 0) > 0 for o in step.options)]
            for crit in exercised:
                hit = matches_any(toks, c["criterion_terms"][crit])
                if hit and opt in best:
                    add("warning", "names-criterion", f"the best option names the criterion being scored "
                        f"({hit!r}); describe the action, not the criterion", step, opt)
        if best and len(best) < len(step.options):
            ratio = length_ratio(step)
            if ratio > STEP_RATIO_WARN:
                add("warning", "best-longer", f"the best option is {ratio:.2f} times as long as the mean of the "
                    "others; length alone points at it", step, best[0])
            lengths = [label_length(o) for o in step.options]
            if max(lengths) > SPREAD_WARN * min(lengths):
                add("warning", "length-spread", f"option lengths run from {min(lengths)} to {max(lengths)} "
                    "characters; keep options alike in length and detail", step)
        if not consequential(step):
            add("warning", "no-consequence", "every option leads to the same next step with the same effects",
                step)

    _case_level(case, steps, add)
    return out


def _case_level(case: Case, steps: list[ChoiceStep], add) -> None:
    figs = form_figures(case)
    if figs["steps"]:
        if figs["best_longest_share"] > MAX_BEST_LONGEST_SHARE:
            add("error", "best-longest-share", f"the best option is the longest in "
                f"{figs['best_longest_share']:.0%} of keyed steps (limit {MAX_BEST_LONGEST_SHARE:.0%})")
        lo, hi = LENGTH_RATIO_BAND
        if not lo <= figs["median_length_ratio"] <= hi:
            add("error", "length-ratio", f"median length of the best option over the others is "
                f"{figs['median_length_ratio']:.2f} (must lie between {lo} and {hi})")
    if steps:
        share = sum(consequential(s) for s in steps) / len(steps)
        if share < MIN_CONSEQUENTIAL_SHARE:
            add("error", "few-consequences", f"only {share:.0%} of the choice steps have options that lead to "
                f"different steps or change state, documents or flags (at least {MIN_CONSEQUENTIAL_SHARE:.0%})")
    # Words that split by key: in many wrong options and no best one, or only in best ones.
    keyed = keyed_steps(case)
    options = [(o, o in best_options(s)) for s in keyed for o in s.options]
    if not options:
        return
    best_share = sum(b for _, b in options) / len(options)
    where: dict[str, list[bool]] = {}
    for opt, is_best in options:
        for st in {t.stem for t in danish.tokens(opt.label)}:
            if len(st) > 2 and st not in STOPWORDS and not st[:1].isdigit():
                where.setdefault(st, []).append(is_best)
    found = []
    for st, flags in where.items():
        n, n_best = len(flags), sum(flags)
        if n_best == 0 and _chance(n, n, 1 - best_share) < CUE_P_LIMIT:
            found.append(("warning", "word-only-wrong", f"the word stem {st!r} occurs in {n} options, none of "
                          "them best; a candidate can learn to avoid it"))
        elif n_best == n and _chance(n, n, best_share) < CUE_P_LIMIT:
            found.append(("warning", "word-only-best", f"the word stem {st!r} occurs in {n} options, all of "
                          "them best; a candidate can learn to look for it"))
    for level, kind, msg in sorted(found):
        add(level, kind, msg)


def lint_file(path: Path | str, case: Case) -> list[Finding]:
    """Lint a loaded case and give each finding the line it points at in its file."""
    path = Path(path)
    findings = lint_case(case, str(path))
    try:
        _, node = _read_yaml(path)
    except Exception:  # the case loaded, so this only fails if the file changed under us
        return findings
    return [Finding(f.level, f.kind, f.file, f.location, f.message,
                    _line_of(node, _loc_parts(f.location)) if f.location else None, f.step, f.option)
            for f in findings]
