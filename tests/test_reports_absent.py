"""Tests that need the source reports (../shared/seeds, beside the repository, not in it) skip with
a reason on a clone that does not have them, and fail, never pass by comparing against nothing,
when the reports are there but unusable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from own_words import copied_runs, reports

from conftest import ROOT

SKIPPED = pytest.skip.Exception
FAILED = pytest.fail.Exception


def test_absent_reports_skip_with_a_reason(tmp_path):
    with pytest.raises(SKIPPED, match="needs the source reports"):
        reports(tmp_path / "shared" / "seeds")
    with pytest.raises(SKIPPED):
        copied_runs("en tekst", tmp_path / "shared" / "seeds")


def test_reports_folder_without_reports_fails(tmp_path):
    with pytest.raises(FAILED, match="holds no report"):
        reports(tmp_path)
    (tmp_path / "a.txt").write_text("noget tekst", encoding="utf-8")
    with pytest.raises(FAILED, match="missing b.txt"):
        reports(tmp_path, required=["a.txt", "b.txt"])


@pytest.mark.parametrize("content", [b"", b"\xff\xfe ikke utf-8 \xff"], ids=["empty", "not-utf8"])
def test_an_unreadable_report_fails_the_own_words_check(tmp_path, content):
    (tmp_path / "rapport.txt").write_bytes(content)
    with pytest.raises(AssertionError, match="source report"):
        copied_runs("en tekst med mange ord som ikke findes i nogen rapport overhovedet her", tmp_path)


def test_own_words_finds_a_copied_run(tmp_path):
    (tmp_path / "rapport.txt").write_text("Kommunen skal altid vejlede borgeren om alle de muligheder der findes i "
                                          "loven og i praksis.", encoding="utf-8")
    runs = copied_runs("Vi ved at kommunen skal altid vejlede borgeren om alle de muligheder der findes i loven.",
                       tmp_path)
    assert runs


@pytest.mark.slow
def test_a_clone_without_the_reports_skips_those_tests(tmp_path):
    """The report tests of test_cases.py and test_course_notebooks.py, run in a copy of the repository that
    has no ../shared beside it: every one is skipped with its reason, none passes, none fails."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("tests", "cases", "course"):
        shutil.copytree(ROOT / name, clone / name, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb_checkpoints"))
    shutil.copy(ROOT / "pyproject.toml", clone / "pyproject.toml")
    assert not (clone.parent / "shared").exists()
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "-k", "cited_report_lines or own_words", "-m", "not slow",
         "tests/test_cases.py", "tests/test_course_notebooks.py"],
        cwd=clone, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    tail = out.stdout[-3000:]
    assert out.returncode == 0, tail + out.stderr[-2000:]
    assert " passed" not in tail and " failed" not in tail and " error" not in tail, tail
    assert "skipped" in tail and "needs the source reports" in tail, tail
