"""Per-candidate option order (issue 9): drawn from a seed the session logs at start, so the
candidate, the replay, the grader and the debrief all see the same order; grading works on
option ids, never positions."""

from __future__ import annotations

import pytest

from simulator.decision_log import read_log
from simulator.engine import ChoiceStep, events_for, replay, shown_options, start_event
from simulator.keys import strip_keys
from simulator.session import Session, exam_seed
from simulator.ui import open_player

from conftest import CASE_IDS, case_by_id


def _orders(case, seed) -> list[tuple[str, ...]]:
    return [shown_options(s, seed, (), {}) for s in case.steps if isinstance(s, ChoiceStep)]


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_two_candidates_in_an_exam_see_different_orders(tmp_path, case_id):
    case = strip_keys(case_by_id(case_id))
    a = Session(case, tmp_path / "a" / f"{case_id}.decisions.jsonl", "eksamen", trainee="kandidat-17")
    b = Session(case, tmp_path / "b" / f"{case_id}.decisions.jsonl", "eksamen", trainee="kandidat-18")
    sa, sb = a.result().seed, b.result().seed
    assert sa is not None and sb is not None and sa != sb
    assert _orders(case, sa) != _orders(case, sb)


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_the_same_candidate_keeps_the_order_after_a_restart_and_a_refetch(tmp_path, case_id):
    case = strip_keys(case_by_id(case_id))
    log = tmp_path / f"{case_id}.decisions.jsonl"
    first = Session(case, log, "eksamen", trainee="kandidat-17")
    step = first.step
    shown_before = shown_options(step, first.result().seed, (), {})
    again = Session(case, log, "eksamen", trainee="kandidat-17")  # a new kernel opens the same log
    assert shown_options(again.step, again.result().seed, (), {}) == shown_before
    refetched = Session(case, tmp_path / "igen" / f"{case_id}.decisions.jsonl", "eksamen", trainee="kandidat-17")
    assert refetched.result().seed == first.result().seed == exam_seed("kandidat-17", case_id)
    assert len([e for e in read_log(log).events if e["type"] == "start"]) == 1


def test_self_study_draws_a_fresh_order_at_first_open(tmp_path):
    case = case_by_id(CASE_IDS[0])
    seeds = {Session(case, tmp_path / str(i) / "x.decisions.jsonl").result().seed for i in range(5)}
    assert len(seeds) == 5


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_grading_a_shuffled_session_equals_grading_the_same_choices_in_authored_order(tmp_path, case_id):
    case = case_by_id(case_id)
    session = Session(case, tmp_path / f"{case_id}.decisions.jsonl", "selvstudie", seed=987_654_321)
    for ev in events_for(case, list(case.model_path)):
        assert session.record(ev)[0]
    shuffled = session.result()
    authored = replay(case, events_for(case, list(case.model_path)))
    assert shuffled.seed == 987_654_321 and authored.seed is None
    assert [v.shown for v in shuffled.path if v.option] != [v.shown for v in authored.path if v.option]
    assert shuffled.scores == authored.scores
    assert shuffled.critical_errors == authored.critical_errors and shuffled.current == authored.current


def test_the_player_shows_options_in_the_logged_order(tmp_path):
    case = case_by_id(CASE_IDS[0])
    player = open_player(case.id, folder=tmp_path)
    seed = player.result.seed
    step = next(s for s in case.steps if s.id == case.start)
    assert list(player._option_buttons) == list(shown_options(step, seed, (), {}))


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_play_json_lists_the_order_shown_at_each_step(case_id):
    case = case_by_id(case_id)
    res = replay(case, [start_event(5)] + events_for(case, list(case.model_path)))
    for visit in res.path:
        if visit.option:
            assert visit.option in visit.shown and len(visit.shown) >= 2


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_progress_never_runs_backwards_nor_promises_an_early_end(case_id):
    from simulator import presentation as pres

    case = case_by_id(case_id)
    for path in (case.model_path, case.typical_error_path):
        events = events_for(case, list(path))
        steps_taken = len(replay(case, events).path)
        fractions = []
        for n in range(len(events) + 1):
            done, total = pres.progress(case, replay(case, events[:n]))
            assert total >= steps_taken or n == len(events)
            fractions.append(done / total)
        assert fractions == sorted(fractions)
