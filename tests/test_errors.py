"""One error root (issue 13): every command turns a bad input file into a message that names the
file, the line and the field, and an exit code -- never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAGSSIM = [sys.executable, "-m", "simulator.cli"]
BAD_RULES = "cuts:\n  helhedsvurdering: 0.6\n  partshoering: 0.6\n  begrundelse: lidt\n  klagevejledning: 0.6\n"


def sagssim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*SAGSSIM, *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("command", [
    ["analyse", "--csv", str(ROOT / "course" / "data" / "demo-kohorte.csv"), "--out", "{tmp}/ud"],
    ["double-mark", "agree", "{tmp}"],
    ["certify", "{tmp}"],
])
def test_a_bad_pass_rules_file_is_named_with_its_line_not_a_traceback(tmp_path, command):
    rules = tmp_path / "regler.yaml"
    rules.write_text(BAD_RULES, encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in command] + ["--rules", str(rules)]
    r = sagssim(*args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert f"{rules}:4: cuts.begrundelse" in r.stderr  # file, line and field


def test_a_broken_self_check_file_is_named_with_its_line(tmp_path):
    from simulator.course import SelfCheckError, load_selfcheck

    bad = tmp_path / "selfcheck.yaml"
    bad.write_text("modules:\n  m1:\n    title: Test\n    questions: ikke en liste\n", encoding="utf-8")
    with pytest.raises(SelfCheckError) as err:
        load_selfcheck(bad)
    assert f"{bad}:4:" in str(err.value)


def test_every_user_error_shares_one_root():
    from grading.angoff import WorksheetError
    from grading.certify import RulesError
    from grading.course import CourseError
    from grading.double_marking import MarkError
    from simulator.casefile import CaseFileError
    from simulator.course import SelfCheckError
    from simulator.errors import SagssimError
    from simulator.letter_corpus import CorpusError

    for kind in (WorksheetError, RulesError, CourseError, MarkError, CaseFileError, SelfCheckError, CorpusError):
        assert issubclass(kind, SagssimError), kind
    assert CaseFileError.exit_code == 1 and RulesError.exit_code == 2
