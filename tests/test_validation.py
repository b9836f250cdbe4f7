"""The validator names the file, the place in it and the problem, for many kinds of broken case."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.casefile import CaseFileError, load_case


def write(tmp_path: Path, data, name: str = "minimal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_of(path: Path, library) -> list[str]:
    with pytest.raises(CaseFileError) as info:
        load_case(path, library)
    return [str(p) for p in info.value.problems]


def assert_problem(problems: list[str], file: Path, *fragments: str) -> None:
    """Some single problem line names the file and contains every fragment."""
    hits = [p for p in problems if p.startswith(str(file)) and all(f in p for f in fragments)]
    assert hits, f"no problem with {fragments!r} in:\n" + "\n".join(problems)


def step(data, sid):
    return next(s for s in data["steps"] if s["id"] == sid)


BROKEN = {
    # kind: (mutation, expected fragments in one problem line)
    "missing required field": (lambda d: d.pop("title"), ("title:", "required field is missing")),
    "unknown field (typo)": (lambda d: d.update(titel="x"), ("titel:", "unknown field")),
    "credit above 1": (
        lambda d: step(d, "s1")["options"][0]["credit"].update(partshoering=1.5),
        ("steps[0](s1).options[0](hoer).credit.partshoering", "less than or equal to 1"),
    ),
    "unknown criterion": (
        lambda d: step(d, "s1")["options"][0]["credit"].update(retfaerdighed=1),
        ("credit.retfaerdighed",),
    ),
    "next points nowhere": (
        lambda d: step(d, "s1")["options"][0].update(next="nowhere"),
        ("steps[0].options[0].next", "unknown step or ending 'nowhere'"),
    ),
    "unknown legal provision": (
        lambda d: step(d, "s1")["options"][0].update(legal=["fvl-999"]),
        ("steps[0].options[0].legal[0]", "'fvl-999' is not in the legal registry"),
    ),
    "unknown report": (
        lambda d: d["based_on"][0].update(report="no-such-report"),
        ("based_on", "not in the registry"),
    ),
    "effect on unknown state variable": (
        lambda d: step(d, "s1")["options"][0]["effects"].update(penge=5),
        ("effects.penge", "unknown state variable 'penge'"),
    ),
    "reveals unknown document": (
        lambda d: step(d, "s1")["options"][0].update(reveals=["hemmelig"]),
        ("reveals", "unknown document 'hemmelig'"),
    ),
    "duplicate option id": (
        lambda d: step(d, "s1")["options"][1].update(id="hoer"),
        ("steps[0].options", "duplicate id 'hoer'"),
    ),
    "start step missing": (lambda d: d.update(start="s9"), ("start:", "'s9' does not exist")),
    "only one option": (
        lambda d: step(d, "s1").update(options=step(d, "s1")["options"][:1]),
        ("options", "at least 2 items"),
    ),
    "unreachable step": (
        lambda d: d["steps"].append(
            {"id": "island", "title": "Ø", "situation": "x",
             "options": [{"id": "a", "label": "a", "next": "slut", "outcome": "o"},
                         {"id": "b", "label": "b", "next": "slut", "outcome": "o"}]}
        ),
        ("cannot be reached from the start",),
    ),
    "steps form a loop": (
        lambda d: d["steps"].insert(1, {
            "id": "s2", "title": "t", "situation": "x",
            "options": [{"id": "a", "label": "a", "next": "s1", "outcome": "o"},
                        {"id": "b", "label": "b", "next": "brev", "outcome": "o"}]})
        or step(d, "s1")["options"][0].update(next="s2"),
        ("the steps form a loop: s1 -> s2 -> s1",),
    ),
    "rule on a flag nobody sets": (
        lambda d: d["rules"][0].update(first="aldrig"),
        ("rules[0].first", "no option or step sets the flag 'aldrig'"),
    ),
    "letter expectation citing an unknown provision": (
        lambda d: step(d, "brev")["expect"]["activities"][0].update(provisions=["sel-999"]),
        ("expect.activities[0](post).provisions", "provision 'sel-999' is not in the legal registry"),
    ),
    "hearing on an unknown document": (
        lambda d: step(d, "brev")["expect"]["hearing"].update(document="findes-ikke"),
        ("expect.hearing.document", "unknown document 'findes-ikke'"),
    ),
    "letter variant changing an unknown expectation field": (
        lambda d: step(d, "brev").update(variants=[{"when": {"all": ["partshoering"]}, "expect": {"forkert": 1}}]),
        ("variants[0].expect", "unknown field"),
    ),
    "option offered on a flag nobody sets": (
        lambda d: step(d, "s1")["options"][0].update(available_if={"all": ["aldrig"]}),
        ("options[0].available_if", "no option or step sets the flag 'aldrig'"),
    ),
    "route to a missing step": (
        lambda d: step(d, "s1")["options"][0].update(next_if=[{"when": {"none": ["partshoering"]}, "next": "vaek"}]),
        ("options[0].next_if[0].next", "unknown step or ending 'vaek'"),
    ),
    "unknown step kind": (lambda d: step(d, "brev").update(kind="essay"), ("steps[1](brev)", "unknown step kind")),
    "model path through a missing option": (
        lambda d: d.update(model_path=["nej", "brev"]),
        ("model_path[0]", "step 's1' has no option 'nej'"),
    ),
    "keyed option without feedback": (
        lambda d: step(d, "s1")["options"][0].pop("feedback"),
        ("options[0].feedback", "needs feedback"),
    ),
    "state initial out of range": (
        lambda d: d["state"]["tillid"].update(initial=500),
        ("state.tillid", "min <= initial <= max"),
    ),
    "citizen age wrong type": (
        lambda d: d["citizen"].update(age="tredive"),
        ("citizen.age", "valid integer"),
    ),
    "critical error without legal basis": (
        lambda d: step(d, "s1")["options"][1].update(legal=[]),
        ("options[1].legal", "must cite the provision"),
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_case_is_reported_with_file_path_and_problem(kind, tmp_path, minimal_data, library):
    mutate, fragments = BROKEN[kind]
    mutate(minimal_data)
    path = write(tmp_path, minimal_data)
    assert_problem(problems_of(path, library), path, *fragments)


def test_at_least_fifteen_kinds_are_covered():
    assert len(BROKEN) >= 15


def test_problem_lines_carry_the_yaml_line_number(tmp_path, minimal_data, library):
    step(minimal_data, "s1")["options"][1]["credit"]["partshoering"] = 7
    path = write(tmp_path, minimal_data)
    line = next(p for p in problems_of(path, library) if "credit.partshoering" in p)
    number = int(line.split(":")[1])
    source_line = path.read_text(encoding="utf-8").splitlines()[number - 1]
    assert "partshoering" in source_line or "credit" in source_line


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("id: a\nid: b\n", "duplicate key 'id'"),
        ("id: [unclosed\n", "YAML syntax"),
        ("", "top level must be a mapping"),
        ("- just\n- a list\n", "top level must be a mapping"),
    ],
)
def test_unparseable_files_are_reported(tmp_path, library, content, fragment):
    path = tmp_path / "minimal.yaml"
    path.write_text(content, encoding="utf-8")
    assert_problem(problems_of(path, library), path, fragment)


def test_non_utf8_file_is_reported(tmp_path, library):
    path = tmp_path / "minimal.yaml"
    path.write_bytes(b"id: caf\xe9\n")
    assert_problem(problems_of(path, library), path, "not UTF-8")


def test_file_name_must_match_case_id(tmp_path, minimal_data, library):
    path = write(tmp_path, minimal_data, name="other.yaml")
    assert_problem(problems_of(path, library), path, "must match the file name")


def test_a_valid_case_loads(minimal):
    assert minimal.id == "minimal" and len(minimal.steps) == 2
