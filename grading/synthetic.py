"""Synthetic trainees for the demo cohort, the benchmarks, the JupyterHub demo and the tests.

A trainee has a skill in [0, 1]: at each decision point they pick the option with
the most credit with that probability, otherwise another option at random. Their
letter is the model letter, a flawed test letter, or nothing, by skill. Logs are
written through the engine's own Session API against the key-free exam copy of
the case, exactly as the exam player writes them.
"""

from __future__ import annotations

import random
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

from simulator.engine import events_for, replay, shown_options
from simulator.model import Case, LetterStep
from simulator.session import Session

# Flawed letters for the weaker trainees: the labelled corpus in a checkout (a wheel has none, and
# then weaker trainees send an empty letter).
LETTERS = Path(__file__).resolve().parent.parent / "tests" / "letters"


@dataclass(frozen=True)
class Trainee:
    id: str
    skill: float
    seed: int


def cohort(n: int, seed: int = 7) -> list[Trainee]:
    rng = random.Random(seed)
    return [Trainee(f"t{i:03d}", round(i / max(n - 1, 1), 3), rng.randrange(1 << 30)) for i in range(n)]


def choose_path(case: Case, trainee: Trainee) -> list[str]:
    """Option ids along one walk, among the options on offer; uses the full case (with credit) to
    know the best option, and the engine to know where each choice leads."""
    rng = random.Random(trainee.seed ^ zlib.crc32(case.id.encode()))  # stable across processes
    steps = {s.id: s for s in case.steps}
    path: list[str] = []
    res = replay(case, events_for(case, path))
    while not res.finished and not res.problems:
        step = steps[res.current]
        if isinstance(step, LetterStep):
            path.append(step.id)
        else:
            offered = set(shown_options(step, None, res.flags, res.state))
            ranked = sorted((o for o in step.options if o.id in offered), key=lambda o: -sum((o.credit or {}).values()))
            pick = ranked[0] if rng.random() < trainee.skill or len(ranked) == 1 else rng.choice(ranked[1:])
            path.append(pick.id)
        res = replay(case, events_for(case, path))
    return path


def letter_for(case: Case, trainee: Trainee) -> str:
    step = next((s for s in case.steps if isinstance(s, LetterStep)), None)
    if step is None:
        return ""
    rng = random.Random(trainee.seed)
    if trainee.skill >= 0.8 and step.model_letter:
        return step.model_letter
    flawed = sorted(p for p in (LETTERS / case.id).glob("*.txt") if p.name != "model.txt")
    if trainee.skill >= 0.2 and flawed:
        return rng.choice(flawed).read_text(encoding="utf-8")
    return ""


def write_submission(full: Case, public: Case, folder: Path, trainee: Trainee) -> list[str]:
    """Play the trainee's path into `folder/<case>.decisions.jsonl` through the exam copy."""
    path = choose_path(full, trainee)
    letter = letter_for(full, trainee)
    session = Session(public, folder / f"{public.id}.decisions.jsonl", mode="eksamen", trainee=trainee.id,
                      read_only=False)
    for ev in events_for(public, path, [letter]):
        session.record(ev)
    return path



def submit_cohort(root: Path, case_ids: list[str], trainees: list[Trainee]) -> dict[tuple[str, str], list[str]]:
    """Fill `root/submitted/` as `nbgrader collect` would leave it: the released files plus
    each trainee's decision log. Needs `nbgrader generate_assignment` to have run."""
    from simulator.casefile import load_case

    from .coursedir import CourseFolder

    course = CourseFolder.open(root)
    paths: dict[tuple[str, str], list[str]] = {}
    for cid in case_ids:
        full = load_case(course.key(cid))
        public = load_case(course.release(cid) / f"{cid}.case.yaml")
        for t in trainees:
            folder = course.submitted(t.id, cid)
            shutil.copytree(course.release(cid), folder)
            (folder / "timestamp.txt").write_text("2026-11-23 10:00:00.000000 UTC")
            paths[(t.id, cid)] = write_submission(full, public, folder, t)
    return paths


def students_csv(path: Path, trainees: list[Trainee]) -> Path:
    path.write_text("id,first_name,last_name\n" + "".join(f"{t.id},Kursist,{t.id}\n" for t in trainees),
                    encoding="utf-8")
    return path


def minimal_cases(folder: Path) -> Path:
    """A cases folder holding only the tiny test case (with the real registry and shared rubric),
    for course-level tests that must not depend on the five real cases."""
    from simulator.casefile import CASES_DIR

    folder.mkdir(exist_ok=True)
    for name in ("legal-sources.yaml", "letter-rubric.yaml"):
        shutil.copy2(CASES_DIR / name, folder / name)
    shutil.copy2(Path(__file__).resolve().parent.parent / "tests" / "data" / "minimal.yaml", folder / "minimal.yaml")
    return folder


def demo_cohort(out_csv: Path, n: int = 30, cases: list[str] | None = None, work: Path | None = None) -> Path:
    """Build a course, let `n` synthetic trainees take every case, grade them and export the scores:
    the demo cohort the instructor's analysis notebook opens with."""
    import subprocess
    import sys
    import tempfile

    from simulator.casefile import CASES_DIR, case_files

    from .course import build_course
    from .export import write_csv

    cases = cases or [p.stem for p in case_files(CASES_DIR)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(work or tmp) / "demo-kursus"
        trainees = cohort(n)
        build_course(root, cases, students_csv(Path(tmp) / "students.csv", trainees))
        bindir = Path(sys.executable).parent
        for cid in cases:
            subprocess.run([str(bindir / "nbgrader"), "generate_assignment", cid, "--force"], cwd=root, check=True,
                           capture_output=True)
        submit_cohort(root, cases, trainees)
        subprocess.run([str(bindir / "sagssim"), "grade", str(root), "--quiet"], cwd=root, check=True)
        write_csv(root, Path(out_csv))
    return Path(out_csv)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="python -m grading.synthetic", description=demo_cohort.__doc__)
    ap.add_argument("--trainees", type=int, default=30)
    ap.add_argument("--cases", default="", help="comma-separated case ids (default: every case)")
    ap.add_argument("--out", default="course/data/demo-kohorte.csv")
    a = ap.parse_args()
    print(demo_cohort(Path(a.out), a.trainees, [c for c in a.cases.split(",") if c] or None))
