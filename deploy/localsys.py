"""Local-system plumbing shared by the JupyterHub demo and the PostgreSQL tests:
local Unix users, commands run as them, a Python runtime they can execute, and a
throwaway PostgreSQL server. Standard library only (plus the project venv).

Needs root (it creates users and drops privileges with `runuser`). A missing system
package raises MissingSystemDependency naming the package; `deploy/install-system-deps.sh`
installs them all.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
INSTALL_HINT = "run `deploy/install-system-deps.sh` as root (apt packages: node-configurable-http-proxy postgresql)"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class MissingSystemDependency(RuntimeError):
    pass


def require(condition: bool, what: str) -> None:
    if not condition:
        raise MissingSystemDependency(f"missing system requirement: {what}; {INSTALL_HINT}")


def require_root() -> None:
    if os.geteuid() != 0:
        raise MissingSystemDependency("this creates local users and runs services as them: run it as root "
                                      "(CI containers do) or with `sudo -E`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_user(name: str, home: bool = True) -> pwd.struct_passwd:
    """Create a local user (no password, no login shell needed) if it does not exist."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        args = ["useradd", "--shell", "/bin/bash", "--user-group"]
        args += ["--create-home"] if home else ["--no-create-home", "--home-dir", "/nonexistent"]
        subprocess.run([*args, name], check=True, capture_output=True)
        return pwd.getpwnam(name)


def chown(path: Path, user: str, mode: int | None = None) -> None:
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    if mode is not None:
        os.chmod(path, mode)


def as_user(user: str, args: list[str], *, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command as a local user with a clean login-like environment."""
    pw = pwd.getpwnam(user)
    base = {"HOME": pw.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin"}
    base.update(env or {})
    cmd = ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in base.items()], *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"as {user}: {' '.join(args)} exited {proc.returncode}\n"
                             f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def make_world_dir(prefix: str) -> Path:
    """A temporary directory that other local users can traverse (pytest's tmp_path is 0700 under root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def user_runtime(user: str, workdir: Path) -> Path:
    """A bin/ directory whose Python and console scripts `user` can execute.

    The project venv may be built on an interpreter under /root (pyenv), which other users
    cannot reach. Then we build a small venv on the system python3.11 that loads the project
    venv's site-packages (same minor version, same ABI) and copy the console scripts with a
    new shebang. On a machine where the venv's interpreter is reachable, its bin/ is used as is.
    """
    probe = as_user(user, [str(VENV_BIN / "python"), "-c", "import nbgrader, jupyterhub, simulator, grading"],
                    check=False)
    if probe.returncode == 0:
        return VENV_BIN
    system_python = shutil.which("python3.11", path="/usr/bin:/usr/local/bin")
    require(system_python is not None and sys.version_info[:2] == (3, 11),
            "a system /usr/bin/python3.11 (apt package python3.11) that unprivileged users can run, "
            f"because the project venv's interpreter {os.path.realpath(VENV_BIN / 'python')} is not "
            "executable by other users")
    runtime = workdir / "runtime"
    subprocess.run([system_python, "-m", "venv", "--without-pip", str(runtime)], check=True, capture_output=True)
    site = next((runtime / "lib").glob("python3.11/site-packages"))
    project_site = next((VENV_BIN.parent / "lib").glob("python3.11/site-packages"))
    (site / "zz-sagssim-project-venv.pth").write_text(f"import site; site.addsitedir({str(project_site)!r})\n")
    for script in VENV_BIN.iterdir():
        if script.name.startswith("python") or not script.is_file() or script.is_symlink():
            continue
        try:
            first, rest = script.read_text(encoding="utf-8").split("\n", 1)
        except (UnicodeDecodeError, ValueError):
            continue
        if first.startswith("#!") and "python" in first:
            target = runtime / "bin" / script.name
            target.write_text(f"#!{runtime / 'bin' / 'python'}\n{rest}", encoding="utf-8")
            target.chmod(0o755)
    for path in [runtime, *runtime.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o055 if path.is_dir() else path.stat().st_mode | 0o044)
    probe = as_user(user, [str(runtime / "bin" / "python"), "-c", "import nbgrader, jupyterhub, simulator, grading"],
                    check=False)
    assert probe.returncode == 0, f"the runtime for {user} does not import the project:\n{probe.stderr}"
    return runtime / "bin"


class PostgresServer:
    """A throwaway PostgreSQL 15 cluster: data and socket in a temp dir owned by an
    unprivileged user (initdb and pg_ctl refuse to run as root), listening on a free
    loopback port, trust auth on loopback only. Always `stop()` it."""

    def __init__(self, user: str = "sagssim-pg"):
        require_root()
        for tool in ("initdb", "pg_ctl", "postgres", "psql"):
            require((PG_BIN / tool).exists(), f"{PG_BIN / tool} (apt package postgresql, PostgreSQL 15)")
        self.user = user
        ensure_user(user, home=False)
        self.dir = make_world_dir("sagssim-pg-")
        chown(self.dir, user, 0o700)
        self.data = self.dir / "data"
        self.port = free_port()
        self.started = False

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return as_user(self.user, [str(PG_BIN / tool), *args], cwd=self.dir, timeout=timeout)

    def start(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        opts = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} " \
               "-c max_connections=50 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", opts, "-w",
                  "-t", "60", "start")
        self.started = True
        return self

    def psql(self, sql: str, db: str = "postgres") -> str:
        return self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                         "-v", "ON_ERROR_STOP=1", "-At", "-c", sql).stdout

    def create_db(self, name: str, owner: str = "sagssim") -> str:
        """Create role + database; return the SQLAlchemy URL (psycopg2 driver)."""
        if not self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{owner}'").strip():
            self.psql(f'CREATE ROLE "{owner}" LOGIN')
        self.psql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return f"postgresql+psycopg2://{owner}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "60", "stop")
        finally:
            self.started = False
            shutil.rmtree(self.dir, ignore_errors=True)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"PostgreSQL did not listen on port {self.port}")
