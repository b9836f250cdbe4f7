"""Faults: a kernel killed right after each choice, and a grading run killed halfway.

The kernel test plays every decision point of every case in a real IPython
kernel through the same player a trainee clicks, kills the kernel with SIGKILL
right after each choice, starts a new kernel and checks that the case resumes at
the next step with every choice on disk exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from grading.export import grade_table
from simulator.casefile import CASES_DIR, load_case
from simulator.decision_log import read_log
from simulator.engine import events_for
from simulator.model import LetterStep

from conftest import CASE_IDS, MINIMAL, case_by_id
from grading.synthetic import cohort, minimal_cases, students_csv, submit_cohort

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


class Kernel:
    """A real ipykernel we can kill without warning."""

    def __init__(self, cwd: Path):
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str) -> str:
        """Execute code; return its stdout; raise with the traceback if it failed."""
        out: list[str] = []
        reply = self.kc.execute_interactive(
            code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", ""))
            if m["msg_type"] == "stream" else None)
        if reply["content"]["status"] != "ok":
            raise AssertionError("\n".join(reply["content"].get("traceback", [])))
        return "".join(out)

    def kill(self) -> None:
        self.kc.stop_channels()
        process = self.km.provisioner.process
        os.kill(process.pid, signal.SIGKILL)  # no atexit, no flush, no goodbye
        process.wait(timeout=30)
        self.km.cleanup_resources()


def _open(case_file: Path, folder: Path) -> str:
    return (f"from simulator.ui import open_player\n"
            f"p = open_player({case_file.stem!r}, mode='selvstudie', folder={str(folder)!r}, "
            f"case_file={str(case_file)!r})\n"
            f"assert p.error is None, p.error\n")


def _choices_on_disk(log: Path) -> list[tuple[str, str]]:
    read = read_log(log)
    assert read.intact, read.problems
    return [(e["step"], e.get("option") or "letter") for e in read.events if e["type"] in ("choice", "letter")]


@pytest.mark.parametrize("case_id", ["minimal", *CASE_IDS])
def test_kernel_killed_after_every_choice_loses_and_duplicates_nothing(case_id, tmp_path):
    case_file = MINIMAL if case_id == "minimal" else CASES_DIR / f"{case_id}.yaml"
    case = load_case(MINIMAL) if case_id == "minimal" else case_by_id(case_id)
    letters = [s.model_letter or "Afgørelse." for s in case.steps if isinstance(s, LetterStep)]
    events = events_for(case, list(case.model_path), letters)
    steps = {s.id: s for s in case.steps}
    log = tmp_path / f"{case.id}.decisions.jsonl"
    expected: list[tuple[str, str]] = []
    for i, ev in enumerate(events):
        kernel = Kernel(tmp_path)
        try:
            resumed = kernel.run(_open(case_file, tmp_path) + "print(p.current_step_id)").strip()
            assert resumed == ev["step"], f"after {i} choices the case resumed at {resumed}, not {ev['step']}"
            if isinstance(steps[ev["step"]], LetterStep):
                action = f"p.write_letter({ev['text']!r})\nprint(p.submit_letter())"
                expected.append((ev["step"], "letter"))
            else:
                action = f"print(p.choose({ev['option']!r}))"
                expected.append((ev["step"], ev["option"]))
            assert kernel.run(action).strip() == "True"
        finally:
            kernel.kill()
        assert _choices_on_disk(log) == expected
    kernel = Kernel(tmp_path)
    try:
        assert kernel.run(_open(case_file, tmp_path) + "print(p.finished)").strip() == "True"
    finally:
        kernel.kill()
    assert _choices_on_disk(log) == expected


def _course(root: Path, n: int) -> None:
    from grading.course import build_course

    cases = minimal_cases(root.parent / "cases")
    trainees = cohort(n)
    build_course(root, ["minimal"], students_csv(root.parent / "students.csv", trainees), cases_dir=cases)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "minimal", "--force"], cwd=root, env=env,
                   check=True, capture_output=True)
    submit_cohort(root, ["minimal"], trainees)


def test_grading_killed_halfway_then_rerun_gives_the_same_gradebook(tmp_path):
    n = 8
    whole, broken = tmp_path / "whole" / "course", tmp_path / "broken" / "course"
    for root in (whole, broken):
        root.parent.mkdir()
        _course(root, n)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([str(BIN / "sagssim"), "grade", str(whole), "--quiet"], env=env, check=True, capture_output=True)

    # Start grading, wait until some (not all) submissions are in the gradebook, then kill it hard.
    proc = subprocess.Popen([str(BIN / "sagssim"), "grade", str(broken), "--quiet"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    graded = 0
    while time.monotonic() < deadline and proc.poll() is None:
        graded = len(list((broken / "autograded").glob("*/minimal"))) if (broken / "autograded").exists() else 0
        if graded >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "grading finished before it could be killed; use a larger cohort"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 2 <= graded < n
    partial = grade_table(broken)
    assert partial != grade_table(whole)  # the kill really left the run unfinished

    subprocess.run([str(BIN / "sagssim"), "grade", str(broken), "--quiet"], env=env, check=True, capture_output=True)
    assert grade_table(broken) == grade_table(whole)
    assert len(grade_table(whole)) >= n * 2
