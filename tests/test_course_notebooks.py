"""The course notebooks: they run clean under nbval, match their sources, hide their code,
store no outputs, cite only registry provisions, and are written in our own words.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from simulator.course import course_case_notebooks, load_selfcheck, quiz, unknown_paragraphs

from conftest import ROOT, SEEDS
from own_words import copied_runs

COURSE_CASES = course_case_notebooks()
COURSE = ROOT / "course"
NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))
TRAINEE_NOTEBOOKS = [p for p in NOTEBOOKS if not p.name.startswith("9")]
MODULES = ["01-vejledningspligt", "02-helhedsvurdering", "03-partshoering", "04-begrundelse", "05-klagevejledning"]


def ids(paths):
    return [p.name for p in paths]


def markdown(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_course_is_complete():
    names = {p.name for p in NOTEBOOKS}
    assert "00-start.ipynb" in names
    assert {f"{m}.ipynb" for m in MODULES} <= names
    assert {nb for _, nb in COURSE_CASES} <= names
    assert any(n.startswith("90-") for n in names)  # the instructor guide


def test_notebooks_match_their_sources():
    out = subprocess.run([sys.executable, str(COURSE / "build_notebooks.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_outputs_and_code_hidden(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, "outputs stored"
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        assert "hide-input" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_runs_itself_when_opened(path):
    """The metadata the sagssim-autorun extension and the save hook look for."""
    from simulator.course_files import wants_autorun

    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("sagssim") == {"autorun": True}
    assert wants_autorun(nb.metadata)


@pytest.mark.parametrize("path", TRAINEE_NOTEBOOKS, ids=ids(TRAINEE_NOTEBOOKS))
def test_no_code_visible_to_trainees(path):
    text = markdown(path)
    assert "```" not in text
    assert not re.search(r"\b(import|def|print)\b|\w+\(\"", text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_paragraph_mentioned_is_in_the_registry(path, library):
    assert unknown_paragraphs(markdown(path), library) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_own_words(path):
    assert copied_runs(markdown(path), SEEDS) == []


@pytest.mark.parametrize("module", MODULES)
def test_modules_render_law_from_the_registry_and_have_a_selfcheck(module):
    nb = nbformat.read(COURSE / f"{module}.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "legal_box(" in code
    assert f'quiz("{module}")' in code
    assert "Kilde:" in markdown(COURSE / f"{module}.ipynb")  # examples cite their report


def test_selfcheck_file_is_valid(library):
    check = load_selfcheck(library=library)
    assert set(MODULES) <= set(check.modules)


def test_selfcheck_file_is_in_own_words(library):
    check = load_selfcheck(library=library)
    text = []
    for module in check.modules.values():
        for q in module.questions:
            text.append(q.text)
            text += [a.text + " " + a.feedback for a in q.options]
    blob = "\n".join(text)
    assert copied_runs(blob, SEEDS) == []
    assert unknown_paragraphs(blob, library) == []


def test_quiz_gives_feedback_per_answer():
    q = quiz("03-partshoering")
    assert q is not None
    question = q.module.questions[0]
    right = next(i for i, a in enumerate(question.options) if a.correct)
    wrong = next(i for i, a in enumerate(question.options) if not a.correct)
    assert q.answer(0, right).startswith("Rigtigt.")
    assert q.answer(0, wrong).startswith("Ikke rigtigt.")
    assert question.options[wrong].feedback.split()[0] in q.feedback_text(0)


def test_unknown_quiz_is_a_message(capsys):
    assert quiz("findes-ikke") is None


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_runs_clean_under_nbval(path, tmp_path):
    """`pytest --nbval-lax` on the notebook, in a kernel of this environment; decision logs go
    to a temporary folder, never into course/."""
    env = {**os.environ, "SAGSSIM_LOG_DIR": str(tmp_path), "MPLBACKEND": "Agg"}
    env.pop("NBGRADER_EXECUTION", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         "-o", "addopts=", "--rootdir", str(tmp_path), str(path)],
        cwd=COURSE, env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert " passed" in out.stdout
    assert not list(COURSE.glob("*.decisions.jsonl"))


READY = [(cid, nb) for cid, nb in COURSE_CASES if (ROOT / "cases" / f"{cid}.yaml").exists()]


@pytest.mark.slow
@pytest.mark.parametrize("case_id, notebook", READY, ids=[c for c, _ in READY])
def test_case_notebook_shows_the_player(case_id, notebook, tmp_path, monkeypatch):
    """Executed headless, a ready case's notebook shows its first step (not an error box),
    and writes its log where SAGSSIM_LOG_DIR says."""
    from nbclient import NotebookClient

    from conftest import case_by_id

    monkeypatch.setenv("SAGSSIM_LOG_DIR", str(tmp_path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = nbformat.read(COURSE / notebook, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(COURSE)}},
                   store_widget_state=True).execute()
    state = str(nb.metadata.get("widgets", {}))
    case = case_by_id(case_id)
    first = next(s for s in case.steps if s.id == case.start)
    assert first.title in state
    for error in ("Sagen kunne ikke åbnes", "Sagsfilen indeholder fejl", "Der skete en fejl", "Traceback"):
        assert error not in state
    assert (tmp_path / f"{case_id}.decisions.jsonl").exists()
