"""A course folder owns its paths (issue 13): moved or copied, it grades against its own keys.

Before, every generated notebook and nbgrader's stored source cells named the keys by absolute
path, and nbgrader_config.py named the folder itself: a moved course quietly graded against the
old folder's keys, or failed to find any."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cohort_fixture import run, submit_walk
from grading.synthetic import minimal_cases




def _choice_points(root: Path, student: str, case_id: str) -> float:
    from nbgrader.api import Gradebook

    from grading.course import gradebook_url

    with Gradebook(gradebook_url(root), "sagssim") as gb:
        sub = gb.find_submission_notebook(case_id, case_id, student)
        return next(g.score for g in sub.grades if g.name == "valg-partshoering")


@pytest.mark.slow
def test_a_moved_and_a_copied_course_grade_against_their_own_keys(tmp_path):
    from grading.course import build_course

    cases = minimal_cases(tmp_path / "cases")
    students = tmp_path / "students.csv"
    students.write_text("id,first_name,last_name\nkursist,Kim,Hansen\n", encoding="utf-8")
    built = tmp_path / "bygget"
    build_course(built, ["minimal"], students, cases_dir=cases)
    run("nbgrader", "generate_assignment", "minimal", "--force", cwd=built)
    submit_walk(built, "minimal", "kursist", ["hoer", "brev"], "Du får afslag.")

    moved = tmp_path / "flyttet"
    shutil.move(str(built), str(moved))
    run("sagssim", "grade", str(moved), "--quiet", cwd=moved)
    assert _choice_points(moved, "kursist", "minimal") == 10.0  # the model choice, by the moved folder's key

    # A copy whose key scores the other way grades by its own key (stock nbgrader, a kernel per
    # notebook), and leaves the original's grades alone.
    copy = tmp_path / "kopi"
    shutil.copytree(moved, copy)
    key = copy / "keys" / "minimal.yaml"
    text = key.read_text(encoding="utf-8")
    text = text.replace("credit: {partshoering: 1}", "credit: {partshoering: X}").replace(
        "credit: {partshoering: 0}", "credit: {partshoering: 1}").replace("credit: {partshoering: X}",
                                                                         "credit: {partshoering: 0}")
    key.write_text(text.replace("Rigtigt. Notatet", "Forkert. Notatet", 1).replace("Forkert. Oplysningen",
                                                                                    "Rigtigt. Oplysningen", 1),
                   encoding="utf-8")
    run("nbgrader", "autograde", "minimal", "--force", cwd=copy)
    # the choice now earns 0 of 1; the process rule (heard before the decision) still 1 of 1
    assert _choice_points(copy, "kursist", "minimal") == 5.0
    assert _choice_points(moved, "kursist", "minimal") == 10.0


@pytest.mark.parametrize("shared", [False, True])
def test_the_course_and_student_configs_are_python_that_names_the_exchange(tmp_path, shared):
    """Both nbgrader_config.py files are read by nbgrader as Python: a path pasted in without
    quotes once broke every student's fetch (found by the exam-guide test)."""
    from traitlets.config.loader import PyFileConfigLoader

    from grading.course import STUDENT_CONFIG_DIR, build_course

    cases = minimal_cases(tmp_path / "cases")
    exchange = tmp_path / "faelles exchange" if shared else None  # a space, as real paths may have
    built = tmp_path / "kursus"
    build_course(built, ["minimal"], None, cases_dir=cases, exchange=str(exchange) if exchange else None)

    def load(path: Path):  # as nbgrader reads it
        return PyFileConfigLoader(path.name, str(path.parent)).load_config()

    course = load(built / "nbgrader_config.py")
    student = load(built / STUDENT_CONFIG_DIR / "nbgrader_config.py")
    want = str((exchange or built / "exchange").resolve())
    assert course.Exchange.root == want and student.Exchange.root == want
    assert course.CourseDirectory.course_id == student.CourseDirectory.course_id == "sagssim"
