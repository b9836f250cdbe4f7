"""The engine on the minimal fixture: scoring, rules, critical errors, bad events."""

from __future__ import annotations

from simulator.engine import choice_event, events_for, letter_event, replay
from simulator.keys import case_version, has_keys, strip_keys


def test_best_path_scores_full_marks(minimal):
    res = replay(minimal, events_for(minimal, ["hoer", "brev"], ["brev"]))
    assert res.finished and res.current == "slut"
    assert res.scores["partshoering"].score == 1.0
    assert res.scores["begrundelse"].score is None  # not tested on this path
    assert res.critical_errors == []
    assert res.state == {"dage": 10, "tillid": 60}
    assert res.documents == ["ansoegning", "notat"]


def test_skipping_partshoering_is_critical_twice(minimal):
    res = replay(minimal, events_for(minimal, ["afgoer"]))
    assert res.scores["partshoering"].score == 0.0
    refs = {e.ref for e in res.critical_errors}
    assert refs == {"s1.afgoer", "hoering-foer-afgoerelse"}
    items = res.scores["partshoering"].items
    assert [(i.source, i.earned, i.possible) for i in items] == [("choice", 0.0, 1.0), ("rule", 0.0, 1.0)]


def test_state_is_clamped_to_its_range(minimal):
    res = replay(minimal, events_for(minimal, ["afgoer"]))
    assert res.state["tillid"] == 30
    assert 0 <= res.state["dage"] <= 365


def test_events_that_do_not_fit_are_reported_not_applied(minimal):
    events = [
        {"type": "start"},
        choice_event("brev", "hoer"),  # wrong step
        choice_event("s1", "nej"),  # unknown option
        letter_event("s1", "x"),  # letter at a choice step
        choice_event("s1", "hoer"),
        choice_event("brev", "hoer"),  # choice at a letter step
        letter_event("brev", "tekst"),
        choice_event("slut", "x"),  # after the end
    ]
    res = replay(minimal, events)
    assert res.finished and res.choices == ["hoer", "brev"]
    assert len(res.problems) == 5


def test_replay_is_deterministic(minimal):
    ev = events_for(minimal, ["hoer"], ["brev"])
    assert replay(minimal, ev).to_dict() == replay(minimal, ev).to_dict()


def test_stripping_keys_keeps_the_version_and_removes_every_key(minimal):
    public = strip_keys(minimal)
    assert has_keys(minimal) and not has_keys(public)
    assert case_version(public) == case_version(minimal)
    dumped = public.model_dump_json()
    for key_text in ("Rigtigt", "Forkert", "hoering-foer-afgoerelse", "kv-frist", "fvl-19"):
        assert key_text not in dumped
    # the candidate still sees what happens to the citizen
    assert "Anna svarer inden for fristen" in dumped


def test_changing_what_a_trainee_sees_changes_the_version(minimal):
    changed = minimal.model_copy(update={"title": "Ny titel"})
    assert case_version(changed) != case_version(minimal)
