"""What the trainee's screen shows, derived from (case, result): pure functions, no widgets.

The widgets in `simulator.ui` only lay these out. Keeping the decisions here
(what counts as evaluative, how a state value reads in words, how the path
compares with the model path) makes them testable without a browser and keeps
one rule per question: e.g. `shows_feedback(mode)` is the only place that
decides whether a mode may see the answer key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import danish
from .casefile import Library, successors
from .engine import Result, play_headless
from .model import (CRITERIA, CRITERION_LABELS, Case, ChoiceStep, Document, LetterStep, Provision, SourceRef,
                    StateVar)

# Modes that may see the answer key (feedback, legal basis, scores, model path).
FEEDBACK_MODES = ("selvstudie", "undervisning")
MODE_LABELS = {
    "selvstudie": "Selvstudie: du får forklaring efter hvert valg",
    "undervisning": "Undervisning: med forklaringer og gennemgang",
    "eksamen": "Eksamen: dine valg gemmes, men du får ingen vurdering undervejs",
}
SAVED_TEXT = "Dit valg er gemt."
END_TITLE = "Sagen er afsluttet"
# An exam's end says nothing about how it went: no ending story, no state (issue 12, point 5).
EXAM_END_TEXT = "Dine valg er gemt."


def shows_feedback(mode: str) -> bool:
    return mode in FEEDBACK_MODES


# ---------------------------------------------------------------- numbers in Danish


def danish_number(x: float, decimals: int = 2) -> str:
    """0.75 -> '0,75'; whole numbers without decimals."""
    return danish.number(x, decimals)


def days_text(n: int) -> str:
    return "1 dag" if n == 1 else f"{n} dage"


# ---------------------------------------------------------------- the citizen's state


@dataclass(frozen=True)
class StateLine:
    var: str
    label: str
    value: int
    text: str  # the whole line as a trainee reads it, meaning in words (never in colour alone)
    fraction: float | None  # position in the variable's range; None when shown as a number only
    level: str | None  # "lav" / "middel" / "høj"
    favourable: bool | None  # is the current level good for the citizen? None: neither
    verdict: str | None = None  # the same in words, e.g. "godt for Sofie"; None in the middle
    higher_is_better: bool = True


def shows_state(var: StateVar, mode: str) -> bool:
    """Does this mode show the variable? Exams show only what the case declares harmless
    (`exam: show`): trust, risks and days waited all move with the quality of the choices,
    so they would tell a candidate how it is going."""
    return shows_feedback(mode) or var.exam == "show"


def is_days(var_id: str, unit: str) -> bool:
    return var_id.startswith("dage") or unit.strip().lower() in ("dag", "dage")


def level_word(fraction: float) -> str:
    if fraction < 1 / 3:
        return "lav"
    if fraction < 2 / 3:
        return "middel"
    return "høj"


def state_lines(case: Case, state: dict[str, int], mode: str) -> list[StateLine]:
    lines = []
    first_name = case.citizen.name.split()[0]
    for var_id, var in case.state.items():
        if not shows_state(var, mode):
            continue
        value = state.get(var_id, var.initial)
        if is_days(var_id, var.unit):
            lines.append(StateLine(var_id, var.label, value, f"{first_name} har ventet {days_text(value)}.",
                                   None, None, None))
            continue
        fraction = (value - var.min) / (var.max - var.min) if var.max > var.min else 0.0
        level = level_word(fraction)
        favourable = None if level == "middel" else (level == "høj") == var.higher_is_better
        verdict = None if favourable is None else f"{'godt' if favourable else 'dårligt'} for {first_name}"
        text = f"{var.label}: {level}" + (f" ({verdict})" if verdict else "")
        lines.append(StateLine(var_id, var.label, value, text, fraction, level, favourable, verdict,
                               var.higher_is_better))
    return lines


# ---------------------------------------------------------------- progress


def steps_to_end(case: Case, node: str) -> int:
    """Most steps still to take from `node` to an ending (0 at an ending). Cases are acyclic,
    so this is a longest path; it never grows as the trainee moves on, so progress never
    runs backwards."""
    succ = successors(case)
    memo: dict[str, int] = {}

    def longest(n: str) -> int:
        if n not in memo:
            nexts = succ.get(n, [])
            memo[n] = 1 + max(longest(m) for m in nexts) if nexts else 0
        return memo[n]

    return longest(node)


def progress(case: Case, result: Result) -> tuple[int, int]:
    """(steps done, estimated total). The estimate is the longest way still open, which needs
    no answer key, so it works the same in every mode; done/total only ever grows."""
    done = len(result.path)
    if result.finished:
        return done, max(done, 1)
    return done, done + max(steps_to_end(case, result.current), 1)


def progress_text(done: int, total: int, finished: bool) -> str:
    if finished:
        return f"Sagen er afsluttet efter {done} trin."
    return f"Trin {done + 1} af højst {total}"


# ---------------------------------------------------------------- documents


def visible_documents(case: Case, result: Result) -> list[Document]:
    docs = {d.id: d for d in case.documents}
    return [docs[d] for d in result.documents if d in docs]


def new_document_ids(case: Case, result: Result) -> set[str]:
    """Documents revealed by the last choice: marked "ny" on the screen."""
    if not result.path:
        return set()
    last = result.path[-1]
    step = next((s for s in case.steps if s.id == last.step), None)
    if not isinstance(step, ChoiceStep):
        return set()
    option = next((o for o in step.options if o.id == last.option), None)
    return set(option.reveals) if option else set()


# ---------------------------------------------------------------- after a choice


@dataclass(frozen=True)
class CreditLine:
    criterion: str
    label: str
    earned: float
    possible: float


@dataclass
class ChoiceReview:
    """What the trainee sees about the choice just made."""

    step_title: str
    choice_label: str
    outcome: str
    saved_text: str = SAVED_TEXT
    # answer key, only filled in feedback modes
    feedback: str | None = None
    critical: str | None = None
    provisions: list[Provision] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    credit: list[CreditLine] = field(default_factory=list)
    alternatives: list[tuple[str, str]] = field(default_factory=list)  # (label, feedback), undervisning

    def plain_text(self) -> str:
        lines = [f"Du valgte: {self.choice_label}", f"Det skete: {self.outcome}", self.saved_text]
        if self.critical:
            lines.append(f"Kritisk fejl: {self.critical}")
        if self.feedback:
            lines.append(f"Forklaring: {self.feedback}")
        for c in self.credit:
            lines.append(f"{c.label}: {danish_number(c.earned)} af {danish_number(c.possible)} point")
        for p in self.provisions:
            lines.append(f"{provision_title(p)}: {p.gist}")
        for s in self.sources:
            lines.append(f"Kilde: {s}")
        for label, fb in self.alternatives:
            lines.append(f"Muligheden '{label}': {fb}")
        return "\n".join(lines)


def provision_title(p: Provision) -> str:
    return f"{p.law} {p.paragraph}"


def source_text(ref: SourceRef, library: Library) -> str:
    report = library.reports.get(ref.report)
    if report is None:
        return f"{ref.report}, {ref.section}"
    return f"{report.publisher} ({report.year}): {report.title}, {ref.section}"


def situation_texts(step: ChoiceStep, result: Result) -> list[str]:
    """The step's situation and the paragraphs the path so far has made true."""
    return [step.situation] + [x.text for x in step.situation_if if x.when.holds(result.flags, result.state)]


def last_choice_review(case: Case, result: Result, library: Library, mode: str) -> ChoiceReview | None:
    if not result.path:
        return None
    last = result.path[-1]
    step = next((s for s in case.steps if s.id == last.step), None)
    step_title = step.title if step else last.step
    review = ChoiceReview(step_title, last.label, last.outcome)
    if last.option is None:  # a letter
        review.choice_label = "Du sendte afgørelsesbrevet."
        review.saved_text = "Dit brev er gemt."
    if not shows_feedback(mode) or not isinstance(step, ChoiceStep):
        return review
    option = next((o for o in step.options if o.id == last.option), None)
    if option is None:
        return review
    review.feedback = option.feedback
    review.critical = option.critical
    provisions = library.provisions
    review.provisions = [provisions[p] for p in option.legal if p in provisions]
    review.sources = [source_text(s, library) for s in option.sources]
    for crit in CRITERIA:
        items = [i for i in result.scores[crit].items if i.source == "choice" and i.ref == step.id]
        if items:
            review.credit.append(CreditLine(crit, CRITERION_LABELS[crit], items[-1].earned, items[-1].possible))
    if mode == "undervisning":
        review.alternatives = [(o.label, o.feedback) for o in step.options if o.id != option.id and o.feedback]
    return review


# ---------------------------------------------------------------- debrief


@dataclass(frozen=True)
class CriterionRow:
    criterion: str
    label: str
    score: float | None  # None: not tested on this path
    earned: float
    possible: float

    @property
    def text(self) -> str:
        if self.score is None:
            return f"{self.label}: ikke testet på din vej gennem sagen"
        return (f"{self.label}: {danish_number(self.score)} "
                f"({danish_number(self.earned)} af {danish_number(self.possible)} point)")


def criterion_rows(result: Result) -> list[CriterionRow]:
    return [
        CriterionRow(c, CRITERION_LABELS[c], result.scores[c].score, result.scores[c].earned, result.scores[c].possible)
        for c in CRITERIA
    ]


def walk_path(case: Case, ids: tuple[str, ...] | list[str]) -> list[tuple[str, str | None]]:
    """Turn a model path (option ids and letter step ids) into (step id, option id or None)."""
    return [(v.step, v.option) for v in play_headless(case, list(ids)).path]


@dataclass(frozen=True)
class PathRow:
    step_title: str
    yours: str
    model: str
    same: bool | None  # None when the step is on only one of the two paths


def _choice_label(case: Case, step_id: str, option_id: str | None) -> str:
    step = next(s for s in case.steps if s.id == step_id)
    if option_id is None or not isinstance(step, ChoiceStep):  # a letter step's visit has no option
        return "Afgørelsesbrevet er skrevet."
    return next(o.label for o in step.options if o.id == option_id)


def path_comparison(case: Case, result: Result) -> list[PathRow]:
    """Your choice vs the model choice, step by step: first the steps you visited,
    then the steps of the model path you never reached."""
    titles = {s.id: s.title for s in case.steps}
    model = walk_path(case, case.model_path)
    model_at = {step: opt for step, opt in model}
    rows = []
    for visit in result.path:
        if visit.step in model_at:
            model_label = _choice_label(case, visit.step, model_at[visit.step])
            same = None if visit.option is None else model_at[visit.step] == visit.option
            rows.append(PathRow(titles.get(visit.step, visit.step), _choice_label(case, visit.step, visit.option),
                                model_label, same))
        else:
            rows.append(PathRow(titles.get(visit.step, visit.step), _choice_label(case, visit.step, visit.option),
                                "Trinnet er ikke på modelvejen.", None))
    visited = {v.step for v in result.path}
    for step, opt in model:
        if step not in visited:
            rows.append(PathRow(titles[step], "Du kom ikke forbi dette trin.", _choice_label(case, step, opt), None))
    return rows


def ending_of(case: Case, result: Result):
    return next((e for e in case.endings if e.id == result.current), None) if result.finished else None


def letter_steps(case: Case) -> dict[str, LetterStep]:
    return {s.id: s for s in case.steps if isinstance(s, LetterStep)}


# ---------------------------------------------------------------- the letter check on screen

LIVE_MARKS = {"ok": "✓", "mangler": "○", "fejl": "✗"}


def live_help_lines(report) -> list[tuple[str, str, str]]:
    """(mark, criterion label, text) per item: what the reading of a draft finds so far."""
    out = []
    for item in report.items:
        if item.kind == "fejl":
            out.append(("fejl", CRITERION_LABELS[item.criterion], item.reason.split(" Brevet: »")[0]))
        elif item.points:
            out.append(("ok" if item.passed else "mangler", CRITERION_LABELS[item.criterion], item.label))
    order = {"fejl": 0, "mangler": 1, "ok": 2}
    return sorted(out, key=lambda x: order[x[0]])


def live_help_html(report) -> str:
    from html import escape

    rows = live_help_lines(report)
    if not report.words:
        return ('<div class="sagssim-box sagssim-legal" aria-live="polite"><p><strong>Mens du skriver</strong></p>'
                "<p>Her ser du, hvad brevet indeholder, efterhånden som du skriver.</p></div>")
    items = "".join(
        f'<li class="sagssim-live-{kind}"><span aria-hidden="true">{LIVE_MARKS[kind]}</span> '
        f'<span class="sagssim-sr">{ {"ok": "Opfyldt", "mangler": "Mangler", "fejl": "Fejl"}[kind] }: </span>'
        f"{escape(text)}</li>"
        for kind, _crit, text in rows)
    bad = sum(1 for k, _, _ in rows if k == "fejl")
    head = f"{bad} fejl at rette" if bad else "Ingen fejl fundet indtil nu"
    return (f'<div class="sagssim-box sagssim-legal" aria-live="polite"><p><strong>Mens du skriver: {head}</strong></p>'
            f'<ul class="sagssim-live-list">{items}</ul>'
            '<p class="sagssim-muted"><small>Læsningen er automatisk og kan tage fejl. Den ser på, hvad der står, '
            "ikke på, om det er godt skrevet.</small></p></div>")


def letter_report_html(title: str, report) -> str:
    """The debrief's account of one letter: scores, wrong statements first, then what is missing."""
    from html import escape

    from .markup import box, bullet_list, table_html

    html = (f"<h3>Automatisk læsning af dit brev: {escape(title)}</h3>"
            + box("warning", "Foreløbig",
                  "<p>Brevet er læst automatisk og sammenlignet med det, der er rigtigt på netop din vej gennem "
                  "sagen. Læsningen kan tage fejl; ved en eksamen bekræfter eller ændrer en bedømmer resultatet.</p>"))
    if not report.items:
        return html + "<p>Der er ingen automatisk læsning til dette brev.</p>"
    html += f"<p>{report.words} ord · LIX {danish_number(report.lix, 1)} ({escape(report.lix_band)})</p>"
    html += "".join(f"<p><em>{escape(n)}</em></p>" for n in report.notes)
    verdict = {"fejl": "Fejl", True: "Opfyldt", False: "Mangler"}
    rows = [[CRITERION_LABELS[i.criterion], i.label, verdict["fejl" if i.kind == "fejl" else i.passed], i.reason]
            for i in report.findings() + [i for i in report.items if i.passed]]
    html += table_html(["Kriterium", "Punkt", "Resultat", "Forklaring"], rows)
    lines = [f"{CRITERION_LABELS[c]}: " + ("ikke vurderet" if s is None else danish_number(s))
             for c, s in report.scores.items()]
    return html + "<p><strong>Foreløbige point for brevet pr. kriterium:</strong></p>" + bullet_list(lines)
