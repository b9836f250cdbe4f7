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
)
from .errors import SagssimError
from .lint import form_figures, lint_file
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


def cmd_build_course(args: argparse.Namespace) -> int:
    from grading.course import build_course

    cases = [c.strip() for c in args.cases.split(",")] if args.cases else None
    written = build_course(Path(args.dir), cases, Path(args.students) if args.students else None,
                           args.course_id, db_url=args.db_url, exchange=args.exchange,
                           feedback_detail=args.feedback_detail)
    from grading.course import STUDENT_CONFIG_DIR

    root = Path(args.dir).resolve()
    print(f"Course written to {root} with assignments: {', '.join(written)}")
    print(f"Students' nbgrader config (course id and exchange): {root / STUDENT_CONFIG_DIR / 'nbgrader_config.py'}")
    print("  install it as ~/.jupyter/nbgrader_config.py for each student, or as /etc/jupyter/nbgrader_config.py")
    print("Next: cd there, run `nbgrader generate_assignment <case>` and `nbgrader release_assignment <case>` "
          "for each case (docs/exam-guide.md).")
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


# ---------------------------------------------------------------- certification (grading/certify.py etc.)


def _rules(args):
    from grading.certify import RULES_FILE, load_rules

    return load_rules(Path(args.rules) if args.rules else RULES_FILE, load_library())


def cmd_certify(args: argparse.Namespace) -> int:
    from grading.certify import collect, decide
    from grading.report import write_reports

    rules = _rules(args)
    evidence = collect(Path(args.dir), args.course_id)
    decisions = decide(evidence, rules)
    if args.student:
        decisions = {s: d for s, d in decisions.items() if s in args.student}
    out = Path(args.out) if args.out else Path(args.dir) / "certificering"
    files, notes = write_reports(evidence, decisions, rules, load_library(), out, pdf=args.pdf)
    for d in decisions.values():
        print(f"{d.student}: {d.outcome}" + (f" ({'; '.join(d.reasons)})" if d.reasons else ""))
    _print_unconfirmed(evidence.cells[evidence.cells["student"].isin(list(decisions))])
    for note in notes:
        print(note, file=sys.stderr)
    print(f"{len(files)} files written to {out}")
    return 0


def _print_unconfirmed(cells) -> None:
    """Every letter grade still waiting for an examiner, and where to confirm it."""
    open_ = cells[(cells["part"] == "brev") & cells["needs_manual_grade"].astype(bool)]
    if open_.empty:
        return
    print(f"\n{len(open_)} letter grade(s) not yet confirmed by an examiner (decision 'afventer' until then).\n"
          "Confirm each in formgrader: Manual Grading > case > notebook > submission; check the letter and the\n"
          "prefilled score, then click 'Resolve' beside the score (or type another score and press Tab):")
    for r in open_.sort_values(["student", "case", "item"]).itertuples():
        print(f"  {r.student:<16} {r.case:<10} {r.item:<24} provisional {r.score:g} of {r.max_score:g}")


def cmd_analyse(args: argparse.Namespace) -> int:
    import pandas as pd

    from grading import analytics as an
    from grading.certify import collect

    rules = _rules(args)
    if args.csv:
        cells, dps = an.from_export(pd.read_csv(args.csv, keep_default_na=False, na_values=[""]))
        critical = letters = None
    else:
        ev = collect(Path(args.dir), args.course_id)
        cells, dps, critical, letters = ev.cells, ev.decision_points, ev.critical, ev.letter_items
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cuts = dict(rules.cuts)
    tables = {
        "kriterier": an.criterion_table(cells).reset_index(),
        "reliabilitet": an.reliability(cells),
        "beslutningskonsistens": an.decision_consistency_table(cells, cuts),
        "beslutningspunkter": an.item_analysis(dps),
        "svarmuligheder": an.option_analysis(dps),
        "placeringer": an.position_analysis(dps),
    }
    for name, table in an.common_errors(dps, critical, letters).items():
        tables[f"fejlmoenstre-{name}"] = table
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False)
    (out / "fordelinger.png").write_bytes(an.png(an.plot_distributions(tables["kriterier"].set_index("student"), cuts)))
    if not tables["beslutningspunkter"].empty:
        (out / "beslutningspunkter.png").write_bytes(an.png(an.plot_item_map(tables["beslutningspunkter"])))
    warnings = an.small_cohort_warnings(cells, dps)
    (out / "rapport.md").write_text(an.summary_markdown(tables, warnings, an.cohort_size(cells)), encoding="utf-8")
    for w in warnings:
        print(f"ADVARSEL: {w}", file=sys.stderr)
    rel = tables["reliabilitet"].set_index("criterion")["alpha"]
    print("Cronbach's alpha: " + ", ".join(f"{k}={v:.2f}" for k, v in rel.items())
          + (f" (only {an.cohort_size(cells)} candidates: not meaningful)" if warnings else ""))
    weak = tables["beslutningspunkter"]
    if not weak.empty:
        weak = weak[weak["flag"] != ""]
        print(f"{len(weak)} decision point item(s) flagged (see beslutningspunkter.csv)")
    print(f"report, tables and figures written to {out} (start with rapport.md)")
    return 0


def cmd_double_mark(args: argparse.Namespace) -> int:
    from grading import double_marking as dm

    root = Path(args.dir)
    if args.action == "import":
        n = dm.import_csv(root, Path(args.file), args.examiner, args.role, args.course_id)
        print(f"{n} marks recorded ({args.role} examiner)")
    elif args.action == "snapshot":
        print(f"{dm.snapshot_first(root, args.examiner, args.course_id)} first-examiner marks recorded")
    elif args.action == "agree":
        cuts = dict(_rules(args).cuts)
        p = dm.pairs(root, args.course_id)
        table = dm.agreement(p, cuts)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        open_ = dm.disagreements(p, args.tolerance, cuts, dm.settlements(root))
        print(f"\n{len(open_)} disagreement(s) to settle")
        if len(open_):
            print(open_[["student", "case", "grade_id", "first", "second", "first_examiner",
                         "second_examiner", "across_cut"]].to_string(index=False))
        if args.out:
            open_.to_csv(args.out, index=False)
    elif args.action == "settle":
        if args.agreed:
            n = dm.settle_agreed(root, args.examiner, args.tolerance, dict(_rules(args).cuts), args.course_id)
            print(f"{n} agreed cell(s) settled to the mean of the two marks")
        else:
            dm.settle(root, args.student, args.case, args.item, args.score, args.examiner, args.reason,
                      args.course_id)
            print(f"settled {args.student}/{args.case}/{args.item} = {args.score:g}; gradebook updated")
    elif args.action == "set-aside":
        dm.set_aside_critical(root, args.student, args.case, args.ref, args.examiner, args.reason)
        print(f"critical error {args.ref} of {args.student}/{args.case} set aside")
    return 0


def cmd_angoff(args: argparse.Namespace) -> int:
    from grading import angoff

    if args.action == "worksheet":
        cases = [c.strip() for c in args.cases.split(",")] if args.cases else None
        n = angoff.write_worksheet(Path(args.out), cases, args.panelists)
        print(f"worksheet with {n} rows written to {args.out}")
        return 0
    result = angoff.compute(angoff.read_worksheet(Path(args.worksheet)))
    print(result.summary.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if args.out:
        angoff.write_pass_rules(result, Path(args.out), base=Path(args.rules) if args.rules else None,
                                worksheet=args.worksheet)
        print(f"pass rules written to {args.out}")
    return 0


def add_certification_parsers(sub) -> None:
    ce = sub.add_parser("certify", help="pass/fail decision and a report (HTML, PDF) per candidate")
    ce.add_argument("dir", help="course directory")
    ce.add_argument("--rules", help="pass-rule file (default cases/pass-rules.yaml)")
    ce.add_argument("--out", help="folder for the reports (default DIR/certificering)")
    ce.add_argument("--student", action="append", help="only this candidate (repeatable)")
    ce.add_argument("--pdf", action="store_true", help="also PDF (needs Chromium on the machine)")
    ce.add_argument("--course-id", default="sagssim")
    ce.set_defaults(func=cmd_certify)

    for name in ("analyse", "analytics"):
        an = sub.add_parser(name, help="cohort analytics: distributions, items, options, reliability, errors")
        an.add_argument("dir", nargs="?", help="course directory")
        an.add_argument("--csv", help="use an export CSV (sagssim export) instead of a course directory")
        an.add_argument("--rules", help="pass-rule file (cuts for decision consistency)")
        an.add_argument("--out", default="analyse", help="folder for the CSV tables and PNG figures")
        an.add_argument("--course-id", default="sagssim")
        an.set_defaults(func=cmd_analyse)

    dm = sub.add_parser("double-mark", help="second examiner's letter scores, agreement, settlement")
    dsub = dm.add_subparsers(dest="action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("dir", help="course directory")
    common.add_argument("--course-id", default="sagssim")
    common.add_argument("--rules", help="pass-rule file (cuts)")
    im = dsub.add_parser("import", parents=[common], help="record marks from a CSV: student,case,item,score[,...]")
    im.add_argument("file")
    im.add_argument("--examiner", help="examiner id, if the CSV has no 'examiner' column")
    im.add_argument("--role", choices=["first", "second"], default="second")
    sn = dsub.add_parser("snapshot", parents=[common],
                         help="record the gradebook's confirmed letter scores as the first examiner's")
    sn.add_argument("--examiner", required=True)
    ag = dsub.add_parser("agree", parents=[common], help="agreement (kappa, Krippendorff alpha) and disagreements")
    ag.add_argument("--tolerance", type=float, default=1.0, help="points two marks may differ (default 1)")
    ag.add_argument("--out", help="write the disagreements to this CSV")
    st = dsub.add_parser("settle", parents=[common], help="settle a score and write it to the gradebook")
    st.add_argument("--examiner", required=True)
    st.add_argument("--agreed", action="store_true", help="settle every agreeing pair to the mean")
    st.add_argument("--tolerance", type=float, default=1.0)
    st.add_argument("--student")
    st.add_argument("--case")
    st.add_argument("--item", help="grade cell id, e.g. brev-begrundelse")
    st.add_argument("--score", type=float)
    st.add_argument("--reason", default="")
    sa = dsub.add_parser("set-aside", parents=[common], help="set a candidate's critical error aside, with reason")
    for a in ("--student", "--case", "--ref", "--examiner", "--reason"):
        sa.add_argument(a, required=True)
    dm.set_defaults(func=cmd_double_mark)

    ao = sub.add_parser("angoff", help="modified-Angoff standard setting: worksheet, then cut scores")
    asub = ao.add_subparsers(dest="action", required=True)
    ws = asub.add_parser("worksheet", help="write a blank rating worksheet (CSV) for the panel")
    ws.add_argument("--out", default="angoff-worksheet.csv")
    ws.add_argument("--cases", help="comma-separated case ids (default: all)")
    ws.add_argument("--panelists", default="P1,P2,P3,P4,P5", help="comma-separated panelist ids")
    co = asub.add_parser("compute", help="cut per criterion with its standard error; optionally write pass rules")
    co.add_argument("worksheet")
    co.add_argument("--out", help="pass-rule file to write (e.g. cases/pass-rules.yaml)")
    co.add_argument("--rules", help="pass-rule file whose other settings to keep (default cases/pass-rules.yaml)")
    ao.set_defaults(func=cmd_angoff)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sagssim", description=__doc__)
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

    bc = sub.add_parser("build-course", help="write an nbgrader course directory from the cases")
    bc.add_argument("dir")
    bc.add_argument("--cases", help="comma-separated case ids (default: all)")
    bc.add_argument("--students", help="CSV with columns id[,first_name,last_name,email]")
    bc.add_argument("--course-id", default="sagssim")
    bc.add_argument("--db-url", help="gradebook URL, e.g. postgresql+psycopg2://user@host/db "
                    "(default: SQLite DIR/gradebook.db)")
    bc.add_argument("--feedback-detail", action="store_true",
                    help="feedback shows the points per decision point and the letter findings (a course "
                         "assignment that teaches; never for an exam, where they are the answer key)")
    bc.add_argument("--exchange", help="exchange root shared by all users (default: DIR/exchange)")
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

    add_certification_parsers(sub)
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
