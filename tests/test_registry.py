"""The legal source registry and the exported schemas."""

from __future__ import annotations

import re

from simulator.casefile import CASES_DIR
from simulator.schemas import SCHEMAS, schema_text


def test_exported_schemas_are_up_to_date():
    for name, model in SCHEMAS.items():
        assert (CASES_DIR / name).read_text(encoding="utf-8") == schema_text(model), f"run `sagssim schema` ({name})"


def test_every_provision_is_dated_and_sourced(library):
    for p in library.registry.provisions:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.checked), p.id
        assert p.version and p.source and p.gist


def test_the_rules_that_must_be_exactly_right(library):
    prov = library.provisions
    assert "4 uger" in prov["rsl-67"].gist
    assert "genvurdering" in prov["rsl-66"].gist and "Ankestyrelsen" in prov["rsl-66"].gist
    assert "ugunst" in prov["fvl-19"].gist or "imod borgeren" in prov["fvl-19"].gist
    assert "væsentlig" in prov["fvl-19"].gist
    for word in ("retsregler", "hovedhensyn"):
        assert word in prov["fvl-24-1"].gist
    assert "klageinstans" in prov["fvl-25"].gist and "frist" in prov["fvl-25"].gist
    assert "aktivitet" in prov["sel-85"].gist


def test_every_report_file_is_named(library):
    assert {r.id for r in library.registry.reports} >= {"ankestyrelsen-2021", "ankestyrelsen-2024", "justitia-2024"}
