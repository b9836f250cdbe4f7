"""Double marking against a real nbgrader gradebook (SQLite in tmp): known disagreement → known κ,
disagreements listed, settled scores land in the gradebook, examiner id and time recorded."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from nbgrader.api import Gradebook

from grading import reliability as ag
from grading import settlement
from grading import double_marking as dm
from simulator.cli import main
from simulator.model import CRITERIA

CASE = "sag"
N = 50


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A gradebook with one case, four letter cells, N candidates; first examiner's scores confirmed."""
    root = tmp_path_factory.mktemp("template")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "sagssim") as gb:
        gb.add_assignment(CASE)
        gb.add_notebook(CASE, CASE)
        for crit in CRITERIA:
            gb.add_grade_cell(f"brev-{crit}", CASE, CASE, max_score=10, cell_type="markdown")
            gb.add_grade_cell(f"valg-{crit}", CASE, CASE, max_score=10, cell_type="code")
        for i in range(N):
            gb.add_student(f"k{i:02d}")
            gb.add_submission(CASE, f"k{i:02d}")
            for crit in CRITERIA:
                g = gb.find_grade(f"brev-{crit}", CASE, CASE, f"k{i:02d}")
                g.manual_score, g.needs_manual_grade = float(i % 2) * 8, False  # 0 or 8
        gb.db.commit()
    return root / "gradebook.db"


@pytest.fixture()
def course(template, tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(template, root / "gradebook.db")
    return root


def second_marks(tmp_path, flips: int, crit="begrundelse") -> Path:
    """The second examiner agrees except on `flips` cells of `crit`, where they give the other level."""
    path = tmp_path / "second.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "case", "item", "score", "examiner"])
        for i in range(N):
            for c in CRITERIA:
                first = float(i % 2) * 8
                second = (8 - first) if (c == crit and i < flips) else first
                w.writerow([f"k{i:02d}", CASE, f"brev-{c}", second, "E2"])
    return path


def test_known_disagreement_gives_the_expected_kappa(course, tmp_path):
    # 10 of 50 cells flipped, 5 each way, marginals stay 50/50: p_o = 0.8, p_e = 0.5, κ = 0.6
    assert dm.import_csv(course, second_marks(tmp_path, flips=10)) == N * 4
    p = dm.pairs(course)
    assert len(p) == N * 4 and set(p["first_examiner"]) == {"gradebook"} and set(p["second_examiner"]) == {"E2"}
    table = ag.agreement(p, {c: 0.6 for c in CRITERIA}).set_index("key")
    row = table.loc["begrundelse"]
    assert row["n"] == N and row["exact"] == pytest.approx(0.8)
    assert row["kappa"] == pytest.approx(0.6)
    assert row["kappa_at_cut"] == pytest.approx(0.6)
    assert row["kappa_quadratic"] == pytest.approx(0.6)  # two levels: weights change nothing
    import krippendorff
    f = np.array([(i % 2) * 8 for i in range(N)], float)
    s = np.where(np.arange(N) < 10, 8 - f, f)
    expected = krippendorff.alpha(np.vstack([f, s]), level_of_measurement="interval")
    assert row["alpha_interval"] == pytest.approx(expected)
    assert 0.6 < row["alpha_interval"] < 0.62  # α = 1 − (2N−1)/(2N)·D_o/D_e, slightly above κ
    for other in ("helhedsvurdering", "partshoering", "klagevejledning"):
        assert table.loc[other, "kappa"] == pytest.approx(1.0)


def test_kappa_matches_hand_computation_on_unbalanced_table():
    # table [[20, 5], [10, 15]]: p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5 → κ = 0.4
    a = [0] * 25 + [1] * 25
    b = [0] * 20 + [1] * 5 + [0] * 10 + [1] * 15
    assert ag.cohen_kappa(a, b, [0, 1]) == pytest.approx(0.4)
    # an unused category must not change κ
    assert ag.cohen_kappa(a, b, [0, 1, 2]) == pytest.approx(0.4)


def test_disagreements_are_listed_and_settled_into_the_gradebook(course, tmp_path):
    dm.import_csv(course, second_marks(tmp_path, flips=4, crit="klagevejledning"))
    cuts = {c: 0.6 for c in CRITERIA}
    open_ = ag.disagreements(dm.pairs(course), 1.0, cuts)
    assert len(open_) == 4 and set(open_["grade_id"]) == {"brev-klagevejledning"} and open_["across_cut"].all()
    first = open_.iloc[0]
    settlement.settle(course, first["student"], CASE, first["grade_id"], 6.5, "Censor-1",
              "Brevet nævner fristen, ikke instansen.")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "sagssim") as gb:
        g = gb.find_grade(first["grade_id"], CASE, CASE, first["student"])
        assert g.manual_score == 6.5 and not g.needs_manual_grade
    settled = dm.settlements(course)
    assert settled.iloc[0]["examiner"] == "Censor-1" and settled.iloc[0]["settled_at"].startswith("20")
    assert settled.iloc[0]["first_score"] == first["first"] and settled.iloc[0]["second_score"] == first["second"]
    left = ag.disagreements(dm.pairs(course), 1.0, cuts, dm.settlements(course))
    assert len(left) == 3
    # the first mark survives the overwrite in the gradebook: agreement is unchanged
    agreement = ag.agreement(dm.pairs(course), cuts).set_index("key")
    assert agreement.loc["klagevejledning", "exact"] == pytest.approx(46 / 50)


def test_settle_agreed_uses_the_mean_and_leaves_disagreements(course, tmp_path):
    path = tmp_path / "close.csv"
    pd.DataFrame([{"student": "k01", "case": CASE, "item": "brev-begrundelse", "score": 7.5, "examiner": "E2"},
                  {"student": "k03", "case": CASE, "item": "brev-begrundelse", "score": 2.0, "examiner": "E2"}]
                 ).to_csv(path, index=False)
    dm.import_csv(course, path)
    assert settlement.settle_agreed(course, "Censor-1", 1.0, {c: 0.6 for c in CRITERIA}) == 1
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "sagssim") as gb:
        assert gb.find_grade("brev-begrundelse", CASE, CASE, "k01").manual_score == pytest.approx(7.75)
        assert gb.find_grade("brev-begrundelse", CASE, CASE, "k03").manual_score == 8.0  # disputed, untouched


def test_marks_keep_examiner_and_time_and_bad_rows_are_refused(course, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("student,case,item,score\nk01,sag,brev-begrundelse,11\nk99,sag,brev-begrundelse,3\n"
                   "k02,sag,brev-begrundelse,4\n", encoding="utf-8")
    with pytest.raises(dm.MarkError) as exc:
        dm.import_csv(course, bad, examiner="E2")
    msg = str(exc.value)
    assert "bad.csv:2: score 11 is outside 0–10" in msg and "bad.csv:3:" in msg and "k99" in msg
    assert dm.marks(course).empty  # nothing stored from a file with errors
    good = tmp_path / "good.csv"
    good.write_text("student,case,item,score\nk02,sag,brev-begrundelse,4\n", encoding="utf-8")
    dm.import_csv(course, good, examiner="E2")
    m = dm.marks(course)
    assert list(m["examiner"]) == ["E2"] and m["recorded_at"].iloc[0][:2] == "20" and m["role"].iloc[0] == "second"


def test_rubric_item_agreement_and_snapshot(course):
    dm.snapshot_first(course, "E1")
    first = dm.marks(course)
    assert (first["examiner"] == "E1").all() and len(first) == N * 4
    for i in range(20):
        met = i % 2
        dm.record_mark(course, f"k{i:02d}", CASE, "brev-klagevejledning", met, "E1", "first", rubric_item="kv-frist")
        dm.record_mark(course, f"k{i:02d}", CASE, "brev-klagevejledning", met if i >= 4 else 1 - met, "E2",
                       "second", rubric_item="kv-frist")
    table = ag.agreement(dm.pairs(course)).set_index("key")
    row = table.loc["klagevejledning/kv-frist"]
    assert row["n"] == 20 and row["exact"] == pytest.approx(0.8) and row["kappa"] == pytest.approx(0.6)


def test_cli_agree_and_set_aside(course, tmp_path, capsys):
    assert main(["double-mark", "import", str(course), str(second_marks(tmp_path, flips=10))]) == 0
    out = tmp_path / "open.csv"
    assert main(["double-mark", "agree", str(course), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "10 disagreement(s) to settle" in text
    assert len(pd.read_csv(out)) == 10
    assert main(["double-mark", "set-aside", str(course), "--student", "k01", "--case", CASE, "--ref", "s1.x",
                 "--examiner", "Censor-1", "--reason", "Fejl i sagsmaterialet"]) == 0
    assert dm.set_asides(course)[0]["examiner"] == "Censor-1"
