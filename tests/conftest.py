"""Shared fixtures. Tests use the real case files, registry and engine; nothing is mocked."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import pytest
import yaml

from simulator.casefile import CASES_DIR, case_files, load_case, load_library

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
MINIMAL = DATA / "minimal.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"
CASE_IDS = [p.stem for p in case_files(CASES_DIR)]


@pytest.fixture(scope="session")
def library():
    return load_library()


@pytest.fixture(scope="session")
def minimal(library):
    return load_case(MINIMAL, library)


@pytest.fixture()
def minimal_data():
    """The minimal case as a plain dict, for tests that break it."""
    return copy.deepcopy(yaml.safe_load(MINIMAL.read_text(encoding="utf-8")))


@functools.cache
def case_by_id(case_id: str):
    """One case, loaded once; a broken case fails only the tests that use it."""
    return load_case(CASES_DIR / f"{case_id}.yaml", load_library())


@pytest.fixture(scope="session")
def all_cases(library):
    return {cid: case_by_id(cid) for cid in CASE_IDS}
