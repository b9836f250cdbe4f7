"""Fuzzing the two parsers a stranger's bytes reach: decision logs and case files.

Whatever arrives, the answer is a list of problems in Danish (logs) or a
CaseFileError naming file, place and problem (cases) — never another exception,
and never a crash in grading.
"""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grading.autograde import grade_folder, letter_provisional, letter_steps, points_for
from simulator.casefile import CaseFileError, load_case
from simulator.decision_log import GENESIS, LOG_SUFFIX, event_hash, parse_log
from simulator.engine import replay
from simulator.keys import case_version
from simulator.model import CRITERIA

from conftest import MINIMAL

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_as_a_log_give_problems_not_exceptions(raw):
    log = parse_log(raw, "minimal", "0" * 16)
    assert isinstance(log.problems, list)
    assert all(isinstance(p, str) and p for p in log.problems)
    assert log.intact or log.problems


def chained(events: list[dict]) -> bytes:
    """A log with a valid hash chain: what someone who knows the format could forge."""
    prev, lines = GENESIS, []
    for seq, ev in enumerate(events):
        ev = {"time": "2026-11-23T10:00:00.000+00:00", **ev, "seq": seq, "prev": prev}
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        lines.append(json.dumps(ev, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


event_fields = st.fixed_dictionaries(
    {"type": st.sampled_from(["choice", "letter", "draft", "note", "start"]) | json_values},
    optional={"step": json_values | st.sampled_from(["hoer", "afgoer", "brev"]),
              "option": json_values | st.sampled_from(["hoer-nu", "afgoer-nu"]),
              "text": json_values | st.text(max_size=300), "time": json_values},
)


@FUZZ
@given(st.lists(event_fields, max_size=8))
def test_forged_logs_with_wrong_types_never_crash_grading(minimal, library, tmp_path_factory, events):
    start = {"type": "start", "case": "minimal", "case_version": case_version(minimal)}
    raw = chained([start, *events])
    log = parse_log(raw, "minimal", case_version(minimal))
    result = replay(minimal, log.events)  # the engine reports what does not fit; it does not raise
    assert all(isinstance(p, str) for p in result.problems)
    folder = tmp_path_factory.mktemp("sub")
    (folder / f"minimal{LOG_SUFFIX}").write_bytes(raw)
    graded = grade_folder(minimal, folder)
    for crit in CRITERIA:
        assert 0.0 <= points_for(graded, crit, 10.0) <= 10.0
    for _step in letter_steps(minimal):
        for crit in CRITERIA:
            points, comment = letter_provisional(graded, library, crit, 10.0)
            assert 0.0 <= points <= 10.0 and isinstance(comment, str)


def _mutations(data):
    """Every path to a node of a parsed case, so one can be replaced."""
    stack = [((), data)]
    while stack:
        path, node = stack.pop()
        yield path
        if isinstance(node, dict):
            stack += [((*path, k), v) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [((*path, i), v) for i, v in enumerate(node)]


def _replace(data, path, value):
    if not path:
        return value
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@FUZZ
@given(st.data())
def test_a_case_with_any_one_node_replaced_loads_or_names_its_problem(library, tmp_path_factory, data):
    original = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from(sorted(_mutations(original), key=repr)))
    mutated = _replace(original, path, data.draw(json_values))
    file = tmp_path_factory.mktemp("case") / "minimal.yaml"
    file.write_text(yaml.safe_dump(mutated, allow_unicode=True), encoding="utf-8")
    try:
        load_case(file, library)
    except CaseFileError as exc:
        text = str(exc)
        assert "minimal.yaml" in text and len(text.splitlines()) >= 1


@FUZZ
@given(st.text(max_size=400))
def test_any_text_as_a_case_file_loads_or_names_its_problem(library, tmp_path_factory, text):
    file = tmp_path_factory.mktemp("case") / "minimal.yaml"
    file.write_text(text, encoding="utf-8")
    try:
        load_case(file, library)
    except CaseFileError as exc:
        assert "minimal.yaml" in str(exc)


def test_the_forger_makes_logs_that_verify(minimal):
    """A check on the harness itself: forged logs pass the chain check, so the engine really sees them,
    and an option that does not exist is reported, not scored."""
    raw = chained([{"type": "start", "case": "minimal", "case_version": case_version(minimal)},
                   {"type": "choice", "step": minimal.start, "option": "findes-ikke"}])
    log = parse_log(raw, "minimal", case_version(minimal))
    assert log.intact, log.problems
    result = replay(minimal, log.events)
    assert result.problems and result.path == []
