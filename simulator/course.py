"""Helpers for the course notebooks: legal boxes from the registry and the self-checks.

Every statement of law in a module is rendered from `cases/legal-sources.yaml`
with `legal_box("fvl-19")`, so a change in the law is one edit in the registry.
The self-check questions live in `course/selfcheck.yaml` (data, not code) and
are shown with `quiz("01-vejledningspligt")`; each answer has its own feedback, and each
trainee sees the answers in an order of their own (`answer_order`). `selfcheck_strategy_shares`
measures how far naive test-taking strategies get without knowing the law.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import random
import re
import statistics
from html import escape, unescape
from pathlib import Path

import ipywidgets as w
from IPython.display import HTML, display
from pydantic import Field

from .casefile import CASES_DIR, Library, course_cases, load_library, read_model
from .errors import SagssimError
from .markup import STYLE, box
from .model import Ident, Provision, Strict, Text
from .strategies import STRATEGIES

COURSE_DIR = CASES_DIR.parent / "course"
SELFCHECK_FILE = COURSE_DIR / "selfcheck.yaml"

# Inline styles: course outputs may be shown where a style sheet is stripped (sanitised HTML).
_BOX_STYLE = "border-left:5px solid #75507b;background:#f6f0f7;padding:6px 12px;margin:8px 0;line-height:1.5"
_ERROR_STYLE = "border-left:5px solid #a40000;background:#fbeaea;padding:6px 12px;margin:8px 0"


# ---------------------------------------------------------------- legal boxes


def legal_box_html(ids: tuple[str, ...] | list[str], library: Library | None = None, title: str = "Reglen") -> str:
    library = library or load_library()
    provisions = library.provisions
    missing = [i for i in ids if i not in provisions]
    if missing:
        return (f'<div style="{_ERROR_STYLE}"><strong>Bestemmelsen findes ikke i kursets register:</strong> '
                f"{escape(', '.join(missing))}. Kontakt kursets forfatter.</div>")
    parts = []
    for pid in ids:
        p: Provision = provisions[pid]
        parts.append(
            f"<p style='margin:4px 0'><strong>{escape(p.law)} {escape(p.paragraph)}</strong><br>{escape(p.gist)}</p>"
            f"<p style='margin:2px 0;color:#555'><small>Kilde: {escape(p.version)}. "
            f"Kontrolleret {escape(p.checked)}.</small></p>"
        )
    heading = f"<p style='margin:2px 0'><strong>{escape(title)}</strong></p>" if title else ""
    return f'<div style="{_BOX_STYLE}">{heading}{"".join(parts)}</div>'


def legal_box(*ids: str, title: str = "Reglen") -> None:
    """Show one or more provisions from the legal registry: law, paragraph, gist, version."""
    display(HTML(legal_box_html(ids, title=title)))


# ---------------------------------------------------------------- self-check data

# Feedback follows the quiz's own "Rigtigt." / "Ikke rigtigt.": it must not open with a verdict again.
_VERDICT_OPENING = re.compile(r"^\W*(rigtigt|korrekt|forkert|nej|ja|præcis|netop)\b", re.IGNORECASE)


class Answer(Strict):
    id: Ident
    text: Text
    correct: bool = False
    feedback: Text


class Question(Strict):
    id: Ident
    text: Text
    options: tuple[Answer, ...] = Field(min_length=2, max_length=5)
    legal: tuple[Ident, ...] = ()


class SelfCheckModule(Strict):
    title: Text
    questions: tuple[Question, ...] = Field(min_length=3, max_length=5)


class SelfCheck(Strict):
    modules: dict[Ident, SelfCheckModule]


class SelfCheckError(SagssimError, ValueError):
    pass


def load_selfcheck(path: Path = SELFCHECK_FILE, library: Library | None = None) -> SelfCheck:
    """Read and check the self-check file: structure, one or more right answers, unique answer ids,
    feedback that does not repeat the verdict, known provisions."""
    check = read_model(SelfCheck, path, SelfCheckError)
    library = library or load_library()
    problems = []
    for mid, module in check.modules.items():
        for q in module.questions:
            where = f"{path}: modules.{mid}.{q.id}"
            if not any(a.correct for a in q.options):
                problems.append(f"{where}: no option is marked correct")
            ids = [a.id for a in q.options]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                problems.append(f"{where}: answer id {dup!r} is used twice")
            for a in q.options:
                m = _VERDICT_OPENING.match(a.feedback)
                if m:
                    problems.append(f"{where}.{a.id}: feedback opens with the verdict {m.group(1)!r}; "
                                    "the quiz writes 'Rigtigt.' or 'Ikke rigtigt.' itself")
            for pid in q.legal:
                if pid not in library.provisions:
                    problems.append(f"{where}: provision {pid!r} is not in the legal registry")
    if problems:
        raise SelfCheckError("\n".join(problems))
    return check


# ---------------------------------------------------------------- answer order


def trainee_seed() -> str:
    """Who is taking the self-check: the JupyterHub user, else the operating-system user.
    Stable across reopening and kernel restarts, so the answers keep their places."""
    user = os.environ.get("JUPYTERHUB_USER")
    if not user:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no user name in a bare container
            user = "kursist"
    return user


def answer_order(seed: str, module_id: str, question: Question) -> list[int]:
    """The order (indices into question.options) in which this seed sees the answers."""
    digest = hashlib.sha256(f"{seed}\x1f{module_id}\x1f{question.id}".encode()).digest()
    order = list(range(len(question.options)))
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


# ---------------------------------------------------------------- the quiz widget


class Quiz:
    """A module's self-check: one block per question, the answers in this trainee's order,
    feedback under each answer clicked. Displaying it shows the widget and nothing else."""

    def __init__(self, module_id: str, module: SelfCheckModule, library: Library, seed: str | None = None):
        self.module_id = module_id
        self.module = module
        self.library = library
        self.seed = trainee_seed() if seed is None else seed
        self.order: list[list[int]] = [answer_order(self.seed, module_id, q) for q in module.questions]
        self.buttons: list[dict[int, w.Button]] = []  # question -> answer index (file order) -> button
        self._feedback: list[w.HTML] = []
        blocks: list[w.Widget] = [w.HTML(STYLE + f"<h3>{escape(module.title)}</h3>"
                                         "<p>Klik på det svar, du mener er rigtigt. Du kan prøve igen, "
                                         "så mange gange du vil. Svarene gemmes ikke.</p>")]
        n = len(module.questions)
        for qi, q in enumerate(module.questions):
            row: dict[int, w.Button] = {}
            for pos, ai in enumerate(self.order[qi]):
                a = q.options[ai]
                label = f"{chr(65 + pos)}. {a.text}"
                b = w.Button(description=label, tooltip=label, layout=w.Layout(width="100%", height="auto"))
                b.add_class("sagssim-option")
                b.add_class(f"sagssim-option-{a.id}")
                b.on_click(lambda _b, qi=qi, ai=ai: self._on_answer(qi, ai))
                row[ai] = b
            self.buttons.append(row)
            fb = w.HTML()
            self._feedback.append(fb)
            block = w.VBox([w.HTML(f"<p><strong>Spørgsmål {qi + 1} af {n}.</strong> {escape(q.text)}</p>"),
                            *(row[ai] for ai in self.order[qi]), fb])
            block.add_class(f"sagssim-question-{q.id}")
            blocks.append(block)
        self.widget = w.VBox(blocks, layout=w.Layout(width="100%"))
        self.widget.add_class("sagssim")

    def _ipython_display_(self) -> None:
        display(self.widget)

    def _on_answer(self, qi: int, ai: int) -> None:
        q = self.module.questions[qi]
        a = q.options[ai]
        for bi, b in self.buttons[qi].items():
            b.icon = ("check" if a.correct else "times") if bi == ai else ""
        verdict = "Rigtigt." if a.correct else "Ikke rigtigt."
        body = f"<p><strong>{verdict}</strong> {escape(a.feedback)}</p>"
        laws = [self.library.provisions[p] for p in q.legal if p in self.library.provisions]
        if laws:
            body += "<p><small>Læs mere: " + escape("; ".join(f"{p.law} {p.paragraph}" for p in laws)) + "</small></p>"
        self._feedback[qi].value = box("feedback" if a.correct else "warning", "", body)

    def shown(self, question: int) -> list[str]:
        """The answer ids of a question in the order this trainee sees them."""
        q = self.module.questions[question]
        return [q.options[ai].id for ai in self.order[question]]

    def answer(self, question: int, option: int | str) -> str:
        """Click an answer (headless), by its id or its index in the file; returns the feedback shown."""
        q = self.module.questions[question]
        ai = option if isinstance(option, int) else next(i for i, a in enumerate(q.options) if a.id == option)
        self.buttons[question][ai].click()
        return self.feedback_text(question)

    def feedback_text(self, question: int) -> str:
        return unescape(re.sub(r"<[^>]+>", " ", self._feedback[question].value)).strip()


def quiz(module_id: str, seed: str | None = None) -> Quiz | None:
    """The self-check for a module, to show as a cell's result (the notebook cell is `quiz("…")`).
    A broken self-check file shows a message, never a traceback."""
    try:
        library = load_library()
        check = load_selfcheck(library=library)
    except Exception as exc:  # noqa: BLE001 - shown to the instructor in the notebook
        display(HTML(f'<div style="{_ERROR_STYLE}"><strong>Selvtesten kan ikke vises.</strong> '
                     f"Kontakt kursets forfatter.<pre>{escape(str(exc))}</pre></div>"))
        return None
    module = check.modules.get(module_id)
    if module is None:
        display(HTML(f'<div style="{_ERROR_STYLE}">Der er ingen selvtest med navnet {escape(module_id)}.</div>'))
        return None
    return Quiz(module_id, module, library, seed=seed)


# ---------------------------------------------------------------- can form alone find the right answer?


def selfcheck_strategy_shares(seeds: int = 200, check: SelfCheck | None = None) -> dict[str, float]:
    """Share of the maximum self-check score each naive strategy earns, averaged over `seeds`
    trainees (seed = trainee name "0", "1", …, so each sees the answers in their own order).
    A strategy sees only what is on screen: the answer texts in the order shown. The strategies are
    the ones the cases are played with (`simulator.strategies`)."""
    check = check or load_selfcheck()
    questions = [(mid, q) for mid, m in check.modules.items() for q in m.questions]
    shares: dict[str, float] = {}
    for name, strategy in STRATEGIES.items():
        total = 0.0
        for s in range(seeds):
            rng = random.Random(f"{name}:{s}")
            right = 0
            for mid, q in questions:
                order = answer_order(str(s), mid, q)
                texts = [q.options[i].text for i in order]
                right += q.options[order[strategy(texts, rng)]].correct
            total += right / len(questions)
        shares[name] = total / seeds
    return shares


def selfcheck_form_figures(check: SelfCheck | None = None) -> dict[str, float]:
    """How much the answers' form gives away, over all questions: the share where the right answer
    is the longest, and the median ratio of the right answer's length to the others' mean length."""
    check = check or load_selfcheck()
    longest, ratios = 0, []
    questions = [q for m in check.modules.values() for q in m.questions]
    for q in questions:
        right = [len(a.text) for a in q.options if a.correct]
        others = [len(a.text) for a in q.options if not a.correct]
        longest += max(right) > max(others)
        ratios.append(statistics.mean(right) / statistics.mean(others))
    return {"right_is_longest": longest / len(questions), "median_length_ratio": statistics.median(ratios)}


# ---------------------------------------------------------------- checks on course text

_LAW_WORDS = {
    "forvaltningslov": "Forvaltningsloven",
    "retssikkerhedslov": "Retssikkerhedsloven",
    "servicelov": "Serviceloven",
    "aktivlov": "Lov om aktiv socialpolitik",
}
_NUMBER = r"\d+(?:\s?[a-z](?![\wæøå]))?"
_PARAGRAPHS = re.compile(rf"§§?\s*({_NUMBER}(?:\s*(?:,|og|–|-)\s*(?:§\s*)?{_NUMBER})*)", re.IGNORECASE)


def _numbers(text: str) -> list[str]:
    return [n.replace(" ", "").lower() for n in re.findall(_NUMBER, text, flags=re.IGNORECASE)]


def registry_paragraphs(library: Library) -> dict[str, set[str]]:
    """Law name -> the paragraph numbers the registry holds (e.g. {'Serviceloven': {'82b', '85', ...}})."""
    out: dict[str, set[str]] = {}
    for p in library.registry.provisions:
        m = re.match(rf"§\s*({_NUMBER})", p.paragraph, flags=re.IGNORECASE)
        if m:
            out.setdefault(p.law, set()).add(m.group(1).replace(" ", "").lower())
    return out


def unknown_paragraphs(text: str, library: Library) -> list[str]:
    """Every '§ N' in a text must be a provision in the registry (of the law named just before it,
    if one is). Returns the mentions that are not."""
    known = registry_paragraphs(library)
    every = set().union(*known.values()) if known else set()
    bad = []
    for m in _PARAGRAPHS.finditer(text):
        before = text[max(0, m.start() - 40):m.start()].lower()
        law = next((name for word, name in _LAW_WORDS.items() if word in before.split("§")[-1]), None)
        allowed = known.get(law, set()) if law else every
        for number in _numbers(m.group(1)):
            if number not in allowed:
                bad.append(f"{law or 'lov'} § {number} (in: {text[max(0, m.start() - 40):m.end()]!r})")
    return bad


# ---------------------------------------------------------------- which cases are ready

def course_case_notebooks(cases_dir: Path = CASES_DIR) -> list[tuple[str, str]]:
    """(case id, notebook) for every case in the course, from the case files themselves."""
    return [(c.id, c.notebook) for c in course_cases(cases_dir)]


def case_overview_rows(cases_dir: Path = CASES_DIR) -> list[tuple[str, str, str, str]]:
    """(case id, notebook, title, status in Danish) for the course's cases."""
    from .casefile import CaseFileError, load_case

    rows = []
    try:
        library = load_library(cases_dir)
    except CaseFileError as exc:
        return [("-", "-", "-", f"Kursets lovregister har fejl: {exc}")]
    for case_id, notebook in course_case_notebooks(cases_dir):
        path = cases_dir / f"{case_id}.yaml"
        if not path.exists():
            rows.append((case_id, notebook, "-", "Kommer snart"))
            continue
        try:
            case = load_case(path, library)
        except CaseFileError as exc:
            first = str(exc.problems[0]) if exc.problems else str(exc)
            rows.append((case_id, notebook, "-", f"Sagsfilen har fejl: {first}"))
            continue
        rows.append((case_id, notebook, case.title, "Klar"))
    return rows


def case_overview() -> None:
    """Show which case notebooks can be played right now."""
    rows = case_overview_rows()
    body = "".join(
        f"<tr><td><a href='{escape(nb)}'>{escape(nb)}</a></td><td>{escape(title)}</td><td>{escape(status)}</td></tr>"
        for _, nb, title, status in rows
    )
    cell = "border:1px solid #ccc;padding:4px 8px;text-align:left"
    display(HTML(
        "<table style='border-collapse:collapse'>"
        f"<thead><tr><th style='{cell}'>Notesbog</th><th style='{cell}'>Sag</th>"
        f"<th style='{cell}'>Status</th></tr></thead>"
        f"<tbody>{body.replace('<td>', f'<td style={chr(34)}{cell}{chr(34)}>')}</tbody></table>"
    ))


# ---------------------------------------------------------------- the top of a case notebook


def case_intro_html(case_id: str, cases_dir: Path = CASES_DIR) -> str:
    """Title, the citizen, what the case trains and the reports it rests on, from the case file.
    Empty when the case file is not there yet (the player then says so)."""
    from .casefile import CaseFileError, load_case
    from .presentation import source_text

    path = cases_dir / f"{case_id}.yaml"
    if not path.exists():
        return ""
    try:
        library = load_library(cases_dir)
        case = load_case(path, library)
    except CaseFileError:
        return ""  # the player shows the problem
    goals = "".join(f"<li>{escape(g)}</li>" for g in case.learning_goals)
    sources = "".join(f"<li>{escape(source_text(s, library))}</li>" for s in case.based_on)
    html = (f"<p style='margin:4px 0'><strong>{escape(case.title)}</strong></p>"
            f"<p style='margin:4px 0'>{escape(case.summary)}</p>")
    if goals:
        html += f"<p style='margin:4px 0'><strong>Det træner du i sagen:</strong></p><ul>{goals}</ul>"
    if sources:
        html += ("<p style='margin:4px 0'><strong>Sagen bygger på</strong> (personen er anonymiseret, "
                 f"og forløbet er skrevet om til undervisning):</p><ul>{sources}</ul>")
    return f'<div style="{_BOX_STYLE.replace("#75507b", "#3465a4").replace("#f6f0f7", "#eef3fa")}">{html}</div>'


def case_intro(case_id: str) -> None:
    html = case_intro_html(case_id)
    if html:
        display(HTML(html))
