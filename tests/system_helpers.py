"""The tests' view of deploy/localsys.py: a missing system package FAILS the test (never skips)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "deploy"))

import localsys  # noqa: E402
from localsys import (  # noqa: E402,F401
    MissingSystemDependency, PostgresServer, as_user, chown, ensure_user, free_port, make_world_dir, user_runtime,
)


def require(condition: bool, what: str) -> None:
    try:
        localsys.require(condition, what)
    except MissingSystemDependency as exc:
        pytest.fail(str(exc), pytrace=False)


def fail_on_missing(fn, *args, **kwargs):
    """Call fn; turn MissingSystemDependency into a clear test failure."""
    try:
        return fn(*args, **kwargs)
    except MissingSystemDependency as exc:
        pytest.fail(str(exc), pytrace=False)
