"""docs/exam-guide.md works as written: every shell block of the guide is run, in order, on this
machine, with real local accounts as the candidates.

What the test does besides running the blocks, and nothing else:
- it runs the guide from a copy of this working tree (the files git would see), so the guide's
  `make setup` builds a fresh .venv there, with a fresh Debian root shell's PATH (so Debian's python3);
- it sets EXAM, EXCHANGE and FORMGRADER_PORT, the variables the guide's first block reads, to a
  temporary folder and a free port, so nothing outside the temporary folder is touched;
- where the guide says the candidates play (an HTML comment marks the block), each demo
  candidate plays each case to its end in their own account, through the exam player's Session
  API, choosing only among the options the player offers;
- the block that starts formgrader (`make exam`) runs in the background; the test checks that
  formgrader lists the three cases, clicks every "Resolve" button in headless Chromium, exactly
  as the guide tells the examiner, and stops the server.
Exported variables and the working directory carry over from one block to the next, as in the
one shell the guide asks for. Needs root (it creates accounts and runs commands as them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from system_helpers import as_user, free_port, make_world_dir

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "exam-guide.md"
STUDENTS = {"kursist1": 1.0, "kursist2": 0.6, "kursist3": 0.2}  # login -> skill of the synthetic candidate
FRESH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # a fresh Debian root shell
BLOCK = re.compile(r"(?:<!--\s*guide-test:\s*(?P<note>.*?)-->\s*\n)?```sh\n(?P<code>.*?)```", re.S)


@dataclass
class Block:
    code: str
    note: str

    @property
    def background(self) -> bool:
        return self.note.startswith("background")

    @property
    def after_play(self) -> bool:
        return "play" in self.note and not self.background


def guide_blocks() -> list[Block]:
    return [Block(m["code"], (m["note"] or "").strip()) for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]


def test_guide_has_the_whole_exam_in_its_blocks():
    """Cheap check that runs everywhere: the guide covers every step, and the README links it."""
    code = "\n".join(b.code for b in guide_blocks())
    for step in ("make setup", "source .venv/bin/activate", "sagssim build-course", "generate_assignment",
                 "release_assignment", "fetch_assignment", "nbgrader submit", "nbgrader collect", "sagssim grade",
                 "make exam", "generate_feedback", "release_feedback", "fetch_feedback", "sagssim certify",
                 "sagssim analyse", "CASES=rune,marie,sofie"):
        assert step in code, step
    assert sum(b.background for b in guide_blocks()) == 1 and sum(b.after_play for b in guide_blocks()) == 1
    assert "docs/exam-guide.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Resolve" in GUIDE.read_text(encoding="utf-8")


class Shell:
    """Runs blocks one after another as in one shell: exported variables and the cwd carry over."""

    def __init__(self, work: Path, clone: Path, env: dict[str, str]):
        self.state = work / "shell-state.sh"
        self.cwd_file = work / "shell-cwd"
        self.state.write_text("")
        self.cwd_file.write_text(str(clone))
        self.env = env
        self.outputs: list[subprocess.CompletedProcess] = []

    def script(self, code: str) -> str:
        return (f"set -euo pipefail\nsource {self.state}\ncd \"$(cat {self.cwd_file})\"\n{code}\n"
                f"export -p > {self.state}.new && mv {self.state}.new {self.state}\npwd > {self.cwd_file}\n")

    def run(self, code: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        r = subprocess.run(["bash", "-c", self.script(code)], env=self.env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        self.outputs.append(r)
        assert r.returncode == 0, f"guide block failed ({r.returncode}):\n{code}\n--- stdout\n{r.stdout[-4000:]}" \
                                  f"\n--- stderr\n{r.stderr[-4000:]}"
        return r

    def start(self, code: str, log: Path) -> subprocess.Popen:
        with open(log, "wb") as fh:
            return subprocess.Popen(["bash", "-c", self.script(code)], env=self.env, stdout=fh,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def var(self, name: str) -> str:
        return subprocess.run(["bash", "-c", f"source {self.state}; printf %s \"${name}\""], capture_output=True,
                              text=True, check=True).stdout


def copy_tree(clone: Path) -> None:
    """The files of this working tree that git would see (tracked, and untracked but not ignored)."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            dst = clone / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    for path in [clone, *clone.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)


PLAY = """
import random, sys
from pathlib import Path
from simulator.casefile import load_case
from simulator.engine import shown_options
from simulator.model import LetterStep
from simulator.session import Session

folder, key, who, skill = Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
full = load_case(key)
public = load_case(next(folder.glob("*.case.yaml")))
session = Session(public, folder / f"{public.id}.decisions.jsonl", mode="eksamen", trainee=who)
steps, rng = {s.id: s for s in full.steps}, random.Random(f"{who}:{public.id}")
for _ in range(200):
    res = session.result()
    if res.finished:
        break
    step = steps[res.current]
    if isinstance(step, LetterStep):  # a good candidate sends the model letter, a weak one a short note
        text = (step.model_letter or step.task) if rng.random() < skill else "Du får afslag. Venlig hilsen kommunen"
        ok, why = session.submit_letter(step.id, text)
    else:  # only what the player offers; the best option (by the key) with probability `skill`
        offered = [o for o in step.options if o.id in shown_options(step, res.seed, res.flags, res.state)]
        ranked = sorted(offered, key=lambda o: -sum((o.credit or {}).values()))
        pick = ranked[0] if rng.random() < skill or len(ranked) == 1 else rng.choice(ranked[1:])
        ok, why = session.choose(step.id, pick.id)
    assert ok, why
assert session.result().finished and not session.result().problems, session.result().problems
print(" ".join(session.result().choices))
"""


def play(clone: Path, cases: list[str]) -> None:
    """Each demo candidate plays each fetched case in their own account (what they do in JupyterLab)."""
    import pwd

    python = clone / ".venv" / "bin" / "python"
    for student, skill in STUDENTS.items():
        home = Path(pwd.getpwnam(student).pw_dir)
        for case in cases:
            folder = home / "sagssim" / case
            assert (folder / f"{case}.ipynb").exists(), f"{student} has not fetched {case}"
            as_user(student, [str(python), "-c", PLAY, str(folder), str(clone / "cases" / f"{case}.yaml"), student,
                              str(skill)], cwd=folder)


def formgrader_resolve(log: Path, port: int, cases: list[str], proc: subprocess.Popen) -> dict:
    """What the guide tells the examiner to do in formgrader: open each submission and click
    every Resolve button. Returns what formgrader listed."""
    from browser import chromium_browser

    deadline = time.monotonic() + 180
    token = None
    while time.monotonic() < deadline and token is None:
        assert proc.poll() is None, f"make exam stopped:\n{log.read_text(errors='replace')[-3000:]}"
        m = re.search(rf"http://(?:127\.0\.0\.1|localhost):{port}/\S*token=([0-9a-f]+)",
                      log.read_text(errors="replace"))
        token = m and m.group(1)
        time.sleep(0.5)
    assert token, f"no URL with a token in the log of make exam:\n{log.read_text(errors='replace')[-3000:]}"
    base = f"http://127.0.0.1:{port}"

    def api(path: str):
        req = urllib.request.Request(base + path, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    listed = sorted(a["name"] for a in api("/formgrader/api/assignments"))
    clicked = 0
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{base}/formgrader?token={token}")  # the URL the examiner opens; sets the login cookie
        page.wait_for_load_state("networkidle")
        for case in cases:
            for sub in api(f"/formgrader/api/submitted_notebooks/{case}/{case}"):
                page.goto(f"{base}/formgrader/submissions/{sub['id']}/")
                page.wait_for_load_state("networkidle")
                buttons = page.locator(".mark-graded:visible")
                while buttons.count():
                    with page.expect_response(
                            lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"):
                        buttons.first.click()
                    clicked += 1
                    page.wait_for_timeout(100)
        page.close()
    return {"listed": listed, "clicked": clicked}


def fetched_feedback(cases: list[str]) -> dict[tuple[str, str], str]:
    """(candidate, case) -> the feedback page the candidate fetched into their account."""
    import pwd

    out = {}
    for student in STUDENTS:
        home = Path(pwd.getpwnam(student).pw_dir)
        for case in cases:
            pages = sorted((home / "sagssim" / case / "feedback").glob(f"*/{case}.html"))
            if pages:
                out[(student, case)] = pages[-1].read_text(encoding="utf-8")
    return out


def processes_of(users: list[str]) -> list[int]:
    import pwd

    uids = {pwd.getpwnam(u).pw_uid for u in users if _exists(u)}
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid = next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if uid in uids:
            pids.append(int(status.parent.name))
    return pids


def _exists(user: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


@pytest.fixture
def accounts_to_ourselves():
    """The candidates' accounts and their home folders are the machine's, not the test's: two runs
    at once (two clones tested side by side) would write each other's nbgrader config there. Wait
    for any other run to finish first."""
    import fcntl

    with open("/tmp/sagssim-exam-guide-accounts.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.mark.skipif(os.geteuid() != 0, reason="the exam guide creates local accounts (useradd) and runs the "
                    "candidates' commands as them (runuser): run the test suite as root, e.g. in CI or with sudo")
def test_exam_guide_runs_as_written_with_three_local_accounts(accounts_to_ourselves):
    import pwd

    from browser import chromium_path

    chromium_path()  # a clear failure if Chromium is missing (PDF certificates, formgrader clicks)
    existed = set()
    for s in STUDENTS:
        try:
            pwd.getpwnam(s)
            existed.add(s)
        except KeyError:
            pass
    work = make_world_dir("sagssim-guide-")
    clone = work / "sagssim"
    copy_tree(clone)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    port = free_port()
    env.update({"PATH": FRESH_PATH, "LANG": "C.UTF-8", "BROWSER": "true", "EXAM": str(work / "srv" / "eksamen"),
                "EXCHANGE": str(work / "srv" / "exchange"), "FORMGRADER_PORT": str(port)})
    shell = Shell(work, clone, env)
    server = None
    results: dict = {}
    try:
        blocks = guide_blocks()
        for block in blocks:
            if block.after_play:
                play(clone, shell.var("CASES").split(","))
            if block.background:
                log = work / "make-exam.log"
                server = shell.start(block.code, log)
                try:
                    results["formgrader"] = formgrader_resolve(log, port, shell.var("CASES").split(","), server)
                finally:
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=60)
                    server = None
                continue
            if "userdel" in block.code:  # before the guide removes the demo accounts: their feedback is there
                results["feedback"] = fetched_feedback(shell.var("CASES").split(","))
            out = shell.run(block.code)
            if "sagssim certify" in block.code:
                results["certify"] = out
            if "sagssim analyse" in block.code:
                results["analyse"] = out

        exam = Path(env["EXAM"])
        cases = shell.var("CASES").split(",")
        assert cases == ["rune", "marie", "sofie"]
        # formgrader listed the cases, and every prefilled letter score got confirmed by a click
        assert results["formgrader"]["listed"] == sorted(cases)
        assert results["formgrader"]["clicked"] > 0
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{exam / 'gradebook.db'}", "sagssim") as gb:
            subs = [(s.student.id, a.name) for a in gb.assignments for s in a.submissions]
            assert sorted(subs) == sorted((s, c) for s in STUDENTS for c in cases)
            waiting = [(s.student.id, a.name, g.name) for a in gb.assignments for s in a.submissions
                       for nb in s.notebooks for g in nb.grades if g.needs_manual_grade]
            flagged = [(s.student.id, a.name) for a in gb.assignments for s in a.submissions
                       for nb in s.notebooks if nb.flagged]
        assert waiting == [] and flagged == []
        # every candidate fetched their Danish feedback, after the examiner's confirmation, into their own account
        assert sorted(results["feedback"]) == sorted((s, c) for s in STUDENTS for c in cases)
        for html in results["feedback"].values():
            assert '<html lang="da">' in html and "Dine valg:" in html and "Test cell" not in html
            assert "Foreløbige point" not in html  # fetched after the examiner confirmed every letter score
        # certificates: a decision for everyone (nothing left "afventer"), A4 PDFs
        certify = results["certify"]
        assert "not yet confirmed" not in certify.stdout
        decisions = (exam / "certificering" / "afgoerelser.csv").read_text(encoding="utf-8")
        assert decisions.count("\n") == len(STUDENTS) + 1 and "afventer" not in decisions
        assert sorted(p.stem for p in (exam / "certificering").glob("*.pdf")) == sorted(STUDENTS)
        # three candidates: the analysis warns that its statistics mean nothing yet
        assert "ADVARSEL" in results["analyse"].stderr
        assert "## Advarsel" in (exam / "analyse" / "rapport.md").read_text(encoding="utf-8")
        # the guide's last block removed the demo accounts
        for s in STUDENTS:
            with pytest.raises(KeyError):
                pwd.getpwnam(s)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGKILL)
        created = [s for s in STUDENTS if s not in existed]
        for pid in processes_of(created):  # only processes of the demo accounts this test created
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for s in created:
            subprocess.run(["userdel", "--remove", s], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
