"""The examiner's `sagssim` subcommands: build a course, grade, export, certify, analyse,
double marking and standard setting.

`simulator.cli` owns the command line and finds these through the `sagssim.commands` entry point
(pyproject.toml), so `simulator` never imports `grading`. Each command imports what it needs when
it runs, which keeps `sagssim play` and `validate` quick to start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.casefile import load_library

from .cells import LETTER
from .coursedir import DEFAULT_COURSE_ID

COURSE_ID_HELP = "gradebook course id (default: the course's, from its nbgrader_config.py)"


def cmd_build_course(args: argparse.Namespace) -> int:
    from .course import build_course

    cases = [c.strip() for c in args.cases.split(",")] if args.cases else None
    written = build_course(Path(args.dir), cases, Path(args.students) if args.students else None,
                           args.course_id, db_url=args.db_url, exchange=args.exchange,
                           feedback_detail=args.feedback_detail)
    from .course import STUDENT_CONFIG_DIR

    root = Path(args.dir).resolve()
    print(f"Course written to {root} with assignments: {', '.join(written)}")
    print(f"Students' nbgrader config (course id and exchange): {root / STUDENT_CONFIG_DIR / 'nbgrader_config.py'}")
    print("  install it as ~/.jupyter/nbgrader_config.py for each student, or as /etc/jupyter/nbgrader_config.py")
    print("Next: cd there, run `nbgrader generate_assignment <case>` and `nbgrader release_assignment <case>` "
          "for each case (docs/exam-guide.md).")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from .cohort import grade_cohort

    outcomes = grade_cohort(Path(args.dir), args.assignment or None, args.student or None,
                            progress=not args.quiet, replay=not args.kernel)
    failed = [o for o in outcomes if not o.success]
    for o in failed:
        print(f"FAILED {o.student}/{o.assignment}:\n{o.error}", file=sys.stderr)
    print(f"graded {len(outcomes) - len(failed)} of {len(outcomes)} submissions")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export import write_csv

    n = write_csv(Path(args.dir), Path(args.out), args.course_id)
    print(f"{n} rows written to {args.out}")
    return 0


# ---------------------------------------------------------------- certification (grading/certify.py etc.)


def _rules(args):
    from .certify import RULES_FILE, load_rules

    return load_rules(Path(args.rules) if args.rules else RULES_FILE, load_library())


def cmd_certify(args: argparse.Namespace) -> int:
    from .certify import collect, decide
    from .report import write_reports

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
    open_ = cells[(cells["part"] == LETTER) & cells["needs_manual_grade"].astype(bool)]
    if open_.empty:
        return
    print(f"\n{len(open_)} letter grade(s) not yet confirmed by an examiner (decision 'afventer' until then).\n"
          "Confirm each in formgrader: Manual Grading > case > notebook > submission; check the letter and the\n"
          "prefilled score, then click 'Resolve' beside the score (or type another score and press Tab):")
    for r in open_.sort_values(["student", "case", "item"]).itertuples():
        print(f"  {r.student:<16} {r.case:<10} {r.item:<24} provisional {r.score:g} of {r.max_score:g}")


def cmd_analyse(args: argparse.Namespace) -> int:
    import pandas as pd

    from . import analytics as an
    from .certify import collect

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
    from . import double_marking as dm
    from . import reliability, settlement
    from .coursedir import CourseFolder

    root = CourseFolder.open(args.dir, args.course_id)  # the course id is settled here, once
    if args.action == "import":
        n = dm.import_csv(root, Path(args.file), args.examiner, args.role)
        print(f"{n} marks recorded ({args.role} examiner)")
    elif args.action == "snapshot":
        print(f"{dm.snapshot_first(root, args.examiner)} first-examiner marks recorded")
    elif args.action == "agree":
        cuts = dict(_rules(args).cuts)
        p = dm.pairs(root)
        table = reliability.agreement(p, cuts)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        open_ = reliability.disagreements(p, args.tolerance, cuts, dm.settlements(root))
        print(f"\n{len(open_)} disagreement(s) to settle")
        if len(open_):
            print(open_[["student", "case", "grade_id", "first", "second", "first_examiner",
                         "second_examiner", "across_cut"]].to_string(index=False))
        if args.out:
            open_.to_csv(args.out, index=False)
    elif args.action == "settle":
        if args.agreed:
            n = settlement.settle_agreed(root, args.examiner, args.tolerance, dict(_rules(args).cuts))
            print(f"{n} agreed cell(s) settled to the mean of the two marks")
        else:
            settlement.settle(root, args.student, args.case, args.item, args.score, args.examiner, args.reason)
            print(f"settled {args.student}/{args.case}/{args.item} = {args.score:g}; gradebook updated")
    elif args.action == "set-aside":
        dm.set_aside_critical(root, args.student, args.case, args.ref, args.examiner, args.reason)
        print(f"critical error {args.ref} of {args.student}/{args.case} set aside")
    return 0


def cmd_angoff(args: argparse.Namespace) -> int:
    from . import angoff

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


def register(sub) -> None:
    """The examiner's subcommands, added to `sagssim` (entry point group `sagssim.commands`)."""
    bc = sub.add_parser("build-course", help="write an nbgrader course directory from the cases")
    bc.add_argument("dir")
    bc.add_argument("--cases", help="comma-separated case ids (default: all)")
    bc.add_argument("--students", help="CSV with columns id[,first_name,last_name,email]")
    bc.add_argument("--course-id", default=DEFAULT_COURSE_ID, help=f"course id to write (default {DEFAULT_COURSE_ID})")
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
    ex.add_argument("--course-id", help=COURSE_ID_HELP)
    ex.set_defaults(func=cmd_export)

    ce = sub.add_parser("certify", help="pass/fail decision and a report (HTML, PDF) per candidate")
    ce.add_argument("dir", help="course directory")
    ce.add_argument("--rules", help="pass-rule file (default cases/pass-rules.yaml)")
    ce.add_argument("--out", help="folder for the reports (default DIR/certificering)")
    ce.add_argument("--student", action="append", help="only this candidate (repeatable)")
    ce.add_argument("--pdf", action="store_true", help="also PDF (needs Chromium on the machine)")
    ce.add_argument("--course-id", help=COURSE_ID_HELP)
    ce.set_defaults(func=cmd_certify)

    an = sub.add_parser("analyse", aliases=["analytics"],
                        help="cohort analytics: distributions, items, options, reliability, errors")
    an.add_argument("dir", nargs="?", help="course directory")
    an.add_argument("--csv", help="use an export CSV (sagssim export) instead of a course directory")
    an.add_argument("--rules", help="pass-rule file (cuts for decision consistency)")
    an.add_argument("--out", default="analyse", help="folder for the CSV tables and PNG figures")
    an.add_argument("--course-id", help=COURSE_ID_HELP)
    an.set_defaults(func=cmd_analyse)

    dm = sub.add_parser("double-mark", help="second examiner's letter scores, agreement, settlement")
    dsub = dm.add_subparsers(dest="action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("dir", help="course directory")
    common.add_argument("--course-id", help=COURSE_ID_HELP)
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
