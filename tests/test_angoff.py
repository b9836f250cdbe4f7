"""Modified Angoff: known panel ratings give the cut and standard error by hand; the result is a valid
pass-rule file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading import angoff
from grading.certify import RULES_FILE, load_rules
from simulator.cli import main
from simulator.model import CRITERIA

from conftest import CASE_IDS


def test_worksheet_lists_decision_points_and_letter_cells_for_every_panelist(tmp_path):
    out = tmp_path / "ws.csv"
    assert main(["angoff", "worksheet", "--out", str(out), "--panelists", "A,B"]) == 0
    ws = pd.read_csv(out)
    assert set(ws["panelist"]) == {"A", "B"}
    assert set(ws["case"]) == set(CASE_IDS)
    assert {"valg", "brev"} == set(ws["part"])
    assert ws["rating"].isna().all()
    assert (ws[ws["part"] == "valg"]["weight"] > 0).all()
    per = ws[ws["panelist"] == "A"]
    assert len(ws) == 2 * len(per)


def filled(tmp_path, ratings_by_panelist: dict[str, float], jitter=None):
    items = angoff.worksheet_items()
    rows = []
    for p, r in ratings_by_panelist.items():
        for i, it in enumerate(items.to_dict("records")):
            rows.append({"panelist": p, **it, "rating": r if jitter is None else jitter(p, i, it)})
    path = tmp_path / "filled.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_cut_and_standard_error_match_hand_calculation(tmp_path):
    # every panelist rates every item the same: their cut is that rating
    ratings = {"A": 0.5, "B": 0.6, "C": 0.7, "D": 0.8}
    result = angoff.compute(angoff.read_worksheet(filled(tmp_path, ratings)))
    s = result.summary.set_index("criterion")
    vals = np.array(list(ratings.values()))
    for crit in CRITERIA:
        assert s.loc[crit, "cut"] == pytest.approx(vals.mean())
        assert s.loc[crit, "se"] == pytest.approx(vals.std(ddof=1) / 2)
        assert s.loc[crit, "panelists"] == 4


def test_weights_and_cells_follow_the_scoring(tmp_path):
    """One panelist: letter cells rated 1.0, decision points 0.0 → each criterion's cut is the share of
    its cells that are letter cells (every cell weighs the same, as in the pooled score)."""
    path = filled(tmp_path, {"A": 0}, jitter=lambda p, i, it: 1.0 if it["part"] == "brev" else 0.0)
    result = angoff.compute(angoff.read_worksheet(path))
    items = angoff.worksheet_items()
    for crit in CRITERIA:
        cells = items[items["criterion"] == crit][["case", "part"]].drop_duplicates()
        if cells.empty:
            continue
        expected = (cells["part"] == "brev").mean()
        assert result.cuts[crit] == pytest.approx(expected)


def test_bad_ratings_are_named_by_line(tmp_path):
    path = filled(tmp_path, {"A": 0.5})
    ws = pd.read_csv(path, dtype={"rating": str})
    ws.loc[2, "rating"] = "1.7"
    ws.loc[4, "rating"] = "x"
    ws.to_csv(path, index=False)
    with pytest.raises(angoff.WorksheetError) as exc:
        angoff.read_worksheet(path)
    assert ":4: rating 1.7" in str(exc.value) and ":6: rating 'x'" in str(exc.value)


def test_disagreement_items_are_listed(tmp_path):
    def jitter(p, i, it):
        return (0.1 if p == "A" else 0.9) if i == 0 else 0.6
    result = angoff.compute(angoff.read_worksheet(filled(tmp_path, {"A": 0, "B": 0}, jitter)))
    assert len(result.discuss) == 1


def test_compute_writes_a_valid_pass_rule_file(tmp_path):
    ratings = {"A": 0.55, "B": 0.65, "C": 0.62}
    out = tmp_path / "pass-rules.yaml"
    code = main(["angoff", "compute", str(filled(tmp_path, ratings)), "--out", str(out)])
    assert code == 0
    rules = load_rules(out)
    default = load_rules(RULES_FILE)
    assert rules.cuts["partshoering"] == pytest.approx(round(np.mean(list(ratings.values())), 2))
    assert rules.min_cases == default.min_cases and rules.legal_basis == default.legal_basis
    assert rules.standard_setting.panelists == 3
    assert rules.standard_setting.standard_error["begrundelse"] == pytest.approx(
        np.std(list(ratings.values()), ddof=1) / np.sqrt(3), abs=1e-4)
