"""How far scores can be trusted: Cronbach's α over a cohort's items, and how well two examiners
agree (Cohen's κ, Krippendorff's α, the cells they disagree on).

Pure functions. The agreement functions work on the pairs table that `double_marking.pairs`
builds (one row per grade cell or rubric item, with the first and the second mark); the marks
are stored by `double_marking.py` and settled by `settlement.py`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd


def cronbach_alpha(matrix: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's α = k/(k−1)·(1 − Σ var(item) / var(total)), on complete rows (listwise)."""
    x = np.asarray(pd.DataFrame(matrix).dropna(axis=0, how="any"), dtype=float)
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def cohen_kappa(a, b, categories=None, weights: str | None = None) -> float:
    """Cohen's κ for two raters (statsmodels), over a fixed set of categories so that
    a category neither rater used does not shift the table. weights: None, 'linear', 'quadratic'."""
    from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

    a, b = np.asarray(a), np.asarray(b)
    cats = sorted(set(a) | set(b)) if categories is None else list(categories)
    if len(cats) < 2:
        return float("nan")
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)))
    for x, y in zip(a, b, strict=True):  # one pair of marks per cell
        table[index[x], index[y]] += 1
    if weights is None:
        return float(sm_kappa(table).kappa)
    return float(sm_kappa(table, wt=weights).kappa)


def krippendorff_alpha(a, b, level: Literal["nominal", "ordinal", "interval", "ratio"] = "interval") -> float:
    import krippendorff

    data = np.vstack([np.asarray(a, dtype=float), np.asarray(b, dtype=float)])
    if np.unique(data[~np.isnan(data)]).size < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def _stats(df: pd.DataFrame, cut: float | None, item_level: bool) -> dict:
    d = df.dropna(subset=["first", "second"])
    n = len(d)
    if n == 0:
        return {"n": 0}
    f, s = d["first"].to_numpy(), d["second"].to_numpy()
    out = {"n": n, "exact": float(np.mean(f == s)), "mean_abs_diff": float(np.mean(np.abs(f - s))),
           "mean_first": float(f.mean()), "mean_second": float(s.mean())}
    if item_level:
        fr, sr = (f >= 0.5).astype(int), (s >= 0.5).astype(int)
        out["kappa"] = cohen_kappa(fr, sr, [0, 1])
        out["alpha_nominal"] = krippendorff_alpha(fr, sr, "nominal")
        return out
    fr, sr = np.round(f).astype(int), np.round(s).astype(int)
    top = int(round(d["max_score"].max()))
    out["kappa"] = cohen_kappa(fr, sr, range(top + 1))
    out["kappa_quadratic"] = cohen_kappa(fr, sr, range(top + 1), "quadratic")
    out["alpha_interval"] = krippendorff_alpha(f, s, "interval")
    if cut is not None:
        fp, sp = (f / d["max_score"] >= cut).astype(int), (s / d["max_score"] >= cut).astype(int)
        out["pass_agreement"] = float(np.mean(fp == sp))
        out["kappa_at_cut"] = cohen_kappa(fp, sp, [0, 1])
    return out


def agreement(p: pd.DataFrame, cuts: dict[str, float] | None = None) -> pd.DataFrame:
    """Agreement per criterion (grade cells), per rubric item, and overall for grade cells.

    Grade-cell scores: κ on whole points (unweighted and quadratic-weighted, ordinal),
    Krippendorff's α (interval), and κ on the pass/fail side of the criterion's cut.
    Rubric items: κ and Krippendorff's α (nominal) on met / not met."""
    cuts = cuts or {}
    rows = []
    cells = p[p["rubric_item"] == ""]
    for crit, d in cells.groupby("criterion"):
        rows.append({"level": "criterion", "key": crit, **_stats(d, cuts.get(crit), False)})
    if not cells.empty:
        rows.append({"level": "overall", "key": "alle kriterier", **_stats(cells, None, False)})
    for (crit, item), d in p[p["rubric_item"] != ""].groupby(["criterion", "rubric_item"]):
        rows.append({"level": "rubric_item", "key": f"{crit}/{item}", **_stats(d, None, True)})
    return pd.DataFrame(rows)


def disagreements(p: pd.DataFrame, tolerance: float = 1.0, cuts: dict[str, float] | None = None,
                  settled: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cells whose two marks differ by more than `tolerance` points or fall on either side of the
    criterion's cut; settled cells (settled after both marks) are left out."""
    cuts = cuts or {}
    d = p[(p["rubric_item"] == "")].dropna(subset=["first", "second"]).copy()
    d["diff"] = (d["second"] - d["first"]).round(4)
    cut = d["criterion"].map(lambda c: cuts.get(c, np.nan))
    split = (d["first"] / d["max_score"] >= cut) != (d["second"] / d["max_score"] >= cut)
    d["across_cut"] = split & cut.notna()
    d = d[(d["diff"].abs() > tolerance) | d["across_cut"]]
    if settled is not None and not settled.empty:
        done = set(zip(settled["student"], settled["assignment"], settled["grade_id"], strict=True))
        d = d[[k not in done for k in zip(d["student"], d["case"], d["grade_id"], strict=True)]]
    return d.sort_values(["case", "criterion", "student"]).reset_index(drop=True)
