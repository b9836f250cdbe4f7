"""The `sagssim` command: exit codes and the documented JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import MINIMAL, ROOT


def sagssim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_validate_all_cases_passes():
    r = sagssim("validate")
    assert r.returncode == 0, r.stderr
    assert "case files valid" in r.stdout


def test_validate_reports_a_broken_file_and_exits_non_zero(tmp_path):
    bad = tmp_path / "minimal.yaml"
    bad.write_text(MINIMAL.read_text(encoding="utf-8").replace("next: brev\n", "next: ingen\n", 1), encoding="utf-8")
    r = sagssim("validate", str(bad))
    assert r.returncode == 1
    assert f"{bad}:" in r.stderr and "unknown step or ending 'ingen'" in r.stderr


def test_play_json_shape():
    r = sagssim("play", str(MINIMAL), "--choices", "afgoer,brev", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"case", "current", "finished", "path", "state", "flags", "documents",
                        "scores", "critical_errors", "feedback", "letters", "problems", "letter_checks"}
    assert out["finished"] is True
    assert out["scores"]["partshoering"]["score"] == 0.0
    assert {e["ref"] for e in out["critical_errors"]} == {"s1.afgoer", "hoering-foer-afgoerelse"}
    assert set(out["scores"]["partshoering"]) == {"score", "earned", "possible", "items"}


def test_play_with_an_unknown_option_reports_a_problem():
    r = sagssim("play", str(MINIMAL), "--choices", "nej", "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout)["problems"]


def test_play_unknown_case_names_the_known_ones():
    r = sagssim("play", "nobody")
    assert r.returncode == 1 and "known cases" in r.stderr


def test_check_letter_json_shape(tmp_path):
    letter = tmp_path / "brev.txt"
    letter.write_text("Du får afslag på hjælp til posten efter serviceloven § 85. Send klagen direkte til "
                      "Ankestyrelsen inden 8 uger fra brevets dato.", encoding="utf-8")
    r = sagssim("check-letter", "--case", str(MINIMAL), str(letter), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"case", "step", "items", "scores", "words", "lix", "lix_band", "notes", "reading"}
    for item in out["items"]:
        assert set(item) == {"id", "criterion", "severity", "label", "passed", "points", "earned", "reason",
                             "evidence", "kind"}
    wrong = {i["id"] for i in out["items"] if i["kind"] == "fejl"}
    assert {"kv-til-kommunen", "kv-frist", "kv-frist-start"} <= wrong
    assert out["reading"]["complaint"]["frist_weeks"] == 8
    assert out["reading"]["complaint"]["frist_start"] == "forkert"
    assert out["reading"]["activities"][0]["outcome"] == "afslag"
    frist = next(i for i in out["items"] if i["id"] == "kv-frist")
    assert "8 uger" in frist["reason"] and frist["earned"] < 0  # a wrong statement costs more than a gap


def test_check_letter_follows_the_path_given(tmp_path):
    """On the model path Anna was heard; on the path `afgoer` she was not, so the same claim is a finding."""
    letter = tmp_path / "brev.txt"
    letter.write_text("Du får afslag på hjælp til posten efter serviceloven § 85. Vi sendte bostøttens notat "
                      "til dig, og du har svaret på det.", encoding="utf-8")
    heard = json.loads(sagssim("check-letter", "--case", str(MINIMAL), str(letter), "--json").stdout)
    unheard = json.loads(sagssim("check-letter", "--case", str(MINIMAL), "--choices", "afgoer,brev",
                                 str(letter), "--json").stdout)
    assert heard["scores"]["partshoering"] > unheard["scores"]["partshoering"] == 0
    assert any(i["id"] == "ph-ingen-falsk" and i["kind"] == "fejl" for i in unheard["items"])


def test_check_letter_missing_file_is_a_clear_error():
    r = sagssim("check-letter", "--case", str(MINIMAL), "/no/such/letter.txt")
    assert r.returncode == 1 and "Traceback" not in r.stderr and "/no/such/letter.txt" in r.stderr
