"""The trainee's simulator: an ipywidgets view over a Session.

`start("rune")` in a hidden notebook cell is all a trainee ever runs. The
screen is rebuilt from the decision log after every action, so what is shown
is always what the log says: reopening the notebook or restarting the kernel
shows the same step. Every click is written to the log through `Session`
before the screen moves on; nothing here waits for a browser, so notebooks
run headless under nbval, papermill and nbgrader.

This module is the player: its state, its actions (also the public test handle:
`choose`, `write_letter`, `submit_letter`, `visible_text`) and the parts of the
screen that take clicks. The parts that react to nothing are built in
`simulator.screens`; what a mode may see is decided in `simulator.presentation`.
In `eksamen` mode the case is key-stripped before anything is built, so the
answer key never reaches a widget.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as w
from IPython.display import display

from . import presentation as pres
from . import screens
from .casefile import CaseFileError, Library, find_case_file, library_dir_for, load_case, load_library
from .engine import Result, letter_view, replay, shown_options
from .keys import strip_keys
from .letter_check import assess
from .markup import (STYLE, box, bullet_list, provision_html, step_heading, text_html)
from .model import Case, ChoiceStep, LetterStep
from .readability import LIX_TARGET, readability
from .session import MODES, Session, default_log_path

LOG_DIR_ENV = "SAGSSIM_LOG_DIR"  # tests and instructors can send logs elsewhere than the notebook's folder
FULL_WIDTH = dict(width="100%")
T = TypeVar("T")


def log_folder(folder: str | Path | None) -> Path:
    if folder is not None:
        return Path(folder)
    env = os.environ.get(LOG_DIR_ENV)
    return Path(env) if env else Path.cwd()


def start(case: str, mode: str = "selvstudie", folder: str | Path | None = None,
          case_file: str | Path | None = None) -> CasePlayer:
    """Load a case, open (or resume) its decision log and show the player."""
    player = open_player(case, mode, folder, case_file)
    display(player.widget)
    return player


def open_player(case: str, mode: str = "selvstudie", folder: str | Path | None = None,
                case_file: str | Path | None = None) -> CasePlayer:
    """Build the player without displaying it. Never raises: problems become a Danish message."""
    try:
        return _open(case, mode, folder, case_file)
    except Exception:  # the last line of defence: a trainee never sees a traceback
        return CasePlayer.unavailable(
            "Sagen kunne ikke åbnes",
            "<p>Der skete en uventet fejl, da sagen skulle åbnes. Kontakt din underviser, "
            "og vis dem de tekniske detaljer nedenfor.</p>",
            traceback.format_exc(),
        )


def _open(case: str, mode: str, folder: str | Path | None, case_file: str | Path | None) -> CasePlayer:
    if mode not in MODES:
        return CasePlayer.unavailable(
            "Ukendt tilstand",
            f"<p>Tilstanden {escape(repr(mode))} findes ikke. Brug en af: {escape(', '.join(MODES))}.</p>",
        )
    path = Path(case_file) if case_file is not None else None
    if path is None:
        try:
            path = find_case_file(case)
        except CaseFileError:
            path = None
    if path is None or not path.exists():
        return CasePlayer.unavailable(
            "Sagen findes ikke",
            f"<p>Sagen {escape(repr(case))} findes ikke (endnu) i kursets sagsmappe. "
            "Hvis du mener, at den burde være her, så kontakt din underviser.</p>",
        )
    try:
        library = load_library(library_dir_for(path))
        loaded = load_case(path, library)
    except CaseFileError as exc:
        problems = [str(p) for p in exc.problems] or [str(exc)]
        return CasePlayer.unavailable(
            "Sagsfilen indeholder fejl",
            "<p>Sagen kan ikke spilles, fordi sagsfilen ikke er gyldig. Giv beskeden herunder "
            "til din underviser eller sagens forfatter:</p>" + f"<pre>{escape(chr(10).join(problems))}</pre>",
        )
    if mode == "eksamen":
        loaded = strip_keys(loaded)  # the answer key never reaches an exam widget
    log_dir = log_folder(folder)
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        session = Session(loaded, default_log_path(log_dir, loaded.id), mode)
    except OSError as exc:
        return CasePlayer.unavailable(
            "Dine valg kan ikke gemmes",
            f"<p>Beslutningsloggen kan ikke skrives i mappen {escape(str(log_dir))} "
            f"({escape(exc.strerror or str(exc))}). Kontakt din underviser.</p>",
        )
    return CasePlayer(loaded, session, library, mode)


class CasePlayer:
    """One case on screen. Tests drive it headless with choose / write_letter / submit_letter."""

    def __init__(self, case: Case, session: Session, library: Library, mode: str):
        self._setup()
        self.case: Case | None = case
        self.session: Session | None = session
        self.library: Library | None = library
        self.mode = mode
        self._refresh_guarded()

    def _setup(self) -> None:
        self.case, self.session, self.library, self.mode = None, None, None, "selvstudie"
        self.error: str | None = None
        self._result: Result | None = None
        self._review: pres.ChoiceReview | None = None
        self._busy = False
        self._last_recorded = False
        self._option_buttons: dict[str, w.Button] = {}
        self._letter_area: w.Textarea | None = None
        self._letter_stats: w.HTML | None = None
        self._send_button: w.Button | None = None
        self._confirm_box: w.VBox | None = None
        self._confirm_button: w.Button | None = None
        self._live_help: w.HTML | None = None
        self._live_step: LetterStep | None = None
        self._body = w.VBox(layout=w.Layout(**FULL_WIDTH))
        self._message = w.HTML()
        self._message.add_class("sagssim-message")
        self._debug = w.Output()
        self._debug_panel = w.Accordion(children=[self._debug], titles=("Tekniske detaljer til underviseren",),
                                        selected_index=None, layout=w.Layout(display="none"))
        self.widget = w.VBox([w.HTML(STYLE), self._body, self._message, self._debug_panel],
                             layout=w.Layout(**FULL_WIDTH))
        self.widget.add_class("sagssim")

    @classmethod
    def unavailable(cls, title: str, message_html: str, details: str = "") -> CasePlayer:
        player = cls.__new__(cls)
        player._setup()
        player.error = title
        player._body.children = (w.HTML(box("error", title, message_html)),)
        player._body.children[0].add_class("sagssim-unavailable")
        if details:
            player._log_details(details)
        return player

    # A player that could not open its case (`unavailable`) has no case, log or registries, and builds
    # no screen that could ask for them: everything that does runs for an opened case only.

    @property
    def _case(self) -> Case:
        return _opened(self.case)

    @property
    def _session(self) -> Session:
        return _opened(self.session)

    @property
    def _library(self) -> Library:
        return _opened(self.library)

    # ------------------------------------------------------------ headless API

    @property
    def result(self) -> Result | None:
        return self._result

    @property
    def finished(self) -> bool:
        return bool(self._result and self._result.finished)

    @property
    def current_step_id(self) -> str | None:
        if self._result is None or self._result.finished:
            return None
        return self._result.current

    @property
    def feedback_text(self) -> str:
        """The feedback panel as plain text (what happened after the last choice)."""
        return self._review.plain_text() if self._review else ""

    def choose(self, option_id: str) -> bool:
        """Click the option's button. Returns True if the choice was recorded."""
        button = self._option_buttons.get(option_id)
        if button is None:
            return False
        self._last_recorded = False
        button.click()
        return self._last_recorded

    def write_letter(self, text: str) -> None:
        if self._letter_area is None:
            raise RuntimeError("the case is not at a letter step")
        self._letter_area.value = text

    def submit_letter(self) -> bool:
        """Press "Send afgørelsen" and confirm. Returns True if the letter was recorded."""
        if self._send_button is None:
            return False
        self._last_recorded = False
        self._send_button.click()
        if self._confirm_button is not None:
            self._confirm_button.click()
        return self._last_recorded

    def visible_text(self) -> str:
        """Every piece of text in the widget tree, tags stripped (for tests and accessibility checks)."""
        return "\n".join(screens.texts(self.widget))

    # ------------------------------------------------------------ event plumbing

    def _guarded(self, fn: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any) -> None:
            try:
                fn(*args)
            except Exception:
                self._busy = False
                self._show_error(traceback.format_exc())
        return run

    def _log_details(self, details: str) -> None:
        self._debug.append_stdout(details if details.endswith("\n") else details + "\n")
        self._debug_panel.layout.display = None

    def _show_error(self, details: str) -> None:
        self._log_details(details)
        self._message.value = box(
            "error", "Der skete en fejl",
            "<p>Simulatoren kunne ikke udføre handlingen. De valg, der allerede er gemt, er ikke gået tabt. "
            "Prøv igen. Hvis fejlen bliver ved, så kontakt din underviser og vis de tekniske detaljer nedenfor.</p>",
        )

    def _refresh_guarded(self) -> None:
        self._guarded(self._refresh)()

    # ------------------------------------------------------------ actions

    def _on_option(self, step_id: str, option_id: str) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            for b in self._option_buttons.values():
                b.disabled = True
            self._after_write(*self._session.choose(step_id, option_id), "Valget blev ikke gemt")
        finally:
            self._busy = False

    def _on_letter_change(self, step_id: str, change: dict) -> None:
        text = change["new"] or ""
        self._update_letter_stats(text)
        self._update_live_help(text)
        if self._confirm_box is not None:
            self._confirm_box.layout.display = "none"
        self._session.save_draft(step_id, text)

    def _on_send(self, _button: w.Button) -> None:
        if self._confirm_box is None:  # built with the send button
            return
        text = self._letter_area.value if self._letter_area else ""
        if not text.strip():
            question = ("<p><strong>Brevet er tomt.</strong> Vil du virkelig sende et tomt brev? "
                        "Du kan ikke ændre det bagefter.</p>")
        else:
            question = ("<p><strong>Vil du sende afgørelsen nu?</strong> "
                        "Når brevet er sendt, kan du ikke ændre det.</p>")
        self._confirm_box.children = (w.HTML(box("warning", "", question)), *self._confirm_box.children[1:])
        self._confirm_box.layout.display = None

    def _on_cancel(self, _button: w.Button) -> None:
        if self._confirm_box is not None:
            self._confirm_box.layout.display = "none"

    def _on_confirm(self, step_id: str) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            for b in (self._send_button, self._confirm_button):
                if b is not None:
                    b.disabled = True
            text = self._letter_area.value if self._letter_area else ""
            self._session.save_draft(step_id, text)
            self._after_write(*self._session.submit_letter(step_id, text), "Brevet blev ikke gemt")
        finally:
            self._busy = False

    def _after_write(self, recorded: bool, reason: str | None, title: str) -> None:
        """Redraw from the log; say why nothing was saved unless the reason is harmless
        (a double click) or already on screen (a damaged log)."""
        self._last_recorded = recorded
        self._refresh()
        if not recorded and reason and not getattr(reason, "quiet", False):
            self._message.value = box("warning", title, f"<p>{escape(reason)}</p>")

    # ------------------------------------------------------------ building the screen

    def _refresh(self) -> None:
        log = self._session.read()
        result = replay(self._case, log.events)
        self._result = result
        self._message.value = ""
        self._option_buttons = {}
        self._letter_area = self._send_button = self._confirm_button = self._confirm_box = None
        self._letter_stats = self._live_help = None
        problems = log.problems + result.problems
        if problems:
            self._review = None
            self._body.children = (screens.header(self._case, self.mode),
                                   screens.damaged(problems, self._session.log.path))
            self._body.children[-1].add_class("sagssim-damaged")
            return
        self._review = pres.last_choice_review(self._case, result, self._library, self.mode)
        parts: list[w.Widget] = [screens.header(self._case, self.mode), screens.progress(self._case, result)]
        state = screens.state(self._case, result, self.mode)
        if state is not None:  # an exam shows no state that moves with the quality of the choices
            parts.append(state)
        if self._review is not None:
            parts.append(screens.review_panel(self._review))
        if result.finished:
            debrief = w.VBox(screens.debrief(self._case, self._library, result, log.events, self.mode),
                             layout=w.Layout(**FULL_WIDTH))
            debrief.add_class("sagssim-debrief")
            parts.append(debrief)
        else:
            step = next(s for s in self._case.steps if s.id == result.current)
            parts.append(screens.documents(self._case, result))
            if isinstance(step, LetterStep):
                parts += self._letter_step(letter_view(step, result.flags, result.state))
            else:
                parts += self._choice_step(step, result)
            if result.path:
                parts.append(screens.history(result))
        self._body.children = tuple(parts)

    def _choice_step(self, step: ChoiceStep, result: Result) -> list[w.Widget]:
        situation = "".join(text_html(t) for t in pres.situation_texts(step, result))
        head = w.HTML(f"{step_heading(step.title)}{situation}"
                      f"<p><strong>{escape(step.prompt)}</strong></p>")
        buttons = []
        options = {o.id: o for o in step.options}
        for option in (options[i] for i in shown_options(step, result.seed, result.flags, result.state)):
            b = w.Button(description=option.label, tooltip=option.label,
                         layout=w.Layout(width="100%", height="auto"))
            b.add_class("sagssim-option")
            b.add_class(f"sagssim-option-{option.id}")
            b.on_click(self._guarded(lambda _b, sid=step.id, oid=option.id: self._on_option(sid, oid)))
            self._option_buttons[option.id] = b
            buttons.append(b)
        choices = w.VBox(buttons, layout=w.Layout(**FULL_WIDTH))
        choices.add_class("sagssim-choices")
        head.add_class("sagssim-step")
        return [head, choices]

    def _letter_step(self, step: LetterStep) -> list[w.Widget]:
        html = f"{step_heading(step.title)}{text_html(step.situation)}"
        html += box("outcome", "Din opgave", text_html(step.task))
        if step.activities:
            html += "<p><strong>Afgørelsen skal tage stilling til:</strong></p>" + bullet_list(list(step.activities))
        if step.main_argument:
            html += f"<p><strong>Det har borgeren især lagt vægt på:</strong> {escape(step.main_argument)}</p>"
        parts: list[w.Widget] = [w.HTML(html)]
        parts[0].add_class("sagssim-step")  # the new step's heading gets the focus after a choice
        if pres.shows_feedback(self.mode) and step.legal:
            provisions = [self._library.provisions[p] for p in step.legal if p in self._library.provisions]
            parts.append(w.Accordion(children=[w.HTML("".join(provision_html(p) for p in provisions))],
                                     titles=("Regler, der kan være relevante",), selected_index=None))
        draft = self._session.load_draft(step.id)
        area = w.Textarea(value=draft, placeholder="Skriv afgørelsesbrevet til borgeren her.",
                          layout=w.Layout(width="100%", height="420px"), continuous_update=True)
        area.add_class("sagssim-letter")
        self._letter_area = area
        self._letter_stats = w.HTML()
        self._letter_stats.add_class("sagssim-letter-stats")
        self._update_letter_stats(draft)
        area.observe(self._guarded(lambda change, sid=step.id: self._on_letter_change(sid, change)), names="value")
        send = w.Button(description="Send afgørelsen", tooltip="Send afgørelsesbrevet til borgeren",
                        button_style="primary", layout=w.Layout(width="auto"))
        send.on_click(self._guarded(self._on_send))
        yes = w.Button(description="Ja, send afgørelsen", tooltip="Ja, send afgørelsen nu", button_style="warning")
        yes.on_click(self._guarded(lambda _b, sid=step.id: self._on_confirm(sid)))
        no = w.Button(description="Nej, skriv videre", tooltip="Nej, jeg vil skrive videre")
        no.on_click(self._guarded(self._on_cancel))
        send.add_class("sagssim-send")
        yes.add_class("sagssim-confirm")
        no.add_class("sagssim-cancel")
        self._send_button, self._confirm_button = send, yes
        self._confirm_box = w.VBox([w.HTML(), w.HBox([yes, no], layout=w.Layout(grid_gap="8px"))],
                                   layout=w.Layout(display="none"))
        writing: w.Widget = area
        if pres.shows_feedback(self.mode) and step.expect is not None:
            # Self-study: a side panel says what the reading of the draft finds, as the trainee types.
            self._live_step = step
            self._live_help = w.HTML(layout=w.Layout(width="34%", min_width="220px"))
            self._live_help.add_class("sagssim-live-help")
            self._update_live_help(draft)
            area.layout.width = "64%"
            writing = w.HBox([area, self._live_help], layout=w.Layout(width="100%", grid_gap="2%",
                                                                      align_items="flex-start"))
        parts += [w.HTML("<h3>Dit brev</h3><p class='sagssim-muted'>Kladden gemmes automatisk, mens du skriver.</p>"),
                  writing, self._letter_stats, send, self._confirm_box]
        return parts

    def _update_live_help(self, text: str) -> None:
        if self._live_help is None or self._live_step is None or self._result is None:
            return
        report = assess(text, self._live_step, self._case, self._library, self._result.flags, self._result.state)
        self._live_help.value = pres.live_help_html(report)

    def _update_letter_stats(self, text: str) -> None:
        if self._letter_stats is None:
            return
        r = readability(text)
        line = f"{r.words} ord"
        if r.words:
            line += f" · LIX {pres.danish_number(r.lix, 1)} ({r.band})"
            if pres.shows_feedback(self.mode):
                line += f" – breve til borgere bør have en LIX under {LIX_TARGET}"
        self._letter_stats.value = f"<p class='sagssim-muted'>{escape(line)}</p>"


def _opened(value: T | None) -> T:
    if value is None:
        raise RuntimeError("the case is not open")
    return value
