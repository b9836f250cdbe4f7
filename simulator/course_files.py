"""The course's notebook files as a trainee uses them: a working copy and a save hook.

* ``prepare_course_folder(dest)`` copies the trainee notebooks of ``course/`` (not the
  instructor notebooks, ``9*.ipynb``) into a working folder that JupyterLab and Voilà
  serve (``make course``, ``make voila``), so use never changes the tracked files. Run
  again, it brings in notebooks that changed in ``course/`` and leaves everything
  else in the folder alone: decision logs, letter drafts, and a notebook the trainee
  changed while its source did not. When both changed, the trainee's version is kept
  beside the new one as ``<name>.din-udgave.ipynb``.
  ``python -m simulator.course_files DEST`` does the same from the command line.

* ``pre_save_hook`` (registered by this module as a Jupyter server extension, which
  ``jupyter-config/jupyter_server_config.d/sagssim.json`` enables for every Jupyter
  server of the environment) saves a Sagssim notebook
  without outputs, execution counts and widget state: they are rebuilt when the
  notebook is opened (the ``sagssim-autorun`` JupyterLab extension runs it), and a saved
  widget output would only come back as "model not found". Outputs of nbgrader grade
  cells are kept, so an autograded notebook opened in JupyterLab keeps its results.

A Sagssim notebook is one whose metadata holds a ``sagssim`` object without
``"autorun": false`` (the same test as the extension's ``wantsAutorun``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

COURSE_DIR = Path(__file__).resolve().parent.parent / "course"
MANIFEST = ".sagssim-kilde.json"  # hidden: JupyterLab and Voilà do not list it
INSTRUCTOR_PREFIX = "9"  # 90-underviservejledning, 91-instruktoer-analyse
KEPT_SUFFIX = ".din-udgave.ipynb"


# ---------------------------------------------------------------- which notebooks


def is_instructor_notebook(name: str) -> bool:
    return name.startswith(INSTRUCTOR_PREFIX)


def trainee_notebooks(course_dir: Path = COURSE_DIR) -> list[Path]:
    """The course notebooks a trainee gets: start page, modules, cases; not the instructor's."""
    return sorted(p for p in Path(course_dir).glob("*.ipynb") if not is_instructor_notebook(p.name))


def wants_autorun(metadata: object) -> bool:
    """Is this notebook metadata a Sagssim notebook's (run on open, saved without outputs)?"""
    meta = metadata.get("sagssim") if isinstance(metadata, dict) else None
    return isinstance(meta, dict) and meta.get("autorun", True) is not False


# ---------------------------------------------------------------- the save hook


def strip_outputs(nb: dict) -> bool:
    """Drop what a run put into a Sagssim notebook (in place). Returns whether it is one."""
    metadata = nb.get("metadata") or {}
    if not wants_autorun(metadata):
        return False
    metadata.pop("widgets", None)
    for cell in nb.get("cells") or []:
        if cell.get("cell_type") != "code":
            continue
        if (cell.get("metadata") or {}).get("nbgrader", {}).get("grade"):
            continue  # an autograded result: kept
        cell["outputs"] = []
        cell["execution_count"] = None
        (cell.get("metadata") or {}).pop("execution", None)
    return True


def pre_save_hook(model: dict, **kwargs) -> None:
    """ContentsManager.pre_save_hook: a Sagssim notebook is saved as its source, without outputs."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        strip_outputs(model["content"])


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "simulator.course_files"}]


def _load_jupyter_server_extension(serverapp) -> None:
    """Jupyter server extension: register the save hook (beside any hook the server already has)."""
    serverapp.contents_manager.register_pre_save_hook(pre_save_hook)
    serverapp.log.info("sagssim: Sagssim notebooks are saved without outputs or widget state")


# ---------------------------------------------------------------- the working folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prepare_course_folder(dest: Path | str, course_dir: Path = COURSE_DIR) -> list[tuple[str, str]]:
    """Create or refresh the trainee's working copy of the course. Returns (file, what happened)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    try:
        copied: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        copied = {}
    done: list[tuple[str, str]] = []
    for src in trainee_notebooks(course_dir):
        data = src.read_bytes()
        new = _sha(data)
        target = dest / src.name
        if not target.exists():
            target.write_bytes(data)
            done.append((src.name, "copied"))
        else:
            current = _sha(target.read_bytes())
            if current == new:
                pass
            elif copied.get(src.name) == new:
                done.append((src.name, "kept (changed by the trainee)"))
                continue  # the source did not change since it was copied: the trainee's version stays
            elif copied.get(src.name) == current:
                target.write_bytes(data)
                done.append((src.name, "updated"))
            else:
                kept = target.with_name(target.name[: -len(".ipynb")] + KEPT_SUFFIX)
                shutil.copy2(target, kept)
                target.write_bytes(data)
                done.append((src.name, f"updated; the trainee's version kept as {kept.name}"))
        copied[src.name] = new
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(copied, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(manifest_path)
    return done


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m simulator.course_files DEST", file=sys.stderr)
        return 2
    dest = Path(argv[0])
    for name, what in prepare_course_folder(dest):
        print(f"{dest / name}: {what}")
    print(f"The course is in {dest}/ (your decision logs are kept there too).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
