"""Run every benchmark once and print one table (also written as JSON).

    python -m benchmarks                      # 100 trainees x every case, all sections
    python -m benchmarks --trainees 10 --skip install

Sections: engine time per choice; naive answering strategies vs random and the form of the key;
how well the letter check judges the labelled letter corpus, and its reading time;
notebook execution time per case; widget update time per click (measured by the browser test,
read from its artefact); cohort grading,
stock sequential `nbgrader autograde` against Sagssim's in-process grader on the same
submissions, with the gradebooks compared; fresh-install time. Figures are wall-clock
seconds on the machine named in the output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

from . import sections

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")))
        mem = f", {kb / 2**20:.0f} GiB"
    return (f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trainees", type=int, default=100, help="synthetic trainees in the grading cohort")
    ap.add_argument("--cases", default="", help="comma-separated case ids (default: every case)")
    ap.add_argument("--skip", default="", help=f"comma-separated sections to skip: {', '.join(sections.ALL)}")
    ap.add_argument("--only", default="", help="comma-separated sections to run (default: all)")
    ap.add_argument("--out", default=str(ARTIFACTS / "benchmarks.json"))
    args = ap.parse_args(argv)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if only:
        skip |= set(sections.ALL) - only
    unknown = (skip | only) - set(sections.ALL)
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    cases = [c.strip() for c in args.cases.split(",") if c.strip()] or sections.case_ids()
    figures: list[sections.Figure] = []
    failed: dict[str, str] = {}
    for name, run in sections.ALL.items():
        if name in skip:
            continue
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            figures += run(cases=cases, trainees=args.trainees)
        except Exception as exc:  # one section that cannot measure must not lose the others' figures
            failed[name] = f"{type(exc).__name__}: {str(exc)[-1500:]}"

    print(f"Sagssim benchmarks on {machine()}")
    print(f"cases: {', '.join(cases)}; cohort: {args.trainees} trainees")
    width = max((len(f.name) for f in figures), default=0)
    for f in figures:
        print(f"  {f.name:<{width}}  {f.value:>12,.4g} {f.unit}" + (f"   ({f.note})" if f.note else ""))
    for name, why in failed.items():
        print(f"  {name}: NOT MEASURED: {why}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "cases": cases, "trainees": args.trainees,
                               "figures": [f.__dict__ for f in figures], "failed": failed},
                              ensure_ascii=False, indent=2),
                   encoding="utf-8")
    print(f"written to {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
