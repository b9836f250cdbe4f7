"""One function per benchmark section; each returns the figures it measured."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    note: str = ""


def case_ids() -> list[str]:
    from simulator.casefile import CASES_DIR, case_files

    return [p.stem for p in case_files(CASES_DIR)]


def _run(*cmd: str, cwd: Path | None = None, env: dict | None = None) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return time.perf_counter() - t0


def engine(cases: list[str], **_) -> list[Figure]:
    """Pure replay of the whole log per choice (what every click and every grade does)."""
    from simulator.casefile import CASES_DIR, load_case, load_library
    from simulator.engine import events_for, replay
    from simulator.session import Session

    lib = load_library()
    per_event, per_click = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for cid in cases:
            case = load_case(CASES_DIR / f"{cid}.yaml", lib)
            events = events_for(case, list(case.model_path))
            reps = 200
            t0 = time.perf_counter()
            for _ in range(reps):
                replay(case, events)
            per_event.append((time.perf_counter() - t0) / reps / len(events))
            session = Session(case, Path(tmp) / f"{cid}.decisions.jsonl", mode="selvstudie", read_only=False)
            for ev in events:
                t0 = time.perf_counter()
                session.record(ev)
                per_click.append(time.perf_counter() - t0)
    return [
        Figure("engine: replay time per choice", statistics.mean(per_event) * 1e6, "µs",
               f"model paths of {len(cases)} cases, 200 replays each"),
        Figure("engine: one recorded choice (lock, append, fsync, replay)", statistics.median(per_click) * 1e3, "ms",
               f"median of {len(per_click)} choices"),
    ]


def notebooks(cases: list[str], **_) -> list[Figure]:
    """Execute each case notebook headless, as nbval and papermill do."""
    import nbformat
    from nbclient import NotebookClient

    from grading.course import build_course

    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build_course(tmp / "course", cases)
        for cid in cases:
            trainee_nb = next((ROOT / "course").glob(f"*-{cid}.ipynb"), ROOT / "course" / f"{cid}.ipynb")
            for label, path in (("kursus", trainee_nb), ("eksamen", tmp / "course" / "source" / cid / f"{cid}.ipynb")):
                if not path.exists():
                    continue
                nb = nbformat.read(path, as_version=4)
                env_dir = tmp / f"logs-{label}-{cid}"
                env_dir.mkdir()
                os.environ["SAGSSIM_LOG_DIR"] = str(env_dir)
                t0 = time.perf_counter()
                NotebookClient(nb, timeout=300, kernel_name="python3",
                               resources={"metadata": {"path": str(path.parent)}}).execute()
                figures.append(Figure(f"notebook: {label} {cid}", time.perf_counter() - t0, "s",
                                      "start kernel + run all cells"))
        os.environ.pop("SAGSSIM_LOG_DIR", None)
    return figures


def cohort(cases: list[str], trainees: int, **_) -> list[Figure]:
    """The same submissions graded by stock sequential `nbgrader autograde` and by `sagssim grade`."""
    from grading.course import build_course
    from grading.export import grade_table
    from grading.synthetic import cohort as make_cohort, students_csv, submit_cohort

    people = make_cohort(trainees)
    with tempfile.TemporaryDirectory() as tmp:
        stock = Path(tmp) / "stock"
        build_course(stock, cases, students_csv(Path(tmp) / "students.csv", people))
        for cid in cases:
            _run(str(BIN / "nbgrader"), "generate_assignment", cid, "--force", cwd=stock)
        submit_cohort(stock, cases, people)
        fast = Path(tmp) / "fast"
        shutil.copytree(stock, fast)
        config = (stock / "nbgrader_config.py").read_text()
        (fast / "nbgrader_config.py").write_text(config.replace(str(stock), str(fast)))
        n = trainees * len(cases)
        t_stock = sum(_run(str(BIN / "nbgrader"), "autograde", cid, "--force", cwd=stock) for cid in cases)
        t_fast = _run(str(BIN / "sagssim"), "grade", str(fast), "--quiet")
        a, b = grade_table(stock), grade_table(fast)
        same = a == b and len(a) > 0
    return [
        Figure("grading: stock nbgrader autograde, whole cohort", t_stock, "s", f"{n} submissions, sequential"),
        Figure("grading: sagssim grade, whole cohort", t_fast, "s", f"{n} submissions, one process"),
        Figure("grading: stock throughput", n / t_stock, "submissions/s"),
        Figure("grading: sagssim throughput", n / t_fast, "submissions/s"),
        Figure("grading: speed-up", t_stock / t_fast, "×", "stock time / sagssim time"),
        Figure("grading: identical gradebook scores", float(same), "(1 = yes)", f"{len(a)} grade cells compared"),
    ]


def browser(**_) -> list[Figure]:
    """Widget update time per click, measured in a real JupyterLab by the browser test."""
    timings = ROOT / "test-artifacts" / "browser-timings.json"
    timings.unlink(missing_ok=True)
    _run(str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", "-m", "browser", str(ROOT / "tests"), cwd=ROOT)
    data = json.loads(timings.read_text(encoding="utf-8"))
    clicks = [float(c["ms"]) for c in data["clicks"]]
    return [
        Figure("widgets: click → next step and feedback shown, median", statistics.median(clicks), "ms",
               f"{len(clicks)} clicks in JupyterLab, headless Chromium"),
        Figure("widgets: click → next step and feedback shown, max", max(clicks), "ms"),
        Figure("widgets: kernel restart → case resumed", float(data["restart_resume_ms"]), "ms"),
    ]


def install(**_) -> list[Figure]:
    """A fresh virtual environment with the pinned set (pip's wheel cache as it is on this machine)."""
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        t = _run(sys.executable, "-m", "venv", str(venv))
        t += _run(str(venv / "bin" / "pip"), "install", "--quiet", "-c", str(ROOT / "constraints.txt"),
                  f"{ROOT}[test]")
    return [Figure("fresh install (venv + pinned set)", t, "s", "pip with its local cache")]


def strategies(cases: list[str], seeds: int = 500, **_) -> list[Figure]:
    """Share of the choice points earned by naive strategies over many option orders (issue 9),
    and the form figures of each case: where the key can be found by form, not by law."""
    from simulator.casefile import CASES_DIR, load_case, load_library
    from simulator.lint import form_figures
    from simulator.strategies import strategy_shares

    lib = load_library()
    figures = []
    for cid in cases:
        case = load_case(CASES_DIR / f"{cid}.yaml", lib)
        for f in strategy_shares(case, seeds):
            figures.append(Figure(f"strategies: {cid}: {f.strategy}", f.share * 100, "%",
                                  f"{f.seeds} option orders" if f.seeds > 1 else "the key's own path"))
        form = form_figures(case)
        figures.append(Figure(f"strategies: {cid}: best option is the longest", form["best_longest_share"] * 100,
                              "% of steps", f"{form['steps']:g} keyed steps"))
        figures.append(Figure(f"strategies: {cid}: length best/others, median", form["median_length_ratio"], "",
                              "limit 0.85-1.15"))
    try:
        from simulator.course import selfcheck_strategy_shares
    except ImportError:
        return figures
    for name, share in selfcheck_strategy_shares(seeds=seeds).items():
        figures.append(Figure(f"strategies: self-check: {name}", share * 100, "%", f"{seeds} answer orders"))
    return figures


def letters(cases: list[str], **_) -> list[Figure]:
    """How well the letter check judges the labelled corpus (issue 10): pairwise judgements on the
    tuned part and on the held-out part written without the reader's rules; and reading time."""
    from simulator.casefile import CASES_DIR, load_case, load_library
    from simulator.letter_check import assess, assess_on_path, path_to_letter
    from simulator.reading import read_letter
    from simulator.letter_corpus import NOT_BELOW_TOLERANCE, CorpusResult, judge_case

    lib = load_library()
    result = CorpusResult()
    letters_dir = ROOT / "tests" / "letters"
    for cid in cases:
        if (letters_dir / cid / "corpus.yaml").exists():
            judge_case(load_case(CASES_DIR / f"{cid}.yaml", lib), lib, letters_dir / cid, result)
    figures = []
    for held, label in ((False, "tuned part"), (True, "held-out part")):
        acc, n = result.accuracy(held)
        strict, _ = result.accuracy(held, tolerance=0.0)
        letters_n = len([x for x in result.letters if x.held_out == held])
        figures.append(Figure(f"letters: pairwise judgements right, {label}", acc * 100, "%",
                              f"{n} judgements on {letters_n} letters; 'not below' within {NOT_BELOW_TOLERANCE}"))
        figures.append(Figure(f"letters: the same, {label}, no tolerance", strict * 100, "%"))
    spread = result.spread()
    for crit, share in result.flawed_at(0.5).items():
        figures.append(Figure(f"letters: flawed on {crit}, share scoring exactly 0.5", share * 100, "%",
                              f"{spread[crit]} different scores among them; the old cap piled them at 0.5"))
    # reading time: the longest model letter of the cases, grown to about 700 words
    cid = cases[0]
    case = load_case(CASES_DIR / f"{cid}.yaml", lib)
    model = next((s.model_letter for s in case.steps if getattr(s, "model_letter", None)), "")
    text = model
    while len(text.split()) < 700:
        text += "\n" + model
    text = " ".join(text.split(" ")[:700])
    # The live panel and the grader know the path: they call `assess` with its flags, so the path
    # replay is not part of the time (it is measured on its own below).
    step, before = path_to_letter(case, None)
    read = lambda: read_letter(text, step.expect, case.documents, lib.registry.provisions, case.citizen.name)  # noqa: E731
    judge = lambda: assess(text, step, case, lib, before.flags, before.state)  # noqa: E731
    on_path = lambda: assess_on_path(text, case, lib)  # noqa: E731
    for label, run in (("read one 700-word letter", read), ("read and judge one 700-word letter", judge),
                       ("replay the path, read and judge (check-letter)", on_path)):
        run()  # warm the caches, as a running player has
        times = []
        for _ in range(50):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        figures.append(Figure(f"letters: {label}, median", statistics.median(times) * 1e3, "ms", f"{cid}, 50 runs"))
    return figures


ALL: dict[str, Callable[..., list[Figure]]] = {
    "engine": engine, "strategies": strategies, "letters": letters, "notebooks": notebooks,
    "browser": browser, "cohort": cohort, "install": install,
}
