"""The synthetic cohort course shared by the nbgrader end-to-end test and the certification tests.

`build_cohort_course(root)` does what an examiner does with the stock tools: `sagssim
build-course`, `nbgrader generate_assignment` for every case, one submission per synthetic
trainee and case (written through the exam player's Session API), one tampered log, one
missing log and one notebook with planted grading code, then autograde: stock `nbgrader autograde`
(a kernel per notebook) or Sagssim's in-process grader, which writes the same scores (the end-to-end test checks that).

Use it from a test module:

    from cohort_fixture import cohort_course          # module-scoped fixture, stock autograde
    from cohort_fixture import build_cohort_course    # or build one yourself
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from conftest import CASE_IDS
from simulator.model import ChoiceStep, LetterStep
from grading.synthetic import LETTERS as LETTERS_DIR, Trainee, cohort, students_csv, submit_cohort  # noqa: F401

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
        "import grading.autograde as g\n"
        "g.criterion_points = lambda *a, **k: 10.0\n"
        "g.points_for = lambda *a, **k: 10.0"))
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


# ---------------------------------------------------------------- what a candidate must never receive


def key_strings(case) -> set[str]:
    """Text that only the answer key holds; none of it may reach a candidate."""
    keys: set[str] = set()
    for step in case.steps:
        if isinstance(step, ChoiceStep):
            for o in step.options:
                keys |= {t for t in (o.feedback, o.critical) if t}
        elif isinstance(step, LetterStep):
            if step.model_letter:
                keys.add(step.model_letter.strip().splitlines()[0])
                keys |= {line.strip() for line in step.model_letter.splitlines() if len(line.strip()) > 60}
    keys |= {r.description for r in case.rules}
    # A model letter may repeat what the case itself tells the candidate (a sender line that is
    # also in a situation text): that is not key material.
    public = "\n".join([case.title, case.summary, *(d.text for d in case.documents),
                        *(s.situation for s in case.steps), *(s.task for s in case.steps if isinstance(s, LetterStep)),
                        *(o.label for s in case.steps if isinstance(s, ChoiceStep) for o in s.options),
                        *(o.outcome for s in case.steps if isinstance(s, ChoiceStep) for o in s.options),
                        *(e.text for e in case.endings), case.citizen.summary])
    return {k.strip()[:120] for k in keys if len(k.strip()) > 25 and k.strip()[:120] not in public}


GENERIC_KEY_MARKERS = ("BEGIN HIDDEN TESTS", "MARK SCHEME", "criterion_points", '"credit"', "credit:",
                       "kun til eksaminator", "Foreløbige point fra den automatiske kontrol", "/keys/")


def scan(files: list[Path], needles: set[str]) -> list[str]:
    hits = []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        for t in (text, html.unescape(text)):  # feedback is HTML: compare unescaped too
            hits += [f"{f}: {n[:60]}" for n in needles if n in t]
    return sorted(set(hits))


# ---------------------------------------------------------------- walks to a chosen letter step


def walk_to_letter(case, target: str) -> list[str] | None:
    """Option ids of a complete walk through `case` (the full case, with its key) whose only
    letter step is `target`, preferring the options with most credit; None if there is none.
    The walk is found by replaying the engine, so availability and routing are the engine's."""
    from simulator.engine import choice_event, letter_event, replay
    from simulator.model import LetterStep

    steps = {s.id: s for s in case.steps}
    dead: set = set()

    def dfs(events: list, choices: list[str]) -> list[str] | None:
        res = replay(case, events)
        if res.problems:
            return None
        if res.finished:
            return choices if target in res.letters else None
        key = (res.current, tuple(sorted(res.flags)), tuple(sorted(res.state.items())), target in res.letters)
        if key in dead:
            return None
        step = steps[res.current]
        if isinstance(step, LetterStep):
            found = dfs([*events, letter_event(step.id, "")], choices) if step.id == target else None
        else:
            ranked = sorted(step.options, key=lambda o: -sum((o.credit or {}).values()))
            found = next((w for o in ranked
                          if (w := dfs([*events, choice_event(step.id, o.id)], [*choices, o.id])) is not None), None)
        if found is None:
            dead.add(key)
        return found

    return dfs([], [])


def submit_walk(root: Path, case_id: str, student: str, choices: list[str], letter: str) -> Path:
    """One submission in `root/submitted/` as `nbgrader collect` leaves it: the released files and
    the decision log of `choices`, written through the exam copy, with `letter` at the letter step."""
    import shutil

    from simulator.casefile import load_case
    from simulator.engine import events_for
    from simulator.session import Session

    public = load_case(root / "release" / case_id / f"{case_id}.case.yaml")
    folder = root / "submitted" / student / case_id
    shutil.copytree(root / "release" / case_id, folder)
    (folder / "timestamp.txt").write_text("2026-11-23 10:00:00.000000 UTC")
    session = Session(public, folder / f"{case_id}.decisions.jsonl", mode="eksamen", trainee=student, read_only=False)
    for ev in events_for(public, choices, [letter]):
        session.record(ev)
    return folder
