"""The Sagssim JupyterHub, started on this machine with local Unix users, end to end.

    sudo deploy/jupyterhub/run-demo.sh            # or: .venv/bin/python deploy/jupyterhub/run_demo.py

1. creates the local users `sagssim-grader`, `sagssim-student1`, `sagssim-student2` if missing;
2. builds the course (`build_course(..., exchange=<shared exchange>)`) owned by the grader, and a
   global nbgrader config (shared exchange, mode 1777; JupyterHubAuthPlugin);
3. starts JupyterHub (deploy/jupyterhub/jupyterhub_config.py) on free loopback ports, checks the
   hub API, spawns a student's single-user server through the API and sees it answer;
4. as the grader (`runuser`): `nbgrader generate_assignment` + `release_assignment`; checks the
   student's own server lists the released assignment (nbgrader's server extension, hub groups);
5. as each student: `nbgrader fetch_assignment`, plays the case (decision log written by the
   engine's Session, as the exam player does), `nbgrader submit`;
6. as the grader: `nbgrader collect`, `nbgrader autograde`; checks the course's formgrader
   service answers the grader; reads the scores from the gradebook;
7. stops the hub (which stops the servers and the proxy), kills any process left, removes the
   temp dir and the students' fetched copies.

Prints a JSON report. Used by tests/test_jupyterhub.py.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(HERE.parent), str(REPO)]

import requests  # noqa: E402

from localsys import (  # noqa: E402
    VENV_BIN, as_user, chown, ensure_user, free_port, make_world_dir, require, require_root, user_runtime,
)

COURSE = "sagssim"
GRADER = "sagssim-grader"
STUDENTS = {"sagssim-student1": 1.0, "sagssim-student2": 0.0}  # user -> skill of the synthetic trainee


class Hub:
    def __init__(self, work: Path, user_bin: Path, course_dir: Path, exchange: Path, config_path: str):
        self.state = work / "hub-state"
        self.state.mkdir(mode=0o700)
        self.port, self.api_port, self.proxy_port, self.fg_port = (free_port() for _ in range(4))
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"http://127.0.0.1:{self.api_port}/hub/api"
        self.token = secrets.token_hex(32)
        self.log = self.state / "jupyterhub.log"
        self.env = {
            **os.environ,
            "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
            "SAGSSIM_COURSE_ID": COURSE, "SAGSSIM_GRADERS": GRADER, "SAGSSIM_STUDENTS": ",".join(STUDENTS),
            "SAGSSIM_HUB_STATE": str(self.state), "SAGSSIM_USER_BIN": str(user_bin),
            "SAGSSIM_COURSE_DIR": str(course_dir), "SAGSSIM_FORMGRADER_PORT": str(self.fg_port),
            "SAGSSIM_HUB_URL": self.url, "SAGSSIM_HUB_API_URL": f"http://127.0.0.1:{self.api_port}",
            "SAGSSIM_PROXY_API_URL": f"http://127.0.0.1:{self.proxy_port}",
            "SAGSSIM_JUPYTER_CONFIG_PATH": config_path,
            "SAGSSIM_JUPYTER_PATH": str(VENV_BIN.parent / "share" / "jupyter"), "SAGSSIM_EXCHANGE_ROOT": str(exchange),
            "SAGSSIM_ADMIN_TOKEN": self.token,
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")],
                                         cwd=self.state, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with {self.proc.returncode}\n{self.tail()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterHub did not answer on {self.url} within {timeout}s\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def call(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
        r = requests.request(method, self.api + path, headers={"Authorization": f"token {token or self.token}"},
                             timeout=30, **kw)
        if not r.ok:
            raise RuntimeError(f"hub API {method} {path}: {r.status_code} {r.text[:500]}\n{self.tail(20)}")
        return r

    def user_token(self, user: str) -> str:
        return self.call("POST", f"/users/{user}/tokens", json={"note": "sagssim demo", "expires_in": 3600}
                         ).json()["token"]

    def spawn(self, user: str, timeout: float = 120) -> None:
        self.call("POST", f"/users/{user}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.call("GET", f"/users/{user}").json()
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"the server of {user} did not become ready\n{self.tail()}")

    def get(self, path: str, token: str) -> requests.Response:
        r = requests.get(self.url + path, headers={"Authorization": f"token {token}"}, timeout=60)
        if not r.ok:
            raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:500]}\n{self.tail(20)}")
        return r

    def stop(self) -> list[int]:
        """SIGTERM the hub (it stops the servers, services and proxy); kill whatever it left. Returns leftovers."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        leftovers = _processes_of([GRADER, *STUDENTS])
        for pid in leftovers:  # only processes of the demo's own users, started by this hub
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return leftovers


def _processes_of(users: list[str]) -> list[int]:
    uids = set()
    for u in users:
        try:
            uids.add(pwd.getpwnam(u).pw_uid)
        except KeyError:
            pass
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid_line = next(line for line in status.read_text().splitlines() if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(uid_line.split()[1]) in uids:
            pids.append(int(status.parent.name))
    return pids


def _play_script() -> str:
    return (
        "import sys\n"
        "from pathlib import Path\n"
        "from grading.synthetic import Trainee, write_submission\n"
        "from simulator.casefile import load_case\n"
        "folder, key, who, skill = Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])\n"
        "public = load_case(next(folder.glob('*.case.yaml')))\n"
        "print(' '.join(write_submission(load_case(key), public, folder, Trainee(who, skill, 11))))\n"
    )


def run_demo(keep: bool = False, say=print) -> dict:
    require_root()
    require(shutil.which("configurable-http-proxy") is not None,
            "configurable-http-proxy on PATH (apt package node-configurable-http-proxy)")
    require((VENV_BIN / "jupyterhub").exists(), f"jupyterhub in {VENV_BIN} (pip pin jupyterhub==5.4.6)")
    from grading.course import build_course
    from grading.synthetic import Trainee, minimal_cases, students_csv

    t0 = time.monotonic()
    timings: dict[str, float] = {}

    def mark(step: str) -> None:
        timings[step] = round(time.monotonic() - t0, 1)
        say(f"[{timings[step]:6.1f}s] {step}")

    for user in (GRADER, *STUDENTS):
        ensure_user(user)
    work = make_world_dir("sagssim-hub-")
    hub = None
    # The students' fetched copies and nbgrader's per-user submission cache for this course.
    fetched = [Path(pwd.getpwnam(s).pw_dir) / sub for s in STUDENTS
               for sub in (COURSE, f".local/share/jupyter/nbgrader_cache/{COURSE}")]
    report: dict = {"work": str(work)}
    try:
        for f in fetched:
            shutil.rmtree(f, ignore_errors=True)
        # Shared exchange + global nbgrader config (in production: /srv/nbgrader/exchange, /etc/jupyter).
        exchange = work / "exchange"
        exchange.mkdir()
        exchange.chmod(0o1777)
        etc = work / "etc" / "jupyter"
        etc.mkdir(parents=True)
        shutil.copy2(HERE / "nbgrader_config.py", etc / "nbgrader_config.py")
        for p in (work / "etc", etc, etc / "nbgrader_config.py"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        user_bin = user_runtime(GRADER, work)
        config_path = f"{etc}:{user_bin.parent / 'etc' / 'jupyter'}:{VENV_BIN.parent / 'etc' / 'jupyter'}"
        user_env = {"PATH": f"{user_bin}:/usr/local/bin:/usr/bin:/bin", "JUPYTER_CONFIG_PATH": config_path,
                    "JUPYTER_PATH": str(VENV_BIN.parent / "share" / "jupyter"),
                    "SAGSSIM_EXCHANGE_ROOT": str(exchange)}
        mark("users, exchange, runtime")

        # The course, owned by the grader.
        cases = minimal_cases(work / "cases")
        course = work / "course"
        build_course(course, ["minimal"], students_csv(work / "students.csv", [Trainee(s, 0, 0) for s in STUDENTS]),
                     course_id=COURSE, cases_dir=cases, exchange=exchange)
        for p in [course, *course.rglob("*")]:
            chown(p, GRADER)
        grader_cmd = lambda *a: as_user(GRADER, [str(user_bin / "nbgrader"), *a], cwd=course,  # noqa: E731
                                        env={**user_env, **hub_env(GRADER)})
        mark("course built")

        hub = Hub(work, user_bin, course, exchange, config_path)
        hub.start()
        version = hub.call("GET", "/").json()["version"]
        groups = {g["name"]: sorted(g["users"]) for g in hub.call("GET", "/groups").json()}
        tokens = {u: hub.user_token(u) for u in (GRADER, *STUDENTS)}
        mark(f"hub {version} up")

        def hub_env(user: str) -> dict:
            return {"JUPYTERHUB_USER": user, "JUPYTERHUB_API_TOKEN": tokens[user], "JUPYTERHUB_API_URL": hub.api}

        first = next(iter(STUDENTS))
        hub.spawn(first)
        status = hub.get(f"/user/{first}/api/status", tokens[first]).json()
        mark(f"server of {first} answers")

        grader_cmd("generate_assignment", "minimal", "--force")
        grader_cmd("release_assignment", "minimal", "--force")
        listed = hub.get(f"/user/{first}/assignments?course_id={COURSE}", tokens[first]).json()
        mark("released")

        played = {}
        for student, skill in STUDENTS.items():
            home = Path(pwd.getpwnam(student).pw_dir)
            env = {**user_env, **hub_env(student)}
            as_user(student, [str(user_bin / "nbgrader"), "fetch_assignment", "minimal", "--course", COURSE],
                    cwd=home, env=env)
            folder = home / COURSE / "minimal"
            played[student] = as_user(student, [str(user_bin / "python"), "-c", _play_script(), str(folder),
                                                str(cases / "minimal.yaml"), student, str(skill)],
                                      cwd=folder, env=env).stdout.split()
            as_user(student, [str(user_bin / "nbgrader"), "submit", "minimal", "--course", COURSE], cwd=home, env=env)
        mark("fetched, played and submitted by both students")

        grader_cmd("collect", "minimal")
        grader_cmd("autograde", "minimal", "--force")
        mark("collected and autograded")

        formgrader = hub.get(f"/services/{COURSE}/formgrader/api/submissions/minimal", tokens[GRADER]).json()
        mark("formgrader service answers the grader")

        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE) as gb:
            scores = {s.student.id: s.score for s in gb.assignment_submissions("minimal")}
            max_score = gb.find_assignment("minimal").max_score
        report.update({
            "jupyterhub": version, "groups": groups, "server_status": bool(status),
            "listed": [{k: a.get(k) for k in ("course_id", "assignment_id", "status")} for a in listed["value"]],
            "played": played, "collected": sorted(p.name for p in (course / "submitted").iterdir()),
            "autograded": sorted(p.parent.name for p in (course / "autograded").glob("*/minimal")),
            "formgrader_submissions": sorted(s["student"] for s in formgrader),
            "scores": scores, "max_score": max_score,
        })
    finally:
        if hub:
            report["leftover_processes"] = hub.stop()
            report["hub_log_tail"] = hub.tail(15)
        mark("hub stopped")
        for f in fetched:
            shutil.rmtree(f, ignore_errors=True)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        report["timings"] = timings
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (course, hub state, logs)")
    ap.add_argument("--json", help="also write the report to this file")
    args = ap.parse_args()
    report = run_demo(keep=args.keep, say=lambda m: print(m, file=sys.stderr))
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.json:
        Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
