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
    """What a candidate's environment gets from `pip install`: code, the reader's Danish word lists,
    templates and the JupyterLab extension and settings -- no cases, rubrics, letters or keys."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("sagssim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("simulator/") for n in names)
    payload = [n for n in names if ".dist-info/" not in n]
    allowed = (
        lambda n: n.endswith(".py"),
        lambda n: n in ("simulator/data/lexicon.yaml", "simulator/data/cues.yaml"),  # how letters say things
        lambda n: n.startswith("grading/templates/"),
        lambda n: ".data/data/share/jupyter/" in n or ".data/data/etc/jupyter/" in n,  # extension, settings
    )
    leaks = [n for n in payload if not any(ok(n) for ok in allowed)
             or n.startswith(("cases/", "tests/", "course/"))
             or (not n.endswith(".py") and ("rubric" in n or "letter" in n))]
    assert leaks == []
    # and the word lists hold no key: nothing from a case's expectation or the letter rubric
    lexicon = zipfile.ZipFile(wheel).read("simulator/data/lexicon.yaml").decode("utf-8")
    assert "kv-frist" not in lexicon and "model_letter" not in lexicon


def test_the_exam_copy_of_every_case_has_no_key_and_loads(tmp_path):
    written = build_course(tmp_path / "course")
    assert written
    for cid in written:
        public = load_case(tmp_path / "course" / "source" / cid / f"{cid}.case.yaml")
        full = load_case(tmp_path / "course" / "keys" / f"{cid}.yaml")
        assert has_keys(full) and not has_keys(public), cid
        assert not list((tmp_path / "course" / "source" / cid).glob("rubric*")), cid
