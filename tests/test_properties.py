"""Property tests over every case: random walks end, scores stay in range, replay is exact,
and any single changed byte in a decision log is detected."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.casefile import CASES_DIR, load_case
from simulator.decision_log import read_log
from simulator.engine import choice_event, letter_event, replay, shown_options, start_event
from simulator.model import CRITERIA, ChoiceStep
from simulator.session import Session

from conftest import CASE_IDS, MINIMAL

SEED = 123_456_789  # a fixed order seed keeps the log's size, and so hypothesis's draws, repeatable

CASE_PATHS = [MINIMAL] + [CASES_DIR / f"{c}.yaml" for c in CASE_IDS]
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def random_walk(case, draw_index, draw_text) -> list[dict]:
    """Walk from the start, drawing one of the options on offer at each step, until an ending.
    The engine decides where each choice leads (routes and conditions), as it does in play."""
    steps = {s.id: s for s in case.steps}
    events: list[dict] = []
    res = replay(case, events)
    for _ in range(len(case.steps) + 1):  # acyclic, so this bound is never the reason to stop
        if res.finished or res.problems:
            break
        step = steps[res.current]
        if isinstance(step, ChoiceStep):
            offered = shown_options(step, None, res.flags, res.state)
            events.append(choice_event(step.id, offered[draw_index(len(offered))]))
        else:
            events.append(letter_event(step.id, draw_text()))
        res = replay(case, events)
    return events


def walks():
    return st.data()


@pytest.fixture(scope="module", params=CASE_PATHS, ids=lambda p: p.stem)
def case(request, library):
    return load_case(request.param, library)


@PROPS
@given(data=walks())
def test_every_random_walk_ends_and_scores_stay_in_range(case, data):
    events = random_walk(
        case,
        lambda n: data.draw(st.integers(0, n - 1)),
        lambda: data.draw(st.text(max_size=300)),
    )
    res = replay(case, events)
    assert res.finished, f"walk stopped at {res.current}"
    assert res.current in {e.id for e in case.endings}
    assert res.problems == []
    for crit in CRITERIA:
        s = res.scores[crit]
        assert s.score is None or 0.0 <= s.score <= 1.0
        assert 0.0 <= s.earned <= s.possible
    for name, value in res.state.items():
        assert case.state[name].min <= value <= case.state[name].max


@PROPS
@given(data=walks())
def test_replaying_a_log_gives_identical_results(case, data):
    events = random_walk(case, lambda n: data.draw(st.integers(0, n - 1)), lambda: data.draw(st.text(max_size=80)))
    with tempfile.TemporaryDirectory() as tmp:
        session = Session(case, Path(tmp) / f"{case.id}.decisions.jsonl", seed=SEED)
        for ev in events:
            assert session.record(ev)[0]
        from_disk = replay(case, read_log(session.log.path).events).to_dict()
        again = replay(case, read_log(session.log.path).events).to_dict()
    assert isinstance(from_disk["seed"], int)  # the session drew an order seed and logged it
    assert from_disk == again == replay(case, [start_event(from_disk["seed"])] + events).to_dict()


@PROPS
@given(data=walks())
def test_a_single_changed_byte_in_a_log_is_detected(case, data):
    events = random_walk(case, lambda n: data.draw(st.integers(0, n - 1)), lambda: data.draw(st.text(max_size=40)))
    with tempfile.TemporaryDirectory() as tmp:
        session = Session(case, Path(tmp) / f"{case.id}.decisions.jsonl", seed=SEED)
        for ev in events:
            session.record(ev)
        path = session.log.path
        raw = bytearray(path.read_bytes())
        assert read_log(path).intact
        pos = data.draw(st.integers(0, len(raw) - 1))
        new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]))
        raw[pos] = new
        path.write_bytes(bytes(raw))
        assert not read_log(path).intact
