"""`sagssim`: the one command-line entry point for authors, instructors and tests.

This module holds the author's and trainee's commands (validate, lint, play, check-letter,
schema). Other packages add theirs through the `sagssim.commands` entry point group: a callable
that takes the subparsers object. `grading` adds the examiner's (grading/cli.py), so the
dependency points one way: grading -> simulator.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import entry_points
from pathlib import Path

from .casefile import (
    CASES_DIR,
    CaseFileError,
    case_files,
    library_dir_for,
    find_case_file,
    load_case,
    load_library,
)
from .errors import SagssimError
from .lint import form_figures, lint_file
from .model import CRITERION_LABELS


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
        for finding in lint_file(path, case):
            print(f"    {finding}")
    print(f"{len(files) - failed} of {len(files)} case files valid (item-writing findings above are advice; "
          "`sagssim lint` fails on errors)")
    return 1 if failed else 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Item-writing flaws; exit 1 if any finding is an error."""
    lib = load_library(CASES_DIR if not args.case else library_dir_for(find_case_file(args.case)))
    paths = [find_case_file(args.case)] if args.case else case_files(CASES_DIR)
    errors = 0
    for path in paths:
        case = load_case(path, lib)
        findings = [f for f in lint_file(path, case) if f.level == "error" or not args.errors_only]
        errors += sum(f.level == "error" for f in findings)
        for finding in findings:
            print(finding)
        figs = form_figures(case)
        print(f"{case.id}: {len(findings)} findings; best option longest in {figs['best_longest_share']:.0%} "
              f"of {figs['steps']:g} keyed steps, median length ratio best/others {figs['median_length_ratio']:.2f}")
        if args.strategies:
            errors += _print_strategies(case, args.strategies)
    return 1 if errors else 0


def _print_strategies(case, seeds: int) -> int:
    """Share of choice points per naive strategy over `seeds` option orders; 1 if one beats random by > 10 points."""
    from .strategies import MAX_EXCESS, excess_over_random, strategy_shares

    figs = strategy_shares(case, seeds)
    for f in figs:
        print(f"  {f.strategy:<40} {f.share:6.1%}")
    over = {k: v for k, v in excess_over_random(figs).items() if v > MAX_EXCESS}
    for name, excess in over.items():
        print(f"{case.id}: [error] strategy: '{name}' earns {excess:.1%} more than random (limit {MAX_EXCESS:.0%})")
    return len(over)


def cmd_check_letter(args: argparse.Namespace) -> int:
    from .letter_check import SEVERITY_LABELS, assess_on_path

    path = find_case_file(args.case)
    lib = load_library(library_dir_for(path))
    case = load_case(path, lib)
    choices = [c.strip() for c in args.choices.split(",") if c.strip()] if args.choices is not None else None
    raw = Path(args.file).read_bytes()
    report = assess_on_path(raw.decode("utf-8", errors="replace"), case, lib, choices, args.step)
    if report is None:
        where = "the model path" if choices is None else "that path"
        print(f"case {case.id!r}: {where} reaches no letter step {args.step or ''}".strip(), file=sys.stderr)
        return 2
    step_id = report.step
    if args.json:
        _out({"case": case.id, "step": step_id, **report.to_dict()})
        return 0
    print(f"Brev til sag '{case.title}', trin '{step_id}'")
    print(f"{report.words} ord, LIX {report.lix} ({report.lix_band})")
    for note in report.notes:
        print(f"  NB: {note}")
    for item in report.items:
        mark = "FEJL" if item.kind == "fejl" else ("OK  " if item.passed else "MANGLER")
        print(f"  [{mark}] ({SEVERITY_LABELS[item.severity]}) {item.label}\n          {item.reason}")
    print("Foreløbige point pr. kriterium (skal bekræftes af en bedømmer):")
    for crit, score in report.scores.items():
        shown = "ikke vurderet" if score is None else f"{score:.2f}"
        print(f"  {CRITERION_LABELS[crit]}: {shown}")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from .engine import events_for, replay

    path = find_case_file(args.case)
    lib = load_library(library_dir_for(path))
    case = load_case(path, lib)
    choices = [c.strip() for c in args.choices.split(",") if c.strip()] if args.choices else []
    letters = [Path(f).read_text(encoding="utf-8", errors="replace") for f in args.letter or []]
    events = events_for(case, choices, letters, seed=args.seed)
    result = replay(case, events)
    checks = letter_checks(case, events, lib)
    if args.json:
        _out({**result.to_dict(), "letter_checks": {k: v.to_dict() for k, v in checks.items()}})
        return 0 if not result.problems else 1
    print(result.summary_text())
    for step_id, report in checks.items():
        print(f"Brev ({step_id}): foreløbige point " + ", ".join(
            f"{CRITERION_LABELS[c]}={'-' if v is None else f'{v:.2f}'}" for c, v in report.scores.items()))
    return 0 if not result.problems else 1


def letter_checks(case, events: list[dict], lib) -> dict:
    """The letter check of every letter written on the path, each on the path as it then stood."""
    from .letter_check import assess_result

    return assess_result(case, lib, events)


def cmd_schema(args: argparse.Namespace) -> int:
    from .schemas import write_schemas

    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sagssim", description=(__doc__ or "").split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="validate case files (all cases if no path is given)")
    v.add_argument("path", nargs="?")
    v.set_defaults(func=cmd_validate)

    li = sub.add_parser("lint", help="item-writing flaws: cues to the key, key that disagrees with itself")
    li.add_argument("case", nargs="?", help="case id or file (default: all cases)")
    li.add_argument("--errors-only", action="store_true", help="show only error-level findings")
    li.add_argument("--strategies", type=int, nargs="?", const=200, default=0, metavar="SEEDS",
                    help="also play naive strategies over SEEDS option orders (default 200)")
    li.set_defaults(func=cmd_lint)

    pl = sub.add_parser("play", help="play a case headless with a list of option ids")
    pl.add_argument("case", help="case id (e.g. marie) or path to a case file")
    pl.add_argument("--choices", default="", help="comma-separated option ids, in order")
    pl.add_argument("--letter", action="append", help="text file used at the next letter step")
    pl.add_argument("--seed", type=int, help="option-order seed; each path entry then lists the order shown")
    pl.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    pl.set_defaults(func=cmd_play)

    cl = sub.add_parser("check-letter", help="read a decision letter and compare it with what the path makes right")
    cl.add_argument("--case", required=True)
    cl.add_argument("--step", help="letter step id, if the path passes more than one")
    cl.add_argument("--choices", help="comma-separated option ids of the path the letter is written on "
                    "(default: the case's model path)")
    cl.add_argument("file")
    cl.add_argument("--json", action="store_true")
    cl.set_defaults(func=cmd_check_letter)

    sc = sub.add_parser("schema", help="write the JSON Schemas for case authors' editors")
    sc.add_argument("--out", default=str(CASES_DIR))
    sc.set_defaults(func=cmd_schema)

    for entry in sorted(entry_points(group="sagssim.commands"), key=lambda e: e.name):
        entry.load()(sub)  # grading.cli:register adds the examiner's commands
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SagssimError as exc:  # a bad file or argument: its message, and the exit code of its kind
        print(exc, file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
