"""Exam controls that are not covered by the end-to-end nbgrader test (see docs/threat-model.md)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from simulator.casefile import load_case
from simulator.keys import has_keys
from grading.course import build_course

from conftest import ROOT


def test_the_installed_package_carries_no_case_or_key(tmp_path):
    """What a candidate's environment gets from `pip install`: code only, no cases, rubrics or letters."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("sagssim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("simulator/") for n in names)
    payload = [n for n in names if ".dist-info/" not in n]
    leaks = [n for n in payload if not n.endswith(".py") or n.startswith(("cases/", "tests/", "course/"))]
    assert leaks == []


def test_the_exam_copy_of_every_case_has_no_key_and_loads(tmp_path):
    written = build_course(tmp_path / "course")
    assert written
    for cid in written:
        public = load_case(tmp_path / "course" / "source" / cid / f"{cid}.case.yaml")
        full = load_case(tmp_path / "course" / "keys" / f"{cid}.yaml")
        assert has_keys(full) and not has_keys(public), cid
        assert not list((tmp_path / "course" / "source" / cid).glob("rubric*")), cid
