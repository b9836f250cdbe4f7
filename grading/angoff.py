"""Modified-Angoff standard setting: a worksheet for the panel, then a cut per criterion.

Each panelist rates every item: the probability (0–1) that a *minimally competent*
caseworker gets the credit. Items mirror how certification scores a criterion
(grading/certify.py): per case, a choice cell (`valg`) made of the decision points
that credit the criterion, and a letter cell (`brev-<criterion>`), each cell worth
the same. So for one panelist and criterion:

    cell expectation = Σ weight·rating / Σ weight   over the cell's items
    panelist's cut   = mean of the cell expectations over the criterion's cells

The cut is the mean over panelists; its standard error is SD(panelist cuts)/√n.
Items on which panelists differ by more than 0.20 (SD) are listed for discussion
before a second round.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.casefile import CASES_DIR, case_files, load_case, load_library
from simulator.errors import SagssimError
from simulator.model import CRITERIA, CRITERION_LABELS, ChoiceStep, Criterion

from .autograde import letter_criteria
from .cells import CHOICE, LETTER, cell_id
from .certify import RULES_FILE, PassRules, StandardSetting, load_rules, write_rules

WORKSHEET_COLUMNS = ["panelist", "case", "part", "criterion", "item", "label", "weight", "rating"]
DISCUSS_SD = 0.20


class WorksheetError(SagssimError, ValueError):
    pass


def worksheet_items(case_ids: list[str] | None = None, cases_dir: Path = CASES_DIR) -> pd.DataFrame:
    """The items a panel rates, per case: decision points per criterion, and each letter criterion."""
    lib = load_library(cases_dir)
    rows = []
    for path in case_files(cases_dir):
        if case_ids and path.stem not in case_ids:
            continue
        case = load_case(path, lib)
        for step in case.steps:
            if not isinstance(step, ChoiceStep):
                continue
            for crit in CRITERIA:
                best = max((o.credit or {}).get(crit, 0.0) for o in step.options)
                if best > 0:
                    rows.append({"case": case.id, "part": CHOICE, "criterion": crit, "item": step.id,
                                 "label": step.title, "weight": best})
        for crit in letter_criteria(case, lib):
            rows.append({"case": case.id, "part": LETTER, "criterion": crit, "item": cell_id(LETTER, crit),
                         "label": f"Brevet: {CRITERION_LABELS[crit].lower()}", "weight": 1.0})
    return pd.DataFrame(rows, columns=["case", "part", "criterion", "item", "label", "weight"])


def write_worksheet(out: Path, case_ids: list[str] | None = None, panelists: str = "P1,P2,P3,P4,P5",
                    cases_dir: Path = CASES_DIR) -> int:
    items = worksheet_items(case_ids, cases_dir)
    rows = [{"panelist": p.strip(), **r, "rating": ""} for p in panelists.split(",") if p.strip()
            for r in items.to_dict("records")]
    pd.DataFrame(rows, columns=WORKSHEET_COLUMNS).to_csv(out, index=False)
    return len(rows)


def read_worksheet(path: Path) -> pd.DataFrame:
    """Read a filled worksheet; every rating must be a number in 0–1 (a decimal comma is fine)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = list(csv.DictReader(fh))  # ratings and weights become floats
    if not rows or not set(WORKSHEET_COLUMNS) - {"label"} <= set(rows[0]):
        raise WorksheetError(f"{path}: the header must name the columns {', '.join(WORKSHEET_COLUMNS)}")
    problems = []
    for n, r in enumerate(rows, start=2):
        try:
            r["rating"] = float(str(r["rating"]).replace(",", "."))
            r["weight"] = float(str(r["weight"]).replace(",", "."))
        except ValueError:
            problems.append(f"{path}:{n}: rating {r['rating']!r} is not a number")
            continue
        if not 0 <= r["rating"] <= 1:
            problems.append(f"{path}:{n}: rating {r['rating']:g} is outside 0–1 (a probability)")
        if r["criterion"] not in CRITERIA:
            problems.append(f"{path}:{n}: unknown criterion {r['criterion']!r}")
    if problems:
        raise WorksheetError("\n".join(problems))
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class AngoffResult:
    panelist_cuts: pd.DataFrame  # panelist × criterion
    summary: pd.DataFrame  # criterion, cut, se, sd, panelists, items
    discuss: pd.DataFrame  # items the panel disagrees on

    @property
    def cuts(self) -> dict[Criterion, float]:  # `compute` keeps CRITERIA's columns only
        return dict(zip(self.summary["criterion"], self.summary["cut"], strict=True))

    @property
    def standard_errors(self) -> dict[Criterion, float]:
        return dict(zip(self.summary["criterion"], self.summary["se"], strict=True))


def compute(ws: pd.DataFrame) -> AngoffResult:
    ws = ws.assign(wr=ws["weight"] * ws["rating"])
    cellsum = ws.groupby(["panelist", "criterion", "case", "part"])[["wr", "weight"]].sum()
    cell = (cellsum["wr"] / cellsum["weight"]).rename("expected").reset_index()
    pc = cell.groupby(["panelist", "criterion"])["expected"].mean().unstack("criterion")
    pc = pc.reindex(columns=[c for c in CRITERIA if c in pc.columns])
    rows = []
    for crit in pc.columns:
        x = pc[crit].dropna()
        n = len(x)
        sd = float(x.std(ddof=1)) if n > 1 else float("nan")
        rows.append({"criterion": crit, "cut": float(x.mean()), "se": sd / np.sqrt(n) if n > 1 else float("nan"),
                     "sd": sd, "panelists": n, "items": int((ws["criterion"] == crit).sum() / max(n, 1))})
    item_sd = ws.groupby(["case", "part", "criterion", "item"])["rating"].agg(["mean", "std"]).reset_index()
    discuss = item_sd[item_sd["std"] > DISCUSS_SD].sort_values("std", ascending=False).reset_index(drop=True)
    return AngoffResult(pc, pd.DataFrame(rows), discuss)


HEADER = """# Pass rules written by `sagssim angoff compute` from a modified-Angoff panel.
# Cuts: the panel's mean expected score of a minimally competent candidate per criterion,
# rounded to two decimals; standard_setting records the panel size and the standard error
# of each cut (SD of the panelists' cuts / sqrt(n)). Other settings are kept from the
# previous rules file; see the comments in the default file for why they are what they are.
"""


def write_pass_rules(result: AngoffResult, out: Path, base: Path | None = None, worksheet: str = "",
                     today: str | None = None) -> PassRules:
    old = load_rules(base or RULES_FILE)
    cuts = {c: round(result.cuts.get(c, old.cuts[c]), 2) for c in CRITERIA}
    n = int(result.summary["panelists"].min()) if not result.summary.empty else 1
    setting = StandardSetting(method="modificeret Angoff", date=today or date.today().isoformat(), panelists=n,
                              standard_error={c: round(float(v), 4) for c, v in result.standard_errors.items()
                                              if not np.isnan(v)},
                              worksheet=str(worksheet))
    rules = old.model_copy(update={"cuts": cuts, "standard_setting": setting,
                                   "name": f"Angoff-panel {setting.date}"})
    rules = PassRules.model_validate(rules.model_dump())
    write_rules(rules, out, HEADER)
    return rules
