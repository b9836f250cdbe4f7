"""The decision log: chain verification, tamper detection, torn writes, two writers."""

from __future__ import annotations

import json
import multiprocessing
from itertools import pairwise
from pathlib import Path

import pytest

from simulator.decision_log import DecisionLog, event_hash, parse_log, read_log
from simulator.session import Session


def played(minimal, tmp_path: Path) -> Path:
    s = Session(minimal, tmp_path / "minimal.decisions.jsonl")
    assert s.choose("s1", "hoer") == (True, None)
    assert s.submit_letter("brev", "Du kan klage inden 4 uger.")[0]
    return s.log.path


def test_a_clean_log_verifies_and_replays(minimal, tmp_path):
    path = played(minimal, tmp_path)
    log = read_log(path, "minimal")
    assert log.intact, log.problems
    assert [e["type"] for e in log.events] == ["start", "choice", "letter"]
    assert [e["seq"] for e in log.events] == [0, 1, 2]


def test_every_event_points_at_the_one_before(minimal, tmp_path):
    events = read_log(played(minimal, tmp_path)).events
    for before, after in pairwise(events):
        assert after["prev"] == before["hash"]
        assert event_hash(after) == after["hash"]


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda ls: ls.__setitem__(1, ls[1].replace('"hoer"', '"afgoer"')), "redigeret"),
        (lambda ls: ls.pop(1), "løbenummer"),
        (lambda ls: ls.insert(2, ls[1]), "løbenummer"),
        (lambda ls: ls.__setitem__(1, ls[1][:-5]), "ikke gyldig JSON"),
        (lambda ls: ls.__setitem__(0, json.dumps([1, 2])), "ikke et JSON-objekt"),
    ],
    ids=["changed choice", "deleted line", "duplicated line", "broken json", "not an object"],
)
def test_edits_are_detected(minimal, tmp_path, edit, expected):
    path = played(minimal, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    edit(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = read_log(path)
    assert not log.intact
    assert any(expected in p for p in log.problems), log.problems


def test_rehashing_an_edited_line_still_breaks_the_chain(minimal, tmp_path):
    """A candidate who recomputes the hash of an edited line breaks the link to the next one."""
    path = played(minimal, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    ev = json.loads(lines[1])
    ev["option"] = "afgoer"
    ev["hash"] = event_hash(ev)
    lines[1] = json.dumps(ev, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert any("kæden er brudt" in p for p in read_log(path).problems)


def test_wrong_case_and_wrong_version_are_flagged(minimal, tmp_path):
    path = played(minimal, tmp_path)
    assert any("hører til sagen" in p for p in read_log(path, "marie").problems)
    assert any("anden version" in p for p in read_log(path, "minimal", "0" * 16).problems)


@pytest.mark.parametrize(
    "raw, expected",
    [(b"", "tom"), (b"   \n", "tom"), (b"\xff\xfe{}\n", "UTF-8"), (b'{"seq": "0"}\n', "forkert type")],
)
def test_garbage_logs_are_flagged_not_raised(raw, expected):
    log = parse_log(raw)
    assert not log.intact and any(expected in p for p in log.problems)


def test_missing_and_huge_logs(tmp_path):
    assert not read_log(tmp_path / "nope.jsonl").exists
    huge = tmp_path / "huge.jsonl"
    with open(huge, "wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    assert any("for stort" in p for p in read_log(huge).problems)


def test_a_torn_last_line_is_reported_then_repaired_on_next_write(minimal, tmp_path):
    path = played(minimal, tmp_path)
    good = path.read_bytes()
    path.write_bytes(good + b'{"seq":3,"type":"cho')  # crash in the middle of a write
    assert any("afbrudt" in p for p in read_log(path).problems)
    written, reason = DecisionLog(path).append({"type": "note"})
    assert written is not None, reason
    assert read_log(path).intact
    assert (tmp_path / "minimal.decisions.jsonl.torn").read_bytes().startswith(b'{"seq":3')


def test_a_damaged_log_is_never_written_to(minimal, tmp_path):
    path = played(minimal, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("hoer", "afgoer")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = path.read_bytes()
    written, reason = DecisionLog(path).append({"type": "note"})
    assert written is None and "beskadiget" in reason
    assert path.read_bytes() == before


def _writer(path: str, n: int, tag: str) -> None:
    log = DecisionLog(Path(path))
    for i in range(n):
        log.append({"type": "note", "text": f"{tag}-{i}"})


def test_two_writers_never_interleave(tmp_path):
    """Two processes (two browser tabs = two kernels) append at once; the chain stays whole."""
    path = tmp_path / "x.decisions.jsonl"
    DecisionLog(path).append({"type": "start", "case": "x", "case_version": "v"})
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), 40, t)) for t in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    log = read_log(path)
    assert log.intact, log.problems
    assert len(log.events) == 81
    written = [f"a-{i}" for i in range(40)] + [f"b-{i}" for i in range(40)]
    assert sorted(e["text"] for e in log.events[1:]) == sorted(written)


def test_same_choice_from_two_sessions_is_recorded_once(minimal, tmp_path):
    path = tmp_path / "minimal.decisions.jsonl"
    tab1, tab2 = Session(minimal, path), Session(minimal, path)
    assert tab1.choose("s1", "hoer") == (True, None)
    recorded, reason = tab2.choose("s1", "afgoer")
    assert not recorded and "allerede" in reason
    assert [e.get("option") for e in read_log(path).events if e["type"] == "choice"] == ["hoer"]


def test_resume_from_log_after_restart(minimal, tmp_path):
    path = tmp_path / "minimal.decisions.jsonl"
    Session(minimal, path).choose("s1", "hoer")
    restarted = Session(minimal, path)  # a new kernel opens the same log
    assert restarted.result().current == "brev"
    assert len([e for e in read_log(path).events if e["type"] == "start"]) == 1


def test_letter_draft_survives_and_is_removed_on_submit(minimal, tmp_path):
    s = Session(minimal, tmp_path / "minimal.decisions.jsonl")
    s.choose("s1", "hoer")
    s.save_draft("brev", "Kære Anna")
    assert Session(minimal, s.log.path).load_draft("brev") == "Kære Anna"
    s.submit_letter("brev", "Kære Anna, ...")
    assert not s.draft_path("brev").exists()


def test_nothing_is_written_while_nbgrader_autogrades(minimal, tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    path = tmp_path / "minimal.decisions.jsonl"
    s = Session(minimal, path)
    assert s.choose("s1", "hoer") == (False, "loggen er skrivebeskyttet under bedømmelsen")
    assert not path.exists()
