"""Copy the project's Jupyter files into the environment, for editable installs.

``pyproject.toml`` lists them under ``[tool.setuptools.data-files]``: the prebuilt
``sagssim-autorun`` JupyterLab extension, the server's save hook configuration and
Danish as JupyterLab's default language. A regular install (``pip install .``, a
wheel) puts them into ``sys.prefix`` by itself; an editable install
(``pip install -e .``, which ``make setup`` uses) does not, because setuptools skips
data files in editable mode. ``python -m simulator.jupyter_install`` copies the same
table, read from ``pyproject.toml`` so the two never disagree. It is idempotent and
removes files a rebuild of the extension left behind.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def data_files(pyproject: Path = PYPROJECT) -> dict[str, list[Path]]:
    """Target directory (relative to the prefix) -> the source files, globs expanded."""
    table = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["data-files"]
    out: dict[str, list[Path]] = {}
    for target, patterns in table.items():
        files: list[Path] = []
        for pattern in patterns:
            found = sorted(p for p in pyproject.parent.glob(pattern) if p.is_file())
            if not found:
                raise FileNotFoundError(f"{pyproject}: data-files pattern {pattern!r} matches no file")
            files += found
        out[target] = files
    return out


def install(prefix: Path | str = sys.prefix, pyproject: Path = PYPROJECT) -> list[Path]:
    """Copy every data file into `prefix`. Returns the files written (unchanged ones are skipped)."""
    prefix = Path(prefix)
    written = []
    for target, files in data_files(pyproject).items():
        dest_dir = prefix / target
        dest_dir.mkdir(parents=True, exist_ok=True)
        names = {f.name for f in files}
        if "labextensions" in Path(target).parts:
            for old in dest_dir.iterdir():  # a rebuilt extension has new hashed file names
                if old.is_file() and old.name not in names:
                    old.unlink()
        for f in files:
            dest = dest_dir / f.name
            if dest.exists() and filecmp.cmp(f, dest, shallow=False):
                continue
            shutil.copyfile(f, dest)
            written.append(dest)
    return written


def installed(prefix: Path | str = sys.prefix, pyproject: Path = PYPROJECT) -> bool:
    """Are all data files in `prefix`, identical to the repository's?"""
    prefix = Path(prefix)
    return all((prefix / t / f.name).is_file() and filecmp.cmp(f, prefix / t / f.name, shallow=False)
               for t, files in data_files(pyproject).items() for f in files)


def main() -> int:
    for path in install():
        print(f"installed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
