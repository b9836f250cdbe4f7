"""A case registers itself (issue 13): a new case file that follows the authoring brief is found by
the course, the exam build and the key-leak test, without anyone listing it anywhere else."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import yaml

from grading.course import build_course
from simulator.casefile import CASES_DIR, case_files, course_cases, load_all
from simulator.ui import open_player

from conftest import MINIMAL

ROOT = Path(__file__).resolve().parent.parent


def _cases_with_a_new_one(tmp: Path) -> Path:
    cases = tmp / "cases"
    shutil.copytree(CASES_DIR, cases)
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    data.update(id="ny", notebook=16, title="Ny sag – Anna")
    (cases / "ny.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cases


def _build_notebooks():
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "course" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_case_file_reaches_the_course_the_exam_and_the_key_leak_check(tmp_path):
    cases = _cases_with_a_new_one(tmp_path)
    assert "ny" in load_all(cases)
    # the course: listed, and a notebook built from the template
    assert ("ny", "16-ny.ipynb") in [(c.id, c.notebook) for c in course_cases(cases)]
    out = tmp_path / "course"
    out.mkdir()
    written = _build_notebooks().build(cases_dir=cases, out=out)
    assert "16-ny.ipynb" in written and 'start(\\"ny\\")' in (out / "16-ny.ipynb").read_text(encoding="utf-8")
    # the exam: an assignment whose release has the case without its key
    assignments = build_course(tmp_path / "eksamen", ["ny"], cases_dir=cases)
    assert assignments == ["ny"]
    released = (tmp_path / "eksamen" / "source" / "ny").glob("*.yaml")
    text = "".join(p.read_text(encoding="utf-8") for p in released)
    assert "Rigtigt. Notatet taler imod Anna" not in text and "credit" not in text
    # the key-leak check: an exam player of the new case shows no feedback
    player = open_player("ny", "eksamen", folder=tmp_path / "log", case_file=cases / "ny.yaml")
    player.choose("afgoer")
    assert "Forkert" not in player.visible_text() and "Kritisk" not in player.visible_text()


def test_every_shipped_case_with_a_notebook_number_has_its_notebook():
    for case in course_cases():
        assert (ROOT / "course" / case.notebook).exists(), case.notebook
    assert {p.stem for p in case_files()} >= {c.id for c in course_cases()}
