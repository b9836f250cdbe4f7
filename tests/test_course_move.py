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

pytestmark = pytest.mark.slow


def _choice_points(root: Path, student: str, case_id: str) -> float:
    from nbgrader.api import Gradebook

    from grading.course import gradebook_url

    with Gradebook(gradebook_url(root), "sagssim") as gb:
        sub = gb.find_submission_notebook(case_id, case_id, student)
        return next(g.score for g in sub.grades if g.name == "valg-partshoering")


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
