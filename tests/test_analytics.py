"""Cohort analytics on synthetic cohorts whose structure is known, so the statistics must recover it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading import analytics as an
from grading.reliability import cronbach_alpha
from simulator.engine import play_headless
from simulator.model import CRITERIA

from conftest import ROOT, case_by_id
from grading.synthetic import choose_path, cohort

FLAT = ("A", "s3")  # the decision point made non-discriminating
GATED = ("B", "s2")  # reached only by candidates who got A/s1 right


def logistic(x):
    return 1 / (1 + np.exp(-x))


def synthetic_cohort(n: int = 400, seed: int = 1):
    """Candidates with ability θ. Each decision point scores one criterion, right with probability
    logistic(1.7(θ − b)), except FLAT (60 % right whatever θ). GATED is reached only after A/s1 right.
    Option 'ok' is the key; wrong answers are 'fejl' or, for weaker candidates, 'kritisk'."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n)
    dps, cells, crit_rows = [], [], []
    for i in range(n):
        sid = f"k{i:03d}"
        right_a1 = None
        for case in ("A", "B"):
            per_crit = {c: [] for c in CRITERIA}
            for j, step in enumerate(("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8")):
                crit = CRITERIA[j % 4]
                if (case, step) == GATED and not right_a1:
                    continue
                p = 0.6 if (case, step) == FLAT else logistic(1.7 * (theta[i] - (j - 3.5) / 4))
                right = rng.random() < p
                if (case, step) == ("A", "s1"):
                    right_a1 = right
                choice = "ok" if right else ("kritisk" if theta[i] < -0.5 and rng.random() < 0.7 else "fejl")
                dps.append({"student": sid, "case": case, "criterion": crit, "step": step, "choice": choice,
                            "score": float(right), "max_score": 1.0})
                per_crit[crit].append(float(right))
                if choice == "kritisk" and step == "s2":
                    crit_rows.append({"student": sid, "case": case, "ref": f"{step}.kritisk",
                                      "text": "Afgørelse uden partshøring", "legal": ("fvl-19",),
                                      "set_aside": False, "set_aside_by": "", "set_aside_reason": ""})
            for crit, xs in per_crit.items():
                cells.append({"student": sid, "case": case, "part": "valg", "criterion": crit,
                              "item": f"valg-{crit}", "score": 10 * float(np.mean(xs)), "max_score": 10.0,
                              "needs_manual_grade": False, "flagged": False})
                letter = float(np.clip(10 * logistic(theta[i] + rng.normal(scale=0.7)), 0, 10))
                cells.append({"student": sid, "case": case, "part": "brev", "criterion": crit,
                              "item": f"brev-{crit}", "score": round(letter, 1), "max_score": 10.0,
                              "needs_manual_grade": False, "flagged": False})
    return pd.DataFrame(dps), pd.DataFrame(cells), pd.DataFrame(crit_rows), theta


@pytest.fixture(scope="module")
def synth():
    return synthetic_cohort()


def test_non_discriminating_decision_point_scores_near_zero(synth):
    dps, *_ = synth
    items = an.item_analysis(dps).set_index(["case", "step"])
    flat = items.loc[FLAT]
    assert abs(flat["discrimination"]) < 0.12
    assert flat["flag"] == "lav diskrimination"
    others = items.drop(index=[FLAT])
    assert (others["discrimination"] > 0.25).all(), others["discrimination"].sort_values().head()
    assert flat["difficulty"] == pytest.approx(0.6, abs=0.07)


def test_statistics_are_conditional_on_reaching_the_step(synth):
    dps, *_ = synth
    items = an.item_analysis(dps).set_index(["case", "step"])
    gated = items.loc[GATED]
    reached_by = dps[(dps["case"] == "A") & (dps["step"] == "s1") & (dps["score"] == 1)]["student"].nunique()
    assert gated["n"] == reached_by < 400
    assert gated["reached"] == pytest.approx(reached_by / 400)
    only = dps[(dps["case"] == GATED[0]) & (dps["step"] == GATED[1])]
    assert gated["difficulty"] == pytest.approx(only["score"].mean())


def test_own_cronbach_alpha_matches_pingouin(synth):
    import pingouin as pg

    _, cells, *_ = synth
    for crit in [*CRITERIA, None]:
        m = an.cell_matrix(cells, crit)
        assert cronbach_alpha(m) == pytest.approx(pg.cronbach_alpha(data=m)[0], abs=1e-9)
    rng = np.random.default_rng(3)
    raw = pd.DataFrame(rng.integers(0, 5, size=(50, 6)).astype(float))
    assert cronbach_alpha(raw) == pytest.approx(pg.cronbach_alpha(data=raw)[0], abs=1e-9)


def test_alpha_extremes():
    x = np.arange(10, dtype=float)
    assert cronbach_alpha(pd.DataFrame({"a": x, "b": x, "c": x})) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(rng.normal(size=(2000, 5)))
    assert abs(cronbach_alpha(noise)) < 0.1


def test_reliability_per_criterion_and_overall(synth):
    _, cells, *_ = synth
    rel = an.reliability(cells).set_index("criterion")
    assert list(rel.index) == [*CRITERIA, "samlet"]
    assert (rel["items"].loc[list(CRITERIA)] == 4).all() and rel.loc["samlet", "items"] == 16
    assert rel.loc["samlet", "alpha"] > rel.loc[list(CRITERIA), "alpha"].max()  # more items, one ability


def test_option_analysis_separates_key_from_distractors(synth):
    dps, *_ = synth
    opts = an.option_analysis(dps).set_index(["case", "step", "option"])
    assert opts.loc[("A", "s2", "ok"), "point_biserial"] > 0.2
    assert opts.loc[("A", "s2", "kritisk"), "point_biserial"] < -0.2
    assert opts.loc[("A", "s2", "kritisk"), "mean_rest"] < opts.loc[("A", "s2", "ok"), "mean_rest"]
    shares = opts.loc[("A", "s2")]["share"]
    assert shares.sum() == pytest.approx(1.0)


def test_common_errors_find_the_shared_critical_error(synth):
    dps, _, crit, _ = synth
    errs = an.common_errors(dps, crit, None)
    top = errs["critical"].iloc[0]
    assert top["text"] == "Afgørelse uden partshøring"
    same = crit[(crit["ref"] == top["ref"]) & (crit["case"] == top["case"])]
    assert top["students"] == same["student"].nunique() > 20
    assert set(errs["choices"]["option"]) <= {"fejl", "kritisk"}


def test_decision_consistency_far_from_and_at_the_cut():
    rng = np.random.default_rng(5)
    far = pd.Series(np.r_[rng.normal(0.2, 0.03, 100), rng.normal(0.9, 0.03, 100)])
    assert an.decision_consistency(far, 0.6, 0.95)["consistency"] > 0.97
    near = pd.Series(rng.normal(0.6, 0.05, 200))
    res = an.decision_consistency(near, 0.6, 0.3)
    assert 0.45 < res["consistency"] < 0.65
    assert res["kappa"] < 0.2


def test_decision_consistency_table_has_a_conjunctive_row(synth):
    _, cells, *_ = synth
    table = an.decision_consistency_table(cells, {c: 0.6 for c in CRITERIA})
    assert list(table["criterion"]) == [*CRITERIA, "samlet"]
    joint = table.set_index("criterion").loc["samlet"]
    assert joint["expected_pass_rate"] <= table.set_index("criterion").loc[list(CRITERIA), "expected_pass_rate"].min()
    assert ((table["consistency"] >= 0.5) & (table["consistency"] <= 1)).all()


def test_engine_paths_of_a_real_case_give_positive_discrimination():
    """Synthetic trainees (skill → best option) through the real engine: items discriminate on average."""
    case = case_by_id("sofie")
    rows = []
    for t in cohort(60, seed=11):
        res = play_headless(case, choose_path(case, t))
        chosen = {v.step: v.option for v in res.path}
        for crit, s in res.scores.items():
            rows += [{"student": t.id, "case": case.id, "criterion": crit, "step": i.ref, "choice": chosen[i.ref],
                      "score": i.earned, "max_score": i.possible} for i in s.items if i.source == "choice"]
    items = an.item_analysis(pd.DataFrame(rows)).dropna(subset=["discrimination"])
    assert len(items) >= 3
    assert items["discrimination"].median() > 0.2


def test_figures_render(synth):
    dps, cells, *_ = synth
    figs = [an.plot_distributions(an.criterion_table(cells), {c: 0.6 for c in CRITERIA}),
            an.plot_item_map(an.item_analysis(dps)),
            an.plot_options(an.option_analysis(dps), "A", "s2")]
    for fig in figs:
        data = an.png(fig)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


# ---------------------------------------------------------------- small cohorts


def test_small_cohort_is_warned_about_in_danish(synth):
    dps, cells, *_ = synth
    few = sorted(cells["student"].unique())[:3]
    small_cells, small_dps = cells[cells["student"].isin(few)], dps[dps["student"].isin(few)]
    warnings = an.small_cohort_warnings(small_cells, small_dps)
    assert warnings and "kun 3 kandidater" in warnings[0] and "Cronbach's α" in warnings[0]
    rel = an.reliability(small_cells)
    assert (rel["note"] == an.SMALL_COHORT_NOTE).all()
    assert an.small_cohort_warnings(cells, dps) == []
    assert (an.reliability(cells)["note"] == "").all()


def test_analyse_command_warns_on_stderr_and_in_the_report(tmp_path, capsys):
    from simulator.cli import main

    demo = pd.read_csv(ROOT / "course" / "data" / "demo-kohorte.csv", keep_default_na=False, na_values=[""])
    three = sorted(demo["student"].unique())[:3]
    small = tmp_path / "small.csv"
    demo[demo["student"].isin(three)].to_csv(small, index=False)
    assert main(["analyse", "--csv", str(small), "--out", str(tmp_path / "small")]) == 0
    err = capsys.readouterr().err
    assert "ADVARSEL" in err and "kun 3 kandidater" in err
    report = (tmp_path / "small" / "rapport.md").read_text(encoding="utf-8")
    assert "## Advarsel" in report and "kun 3 kandidater" in report
    assert an.SMALL_COHORT_NOTE in pd.read_csv(tmp_path / "small" / "reliabilitet.csv")["note"].tolist()

    n = demo["student"].nunique()
    assert n >= an.MIN_COHORT
    demo_csv = ROOT / "course" / "data" / "demo-kohorte.csv"
    assert main(["analyse", "--csv", str(demo_csv), "--out", str(tmp_path / "all")]) == 0
    assert "ADVARSEL" not in capsys.readouterr().err
    assert "## Advarsel" not in (tmp_path / "all" / "rapport.md").read_text(encoding="utf-8")


def test_export_records_where_each_chosen_option_stood_and_analyse_finds_a_position_habit(tmp_path):
    """Issue 9: grading works on option ids; the export also says at which place the candidate saw
    the option they chose, so that clicking by place shows up in `analyse`."""
    from grading.autograde import Graded
    from grading.export import decision_point_rows
    from simulator.engine import ChoiceStep, replay, shown_options
    from simulator.session import Session

    from conftest import case_by_id

    case = case_by_id("sofie")
    rows = []
    for n in range(40):  # forty candidates who always click the top option
        session = Session(case, tmp_path / f"k{n}" / "sofie.decisions.jsonl", "eksamen", trainee=f"k{n}")
        while not session.result().finished:
            res = session.result()
            step = next(s for s in case.steps if s.id == res.current)
            if isinstance(step, ChoiceStep):
                assert session.choose(step.id, shown_options(step, res.seed, res.flags, res.state)[0])[0]
            else:
                assert session.submit_letter(step.id, "Brev.")[0]
        result = replay(case, session.read().events)
        rows += decision_point_rows(Graded(case, result, ()), "sofie", f"k{n}", False)
    dps = pd.DataFrame([r.__dict__ for r in rows]).rename(columns={"item": "step"})
    assert set(dps["position"]) == {1} and (dps["offered"] >= 2).all()
    table = an.position_analysis(dps)
    top = table.set_index("position").loc[1]
    assert top["ratio"] > 2.5  # far more first-place choices than chance would give
    assert table.set_index("position").loc[2, "chosen"] == 0
