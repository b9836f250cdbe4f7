"""Build the course notebooks (course/*.ipynb) from the plain-text sources in course/src/.

    .venv/bin/python course/build_notebooks.py          write the notebooks
    .venv/bin/python course/build_notebooks.py --check  exit 1 if a notebook is out of date

A source is Markdown. Two conventions turn it into cells:

* a line holding only ``+++`` ends one Markdown cell and starts the next;
* a fenced block opened with ```` ```python ```` becomes a code cell whose input is
  hidden from trainees (``jupyter.source_hidden`` and the ``hide-input`` tag) and
  locked against editing. Voilà never shows code inputs, so the same notebooks
  work as a no-code app.

Every notebook carries ``"sagssim": {"autorun": true}`` in its metadata: the
``sagssim-autorun`` JupyterLab extension (labextension/) then runs it as soon as it
is opened and again after a kernel restart, with all code out of sight, and the
server's save hook (simulator/course_files.py) never writes outputs into it.

The case notebooks (10 and up) share one template, ``src/sag.md.tmpl``; ``{sag}`` and
``{navn}`` are filled in from each case file (its `notebook` number and citizen). Notebooks are written with
no outputs; the test suite checks that they match their sources.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from a checkout
from simulator.casefile import course_cases  # noqa: E402

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"

FENCE = re.compile(r"^```python\n(.*?)^```\n", re.S | re.M)
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
AUTORUN = {"autorun": True}  # read by the sagssim-autorun JupyterLab extension and the save hook


def hidden_code_cell(source: str) -> nbformat.NotebookNode:
    cell = new_code_cell(source.strip("\n"))
    cell.metadata = {"jupyter": {"source_hidden": True}, "tags": ["hide-input"],
                     "editable": False, "deletable": False}
    return cell


def cells_from_source(text: str) -> list[nbformat.NotebookNode]:
    cells = []
    pos = 0
    for m in FENCE.finditer(text):
        cells += _markdown_cells(text[pos:m.start()])
        cells.append(hidden_code_cell(m.group(1)))
        pos = m.end()
    cells += _markdown_cells(text[pos:])
    return cells


def _markdown_cells(text: str) -> list[nbformat.NotebookNode]:
    out = []
    for chunk in re.split(r"^\+\+\+[ \t]*$", text, flags=re.M):
        chunk = chunk.strip("\n")
        if chunk.strip():
            cell = new_markdown_cell(chunk)
            cell.metadata = {"editable": False, "deletable": False}
            out.append(cell)
    return out


def notebook_from_source(text: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells_from_source(text))
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}, "sagssim": AUTORUN}
    # Stable cell ids, so rebuilding an unchanged source gives an identical file.
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:02d}"
    return nb


def sources(cases_dir: Path | None = None) -> dict[str, str]:
    """Notebook file name -> its Markdown source. The case notebooks come from the case files:
    every case that names its `notebook` number gets one."""
    out = {}
    for path in sorted(SRC.glob("*.md")):
        out[path.stem + ".ipynb"] = path.read_text(encoding="utf-8")
    template = (SRC / "sag.md.tmpl").read_text(encoding="utf-8")
    for case in course_cases(*([cases_dir] if cases_dir else [])):
        out[case.notebook] = template.replace("{sag}", case.id).replace("{navn}", case.citizen)
    return out


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def build(check: bool = False, cases_dir: Path | None = None, out: Path = HERE) -> list[str]:
    """Write (or, with check, compare) every notebook. Returns the names that differ."""
    stale = []
    for name, text in sources(cases_dir).items():
        nb = notebook_from_source(text)
        nbformat.validate(nb)
        path = out / name
        new = render(nb)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != new:
            stale.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    return stale


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = build(check=check)
    if check and stale:
        print("Out of date (run .venv/bin/python course/build_notebooks.py):", ", ".join(stale))
        return 1
    for name in stale:
        print("wrote", name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
