"""Helpers for the browser tests: a real JupyterLab server and Debian's headless Chromium.

Nothing here is mocked. `jupyter_lab()` starts JupyterLab from this virtualenv
on a free port with a random token, in a throw-away root directory with its own
config, settings, workspace and runtime directories (so the developer's own
JupyterLab setup never leaks in), waits until `/api/status` answers, and always
kills the server's whole process group afterwards. `chromium_browser()` launches
the system Chromium through Playwright with `executable_path` (Playwright's own
browser download cannot work on a closed network).

`axe_scan()` runs axe-core over Sagssim's own content on a page (see SAGSSIM_CONTENT for
what is in and why JupyterLab's chrome is not).

The page helpers speak JupyterLab 4's DOM: the menu bar, the kernel status, the
`.jupyter-widgets` output and the sagssim widget classes (`.sagssim`,
`.sagssim-option`, `.sagssim-option-<id>`, `.sagssim-box.sagssim-*`, `.sagssim-letter`).
The server is this environment's JupyterLab with what the project installs into it
(`python -m simulator.jupyter_install`): the sagssim-autorun extension, the save hook
and Danish as the default language; `jupyter_lab()` installs them first if they are
missing or out of date.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
]
TIMEOUT_S = 60  # CI has two cores; JupyterLab's first load and a kernel start are slow there
TIMEOUT_MS = TIMEOUT_S * 1000


class BrowserSetupError(RuntimeError):
    """Something the browser test needs is missing. The test fails with this message; it never skips."""


def chromium_path() -> str:
    """Debian's Chromium, or a clear failure saying how to install it."""
    for candidate in (os.environ.get("SAGSSIM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserSetupError(
        "Chromium was not found (looked for $SAGSSIM_CHROMIUM, /usr/bin/chromium and `chromium` on PATH). "
        "The browser tests need Debian's chromium package: run `make system-deps` "
        "(apt-get install chromium fonts-dejavu-core), or `make test`, which does it first."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- JupyterLab server


@dataclass
class LabServer:
    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{sep}token={self.token}"

    def notebook_url(self, relpath: str) -> str:
        return self.url(f"lab/tree/{relpath}")  # the workspace directory is fresh: nothing to restore

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(f"{self.base_url}/api/{path.lstrip('/')}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read().decode("utf-8")
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Stop every kernel, as when the server is stopped overnight: the next open starts afresh."""
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def server_log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


@contextlib.contextmanager
def jupyter_lab(root: Path, env: dict[str, str] | None = None) -> Iterator[LabServer]:
    """Run JupyterLab on a free port with `root` as its root directory; always stop it."""
    from simulator import jupyter_install

    jupyter_install.install()  # a no-op when `make setup` has done it and nothing changed since
    root = Path(root)
    home = root.parent / f".{root.name}-jupyter"
    for sub in ("config", "runtime", "settings", "workspaces"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [
        str(jupyter), "lab",
        "--no-browser", "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--ServerApp.terminals_enabled=False",
        "--ServerApp.allow_root=True",  # CI containers run as root
    ]
    full_env = dict(os.environ)
    full_env.update({
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_PLATFORM_DIRS": "1",
        # the kernel must find this project's Python and nothing else
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    })
    full_env.update(env or {})
    log_path = home / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=root, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(root=root, port=port, token=token, process=proc, log_path=log_path)
    try:
        _wait_for_status(server)
        yield server
    finally:
        _stop(proc)
        log.close()


def _wait_for_status(server: LabServer) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    last = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BrowserSetupError(f"JupyterLab exited with code {server.process.returncode} before it "
                                    f"answered. Its log:\n{server.server_log()[-4000:]}")
        try:
            status = server.api("status")
            if isinstance(status, dict) and "started" in status:
                return
        except (urllib.error.URLError, ConnectionError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(0.25)
    raise BrowserSetupError(f"JupyterLab did not answer /api/status within {TIMEOUT_S} s ({last}). "
                            f"Its log:\n{server.server_log()[-4000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its kernels (they share its process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # kernels left behind in the group
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


# ---------------------------------------------------------------- notebooks


def case_notebook(case: str, mode: str = "selvstudie") -> dict:
    """A case notebook as a trainee gets it: one hidden cell that starts the player, run on open."""
    return {
        "cells": [
            {"cell_type": "markdown", "id": "intro", "metadata": {},
             "source": [f"# Sagen {case}\n", "\n", "Sagen starter af sig selv."]},
            {"cell_type": "code", "id": "start", "execution_count": None, "outputs": [],
             "metadata": {"jupyter": {"source_hidden": True}, "tags": ["sagssim-start"]},
             "source": ["from simulator.ui import start\n", f"start({case!r}, mode={mode!r})"]},
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "sagssim": {"autorun": True},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def course_notebook_for(case: str) -> Path | None:
    """The course's own notebook for a case, if the course ships one."""
    course = ROOT / "course"
    for pattern in (f"{case}.ipynb", f"*-{case}.ipynb", f"*{case}*.ipynb"):
        found = sorted(p for p in course.glob(pattern) if ".ipynb_checkpoints" not in p.parts)
        if found:
            return found[0]
    return None


# ---------------------------------------------------------------- browser


@contextlib.contextmanager
def chromium_browser() -> Iterator[object]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise BrowserSetupError("The Python package playwright is missing: pip install -e '.[test]'.") from exc
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)  # the default 5 s is too short for a kernel on two busy cores
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_kernel_idle(page, lab: LabServer | None = None, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the notebook's kernel is connected and idle.

    The status bar's kernel item reads "… | Idle" only once the kernel's websocket is
    up (before that it says "Unknown" or "Starting"; the toolbar's execution
    indicator claims "idle" even earlier, so it is not used). With `lab`, the server
    must also report a live connection to an idle kernel.
    """
    page.wait_for_function(
        r"""() => {
            const bar = document.querySelector('#jp-main-statusbar');
            return !!bar && /\|\s*Idle(?![a-z])/.test(bar.textContent || '');
        }""",
        timeout=timeout,
    )
    if lab is None:
        return
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        kernels = lab.api("kernels")
        if any(k.get("connections", 0) >= 1 and k.get("execution_state") == "idle" for k in kernels):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"no connected idle kernel after {timeout / 1000:.0f} s: {lab.api('kernels')}")


def menu(page, top: str, item: str) -> None:
    """Open a main-menu entry by its visible labels, e.g. menu(page, "Kerne", "Restart Kernel…")
    (the top labels are Danish, the items as far as the language pack translates them)."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=top).first.click()
    entry = page.locator(".lm-Menu:visible .lm-Menu-item").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=item))
    entry.first.click()


def accept_dialog(page, timeout: int = TIMEOUT_MS) -> None:
    button = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
    button.wait_for(state="visible", timeout=timeout)
    button.click()


# ---------------------------------------------------------------- accessibility (axe-core)

# Sagssim's own content on a notebook page: the player and self-checks (`.sagssim`), the course
# text (rendered Markdown) and the other outputs (legal boxes). Everything else on the page is
# JupyterLab's own chrome and is left out on purpose: JupyterLab 4.6 itself fails axe there
# (`aria-allowed-attr` on its toolbar's <jp-button aria-pressed>, `aria-required-children` on
# the notebook's role="feed" cell list, `region` on its skip link), which this project cannot fix.
SAGSSIM_CONTENT = (".sagssim", ".jp-RenderedMarkdown", ".jp-OutputArea-output")
BLOCKING_IMPACTS = ("critical", "serious")


def axe_scan(page, scope: str = ".jp-NotebookPanel:not(.lm-mod-hidden)") -> dict:
    """Run axe-core (the copy bundled in the axe-playwright-python package, so no network is
    needed) over Sagssim's content in the visible notebook, with axe's full default rule set.
    Returns axe's result object; `blocking(result)` lists what must be zero."""
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate(Axe().axe_script)
    include = [[f"{scope} {sel}"] for sel in SAGSSIM_CONTENT]
    assert page.locator(f"{scope} .sagssim").count(), "nothing of Sagssim's on the page to scan"
    return page.evaluate("([ctx, opts]) => axe.run(ctx, opts)",
                         [{"include": include}, {"resultTypes": ["violations"]}])


def axe_counts(result: dict) -> dict[str, int]:
    """Elements with a violation, by impact."""
    counts: dict[str, int] = {}
    for v in result["violations"]:
        counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
    return counts


def blocking(result: dict) -> list[str]:
    """The critical and serious findings, one readable line per element."""
    return [f"{v['impact']} {v['id']} ({v['help']}): {n['target']} {n['html'][:160]}"
            for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS for n in v["nodes"]]


def record_axe(name: str, result: dict) -> None:
    """Keep each scan's findings in test-artifacts/axe.json (all impacts, for the record)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "axe.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[name] = {"counts": axe_counts(result),
                  "violations": [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                                  "targets": [n["target"] for n in v["nodes"]]} for v in result["violations"]],
                  "axe": result.get("testEngine", {}).get("version")}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def focused(page) -> dict:
    """What has the keyboard focus: tag, classes, text, and whether it is a Sagssim step heading."""
    return page.evaluate("""() => {
        const e = document.activeElement;
        if (!e) return {tag: null};
        return {tag: e.tagName, cls: e.className || '', text: (e.textContent || '').replace(/\\s+/g, ' ').trim(),
                heading: !!e.closest('.sagssim-step, .sagssim-debrief') && e.getAttribute('tabindex') === '-1'};
    }""")


def save_screenshot(page, name: str, locator=None) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    (locator or page).screenshot(path=str(path))
    return path


# JavaScript run in the page to time one click: from the click event on an option
# button to the moment the DOM shows the next screen (checked on every DOM mutation).
ARM_TIMER_JS = """
(args) => {
  const t = {click: null, done: null};
  window.__sagssimTimer = t;
  const norm = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const ready = () => {
    const root = document.querySelector('.jp-Notebook .sagssim');
    if (!root) return false;
    const labels = Array.from(root.querySelectorAll('.sagssim-option')).map(b => norm(b.textContent));
    if (args.oldLabels.some(l => labels.includes(l))) return false;   // the old step is still shown
    const boxes = Array.from(root.querySelectorAll('.sagssim-box.sagssim-outcome'));
    if (!boxes.some(b => norm(b.textContent).includes(args.chosen))) return false;
    const heads = Array.from(root.querySelectorAll('h3')).map(h => norm(h.textContent));
    return heads.some(h => h.includes(args.nextHeading));
  };
  const onClick = (e) => {
    if (t.click === null && e.target.closest && e.target.closest(args.buttonSelector)) {
      t.click = performance.now();
      document.removeEventListener('click', onClick, true);
    }
  };
  document.addEventListener('click', onClick, true);
  const obs = new MutationObserver(() => {
    if (t.click !== null && t.done === null && ready()) { t.done = performance.now(); obs.disconnect(); }
  });
  obs.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true});
  return true;
}
"""
