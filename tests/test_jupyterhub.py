"""JupyterHub with nbgrader's multi-course setup, on this machine, with local Unix users.

Runs deploy/jupyterhub/run_demo.py (the same code as `sudo deploy/jupyterhub/run-demo.sh`):
local users sagssim-grader / -student1 / -student2, the course built with a shared exchange,
JupyterHub from deploy/jupyterhub/jupyterhub_config.py on free loopback ports, a student's
server spawned through the hub API, release → fetch → play → submit (×2) → collect →
autograde with the stock nbgrader CLI run as each user, the course's formgrader service
answering the grader. Needs root and configurable-http-proxy; fails (never skips) without.
"""

from __future__ import annotations

import importlib.util
import pwd
from pathlib import Path

import pytest

from system_helpers import MissingSystemDependency

pytestmark = pytest.mark.slow
DEMO = Path(__file__).resolve().parent.parent / "deploy" / "jupyterhub" / "run_demo.py"


def load_demo():
    spec = importlib.util.spec_from_file_location("sagssim_hub_demo", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hub_release_fetch_submit_collect_autograde_with_local_users():
    demo = load_demo()
    try:
        report = demo.run_demo(say=lambda m: None)
    except MissingSystemDependency as exc:
        pytest.fail(str(exc), pytrace=False)

    students = sorted(demo.STUDENTS)
    assert report["jupyterhub"].startswith("5.")
    assert report["groups"] == {"formgrade-sagssim": ["sagssim-grader"], "nbgrader-sagssim": students}
    assert report["server_status"], "the spawned single-user server did not answer /api/status"
    # the student's own server (nbgrader's assignment_list extension, hub groups) sees the release
    assert {"course_id": "sagssim", "assignment_id": "minimal", "status": "released"} in report["listed"]
    assert all(report["played"][s] for s in students), report["played"]
    assert report["collected"] == students
    assert report["autograded"] == students
    assert report["formgrader_submissions"] == students
    scores = report["scores"]
    assert set(scores) == set(students)
    # the skilled trainee (best option everywhere) beats the unskilled one
    assert scores["sagssim-student1"] > scores["sagssim-student2"], scores
    assert 0 < scores["sagssim-student1"] <= report["max_score"]

    # everything stopped and removed
    assert report["leftover_processes"] == [], "processes survived the hub's shutdown"
    assert demo._processes_of([demo.GRADER, *students]) == []
    assert not Path(report["work"]).exists()
    for s in students:
        assert not (Path(pwd.getpwnam(s).pw_dir) / "sagssim").exists()
