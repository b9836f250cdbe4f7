"""The synthetic cohort course shared by the nbgrader end-to-end test and the certification tests.

`build_cohort_course(root)` does what an examiner does with the stock tools: `sagssim
build-course`, `nbgrader generate_assignment` for every case, one submission per synthetic
trainee and case (written through the exam player's Session API), one tampered log, one
missing log and one notebook with planted grading code, then autograde: stock `nbgrader autograde` (a kernel per notebook) or Sagssim's
in-process grader, which writes the same scores (the end-to-end test checks that).

Use it from a test module:

    from cohort_fixture import cohort_course          # module-scoped fixture, stock autograde
    from cohort_fixture import build_cohort_course    # or build one yourself
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from conftest import CASE_IDS
from synthetic import Trainee, cohort, students_csv, submit_cohort

BIN = Path(sys.executable).parent
N_TRAINEES = 12
TAMPERED = "t005"
MISSING = "t007"
CHEAT = "t002"  # low skill: full marks would show


@dataclass
class CohortCourse:
    root: Path
    trainees: list[Trainee]
    paths: dict[tuple[str, str], list[str]]  # (student, case) -> option ids walked
    cases: list[str]
    tampered: tuple[str, str]  # (student, case) whose log was edited after the fact
    missing: tuple[str, str]  # (student, case) whose log is missing
    cheat: tuple[str, str]  # (student, case) whose notebook has rewritten grading cells and added code

    def __iter__(self):  # `root, trainees, paths = course` as in the end-to-end test
        return iter((self.root, self.trainees, self.paths))


def run(*cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, f"{' '.join(cmd)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def build_cohort_course(root: Path, n: int = N_TRAINEES, cases: list[str] | None = None,
                        autograde: str = "stock") -> CohortCourse:
    """autograde: "stock" (nbgrader autograde, kernels), "fast" (sagssim grade, in-process) or "none"."""
    cases = list(cases or CASE_IDS)
    assert cases, "no cases"
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    trainees = cohort(n)
    students = students_csv(root.parent / f"{root.name}-students.csv", trainees)
    run("sagssim", "build-course", str(root), "--students", str(students), "--cases", ",".join(cases), cwd=root)
    for cid in cases:
        run("nbgrader", "generate_assignment", cid, "--force", cwd=root)
    paths = submit_cohort(root, cases, trainees)
    tampered, missing, cheat = (TAMPERED, cases[0]), (MISSING, cases[-1]), (CHEAT, cases[0])
    # one trainee edits their log after the fact
    log = root / "submitted" / tampered[0] / tampered[1] / f"{tampered[1]}.decisions.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"option":"', '"option":"x', 1)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # one trainee's log is missing altogether
    (root / "submitted" / missing[0] / missing[1] / f"{missing[1]}.decisions.jsonl").unlink()
    # one trainee tries to cheat in the notebook: rewrites the grading cells and adds code that patches grading
    nb_path = root / "submitted" / cheat[0] / cheat[1] / f"{cheat[1]}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith("valg-"):
            cell.source = "10.0"
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import grading.autograde as g\ng.criterion_points = lambda *a, **k: 10.0\ng.points_for = lambda *a, **k: 10.0"))
    nbformat.write(nb, nb_path)

    if autograde == "stock":
        for cid in cases:
            run("nbgrader", "autograde", cid, "--force", cwd=root)
    elif autograde == "fast":
        run("sagssim", "grade", str(root), "--quiet", cwd=root)
    return CohortCourse(root, trainees, paths, cases, tampered, missing, cheat)


@pytest.fixture(scope="module")
def cohort_course(tmp_path_factory) -> CohortCourse:
    return build_cohort_course(tmp_path_factory.mktemp("course") / "course")
