"""Cohort analytics: pure functions on pandas DataFrames, plus matplotlib figures.

Inputs are the tables `grading.certify.collect` builds (or the long CSV of
`sagssim export`, through `from_export`):

- cells:            student, case, part (valg/brev), criterion, item, score, max_score, ...
- decision_points:  student, case, criterion, step, choice, score, max_score
                    (one row per criterion a reached decision point scores; a step the
                    candidate never reached has no row, so every statistic on decision
                    points is conditional on reaching the step)

Definitions (classical test theory; see docs/certification.md):

- difficulty p: mean proportion of the possible credit, among candidates who reached the item;
- discrimination: corrected item–rest correlation: Pearson r between the item and the mean of
  the candidate's OTHER items (all items of the same decision point left out), among reachers;
  below 0.20 is flagged, as in PrairieLearn;
- Cronbach's α on a complete candidates × items matrix (listwise deletion);
- decision consistency at a cut: Subkoviak's single-administration index with a normal
  error model (SEM = SD·√(1−α), true score by Kelley's regression), and Cohen's κ for it.
"""

from __future__ import annotations

import io
from math import erf, sqrt

import numpy as np
import pandas as pd

from simulator.model import CRITERIA, CRITERION_LABELS

from .reliability import cronbach_alpha

LOW_DISCRIMINATION = 0.20
MIN_N = 10
# Below this many candidates, α, discrimination and decision consistency are too unstable to
# act on: the 95 % interval of a correlation of 0.3 with n = 30 already spans about 0–0.6, and
# with a handful of candidates α can come out near 1 or below 0 by chance alone.
MIN_COHORT = 30
SMALL_COHORT_NOTE = "for få kandidater: tallet er meget usikkert"


# ---------------------------------------------------------------- shaping


def from_export(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long export (grading/export.py COLUMNS) as (cells, decision_points)."""
    from .certify import DP_COLUMNS, cells_from_rows

    for col in ("position", "offered"):  # exports from before options were shuffled lack them
        if col not in rows:
            rows = rows.assign(**{col: np.nan})
    dps = rows[rows["level"] == "decision_point"].rename(columns={"item": "step"})[DP_COLUMNS].copy()
    for col in ("score", "max_score"):
        dps[col] = pd.to_numeric(dps[col])
    dps["choice"] = dps["choice"].fillna("").astype(str)
    for col in ("position", "offered"):
        dps[col] = pd.to_numeric(dps[col], errors="coerce")
    return cells_from_rows(rows), dps.reset_index(drop=True)


def criterion_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Students × criteria, pooled proportion (the score certification uses)."""
    from .certify import criterion_scores

    s = criterion_scores(cells)
    return s.pivot(index="student", columns="criterion", values="score").reindex(columns=list(CRITERIA))


def item_matrix(dps: pd.DataFrame) -> pd.DataFrame:
    """Students × (case, step, criterion) proportion of credit; NaN where the step was not reached."""
    d = dps.assign(p=dps["score"] / dps["max_score"])
    m = d.pivot_table(index="student", columns=["case", "step", "criterion"], values="p", aggfunc="mean")
    return m.sort_index(axis=1)


def cell_matrix(cells: pd.DataFrame, criterion: str | None = None) -> pd.DataFrame:
    """Students × grade cells (case/item) as proportions; one criterion or all."""
    d = cells if criterion is None else cells[cells["criterion"] == criterion]
    d = d.assign(p=d["score"] / d["max_score"], key=d["case"] + "/" + d["item"])
    return d.pivot_table(index="student", columns="key", values="p", aggfunc="mean")


# ---------------------------------------------------------------- reliability


def reliability(cells: pd.DataFrame) -> pd.DataFrame:
    """α per criterion (over that criterion's grade cells across cases) and overall (all cells).
    `note` warns when α rests on fewer than MIN_COHORT candidates."""
    rows = []
    for crit in [*CRITERIA, None]:
        m = cell_matrix(cells, crit)
        complete = m.dropna()
        rows.append({"criterion": crit or "samlet", "label": CRITERION_LABELS[crit] if crit else "Alle kriterier",
                     "items": m.shape[1], "students": len(complete), "alpha": cronbach_alpha(m),
                     "note": SMALL_COHORT_NOTE if len(complete) < MIN_COHORT else ""})
    return pd.DataFrame(rows)


def cohort_size(cells: pd.DataFrame) -> int:
    return int(cells["student"].nunique()) if not cells.empty else 0


def small_cohort_warnings(cells: pd.DataFrame, dps: pd.DataFrame | None = None) -> list[str]:
    """Plain-Danish warnings for an instructor when the cohort is too small for the statistics
    to mean anything; empty when it is large enough."""
    n = cohort_size(cells)
    if n >= MIN_COHORT:
        return []
    out = [f"Kohorten har kun {n} kandidat{'er' if n != 1 else ''}. Med færre end {MIN_COHORT} kandidater siger "
           "Cronbach's α, diskrimination og beslutningskonsistens ikke noget pålideligt: tallene kan blive høje "
           "eller lave af ren tilfældighed. Brug dem ikke til at vurdere prøven eller til at rette i sagerne; "
           "se i stedet på de enkelte besvarelser."]
    if dps is not None and not dps.empty:
        per_item = dps.groupby(["case", "step", "criterion"])["student"].nunique()
        thin = int((per_item < MIN_N).sum())
        if thin:
            out.append(f"{thin} beslutningspunkt(er) er nået af færre end {MIN_N} kandidater; deres sværhed og "
                       "diskrimination er markeret 'for få besvarelser'.")
    return out


def summary_markdown(tables: dict[str, pd.DataFrame], warnings: list[str], n: int) -> str:
    """`rapport.md` of `sagssim analyse`: the warnings first, then the headline figures, in Danish."""
    lines = ["# Analyse af kohorten", "", f"Kandidater: {n}.", ""]
    if warnings:
        lines += ["## Advarsel", ""] + [f"- {w}" for w in warnings] + [""]
    rel = tables.get("reliabilitet")
    if rel is not None and not rel.empty:
        lines += ["## Reliabilitet (Cronbach's α)", "",
                  "| Kriterium | Kandidater | α | Bemærkning |", "|---|---|---|---|"]
        lines += [f"| {r.label} | {r.students} | {'–' if pd.isna(r.alpha) else f'{r.alpha:.2f}'.replace('.', ',')} "
                  f"| {r.note} |" for r in rel.itertuples()]
        lines.append("")
    items = tables.get("beslutningspunkter")
    if items is not None and not items.empty:
        flagged = items[items["flag"] != ""]
        lines += ["## Beslutningspunkter", "", f"{len(items)} beslutningspunkter, {len(flagged)} markeret "
                  "(se beslutningspunkter.csv).", ""]
    lines += ["Tabellerne ligger som CSV-filer i samme mappe; figurerne som PNG.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- items


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def rest_scores(m: pd.DataFrame, case: str, step: str) -> np.ndarray:
    """Mean of each candidate's other items, leaving out every item of this decision point."""
    cols = [c for c in m.columns if (c[0], c[1]) != (case, step)]
    return m[cols].mean(axis=1, skipna=True).to_numpy()


def item_analysis(dps: pd.DataFrame) -> pd.DataFrame:
    """Per decision point and criterion: reached, difficulty, discrimination, flag."""
    m = item_matrix(dps)
    n_students = dps["student"].nunique()
    rows = []
    for col in m.columns:
        case, step, crit = col
        item = m[col].to_numpy()
        reached = ~np.isnan(item)
        disc = _corr(item, rest_scores(m, case, step))
        rows.append({"case": case, "step": step, "criterion": crit, "n": int(reached.sum()),
                     "reached": reached.sum() / n_students if n_students else np.nan,
                     "difficulty": float(np.nanmean(item)) if reached.any() else np.nan,
                     "sd": float(np.nanstd(item, ddof=1)) if reached.sum() > 1 else np.nan,
                     "discrimination": disc})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["flag"] = np.select(
        [out["n"] < MIN_N, out["sd"].fillna(0) == 0, out["discrimination"] < LOW_DISCRIMINATION],
        ["for få besvarelser", "ingen variation", "lav diskrimination"], "")
    return out


def option_analysis(dps: pd.DataFrame) -> pd.DataFrame:
    """Per decision point and option: how many chose it, its credit, the choosers' rest score,
    and the point-biserial correlation of choosing it with the rest score (among reachers)."""
    m = item_matrix(dps)
    per_choice = (dps.assign(p=dps["score"] / dps["max_score"])
                  .groupby(["case", "step", "student", "choice"], as_index=False)["p"].mean())
    rows = []
    for (case, step), d in per_choice.groupby(["case", "step"]):
        rest = pd.Series(rest_scores(m, case, step), index=m.index)
        r = rest.loc[d["student"]].to_numpy()
        for choice, dc in d.groupby("choice"):
            chosen = (d["choice"] == choice).to_numpy().astype(float)
            rows.append({"case": case, "step": step, "option": choice, "n": len(dc),
                         "share": len(dc) / len(d), "credit": float(dc["p"].mean()),
                         "mean_rest": float(rest.loc[dc["student"]].mean()),
                         "point_biserial": _corr(chosen, r)})
    return pd.DataFrame(rows).sort_values(["case", "step", "credit"], ascending=[True, True, False])


def position_analysis(dps: pd.DataFrame) -> pd.DataFrame:
    """Where in the order shown the chosen options stood. Per position (1 = top): how many choices,
    how many chance alone would put there (each option equally likely among those offered), the
    ratio of the two, and the mean credit of what was chosen there. With options shuffled per
    candidate a ratio far from 1 means candidates click by place, not by content."""
    d = dps.dropna(subset=["position", "offered"]) if {"position", "offered"} <= set(dps.columns) else dps.iloc[0:0]
    d = d.drop_duplicates(["student", "case", "step"])  # one choice per step, whatever the criteria
    if d.empty:
        return pd.DataFrame(columns=["position", "chosen", "expected", "ratio", "mean_credit"])
    credit = (dps.assign(p=dps["score"] / dps["max_score"]).groupby(["student", "case", "step"])["p"].mean())
    rows = []
    for pos in range(1, int(d["offered"].max()) + 1):
        at = d[d["position"] == pos]
        expected = float((1.0 / d.loc[d["offered"] >= pos, "offered"]).sum())
        rows.append({"position": pos, "chosen": len(at), "expected": round(expected, 2),
                     "ratio": round(len(at) / expected, 3) if expected else np.nan,
                     "mean_credit": float(credit.loc[list(zip(at["student"], at["case"], at["step"],
                                                              strict=True))].mean())
                     if len(at) else np.nan})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- decisions


def _phi(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.vectorize(erf)(z / sqrt(2)))


def pass_probabilities(scores: pd.Series, cut: float, alpha: float) -> pd.Series:
    """P(score ≥ cut on a parallel form) per candidate: normal error, SEM = SD·√(1−α),
    true score by Kelley's regression towards the cohort mean."""
    x = scores.astype(float)
    a = min(max(alpha, 0.0), 0.999) if not np.isnan(alpha) else 0.0
    sem = x.std(ddof=1) * sqrt(1 - a)
    true = a * x + (1 - a) * x.mean()
    if not sem or np.isnan(sem):
        return (true >= cut).astype(float)
    return pd.Series(_phi(((true - cut) / sem).to_numpy()), index=x.index)


def decision_consistency(scores: pd.Series, cut: float, alpha: float) -> dict:
    """Subkoviak-type single-administration decision consistency at a cut."""
    scores = scores.dropna()
    p = pass_probabilities(scores, cut, alpha)
    return consistency_from_probabilities(p) | {
        "cut": cut, "alpha": alpha, "sem": float(scores.std(ddof=1) * sqrt(1 - min(max(alpha, 0), 0.999)))
        if len(scores) > 1 and not np.isnan(alpha) else float("nan"),
        "observed_pass_rate": float((scores >= cut).mean()),
    }


def consistency_from_probabilities(p: pd.Series) -> dict:
    p0 = float(np.mean(p ** 2 + (1 - p) ** 2))
    pbar = float(p.mean())
    pc = pbar ** 2 + (1 - pbar) ** 2
    kappa = (p0 - pc) / (1 - pc) if pc < 1 else float("nan")
    return {"n": len(p), "consistency": p0, "kappa": kappa, "expected_pass_rate": pbar}


def decision_consistency_table(cells: pd.DataFrame, cuts: dict[str, float]) -> pd.DataFrame:
    """Per criterion and for the conjunctive decision (errors assumed independent across criteria)."""
    table = criterion_table(cells)
    rel = reliability(cells).set_index("criterion")["alpha"]
    rows, probs = [], []
    for crit in CRITERIA:
        s = table[crit].dropna()
        if len(s) < 2:
            continue
        rows.append({"criterion": crit, "label": CRITERION_LABELS[crit],
                     **decision_consistency(s, cuts[crit], float(rel.get(crit, np.nan))),
                     "note": SMALL_COHORT_NOTE if len(s) < MIN_COHORT else ""})
        probs.append(pass_probabilities(s, cuts[crit], float(rel.get(crit, np.nan))).rename(crit))
    if probs:
        joint = pd.concat(probs, axis=1).dropna().prod(axis=1)
        rows.append({"criterion": "samlet", "label": "Samlet afgørelse (alle fire)",
                     **consistency_from_probabilities(joint), "cut": np.nan, "alpha": np.nan, "sem": np.nan,
                     "observed_pass_rate": float(table.dropna().ge(pd.Series(cuts)).all(axis=1).mean()),
                     "note": SMALL_COHORT_NOTE if len(joint) < MIN_COHORT else ""})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- error patterns


def common_errors(dps: pd.DataFrame, critical: pd.DataFrame | None = None,
                  letter_items: pd.DataFrame | None = None, min_share: float = 0.2) -> dict[str, pd.DataFrame]:
    """Patterns across the cohort: critical errors, weak choices many made, letter items many missed."""
    n = dps["student"].nunique() if not dps.empty else 0
    out = {}
    if critical is not None and not critical.empty and n:
        c = critical.groupby(["case", "ref", "text"])["student"].nunique().rename("students").reset_index()
        c["share"] = c["students"] / n
        out["critical"] = c.sort_values("students", ascending=False).reset_index(drop=True)
    else:
        out["critical"] = pd.DataFrame(columns=["case", "ref", "text", "students", "share"])
    opts = option_analysis(dps) if not dps.empty else pd.DataFrame()
    if not opts.empty:
        weak = opts[(opts["credit"] < 1) & (opts["share"] >= min_share)]
        out["choices"] = weak.sort_values("share", ascending=False).reset_index(drop=True)
    else:
        out["choices"] = pd.DataFrame()
    if letter_items is not None and not letter_items.empty:
        li = letter_items.groupby(["criterion", "item", "label", "severity"])["passed"].agg(
            missed=lambda s: int((~s.astype(bool)).sum()), letters="size").reset_index()
        li["share_missed"] = li["missed"] / li["letters"]
        out["letters"] = li[li["share_missed"] >= min_share].sort_values("share_missed", ascending=False) \
            .reset_index(drop=True)
    else:
        out["letters"] = pd.DataFrame()
    return out


# ---------------------------------------------------------------- figures


def _figure(w: float, h: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def plot_distributions(table: pd.DataFrame, cuts: dict[str, float]):
    """One histogram per criterion with the cut as a line."""
    fig = _figure(9, 5.5)
    axes = fig.subplots(2, 2, sharex=True)
    for ax, crit in zip(axes.flat, CRITERIA, strict=True):  # a 2 × 2 grid, one per criterion
        s = table[crit].dropna() if crit in table else pd.Series(dtype=float)
        ax.hist(s, bins=np.linspace(0, 1, 11), color="#3465a4", edgecolor="white")
        ax.axvline(cuts.get(crit, np.nan), color="#cc0000", linestyle="--", label="grænse")
        ax.set_title(CRITERION_LABELS[crit], fontsize=10)
        ax.set_ylabel("kursister")
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[1]:
        ax.set_xlabel("andel af mulige point")
    axes[0, 0].legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_item_map(items: pd.DataFrame):
    """Difficulty against discrimination per decision point; the 0.20 line marks weak items."""
    fig = _figure(8, 5)
    ax = fig.add_subplot()
    colors = {c: f"C{i}" for i, c in enumerate(CRITERIA)}
    for crit, d in items.groupby("criterion"):
        ax.scatter(d["difficulty"], d["discrimination"], label=CRITERION_LABELS.get(crit, crit),
                   color=colors.get(crit), s=20 + 2 * d["n"].clip(upper=80))
    weak = items[items["discrimination"] < LOW_DISCRIMINATION]
    for r in weak.itertuples():
        ax.annotate(f"{r.case}/{r.step}", (r.difficulty, r.discrimination), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.axhline(LOW_DISCRIMINATION, color="#cc0000", linestyle="--", linewidth=1)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("sværhed p (andel af point blandt dem, der nåede trinnet)")
    ax.set_ylabel("diskrimination (korrigeret r)")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def plot_options(options: pd.DataFrame, case: str, step: str):
    d = options[(options["case"] == case) & (options["step"] == step)]
    fig = _figure(7, 0.8 + 0.45 * max(len(d), 1))
    ax = fig.add_subplot()
    ax.barh(range(len(d)), d["share"], color=["#4e9a06" if c >= 1 else "#c17d11" for c in d["credit"]])
    ax.set_yticks(range(len(d)), [f"{o} (point {c:.2f})" for o, c in zip(d["option"], d["credit"], strict=True)])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("andel af dem, der nåede trinnet")
    ax.set_title(f"{case} / {step}", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
