"""The course as a trainee uses it: a working copy that use never writes back into course/,
a save hook that keeps outputs and widget state out of Sagssim notebooks, and the Jupyter
files (extension, hook configuration, Danish) installed into the environment."""

from __future__ import annotations

import hashlib
import json
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from simulator import jupyter_install
from simulator.course_files import KEPT_SUFFIX, MANIFEST, prepare_course_folder, strip_outputs, trainee_notebooks

from conftest import ROOT

COURSE = ROOT / "course"
EXTENSION = ROOT / "labextension"


def small_notebook(text: str, autorun: bool = True) -> str:
    nb = new_notebook(cells=[new_markdown_cell(text), new_code_cell("print(1)")])
    if autorun:
        nb.metadata["sagssim"] = {"autorun": True}
    return nbformat.writes(nb)


@pytest.fixture()
def course(tmp_path):
    src = tmp_path / "course"
    src.mkdir()
    (src / "00-start.ipynb").write_text(small_notebook("Start"), encoding="utf-8")
    (src / "10-rune.ipynb").write_text(small_notebook("Rune"), encoding="utf-8")
    (src / "90-underviservejledning.ipynb").write_text(small_notebook("Til underviseren"), encoding="utf-8")
    return src


# ---------------------------------------------------------------- the working copy


def test_the_working_copy_has_the_trainee_notebooks_and_not_the_instructors(course, tmp_path):
    dest = tmp_path / "mit-kursus"
    done = dict(prepare_course_folder(dest, course))
    assert done == {"00-start.ipynb": "copied", "10-rune.ipynb": "copied"}
    assert sorted(p.name for p in dest.glob("*.ipynb")) == ["00-start.ipynb", "10-rune.ipynb"]
    assert (dest / MANIFEST).is_file()
    # the real course: every notebook but the 9x ones
    names = [p.name for p in trainee_notebooks()]
    assert "00-start.ipynb" in names and "14-sofie.ipynb" in names
    assert not any(n.startswith("9") for n in names)


def test_a_refresh_brings_in_changes_and_keeps_logs_and_the_trainees_own_changes(course, tmp_path):
    dest = tmp_path / "mit-kursus"
    prepare_course_folder(dest, course)
    log = dest / "rune.decisions.jsonl"
    log.write_text('{"type": "start"}\n', encoding="utf-8")
    draft = dest / "rune.brev.draft.txt"
    draft.write_text("Kære Rune", encoding="utf-8")

    assert prepare_course_folder(dest, course) == []  # nothing changed: nothing done

    (course / "10-rune.ipynb").write_text(small_notebook("Rune, ny udgave"), encoding="utf-8")
    assert prepare_course_folder(dest, course) == [("10-rune.ipynb", "updated")]
    assert "ny udgave" in (dest / "10-rune.ipynb").read_text(encoding="utf-8")

    # the trainee changes the start page; the course does not: the trainee's version stays
    (dest / "00-start.ipynb").write_text(small_notebook("Start med mine noter"), encoding="utf-8")
    assert prepare_course_folder(dest, course) == [("00-start.ipynb", "kept (changed by the trainee)")]
    assert "mine noter" in (dest / "00-start.ipynb").read_text(encoding="utf-8")

    # now the course changes it too: the new one comes in, the trainee's is kept beside it
    (course / "00-start.ipynb").write_text(small_notebook("Start, ny udgave"), encoding="utf-8")
    prepare_course_folder(dest, course)
    assert "ny udgave" in (dest / "00-start.ipynb").read_text(encoding="utf-8")
    assert "mine noter" in (dest / f"00-start{KEPT_SUFFIX}").read_text(encoding="utf-8")

    assert log.read_text(encoding="utf-8") == '{"type": "start"}\n'
    assert draft.read_text(encoding="utf-8") == "Kære Rune"


# ---------------------------------------------------------------- the save hook


def notebook_with_outputs(sagssim: dict | None) -> dict:
    nb = new_notebook(cells=[
        new_code_cell("start('rune')", execution_count=3, outputs=[
            new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "abc"},
                                             "text/plain": "VBox()"})]),
        new_code_cell("criterion_points()", execution_count=4,
                      outputs=[new_output("execute_result", data={"text/plain": "10"}, execution_count=4)],
                      metadata={"nbgrader": {"grade": True, "grade_id": "valg-partshoering", "points": 10}}),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    if sagssim is not None:
        nb.metadata["sagssim"] = sagssim
    return json.loads(nbformat.writes(nb))


def test_strip_outputs_drops_widgets_and_outputs_but_keeps_grades():
    nb = notebook_with_outputs({"autorun": True})
    assert strip_outputs(nb)
    assert nb["cells"][0]["outputs"] == [] and nb["cells"][0]["execution_count"] is None
    assert nb["cells"][1]["outputs"]  # an nbgrader grade cell keeps its result
    assert "widgets" not in nb["metadata"]
    for meta in (None, {"autorun": False}):
        other = notebook_with_outputs(meta)
        assert not strip_outputs(other)
        assert other["cells"][0]["outputs"] and "widgets" in other["metadata"]


@pytest.mark.slow
def test_a_jupyter_server_of_this_environment_saves_sagssim_notebooks_without_outputs(tmp_path):
    """The hook as installed: a real JupyterLab from this venv, a save through its contents API."""
    from browser import jupyter_lab

    root = tmp_path / "lab"
    root.mkdir()
    with jupyter_lab(root) as lab:
        for name, meta in (("sag.ipynb", {"autorun": True}), ("eksamen.ipynb", {"case": "rune"}),
                           ("andet.ipynb", None)):
            body = json.dumps({"type": "notebook", "format": "json", "content": notebook_with_outputs(meta)})
            req = urllib.request.Request(f"{lab.base_url}/api/contents/{name}", data=body.encode(), method="PUT",
                                         headers={"Authorization": f"token {lab.token}",
                                                  "Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=20).read()
        saved = {p.name: nbformat.read(p, as_version=4) for p in root.glob("*.ipynb")}
    for name in ("sag.ipynb", "eksamen.ipynb"):
        assert saved[name].cells[0].outputs == [], name
        assert saved[name].cells[1].outputs, name  # the grade cell's result stays
        assert "widgets" not in saved[name].metadata, name
    assert saved["andet.ipynb"].cells[0].outputs  # not a Sagssim notebook: untouched


# ---------------------------------------------------------------- installed into the environment


def test_this_environment_has_the_jupyter_files():
    """`make setup` (or `python -m simulator.jupyter_install`) has copied the current files into the venv."""
    assert jupyter_install.installed(), "run `.venv/bin/python -m simulator.jupyter_install` (make setup does it)"
    prefix = Path(sys.prefix)
    assert (prefix / "share/jupyter/labextensions/sagssim-autorun/package.json").is_file()
    overrides = json.loads((prefix / "share/jupyter/lab/settings/overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "da_DK"
    import jupyterlab_language_pack_da_DK  # noqa: F401 - the Danish language pack is installed


def test_install_copies_the_data_files_table_and_removes_stale_build_files(tmp_path):
    stale = tmp_path / "share/jupyter/labextensions/sagssim-autorun/static/remoteEntry.old.js"
    stale.parent.mkdir(parents=True)
    stale.write_text("old build", encoding="utf-8")
    written = jupyter_install.install(tmp_path)
    assert not stale.exists()
    assert jupyter_install.installed(tmp_path)
    assert (tmp_path / "etc/jupyter/jupyter_server_config.d/sagssim.json") in written
    assert jupyter_install.install(tmp_path) == []  # idempotent


def test_the_prebuilt_extension_is_built_from_the_current_source():
    """labextension/prebuilt/ is committed (so installs need no Node.js); it must come from the source
    as it is now. After editing the source: `cd labextension && npm install && npm run build`."""
    files = ["package.json", "tsconfig.json", "src/index.ts", "style/base.css", "style/index.css", "style/index.js"]
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\n")
        h.update((EXTENSION / rel).read_bytes())
        h.update(b"\n")
    recorded = (EXTENSION / "prebuilt" / "source-hash.txt").read_text(encoding="utf-8").strip()
    assert recorded == h.hexdigest(), "labextension/prebuilt is older than its source: rebuild it"
    built = json.loads((EXTENSION / "prebuilt" / "package.json").read_text(encoding="utf-8"))
    load = built["jupyterlab"]["_build"]["load"]
    assert (EXTENSION / "prebuilt" / load).is_file()


@pytest.mark.slow
@pytest.mark.browser
def test_the_voila_course_list_shows_no_instructor_material(tmp_path):
    """`make voila` as the README gives it: its list of notebooks, as Chromium shows it, is the
    trainee's course, without 90/91."""
    import os
    import signal
    import subprocess
    import time

    from browser import TIMEOUT_MS, chromium_browser, free_port

    port, kursus = free_port(), tmp_path / "mit-kursus"
    proc = subprocess.Popen(["make", "-s", "voila", f"PORT={port}", f"KURSUS={kursus}"], cwd=ROOT,
                            env={**os.environ, "BROWSER": "true"}, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page, deadline = None, time.monotonic() + 90
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    page = r.read().decode("utf-8")
            except OSError:
                time.sleep(0.5)
        assert page is not None, proc.stdout.read() if proc.poll() is not None else "Voilà did not answer"
        with chromium_browser() as browser:
            tab, trouble = browser.new_page(), []
            tab.on("console", lambda m: m.type == "error" and trouble.append(f"console: {m.text}"))
            tab.on("requestfailed", lambda r: trouble.append(f"failed: {r.url} {r.failure}"))
            tab.goto(f"http://127.0.0.1:{port}/")
            # Voilà's list is drawn by some 60 script chunks; on two busy cores that can take longer than
            # Playwright's default 30 s (a CI run timed out there once), so the browser tests' own limit.
            try:
                tab.get_by_text("14-sofie.ipynb").first.wait_for(state="visible", timeout=TIMEOUT_MS)
            except Exception as exc:
                raise AssertionError(f"Voilà's list never showed 14-sofie.ipynb; the page said "
                                     f"{tab.locator('body').inner_text()[:500]!r}; {trouble}") from exc
            listing = tab.locator("body").inner_text()
        for name in ("00-start.ipynb", "03-partshoering.ipynb", "14-sofie.ipynb"):
            assert name in listing
        assert "90-underviservejledning" not in listing and "91-instruktoer-analyse" not in listing
        assert (COURSE / "90-underviservejledning.ipynb").exists()  # still there, for the instructor
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
