"""The trainee's path in a real browser: JupyterLab 4 in Debian's headless Chromium.

One test plays the Sofie case along its model path as a trainee would: open the
case notebook and, without running anything, see the player (the sagssim-autorun
extension runs it; no code is visible) in a Danish JupyterLab; click option
buttons by their option id (`.sagssim-option-<id>`, never by position: the order
is shuffled per candidate), read the feedback; restart the kernel half-way and see
the case resume at the same step with no stale or broken widget; save, stop the
kernel and reopen the page (the next day) and see the same step again, with the
saved notebook holding no outputs; finish with the letter and see the debrief.
After every phase the decision log on disk is read with `simulator.decision_log`
and must hold exactly the choices clicked, in order, with an intact hash chain.

Accessibility (WCAG 2.1 AA) on the way: after every choice, and after the letter,
the keyboard focus is on the new step's heading (one choice is made with the
keyboard alone, and a notebook shortcut key pressed there does not touch the
notebook); the progress bar and the state meters are named; the course is
`lang="da"`; and axe-core finds nothing critical or serious in Sagssim's own
content on the case in progress, the debrief, a module page and an exam notebook.

Side products (test-artifacts/, gitignored):
- case-in-progress.png and debrief.png (screenshots; set SAGSSIM_UPDATE_DOCS_IMG=1
  to also refresh docs/img/case-in-progress.png for the README),
- browser-timings.json: per-click widget update time, click -> next screen shown,
  read by `python -m benchmarks`. Timings are recorded, never asserted.
- axe.json: every axe-core finding per page scanned, all impacts.

A missing Chromium fails the test with a message saying how to install it; it is never skipped.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator.casefile import CASES_DIR, load_case, load_library
from simulator.decision_log import read_log
from simulator.engine import letter_view, replay
from simulator.keys import case_version
from simulator.model import ChoiceStep, LetterStep
from simulator.session import default_log_path

from browser import (
    ARM_TIMER_JS,
    ARTIFACTS,
    ROOT,
    TIMEOUT_MS,
    accept_dialog,
    axe_scan,
    blocking,
    case_notebook,
    chromium_browser,
    chromium_path,
    course_notebook_for,
    focused,
    jupyter_lab,
    menu,
    record_axe,
    save_screenshot,
    wait_kernel_idle,
)

pytestmark = pytest.mark.browser

CASE = "sofie"
BEFORE_RESTART = 3  # choices clicked before the kernel restart
MODULE = ROOT / "course" / "02-helhedsvurdering.ipynb"
DOCS_IMG = ROOT / "docs" / "img" / "case-in-progress.png"


def norm(text: str) -> str:
    return " ".join(text.split())


def logged_choices(log_path: Path, case) -> list[str]:
    log = read_log(log_path, case.id, case_version(case))
    assert log.intact, f"the decision log is not intact: {log.problems}"
    return [e["option"] for e in log.events if e["type"] == "choice"]


@pytest.fixture(scope="module")
def sofie():
    return load_case(CASES_DIR / f"{CASE}.yaml", load_library())


def test_chromium_is_installed():
    """Fails (never skips) with install instructions when Debian's chromium is missing."""
    assert Path(chromium_path()).exists()


def test_case_in_browser_logs_choices_and_resumes_after_restart(tmp_path, sofie):
    steps = {s.id: s for s in sofie.steps}
    model = list(sofie.model_path)
    choices = [c for c in model if not any(isinstance(s, LetterStep) and s.id == c for s in steps.values())]
    # the path of (step, option) the model path takes, computed by the engine itself
    walk: list[tuple[ChoiceStep, str]] = []
    for option_id in choices:
        res = replay(sofie, [{"type": "choice", "step": s.id, "option": o} for s, o in walk])
        step = steps[res.current]
        assert isinstance(step, ChoiceStep) and option_id in {o.id for o in step.options}, (res.current, option_id)
        OFFERED[step.id] = [o for o in step.options if _available(o, res)]
        walk.append((step, option_id))
    assert len(walk) >= BEFORE_RESTART + 1
    letter_step = steps[replay(sofie, [{"type": "choice", "step": s.id, "option": o} for s, o in walk]).current]
    assert isinstance(letter_step, LetterStep)

    lab_root, log_dir = tmp_path / "lab", tmp_path / "logs"
    lab_root.mkdir()
    log_dir.mkdir()
    course_nb = course_notebook_for(CASE)
    nb_name = f"{CASE}.ipynb"
    if course_nb is not None:  # the course's own notebook, copied: the test never writes into the repo
        shutil.copy(course_nb, lab_root / nb_name)
    else:
        (lab_root / nb_name).write_text(json.dumps(case_notebook(CASE), indent=1), encoding="utf-8")
    log_path = default_log_path(log_dir, sofie.id)

    timings: dict = {"case": CASE, "notebook": str(course_nb.relative_to(ROOT)) if course_nb else "generated",
                     "clicks": []}
    t_start = time.perf_counter()

    with jupyter_lab(lab_root, env={"SAGSSIM_LOG_DIR": str(log_dir)}) as lab, chromium_browser() as browser:
        timings["server_start_ms"] = round((time.perf_counter() - t_start) * 1000)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="da-DK")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        try:
            _play(page, lab, nb_name, sofie, walk, letter_step, log_path, timings)
        except Exception:
            save_screenshot(page, "failure.png")
            (ARTIFACTS / "failure-server.log").write_text(lab.server_log(), encoding="utf-8")
            (ARTIFACTS / "failure-console.log").write_text("\n".join(console_errors), encoding="utf-8")
            raise
        finally:
            timings["total_ms"] = round((time.perf_counter() - t_start) * 1000)
            _write_timings(timings, browser.version)
            context.close()


OFFERED: dict[str, list] = {}  # step id -> the options on offer there along the walk


def _available(option, res) -> bool:
    """Is the option on offer in this state? (An option may be offered only after, e.g., a document is read.)"""
    cond = getattr(option, "available_if", None)
    return cond is None or cond.holds(res.flags, res.state)


def _option_button(page, option) -> object:
    """The button for an option, by its id class: positions change from candidate to candidate."""
    return page.locator(f".jp-Notebook .sagssim button.sagssim-option.sagssim-option-{option.id}")


def _box(root, kind: str, text: str):
    """The sagssim box of this kind that holds this text (whitespace-insensitive)."""
    return root.locator(f".sagssim-box.sagssim-{kind}").filter(has_text=norm(text)).first


def _expect_step(page, step: ChoiceStep) -> None:
    """The step's heading and exactly its option buttons are on screen."""
    from playwright.sync_api import expect

    offered = OFFERED.get(step.id, list(step.options))
    root = page.locator(".jp-Notebook .sagssim")
    expect(root.locator("h3", has_text=step.title).first).to_be_visible()
    expect(root.locator("button.sagssim-option")).to_have_count(len(offered))
    for option in offered:  # each option once, wherever the shuffle put it
        button = _option_button(page, option)
        expect(button).to_have_count(1)
        expect(button).to_be_visible()
        assert norm(option.label) in norm(button.inner_text())


def _timed_click(page, button, old_labels: list[str], chosen: str, next_heading: str,
                 selector: str = ".sagssim-option", keyboard: bool = False) -> dict:
    """Click (or, with `keyboard`, Tab to the button and press Enter), and time it in the page:
    click event -> the DOM shows the next screen."""
    page.evaluate(ARM_TIMER_JS, {"oldLabels": [norm(x) for x in old_labels], "chosen": norm(chosen),
                                 "nextHeading": norm(next_heading), "buttonSelector": selector})
    t0 = time.perf_counter()
    if keyboard:
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()
    page.wait_for_function("() => window.__sagssimTimer && window.__sagssimTimer.done !== null",
                           timeout=TIMEOUT_MS, polling="raf")
    wall = (time.perf_counter() - t0) * 1000
    t = page.evaluate("() => window.__sagssimTimer")
    return {"ms": round(t["done"] - t["click"], 1), "wall_ms": round(wall, 1)}


def _expect_focus_on_heading(page, title: str) -> None:
    """The keyboard focus is on the new step's heading, not fallen to the top of the page."""
    try:
        page.wait_for_function(
            """(t) => { const e = document.activeElement;
                        return !!e && e.matches('.sagssim-step [tabindex="-1"], .sagssim-debrief [tabindex="-1"]')
                               && (e.textContent || '').replace(/\\s+/g, ' ').includes(t); }""",
            arg=norm(title), timeout=10_000)
    except Exception as exc:
        raise AssertionError(f"focus is not on the heading {title!r} but on {focused(page)}") from exc


def _choose(page, step: ChoiceStep, option_id: str, next_heading: str, timings: dict,
            keyboard: bool = False) -> None:
    from playwright.sync_api import expect

    option = next(o for o in step.options if o.id == option_id)
    _expect_step(page, step)
    figures = _timed_click(page, _option_button(page, option), [o.label for o in step.options],
                           option.label, next_heading, keyboard=keyboard)
    timings["clicks"].append({"step": step.id, "option": option_id, **figures})
    _expect_focus_on_heading(page, next_heading)
    root = page.locator(".jp-Notebook .sagssim")
    # the feedback for this very choice is on screen (selvstudie: immediate feedback)
    expect(_box(root, "outcome", option.label)).to_be_visible()
    if option.feedback:
        expect(_box(root, "feedback", option.feedback[:80])).to_be_visible()
    if option.critical:
        expect(root.locator(".sagssim-box.sagssim-critical").first).to_be_visible()


def _play(page, lab, nb_name, case, walk, letter_step, log_path, timings) -> None:
    from playwright.sync_api import expect

    steps_after = [s.title for s, _ in walk[1:]] + [letter_step.title]

    # open the notebook and do nothing else: the player comes up by itself, with no code on screen
    t0 = time.perf_counter()
    page.goto(lab.notebook_url(nb_name))
    page.locator(".jp-Notebook").first.wait_for(state="visible")
    first = walk[0][0]
    _expect_step(page, first)
    timings["open_to_player_ms"] = round((time.perf_counter() - t0) * 1000)
    assert logged_choices(log_path, case) == []  # the log exists (start event) and holds no choice yet
    _expect_no_code(page)
    _expect_danish(page)
    wait_kernel_idle(page, lab)

    # three (or more) choices, each with its feedback; the first with the keyboard alone
    for i in range(BEFORE_RESTART):
        step, option_id = walk[i]
        _choose(page, step, option_id, steps_after[i], timings, keyboard=i == 0)
        if i == 0:
            _expect_keyboard_goes_on(page)
    chosen = [o for _, o in walk[:BEFORE_RESTART]]
    assert logged_choices(log_path, case) == chosen
    _expect_accessible_player(page, case)
    scan = axe_scan(page)
    record_axe("case-in-progress", scan)
    assert not blocking(scan), "\n".join(blocking(scan))
    # screenshot: the case from its title down through the feedback on the last choice
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.locator(".jp-Notebook .sagssim h2").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    save_screenshot(page, "case-in-progress.png", page.locator(".jp-NotebookPanel").first)
    page.set_viewport_size({"width": 1280, "height": 1000})
    if os.environ.get("SAGSSIM_UPDATE_DOCS_IMG"):
        DOCS_IMG.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / "case-in-progress.png", DOCS_IMG)

    # restart the kernel (plain restart, no "run all"): the old buttons go at once, the case comes back
    # by itself at the same step, the log is untouched. The old view is marked first, so only a view
    # built by the new kernel can pass the checks.
    page.evaluate("() => document.querySelectorAll('.sagssim').forEach(e => e.dataset.oldKernel = '1')")
    t0 = time.perf_counter()
    menu(page, "Kerne", "Restart Kernel…")
    accept_dialog(page)
    resumed_step = walk[BEFORE_RESTART][0]
    last_label = next(o.label for o in walk[BEFORE_RESTART - 1][0].options if o.id == chosen[-1])
    expect(page.locator(".jp-Notebook .sagssim[data-old-kernel]")).to_have_count(0)
    _expect_resumed(page, last_label, resumed_step)
    timings["restart_resume_ms"] = round((time.perf_counter() - t0) * 1000)
    assert logged_choices(log_path, case) == chosen
    wait_kernel_idle(page, lab)

    # save, stop the kernel (the server overnight) and reopen: the saved file has no outputs or widget
    # state, and the reopened page shows the same step, never "model not found"
    page.keyboard.press("Control+s")
    saved = lab.root / nb_name
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and page.locator(".jp-mod-dirty").count():
        page.wait_for_timeout(200)
    nb = json.loads(saved.read_text(encoding="utf-8"))
    assert nb["metadata"].get("sagssim", {}).get("autorun") is not False
    assert "widgets" not in nb["metadata"]
    assert all(c.get("outputs", []) == [] for c in nb["cells"] if c["cell_type"] == "code")
    lab.shut_down_kernels()
    t0 = time.perf_counter()
    page.reload()
    page.locator(".jp-Notebook").first.wait_for(state="visible")
    _expect_resumed(page, last_label, resumed_step)
    timings["reopen_resume_ms"] = round((time.perf_counter() - t0) * 1000)
    _expect_no_code(page)
    assert logged_choices(log_path, case) == chosen
    wait_kernel_idle(page, lab)
    root = page.locator(".jp-Notebook .sagssim")

    # the rest of the model path, then the letter and the debrief
    for i in range(BEFORE_RESTART, len(walk)):
        step, option_id = walk[i]
        _choose(page, step, option_id, steps_after[i], timings)
    assert logged_choices(log_path, case) == [o for _, o in walk]

    letter = _model_letter(case, walk, letter_step)
    area = root.locator(".sagssim-letter textarea")
    area.fill(letter)
    root.get_by_role("button", name="Send afgørelsen", exact=True).click()
    confirm = root.get_by_role("button", name="Ja, send afgørelsen", exact=True)
    expect(confirm).to_be_visible()
    figures = _timed_click(page, confirm, [], "Du sendte afgørelsesbrevet", "Sådan gik det pr. kriterium",
                           selector="button")
    timings["letter_submit"] = figures
    _expect_focus_on_heading(page, "Sagen er afsluttet")
    expect(_box(root, "outcome", "Sagen er afsluttet")).to_be_visible()
    expect(root.locator("h3", has_text="Din vej sammenlignet med modelvejen")).to_be_visible()
    expect(root.locator("button.sagssim-option")).to_have_count(0)
    chart = root.locator(".sagssim-chart img")
    expect(chart).to_have_count(1)
    assert (chart.get_attribute("alt") or "").startswith("Søjlediagram over din andel af de mulige point")
    scan = axe_scan(page)
    record_axe("debrief", scan)
    assert not blocking(scan), "\n".join(blocking(scan))

    log = read_log(log_path, case.id, case_version(case))
    assert log.intact, log.problems
    assert [e["option"] for e in log.events if e["type"] == "choice"] == [o for _, o in walk]
    letters = [e for e in log.events if e["type"] == "letter"]
    assert [(e["step"], norm(e["text"])) for e in letters] == [(letter_step.id, norm(letter))]
    assert replay(case, log.events).finished

    # the debrief, tall enough to show the chart and the path comparison
    page.set_viewport_size({"width": 1280, "height": 2600})
    root.locator("h3", has_text="Sådan gik det pr. kriterium").scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the chart image decode
    save_screenshot(page, "debrief.png", page.locator(".jp-NotebookPanel").first)
    # after a whole case, JupyterLab has not asked (in English) whether to fetch Jupyter news
    expect(page.locator(".Toastify__toast")).to_have_count(0)


def _model_letter(case, walk, letter_step: LetterStep) -> str:
    """The case's own model letter for the letter step on this path (model letters live in the case files)."""
    res = replay(case, [{"type": "choice", "step": s.id, "option": o} for s, o in walk])
    text = letter_view(letter_step, res.flags, res.state).model_letter
    assert text, f"{case.id} has no model letter at {letter_step.id} on its model path"
    return text


def _expect_keyboard_goes_on(page) -> None:
    """From the focused step heading the keyboard works as on any page: JupyterLab's command-mode
    keys do nothing to the notebook ("b" would insert a cell below, an arrow key move the focus to
    another cell), and Tab reaches an answer."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
    before, heading = cells.count(), focused(page)
    page.keyboard.press("b")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert cells.count() == before, "a notebook shortcut inserted a cell while the focus was in the player"
    assert focused(page) == heading, f"the focus left the player: {focused(page)}"
    page.keyboard.press("Tab")
    now = focused(page)
    assert now["tag"] == "BUTTON" and "sagssim-option" in now["cls"], now


def _expect_accessible_player(page, case) -> None:
    """Named progress bar and meters (native <progress>/<meter>), the level also in words, Danish."""
    from playwright.sync_api import expect

    root = page.locator(".jp-Notebook .sagssim")
    expect(root.get_by_role("progressbar", name=re.compile(r"^Fremskridt i sagen: Trin \d+ af højst \d+$"))) \
        .to_have_count(1)
    bars = [v for k, v in case.state.items() if not (k.startswith("dage") or v.unit in ("dag", "dage"))]
    assert bars
    for var in bars:
        meter = root.get_by_role("meter", name=re.compile("^" + re.escape(var.label) + ": (lav|middel|høj)"))
        expect(meter).to_have_count(1)
        words = meter.get_attribute("aria-label").split(": ", 1)[1]
        # the same words are on screen beside the meter: its colour is not the only carrier of meaning
        line = norm(meter.evaluate("m => m.closest('.sagssim-state-line').textContent"))
        assert line == f"{norm(var.label)}: {words}", line
    lang = root.first.evaluate("e => e.closest('[lang]').getAttribute('lang')")
    assert lang == "da", lang


def _expect_no_code(page) -> None:
    """No code input, prompt or source text of the notebook's code cells is on screen."""
    from playwright.sync_api import expect

    notebook = page.locator(".jp-Notebook").first
    expect(notebook.locator(".jp-CodeCell .jp-Cell-inputWrapper:visible")).to_have_count(0)
    expect(notebook.locator(".jp-InputPrompt:visible, .jp-OutputPrompt:visible").filter(
        has_text="[")).to_have_count(0)
    text = notebook.inner_text()
    for code in ("import ", "start(\"", "case_intro("):
        assert code not in text, f"code on screen: {code!r}"


def _expect_resumed(page, last_label: str, step: ChoiceStep) -> None:
    """One live player at `step`, the last choice's outcome above it, and no broken widget anywhere."""
    from playwright.sync_api import expect

    root = page.locator(".jp-Notebook .sagssim")
    expect(root).to_have_count(1)
    expect(_box(root, "outcome", last_label)).to_be_visible()
    _expect_step(page, step)
    notebook = page.locator(".jp-Notebook").first
    for broken in ("Error displaying widget", "model not found", "Fejl ved visning"):
        expect(notebook.get_by_text(broken)).to_have_count(0)
    expect(notebook.locator(".jupyter-widgets-disconnected")).to_have_count(0)


def _expect_danish(page) -> None:
    """JupyterLab speaks Danish: the page language, the main menus, and the language pack's own strings."""
    from playwright.sync_api import expect

    assert page.evaluate("document.documentElement.lang") == "da-DK"
    labels = [norm(x) for x in page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").all_inner_texts()]
    assert {"Fil", "Rediger", "Vis", "Kør", "Kerne", "Indstillinger", "Hjælp"} <= set(labels), labels
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Indstillinger").first.click()
    expect(page.locator(".lm-Menu:visible .lm-Menu-itemLabel", has_text="Gem Dokumenter Automatisk")).to_be_visible()
    page.keyboard.press("Escape")


def _write_timings(timings: dict, browser_version: str) -> None:
    import jupyterlab

    ms = [c["ms"] for c in timings["clicks"]]
    if ms:
        timings["summary"] = {
            "n": len(ms), "median_ms": round(statistics.median(ms), 1), "mean_ms": round(statistics.fmean(ms), 1),
            "min_ms": min(ms), "max_ms": max(ms),
        }
    timings["measured"] = ("per click: in-page time from the option button's click event to the first DOM "
                           "state showing the next step and the feedback for the choice (ms); wall_ms adds "
                           "Playwright's round trip")
    timings["environment"] = {
        "chromium": browser_version, "jupyterlab": jupyterlab.__version__, "python": platform.python_version(),
        "cpus": os.cpu_count(), "machine": platform.machine(),
    }
    timings["recorded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-timings.json").write_text(json.dumps(timings, indent=2, ensure_ascii=False) + "\n",
                                                     encoding="utf-8")


@pytest.mark.parametrize("case_id", [CASE, "hanne", "lis"])  # and the two cases issue 11 added
def test_an_exam_notebook_opens_ready(tmp_path, case_id):
    """The exam notebook `sagssim build-course` writes (metadata `"sagssim": {"case": ...}`), opened as a
    candidate opens it: the eksamen player is there without running anything, and no code is shown;
    the first choice of the model path, clicked by its id, is logged and moves the case on."""
    import nbformat

    from grading.course import assignment_notebook, public_case_yaml
    from playwright.sync_api import expect

    case = load_case(CASES_DIR / f"{case_id}.yaml", load_library())
    lab_root, log_dir = tmp_path / "lab", tmp_path / "logs"
    lab_root.mkdir()
    log_dir.mkdir()
    nb = assignment_notebook(case, load_library())
    nbformat.write(nb, lab_root / f"{case_id}.ipynb")
    (lab_root / f"{case_id}.case.yaml").write_text(public_case_yaml(case), encoding="utf-8")
    first = next(s for s in case.steps if s.id == case.start)
    chosen = next(o for o in first.options if o.id == case.model_path[0])
    after = replay(case, [{"type": "choice", "step": first.id, "option": chosen.id}])
    next_title = next(s.title for s in case.steps if s.id == after.current)
    with jupyter_lab(lab_root, env={"SAGSSIM_LOG_DIR": str(log_dir)}) as lab, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(lab.notebook_url(f"{case_id}.ipynb"))
            root = page.locator(".jp-Notebook .sagssim")
            expect(root.locator("h3", has_text=first.title).first).to_be_visible()
            for option in first.options:
                expect(_option_button(page, option)).to_be_visible()
            _expect_no_code(page)
            assert logged_choices(default_log_path(log_dir, case.id), case) == []
            expect(root.locator(".sagssim-state")).to_have_count(0)  # no state that tells how it is going
            expect(root.locator("meter")).to_have_count(0)
            scan = axe_scan(page)
            record_axe(f"exam-{case_id}", scan)
            assert not blocking(scan), "\n".join(blocking(scan))
            _option_button(page, chosen).click()
            expect(root.locator("h3", has_text=next_title).first).to_be_visible()
            expect(root.locator(".sagssim-box.sagssim-feedback")).to_have_count(0)  # eksamen: no feedback
            assert logged_choices(default_log_path(log_dir, case.id), case) == [chosen.id]
        except Exception:
            save_screenshot(page, f"failure-exam-{case_id}.png")
            raise


def test_a_module_page_is_accessible(tmp_path):
    """A course module (text, legal boxes, self-check) as a trainee opens it: Danish, and no critical or
    serious axe-core finding in its content."""
    from playwright.sync_api import expect

    lab_root = tmp_path / "lab"
    lab_root.mkdir()
    shutil.copy(MODULE, lab_root / MODULE.name)
    with jupyter_lab(lab_root) as lab, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="da-DK")
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(lab.notebook_url(MODULE.name))
            notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
            expect(notebook.locator(".sagssim button.sagssim-option").first).to_be_visible()  # the self-check
            expect(notebook.locator(".jp-RenderedMarkdown h1").first).to_be_visible()
            assert notebook.first.get_attribute("lang") == "da"
            scan = axe_scan(page)
            record_axe("module", scan)
            assert not blocking(scan), "\n".join(blocking(scan))
        except Exception:
            save_screenshot(page, "failure-module.png")
            raise
