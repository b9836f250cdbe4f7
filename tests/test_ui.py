"""The trainee's simulator, driven from code with real ipywidgets (no browser, no mocks).

Each test plays through `CasePlayer` exactly as a click would: the button's
`click()` runs the same handler a browser event runs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import ipywidgets as w
import pytest

from simulator.casefile import CASES_DIR
from simulator.decision_log import read_log
from simulator.model import LetterStep
from simulator.presentation import criterion_rows
from simulator.readability import readability
from simulator.ui import LOG_DIR_ENV, CasePlayer, open_player, start

from conftest import CASE_IDS, MINIMAL, ROOT, case_by_id

REAL_CASES = list(CASE_IDS)  # every case file: a new case is in the key-leak test without anyone listing it
LETTER = ("Kære Anna\n\nDu har søgt om hjælp til din post. Vi har givet dig afslag. "
          "Du kan klage inden 4 uger fra du har fået afgørelsen. Klagen sendes til kommunen, "
          "som ser på sagen igen. Holder kommunen fast i afgørelsen, sender den klagen til Ankestyrelsen.")


def minimal_player(folder: Path, mode: str = "selvstudie") -> CasePlayer:
    player = open_player("minimal", mode, folder=folder, case_file=MINIMAL)
    assert player.error is None, player.visible_text()
    return player


def choice_events(folder: Path, case_id: str) -> list[dict]:
    return [e for e in read_log(folder / f"{case_id}.decisions.jsonl").events if e["type"] == "choice"]


def all_strings(widget: w.Widget) -> list[str]:
    """Every string a widget tree holds, shown or not: values, descriptions, tooltips,
    titles, placeholders and the outputs of Output widgets."""
    out: list[str] = []
    for name in widget.keys:
        value = getattr(widget, name, None)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (tuple, list)):
            out.extend(v for v in value if isinstance(v, str))
    if isinstance(widget, w.Output):
        out.append(json.dumps(widget.outputs, ensure_ascii=False))
    for child in getattr(widget, "children", ()):
        out.extend(all_strings(child))
    return out


def play_model_path(player: CasePlayer) -> None:
    assert not player.result.path
    play_model_path_from_here(player)


# ---------------------------------------------------------------- recording


def test_choice_is_in_the_log_before_the_screen_moves_on(tmp_path):
    player = minimal_player(tmp_path)
    seen: list[list[dict]] = []
    player._body.observe(lambda _change: seen.append(choice_events(tmp_path, "minimal")), names="children")
    assert player.choose("hoer")
    assert seen, "the screen did not change"
    assert [e["option"] for e in seen[0]] == ["hoer"], "the screen moved on before the choice was on disk"
    assert player.current_step_id == "brev"


def test_second_click_on_same_button_records_once(tmp_path):
    player = minimal_player(tmp_path)
    button = player._option_buttons["hoer"]
    button.click()
    button.click()  # the stale button of the old screen, clicked again
    assert player.choose("hoer") is False  # no such button on the new screen
    assert len(choice_events(tmp_path, "minimal")) == 1
    assert "Valget blev ikke gemt" not in player.visible_text()  # a double click is not an error


def test_a_second_tab_on_the_same_log_does_not_record_twice(tmp_path):
    first, second = minimal_player(tmp_path), minimal_player(tmp_path)
    assert first.choose("hoer")
    assert second.choose("afgoer") is False  # the log is already past the step
    assert [e["option"] for e in choice_events(tmp_path, "minimal")] == ["hoer"]
    assert second.current_step_id == "brev"  # and the second screen caught up with the log


def test_reopening_resumes_where_the_trainee_was(tmp_path):
    player = minimal_player(tmp_path)
    player.choose("hoer")
    player.write_letter("Et halvt færdigt brev")
    again = minimal_player(tmp_path)  # a kernel restart: a new player on the same folder
    assert again.current_step_id == "brev"
    assert again._letter_area.value == "Et halvt færdigt brev"  # the draft survived
    assert "Send notatet til Anna" in again.visible_text()  # the path so far is shown


def test_log_folder_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "logs"))
    player = open_player("minimal", case_file=MINIMAL)
    player.choose("hoer")
    assert (tmp_path / "logs" / "minimal.decisions.jsonl").exists()


# ---------------------------------------------------------------- what each mode shows


def test_selvstudie_shows_feedback_with_provision_and_source(tmp_path, library):
    player = minimal_player(tmp_path)
    player.choose("hoer")
    text = player.feedback_text
    assert "Rigtigt. Notatet taler imod Anna" in text
    assert "Forvaltningsloven § 19" in text
    assert library.provisions["fvl-19"].gist in player.visible_text()
    assert "Partshøring: 1 af 1 point" in text


def test_selvstudie_shows_critical_error(tmp_path):
    player = minimal_player(tmp_path)
    player.choose("afgoer")
    assert "Kritisk fejl: Afgørelsen bygger på en oplysning" in player.feedback_text


def key_strings(case) -> list[str]:
    """The answer key of a case: feedback, critical texts, rule descriptions, model letters, rubric."""
    out = []
    for s in case.steps:
        if isinstance(s, LetterStep):
            out += [s.model_letter] if s.model_letter else []
            continue
        for o in s.options:
            out += [t for t in (o.feedback, o.critical) if t]
    out += [r.description for r in case.rules if getattr(r, "description", None)]
    return [t for t in out if len(t) > 25]  # short texts could occur by chance


def assert_no_key(player: CasePlayer, keys: list[str]) -> None:
    blob = "\n".join(all_strings(player.widget))
    leaked = [k for k in keys if k in blob]
    assert not leaked, leaked[:3]
    for word in ("Forklaring", "point", "Kritisk fejl", "Modelvalget", "Retsgrundlag", "LIX under"):
        assert not re.search(rf"\b{word}\b", blob), word


@pytest.mark.parametrize("case_id", ["minimal", *REAL_CASES])
def test_eksamen_shows_no_feedback_anywhere(tmp_path, case_id, library):
    full = case_by_id(case_id) if case_id != "minimal" else open_player("minimal", case_file=MINIMAL,
                                                                         folder=tmp_path / "x").case
    keys = key_strings(full)
    assert keys
    case_file = MINIMAL if case_id == "minimal" else CASES_DIR / f"{case_id}.yaml"
    player = open_player(case_id, "eksamen", folder=tmp_path, case_file=case_file)
    assert player.error is None
    assert_no_key(player, keys)
    steps = {s.id: s for s in full.steps}
    for choice in full.model_path:
        step = steps[player.current_step_id]
        if isinstance(step, LetterStep):
            player.write_letter(LETTER)
            assert_no_key(player, keys)
            assert player.submit_letter()
        else:
            assert player.choose(choice)
            assert "Dit valg er gemt." in player.visible_text()
        assert_no_key(player, keys)
        assert player.feedback_text.count("Forklaring") == 0
    assert player.finished
    text = player.visible_text()
    assert "Sagen er afsluttet" in text and "Dine valg er gemt." in text
    assert_no_key(player, keys)


# ---------------------------------------------------------------- eksamen: nothing tells how it is going


def widgets_with_class(widget: w.Widget, cls: str) -> list[w.Widget]:
    found = [widget] if cls in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += widgets_with_class(child, cls)
    return found


def norm(text: str) -> str:
    return " ".join(text.split())


def assert_nothing_evaluative(player: CasePlayer, case) -> None:
    """No state that moves with the quality of the choices, and no ending story."""
    assert not widgets_with_class(player.widget, "sagssim-state")
    strings = all_strings(player.widget)
    assert not any("<meter" in s for s in strings)
    text = norm(" ".join(unescape(re.sub(r"<[^>]+>", " ", s)) for s in strings))
    assert "Sådan har borgeren det nu" not in text
    first_name = case.citizen.name.split()[0]
    assert not re.search(rf"{first_name} har ventet \d+ dag", text)  # the days-waited line
    for var in case.state.values():
        if var.exam == "hide":
            assert norm(var.label) not in text, var.label
    for ending in case.endings:
        assert norm(ending.title) not in text, ending.title
        assert norm(ending.text) not in text, ending.title


def exam_walks(case) -> list[tuple[str, list[str]]]:
    return [(name, list(path)) for name, path in (("model_path", case.model_path),
                                                   ("typical_error_path", case.typical_error_path)) if path]


@pytest.mark.parametrize("case_id", REAL_CASES)
def test_eksamen_shows_no_state_and_no_ending_before_or_after_the_letter(tmp_path, case_id):
    full = case_by_id(case_id)
    steps = {s.id: s for s in full.steps}
    assert any(v.exam == "hide" for v in full.state.values())
    letters = 0
    for name, walk in exam_walks(full):
        player = open_player(case_id, "eksamen", folder=tmp_path / name, case_file=CASES_DIR / f"{case_id}.yaml")
        assert player.error is None
        assert_nothing_evaluative(player, full)
        while not player.finished:
            step = steps[player.current_step_id]
            if isinstance(step, LetterStep):
                if walk and walk[0] == step.id:
                    walk.pop(0)
                player.write_letter(step.model_letter or LETTER)
                assert_nothing_evaluative(player, full)  # before the letter is sent
                assert player.submit_letter()
                letters += 1
            else:
                assert walk, f"{name} ends before the case does, at {step.id}"
                assert player.choose(walk.pop(0)), (name, step.id)
                assert "Dit valg er gemt." in player.visible_text()  # the case still unfolds
            assert_nothing_evaluative(player, full)
        text = player.visible_text()
        assert "Sagen er afsluttet" in text and "Dine valg er gemt." in text
        # the same path in self-study does show the ending and the citizen's state: the check can fail
        study = open_player(case_id, "selvstudie", folder=tmp_path / name, case_file=CASES_DIR / f"{case_id}.yaml")
        assert study.finished
        ending = next(e for e in full.endings if e.id == study.result.current)
        assert norm(ending.title) in norm(study.visible_text())
        assert widgets_with_class(study.widget, "sagssim-state")
    assert letters, f"no path of {case_id} reaches a letter: the check after the letter never ran"


def test_a_state_variable_marked_exam_show_is_shown_in_eksamen(tmp_path):
    source = MINIMAL.read_text(encoding="utf-8")
    marked = source.replace("    label: Annas tillid til kommunen\n",
                            "    label: Annas tillid til kommunen\n    exam: show\n")
    assert marked != source
    case_file = tmp_path / "minimal.yaml"
    case_file.write_text(marked, encoding="utf-8")
    (tmp_path / "legal-sources.yaml").write_text((CASES_DIR / "legal-sources.yaml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    player = open_player("minimal", "eksamen", folder=tmp_path / "log", case_file=case_file)
    assert player.error is None, player.visible_text()
    [state] = widgets_with_class(player.widget, "sagssim-state")
    assert "Annas tillid til kommunen" in state.value
    assert "Anna har ventet" not in state.value  # `dage` is hidden by default
    hidden = minimal_player(tmp_path / "study")
    assert "Anna har ventet" in widgets_with_class(hidden.widget, "sagssim-state")[0].value


# ---------------------------------------------------------------- the letter editor


def test_letter_editor_counts_words_and_lix(tmp_path):
    player = minimal_player(tmp_path)
    player.choose("hoer")
    assert "0 ord" in player._letter_stats.value
    player.write_letter(LETTER)
    r = readability(LETTER)
    stats = player._letter_stats.value
    assert f"{r.words} ord" in stats
    assert f"LIX {r.lix:.1f}".replace(".", ",") in stats
    assert r.band in stats


def test_sending_a_letter_asks_for_confirmation(tmp_path):
    player = minimal_player(tmp_path)
    player.choose("hoer")
    player.write_letter(LETTER)
    player._send_button.click()
    assert player.current_step_id == "brev"  # not sent before "Ja"
    assert "Vil du sende afgørelsen nu?" in player.visible_text()
    assert player.submit_letter()
    assert player.finished
    assert read_log(tmp_path / "minimal.decisions.jsonl").events[-1]["text"] == LETTER


# ---------------------------------------------------------------- the debrief


def test_debrief_has_chart_criteria_and_model_path(tmp_path):
    player = minimal_player(tmp_path)
    player.choose("afgoer")  # decides without hearing Anna on the notat ...
    # ... yet says so
    player.write_letter(LETTER + " Vi har sendt bostøttens notat til dig, og du har kommenteret det.")
    player.submit_letter()
    assert player.finished
    [chart] = widgets_with_class(player.widget, "sagssim-chart")
    img = re.fullmatch(r'<img class="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)">', chart.value)
    assert img, chart.value[:200]
    assert base64.b64decode(img.group(1)).startswith(b"\x89PNG")
    alt = unescape(img.group(2))
    assert alt.startswith("Søjlediagram")
    for row in criterion_rows(player.result):  # the alt text carries every value the bars show
        assert row.text in alt
    text = player.visible_text()
    assert alt in text
    assert "Sådan gik det pr. kriterium" in text
    assert "Partshøring: 0" in text
    assert "Din vej sammenlignet med modelvejen" in text
    assert "Andet valg" in text  # afgoer vs the model choice hoer
    assert "Kritiske fejl" in text and "Afgørelsen bygger på en oplysning" in text
    assert "Automatisk læsning af dit brev" in text
    assert "Partshøring" in text and "aldrig hørt" in text  # a letter claiming a høring the path never made


@pytest.mark.parametrize("case_id", REAL_CASES)
def test_real_case_model_path_in_selvstudie(tmp_path, case_id):
    player = open_player(case_id, folder=tmp_path)
    assert player.error is None
    first = player.current_step_id
    player.choose(case_by_id(case_id).model_path[0])
    assert player.feedback_text.count("Forklaring:") == 1
    again = open_player(case_id, folder=tmp_path)
    assert again.current_step_id == player.current_step_id != first
    play_model_path_from_here(again)
    text = again.visible_text()
    assert "Din vej sammenlignet med modelvejen" in text
    assert "Andet valg" not in text
    assert "Du har ingen kritiske fejl" in text


def play_model_path_from_here(player: CasePlayer) -> None:
    case = player.case
    steps = {s.id: s for s in case.steps}
    done = len(player.result.path)
    for choice in case.model_path[done:]:
        step = steps[player.current_step_id]
        if isinstance(step, LetterStep):
            player.write_letter(step.model_letter or LETTER)
            assert player.submit_letter()
        else:
            assert player.choose(choice), (step.id, choice)
    assert player.finished


# ---------------------------------------------------------------- when things go wrong


def test_damaged_log_gives_a_danish_message_not_a_traceback(tmp_path):
    player = minimal_player(tmp_path)
    player.choose("hoer")
    log = tmp_path / "minimal.decisions.jsonl"
    log.write_text(log.read_text(encoding="utf-8").replace('"hoer"', '"afgoer"'), encoding="utf-8")
    again = minimal_player(tmp_path)
    text = again.visible_text()
    assert "Beslutningsloggen kan ikke bruges" in text
    assert "Kontakt din underviser" in text
    assert "Traceback" not in "\n".join(all_strings(again.widget))
    assert not again._option_buttons  # nothing to click on a log that cannot be trusted


def test_garbage_log_file(tmp_path):
    (tmp_path / "minimal.decisions.jsonl").write_bytes(b"\x00\xffikke json\n")
    player = open_player("minimal", folder=tmp_path, case_file=MINIMAL)
    assert "Beslutningsloggen kan ikke bruges" in player.visible_text()
    assert "Traceback" not in "\n".join(all_strings(player.widget))


@pytest.mark.parametrize("kwargs, title", [
    (dict(case="findes-ikke"), "Sagen findes ikke"),
    (dict(case="minimal", mode="prøve", case_file=MINIMAL), "Ukendt tilstand"),
])
def test_problems_opening_are_danish_messages(tmp_path, kwargs, title):
    player = open_player(folder=tmp_path, **kwargs)
    assert player.error == title
    assert title in player.visible_text()
    assert player.current_step_id is None and not player.choose("hoer")


def test_broken_case_file(tmp_path):
    bad = tmp_path / "minimal.yaml"
    bad.write_text(MINIMAL.read_text(encoding="utf-8").replace("start: s1", "start: findes-ikke"), encoding="utf-8")
    (tmp_path / "legal-sources.yaml").write_text((CASES_DIR / "legal-sources.yaml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    player = open_player("minimal", folder=tmp_path, case_file=bad)
    assert player.error == "Sagsfilen indeholder fejl"
    assert "Traceback" not in "\n".join(all_strings(player.widget))


# ---------------------------------------------------------------- headless


def test_start_returns_promptly(tmp_path):
    t0 = time.monotonic()
    player = start("minimal", folder=tmp_path, case_file=MINIMAL)
    assert time.monotonic() - t0 < 10
    assert player.current_step_id == "s1"


def test_headless_start_under_nbgrader_autograde_neither_blocks_nor_writes(tmp_path):
    code = ("from simulator.ui import start\n"
            f"p = start('minimal', mode='eksamen', case_file={str(MINIMAL)!r})\n"
            "print('STEP', p.current_step_id)\n")
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde", LOG_DIR_ENV: str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "STEP s1" in out.stdout
    assert not list(tmp_path.iterdir())  # read-only while grading: no log, no draft


# ---------------------------------------------------------------- accessibility


def test_buttons_have_text_and_tooltips(tmp_path):
    player = minimal_player(tmp_path)
    for button in player._option_buttons.values():
        assert button.description and button.tooltip == button.description
    assert {"sagssim-option", "sagssim-option-hoer"} <= set(player._option_buttons["hoer"]._dom_classes)
    assert "sagssim" in player.widget._dom_classes
    player.choose("hoer")
    assert "sagssim-letter" in player._letter_area._dom_classes
    assert "sagssim-send" in player._send_button._dom_classes
    assert "sagssim-confirm" in player._confirm_button._dom_classes
    assert player._letter_area.placeholder
    player.write_letter(LETTER)
    player.submit_letter()
    assert any("sagssim-debrief" in c._dom_classes for c in player._body.children)


def test_progress_and_state_are_native_bars_with_names_and_words(tmp_path):
    player = minimal_player(tmp_path)
    player.choose("afgoer")  # trust falls: low, and bad for Anna
    [progress] = widgets_with_class(player.widget, "sagssim-progress")
    bar = re.search(r"<progress [^>]*>", progress.value).group(0)
    assert 'value="1"' in bar and 'max="2"' in bar
    assert 'aria-label="Fremskridt i sagen: Trin 2 af højst 2"' in bar
    assert "Trin 2 af højst 2" in re.sub(r"<[^>]+>", " ", progress.value)  # also visible, not only to AT
    [state] = widgets_with_class(player.widget, "sagssim-state")
    meters = re.findall(r"<meter [^>]*>", state.value)
    assert len(meters) == 1  # the days waited are a sentence, not a bar
    assert 'aria-label="Annas tillid til kommunen: lav (dårligt for Anna)"' in meters[0]
    assert 'optimum="1"' in meters[0]
    # the meaning is in words, not only in the meter's colour
    assert "Annas tillid til kommunen: lav (dårligt for Anna)" in norm(player.visible_text())
    assert "Anna har ventet 0 dage." in player.visible_text()


def test_each_new_step_and_the_debrief_have_a_focusable_heading(tmp_path):
    """The labextension moves the keyboard focus to `.sagssim-step [tabindex="-1"]` (or the debrief's)
    after a choice; tests/test_browser.py checks that it gets there."""
    player = minimal_player(tmp_path)
    for expected in ("Notatet", "Afgørelsesbrevet"):
        [step] = widgets_with_class(player.widget, "sagssim-step")
        assert f'<h3 class="sagssim-step-heading" tabindex="-1">{expected}</h3>' in step.value
        if expected == "Notatet":
            player.choose("hoer")
    player.write_letter(LETTER)
    player.submit_letter()
    assert not widgets_with_class(player.widget, "sagssim-step")
    [debrief] = widgets_with_class(player.widget, "sagssim-debrief")
    assert 'tabindex="-1">Sagen er afsluttet</h3>' in debrief.children[0].value


# ---------------------------------------------------------------- bad letters


@pytest.mark.parametrize("text, recorded, message", [
    ("", True, None),                                   # allowed after the "Brevet er tomt" question
    ("   \n\t  \n", True, None),
    ("Kære Anna\x00\x07\x1b[31m du får afslag\u200b.", True, None),  # kept as typed; the check strips them
    ("ord " * 51_200, False, "Brevet blev ikke gemt"),  # 200 KB: refused with a reason, draft kept
])
def test_bad_letters_get_a_clear_answer_and_lose_nothing(tmp_path, text, recorded, message):
    player = minimal_player(tmp_path)
    player.choose("hoer")
    player.write_letter(text)
    if not text.strip():
        player._send_button.click()
        assert "Brevet er tomt" in player.visible_text()
    assert player.submit_letter() is recorded
    shown = player.visible_text()
    assert "Traceback" not in shown
    log = read_log(tmp_path / "minimal.decisions.jsonl")
    assert log.intact
    if recorded:
        assert player.finished and log.events[-1]["text"] == text
        assert "Automatisk læsning af dit brev" in shown
    else:
        assert message in shown and "for langt" in shown
        assert player.current_step_id == "brev"
        assert (tmp_path / "minimal.decisions.jsonl.brev.draft.txt").read_text(encoding="utf-8") == text
