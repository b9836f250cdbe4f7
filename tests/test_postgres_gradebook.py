"""PostgreSQL as the nbgrader gradebook (docs/scale.md, deploy/postgresql/).

A throwaway PostgreSQL 15 server is started for the module (as an unprivileged user,
on a free loopback port) and always stopped. The same course is built twice, once on
the default SQLite gradebook and once with `build_course(db_url="postgresql+psycopg2://…")`;
the stock `nbgrader generate_assignment` and `nbgrader autograde` run on both, and the
scores read back from PostgreSQL must equal the SQLite ones. Then two graders write manual
scores into PostgreSQL at the same time, from two processes, and nothing is lost.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grading.course import build_course, gradebook_url
from grading.export import grade_table, write_csv
from grading.synthetic import cohort, minimal_cases, students_csv, submit_cohort
from system_helpers import PostgresServer, fail_on_missing, require

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
N_TRAINEES = 4


@pytest.fixture(scope="module")
def pg():
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        require(False, "the Python package psycopg2-binary in the venv (pip pin psycopg2-binary==2.9.13)")
    server = fail_on_missing(PostgresServer)
    try:
        server.start()
        yield server
    finally:
        server.stop()
    assert not server.dir.exists()


def nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def scores(db_url: str) -> dict:
    with Gradebook(db_url, "sagssim") as gb:
        return {(s.student.id, s.assignment.name, nb.name, g.name): (g.auto_score, g.manual_score, g.max_score)
                for a in gb.assignments for s in a.submissions for nb in s.notebooks for g in nb.grades}


def graded_course(root: Path, db_url: str | None) -> str:
    trainees = cohort(N_TRAINEES)
    root.parent.mkdir(parents=True, exist_ok=True)
    cases = minimal_cases(root.parent / "cases")
    build_course(root, ["minimal"], students_csv(root.parent / "students.csv", trainees), cases_dir=cases,
                 db_url=db_url)
    nbgrader("generate_assignment", "minimal", "--force", cwd=root)
    submit_cohort(root, ["minimal"], trainees)
    nbgrader("autograde", "minimal", "--force", cwd=root)
    return db_url or f"sqlite:///{root / 'gradebook.db'}"


@pytest.fixture(scope="module")
def runs(pg, tmp_path_factory):
    """The same course graded on SQLite and on PostgreSQL (database `sagssim_same`)."""
    tmp = tmp_path_factory.mktemp("gradebooks")
    pg_url = pg.create_db("sagssim_same")
    sqlite_url = graded_course(tmp / "sqlite" / "course", None)
    graded_course(tmp / "pg" / "course", pg_url)
    return tmp, sqlite_url, pg_url


def test_postgres_gradebook_gives_the_same_scores_as_sqlite(pg, runs):
    tmp_path, sqlite_url, pg_url = runs
    config = (tmp_path / "pg" / "course" / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.db_url = {pg_url!r}" in config
    assert not (tmp_path / "pg" / "course" / "gradebook.db").exists(), "the PostgreSQL course wrote SQLite"

    lite, post = scores(sqlite_url), scores(pg_url)
    assert len(lite) >= N_TRAINEES and {k[0] for k in lite} == {f"t{i:03d}" for i in range(N_TRAINEES)}
    assert post == lite

    # The rows are really in PostgreSQL, and the schema is at nbgrader's alembic head.
    n_grades = int(pg.psql("SELECT count(*) FROM grade", db="sagssim_same"))
    assert n_grades == len(lite)
    total = float(pg.psql("SELECT coalesce(sum(auto_score), 0) FROM grade", db="sagssim_same"))
    assert total == pytest.approx(sum(v[0] or 0 for v in lite.values()))
    assert any(v[0] for v in lite.values()), "no points at all: the autograder did not run"
    upgraded = nbgrader("db", "upgrade", cwd=tmp_path / "pg" / "course")
    assert "error" not in (upgraded.stdout + upgraded.stderr).lower()


def test_sagssim_export_reads_the_postgres_gradebook(runs):
    """export (and certify, double marking) find the gradebook through the course's nbgrader_config.py."""
    tmp_path, _, _ = runs
    lite, post = tmp_path / "sqlite" / "course", tmp_path / "pg" / "course"
    assert gradebook_url(post).startswith("postgresql")
    assert grade_table(post) == grade_table(lite) and grade_table(post)
    n = write_csv(post, tmp_path / "pg.csv")
    assert n > 0 and (tmp_path / "pg.csv").read_text(encoding="utf-8") == _csv(lite, tmp_path / "lite.csv")


def _csv(root: Path, out: Path) -> str:
    write_csv(root, out)
    return out.read_text(encoding="utf-8")


GRADER = textwrap.dedent('''
    import sys, time
    from nbgrader.api import Gradebook
    url, who, start, rows = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
    while time.time() < start:
        time.sleep(0.005)
    with Gradebook(url, "sagssim") as gb:
        for row in rows:
            student, assignment, notebook, grade, score = row.split("|")
            g = gb.find_grade(grade, notebook, assignment, student)
            g.manual_score = float(score)
            gb.db.commit()  # one transaction per mark, as the formgrader's API does
    print(who, len(rows))
''')


def test_two_graders_write_manual_scores_concurrently_without_loss(pg, runs, tmp_path):
    # A copy of the graded PostgreSQL gradebook, so the other test's data stays as graded.
    pg.psql('CREATE DATABASE "sagssim_concurrent" TEMPLATE "sagssim_same" OWNER "sagssim"')
    pg_url = runs[2].rsplit("/", 1)[0] + "/sagssim_concurrent"
    before = scores(pg_url)
    cells = sorted({k for k in before})
    assert len(cells) >= 2 * N_TRAINEES
    # Every grade row gets a distinct manual score; the two graders take alternate rows, so
    # their transactions interleave on the same tables.
    plan = {k: float(i % 7) + 0.5 for i, k in enumerate(cells)}
    rows = [f"{s}|{a}|{nb}|{g}|{plan[(s, a, nb, g)]}" for (s, a, nb, g) in cells]
    script = tmp_path / "grader.py"
    script.write_text(GRADER)
    start = time.time() + 3.0
    procs = [subprocess.Popen([sys.executable, str(script), pg_url, who, str(start), *rows[i::2]], env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, who in enumerate(("examiner-a", "examiner-b"))]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, f"a grader process failed:\n{out}\n{err}"
    after = scores(pg_url)
    assert {k: v[1] for k, v in after.items()} == plan
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}, "auto scores changed"
    writes = int(pg.psql("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL", db="sagssim_concurrent"))
    assert writes == len(cells)
