"""`make voila` runs Voilà with deploy/voila/voila.py, which culls the kernels of closed tabs.

The command is the one the Makefile runs (read with `make -n`), started for real on a free port
with a one-cell notebook; the page is fetched without ever opening its websocket, exactly what a
closed tab leaves behind."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_voila_command(folder: Path, port: int) -> str:
    out = subprocess.run(["make", "-n", "voila", f"KURSUS={folder}", f"PORT={port}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if "/voila " in line]
    assert len(lines) == 1, out
    return lines[0]


def run_until(cmd: str, folder: Path, port: int, wanted: str, timeout: float = 60) -> str:
    log = folder / f"voila-{port}.log"
    env = {**os.environ, "BROWSER": "true"}  # never open a browser
    with open(log, "wb") as fh:
        proc = subprocess.Popen(["bash", "-c", f"exec {cmd} --no-browser"], cwd=ROOT, env=env, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        fetched = False
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text(errors="replace")
            if not fetched:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/t.ipynb", timeout=30) as r:
                        fetched = r.status == 200  # the kernel starts; no websocket ever connects
                except OSError:
                    pass
            text = log.read_text(errors="replace")
            if fetched and wanted in text:
                return text
            time.sleep(0.5)
        raise AssertionError(f"{wanted!r} not in the log within {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.fixture()
def folder(tmp_path):
    nb = new_notebook(cells=[new_code_cell("print('hej')")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, tmp_path / "t.ipynb")
    return tmp_path


def test_make_voila_uses_the_culling_config(folder):
    port = free_port()
    cmd = make_voila_command(folder, port)
    assert "deploy/voila" in cmd, cmd
    run_until(cmd, folder, port, "Culling kernels with idle durations > 300 seconds at 60 second intervals")


def test_a_closed_tabs_kernel_is_culled(folder):
    """The same command with the timeout shortened: the kernel with no connection is shut down."""
    port = free_port()
    cmd = make_voila_command(folder, port) + " " + shlex.join(
        ["--MappingKernelManager.cull_idle_timeout=3", "--MappingKernelManager.cull_interval=1"])
    text = run_until(cmd, folder, port, "with 0 connections due to 3 seconds of inactivity")
    assert "Culling 'idle' kernel" in text
