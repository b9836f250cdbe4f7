"""The two commands and the pins: what a fresh machine relies on."""

from __future__ import annotations

import tomllib

import yaml

from conftest import ROOT


def pins() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["test"]


def test_every_dependency_is_pinned_exactly():
    assert all("==" in p for p in pins())


def test_environment_yml_mirrors_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert [p for p in pip_section if not p.startswith("-e")] == pins()
    assert "python=3.11" in env["dependencies"]


def test_constraints_agree_with_the_pins():
    constraints = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    for pin in pins():
        name, version = pin.split("==")
        assert constraints[name.lower().replace("_", "-")] == version, name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make course" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_course_command_serves_the_start_page(tmp_path):
    """`make course` as the README gives it: JupyterLab comes up on the course's start page (also as
    root), serving the trainee's working copy (KURSUS, here a temporary folder), not course/."""
    import json
    import os
    import signal
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "sagssim-test"
    env = {**os.environ, "JUPYTER_TOKEN": token, "BROWSER": "true"}
    kursus = tmp_path / "mit-kursus"
    proc = subprocess.Popen(["make", "-s", "course", f"PORT={port}", f"KURSUS={kursus}"], cwd=ROOT, env=env,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/contents/00-start.ipynb?content=0&token={token}"
        deadline, info = time.monotonic() + 90, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    info = json.load(r)
                break
            except OSError:
                time.sleep(0.5)
        assert info is not None, f"JupyterLab did not come up:\n{proc.stdout.read() if proc.poll() is not None else ''}"
        assert info["type"] == "notebook" and info["path"] == "00-start.ipynb"
        assert (kursus / "00-start.ipynb").read_bytes() == (ROOT / "course" / "00-start.ipynb").read_bytes()
        assert not list(kursus.glob("9*.ipynb"))  # the instructor notebooks stay in course/

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        try:  # the address `make course` prints and opens lands on the start page
            urllib.request.build_opener(NoRedirect).open(f"http://127.0.0.1:{port}/?token={token}", timeout=10)
            location = None
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location", "")
        assert location and "/lab/tree/00-start.ipynb" in location, location

        # the page JupyterLab serves leaves nbgrader's menus and buttons out of self-study
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/tree/00-start.ipynb?token={token}",
                                    timeout=10) as r:
            html = r.read().decode("utf-8")
        page_config = json.loads(html.split('id="jupyter-config-data"', 1)[1].split(">", 1)[1].split("</script>")[0])
        assert "@jupyter/nbgrader" in page_config["disabledExtensions"], page_config["disabledExtensions"]
        assert "sagssim-autorun" not in page_config["disabledExtensions"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
