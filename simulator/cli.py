"""`sagssim`: the one command-line entry point for authors, instructors and tests."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .casefile import (
    CASES_DIR,
    CaseFileError,
    case_files,
    library_dir_for,
    find_case_file,
    load_case,
    load_library,
    rubric_items,
)
from .model import CRITERION_LABELS, LetterStep


def _out(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


def cmd_validate(args: argparse.Namespace) -> int:
    target = Path(args.path) if args.path else CASES_DIR
    cases_dir = target if target.is_dir() else target.parent
    try:
        lib = load_library(library_dir_for(target))
    except CaseFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    files = case_files(cases_dir) if target.is_dir() else [target]
    if not files:
        print(f"{target}: no case files found", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        try:
            case = load_case(path, lib)
        except CaseFileError as exc:
            failed += 1
            print(exc, file=sys.stderr)
            continue
        print(f"ok  {path.name}: {case.title} ({len(case.steps)} trin, {len(case.endings)} afslutninger)")
    print(f"{len(files) - failed} of {len(files)} case files valid")
    return 1 if failed else 0


def _letter_step(case, step_id: str | None) -> LetterStep:
    letters = [s for s in case.steps if isinstance(s, LetterStep)]
    if step_id:
        letters = [s for s in letters if s.id == step_id]
    if not letters:
        raise CaseFileError([])
    return letters[0]


def cmd_check_letter(args: argparse.Namespace) -> int:
    from grading.letters import check_letter

    path = find_case_file(args.case)
    lib = load_library(library_dir_for(path))
    case = load_case(path, lib)
    try:
        step = _letter_step(case, args.step)
    except CaseFileError:
        print(f"case {case.id!r} has no letter step {args.step or ''}".strip(), file=sys.stderr)
        return 2
    raw = Path(args.file).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    report = check_letter(text, rubric_items(step, lib))
    if args.json:
        _out({"case": case.id, "step": step.id, **report.to_dict()})
        return 0
    print(f"Brev til sag '{case.title}', trin '{step.title}'")
    print(f"{report.words} ord, LIX {report.lix} ({report.lix_band})")
    for note in report.notes:
        print(f"  NB: {note}")
    for item in report.items:
        mark = "OK  " if item.passed else "MANGLER"
        print(f"  [{mark}] ({item.severity}) {item.label}\n          {item.reason}")
    print("Foreløbige point pr. kriterium (skal bekræftes af en bedømmer):")
    for crit, score in report.scores.items():
        shown = "ikke vurderet" if score is None else f"{score:.2f}"
        print(f"  {CRITERION_LABELS[crit]}: {shown}")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from .engine import play_headless

    path = find_case_file(args.case)
    lib = load_library(library_dir_for(path))
    case = load_case(path, lib)
    choices = [c.strip() for c in args.choices.split(",") if c.strip()] if args.choices else []
    letters = [Path(f).read_text(encoding="utf-8", errors="replace") for f in args.letter or []]
    result = play_headless(case, choices, letters)
    checks = letter_checks(case, result.letters, lib)
    if args.json:
        _out({**result.to_dict(), "letter_checks": {k: v.to_dict() for k, v in checks.items()}})
        return 0 if not result.problems else 1
    print(result.summary_text())
    for step_id, report in checks.items():
        print(f"Brev ({step_id}): foreløbige point " + ", ".join(
            f"{CRITERION_LABELS[c]}={'-' if v is None else f'{v:.2f}'}" for c, v in report.scores.items()))
    return 0 if not result.problems else 1


def letter_checks(case, letters: dict[str, str], lib) -> dict:
    """Rubric pre-checks for every letter written on the path."""
    from grading.letters import check_letter

    steps = {s.id: s for s in case.steps}
    return {sid: check_letter(text, rubric_items(steps[sid], lib)) for sid, text in letters.items()}


def cmd_schema(args: argparse.Namespace) -> int:
    from .schemas import write_schemas

    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


def cmd_build_course(args: argparse.Namespace) -> int:
    from grading.course import build_course

    cases = [c.strip() for c in args.cases.split(",")] if args.cases else None
    try:
        written = build_course(Path(args.dir), cases, Path(args.students) if args.students else None,
                               args.course_id)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Course written to {Path(args.dir).resolve()} with assignments: {', '.join(written)}")
    print("Next: cd there and run `nbgrader generate_assignment <case>` for each, then release.")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from grading.cohort import grade_cohort

    outcomes = grade_cohort(Path(args.dir), args.assignment or None, args.student or None,
                            progress=not args.quiet, replay=not args.kernel)
    failed = [o for o in outcomes if not o.success]
    for o in failed:
        print(f"FAILED {o.student}/{o.assignment}:\n{o.error}", file=sys.stderr)
    print(f"graded {len(outcomes) - len(failed)} of {len(outcomes)} submissions")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from grading.export import write_csv

    n = write_csv(Path(args.dir), Path(args.out), args.course_id)
    print(f"{n} rows written to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sagssim", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="validate case files (all cases if no path is given)")
    v.add_argument("path", nargs="?")
    v.set_defaults(func=cmd_validate)

    pl = sub.add_parser("play", help="play a case headless with a list of option ids")
    pl.add_argument("case", help="case id (e.g. marie) or path to a case file")
    pl.add_argument("--choices", default="", help="comma-separated option ids, in order")
    pl.add_argument("--letter", action="append", help="text file used at the next letter step")
    pl.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    pl.set_defaults(func=cmd_play)

    cl = sub.add_parser("check-letter", help="rubric pre-check of a decision letter")
    cl.add_argument("--case", required=True)
    cl.add_argument("--step", help="letter step id, if the case has more than one")
    cl.add_argument("file")
    cl.add_argument("--json", action="store_true")
    cl.set_defaults(func=cmd_check_letter)

    bc = sub.add_parser("build-course", help="write an nbgrader course directory from the cases")
    bc.add_argument("dir")
    bc.add_argument("--cases", help="comma-separated case ids (default: all)")
    bc.add_argument("--students", help="CSV with columns id[,first_name,last_name,email]")
    bc.add_argument("--course-id", default="sagssim")
    bc.set_defaults(func=cmd_build_course)

    gr = sub.add_parser("grade", help="autograde submissions in one process (fast), with progress")
    gr.add_argument("dir", help="course directory")
    gr.add_argument("--assignment", action="append", help="only this case (repeatable)")
    gr.add_argument("--student", action="append", help="only this student (repeatable)")
    gr.add_argument("--kernel", action="store_true", help="execute notebooks in kernels like stock nbgrader")
    gr.add_argument("--quiet", action="store_true")
    gr.set_defaults(func=cmd_grade)

    ex = sub.add_parser("export", help="per-criterion and per-decision-point scores to CSV")
    ex.add_argument("dir", help="course directory")
    ex.add_argument("--out", default="scores.csv")
    ex.add_argument("--course-id", default="sagssim")
    ex.set_defaults(func=cmd_export)

    sc = sub.add_parser("schema", help="write the JSON Schemas for case authors' editors")
    sc.add_argument("--out", default=str(CASES_DIR))
    sc.set_defaults(func=cmd_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CaseFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
