"""`sagssim build-course DIR`: an nbgrader course directory made from the cases.

Layout written (the stock `nbgrader` CLI and formgrader use it as is):

    DIR/nbgrader_config.py        course id, SQLite gradebook, local exchange, Sagssim preprocessors
    DIR/source/<case>/<case>.ipynb      exam-mode assignment: the player, hidden grading cells,
                                        letter task cells with the rubric as mark scheme
    DIR/source/<case>/<case>.case.yaml  the case WITHOUT its answer key (what candidates play)
    DIR/source/<case>/legal-sources.yaml  the public legal registry the case cites
    DIR/keys/                      the full cases and rubrics: the answer key, never released

Everything under source/<case>/ except notebooks is copied into the release and
into every autograded folder by nbgrader, so the key must live outside it.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from simulator.casefile import (
    CASES_DIR,
    COMMON_RUBRIC_FILE,
    REGISTRY_FILE,
    case_files,
    load_case,
    load_library,
    rubric_items,
)
from simulator.keys import strip_keys
from simulator.model import CRITERIA, CRITERION_LABELS, Case, ChoiceStep

from .autograde import letter_criteria, letter_steps
from .nbgrader_plugins import LETTER_VIEW_ID

CHOICE_POINTS = 10.0
LETTER_POINTS = 10.0
DEFAULT_COURSE_ID = "sagssim"

CONFIG_TEMPLATE = '''# nbgrader configuration written by `sagssim build-course`.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
# Decision logs are written next to the notebook and must be submitted with it;
# lock files and letter drafts are working files.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.lock", "*.draft.txt*"]

# A local exchange inside the course folder: works on one machine with no extra setup.
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True

# Sagssim additions to the stock pipeline (see grading/nbgrader_plugins.py).
c.Autograde.autograde_preprocessors = [
    "grading.nbgrader_plugins.DropAddedCells",
    {execute!r},
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "grading.nbgrader_plugins.SagssimReview",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SagssimReview.key_dir = {key_dir!r}
c.Execute.timeout = 120

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grading.nbgrader_plugins.ScrubKeyMaterial",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
'''


def _meta(grade_id: str, *, grade=False, solution=False, locked=True, task=False, points=None) -> dict:
    nbg = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
           "solution": solution, "task": task}
    if points is not None:
        nbg["points"] = points
    return {"nbgrader": nbg, "deletable": False, "editable": False}


def _hidden_input(cell):
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    cell.metadata["tags"] = ["hide-input"]
    return cell


def choice_criteria(case: Case) -> list[str]:
    tested = {c for s in case.steps if isinstance(s, ChoiceStep) for o in s.options for c in (o.credit or {})}
    return [c for c in CRITERIA if c in tested]


def assignment_notebook(case: Case, lib, key_path: Path) -> nbformat.NotebookNode:
    cells = []
    intro = new_markdown_cell(
        f"# {case.title}\n\n{case.summary}\n\n"
        "**Eksamen.** Du får ingen feedback undervejs. Hvert valg gemmes med det samme i filen "
        f"`{case.id}.decisions.jsonl` ved siden af denne notesbog, og filen afleveres sammen med notesbogen. "
        "Du kan lukke notesbogen og fortsætte senere: sagen åbner, hvor du slap.\n\n"
        "Når du har skrevet og sendt afgørelsesbrevet, er sagen slut. Aflever derefter opgaven."
    )
    intro.metadata.update(_meta("intro"))
    cells.append(intro)

    player = new_code_cell(
        f'from simulator.ui import start\nplayer = start("{case.id}", mode="eksamen", case_file="{case.id}.case.yaml")'
    )
    player.metadata.update(_meta("spiller"))
    cells.append(_hidden_input(player))

    heading = new_markdown_cell("## Bedømmelse\n\nCellerne herunder bruges af eksaminator. Du skal ikke gøre noget ved dem.")
    heading.metadata.update(_meta("bedoemmelse"))
    cells.append(heading)

    for crit in choice_criteria(case):
        cell = new_code_cell(
            f"# {CRITERION_LABELS[crit]}: point beregnes ud fra dine gemte valg.\n"
            "### BEGIN HIDDEN TESTS\n"
            "from grading.autograde import criterion_points\n"
            f'criterion_points("{crit}", key=r"{key_path}", points={CHOICE_POINTS})\n'
            "### END HIDDEN TESTS\n"
        )
        cell.metadata.update(_meta(f"valg-{crit}", grade=True, points=CHOICE_POINTS))
        cells.append(_hidden_input(cell))

    if letter_steps(case):
        view = new_code_cell("# Dit afgørelsesbrev vises her, når opgaven er bedømt.")
        view.metadata.update(_meta(LETTER_VIEW_ID))
        cells.append(_hidden_input(view))
        for crit in letter_criteria(case, lib):
            items = [i for s in letter_steps(case) for i in rubric_items(s, lib) if i.criterion == crit]
            scheme = "\n".join(f"- ({i.severity}, {i.points:g} p.) {i.label}" for i in items)
            task = new_markdown_cell(
                f"### Brevet: {CRITERION_LABELS[crit]}\n\n"
                "Eksaminator vurderer brevet på dette kriterium.\n\n"
                "=== BEGIN MARK SCHEME ===\n"
                f"Rubrik for {CRITERION_LABELS[crit].lower()} (foreløbige point er udfyldt af den "
                "automatiske kontrol og skal bekræftes eller ændres):\n\n"
                f"{scheme}\n"
                "=== END MARK SCHEME ===\n"
            )
            task.metadata.update(_meta(f"brev-{crit}", task=True, points=LETTER_POINTS))
            cells.append(task)

    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["sagssim"] = {"case": case.id}
    return nb


def public_case_yaml(case: Case) -> str:
    data = strip_keys(case).model_dump(mode="json", exclude_none=True)
    header = "# Sagen uden facit (eksamensudgave). Skrevet af sagssim build-course.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def build_course(root: Path, case_ids: list[str] | None = None, students_csv: Path | None = None,
                 course_id: str = DEFAULT_COURSE_ID, cases_dir: Path = CASES_DIR,
                 grader: str = "kernel", db_url: str | None = None,
                 exchange: str | Path | None = None) -> list[str]:
    """Write (or refresh) a course directory. Returns the assignment ids written.

    `db_url` (default: SQLite DIR/gradebook.db) and `exchange` (default: DIR/exchange)
    let several graders share a PostgreSQL gradebook and JupyterHub users share one
    exchange root (docs/scale.md)."""
    root = Path(root).resolve()
    lib = load_library(cases_dir)
    paths = case_files(cases_dir)
    if case_ids:
        known = {p.stem for p in paths}
        unknown = sorted(set(case_ids) - known)
        if unknown:
            raise ValueError(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        paths = [p for p in paths if p.stem in case_ids]
    keys = root / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name in (REGISTRY_FILE, COMMON_RUBRIC_FILE):
        shutil.copy2(cases_dir / name, keys / name)

    written = []
    for path in paths:
        case = load_case(path, lib)
        shutil.copy2(path, keys / path.name)
        folder = root / "source" / case.id
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(assignment_notebook(case, lib, keys / path.name), folder / f"{case.id}.ipynb")
        (folder / f"{case.id}.case.yaml").write_text(public_case_yaml(case), encoding="utf-8")
        shutil.copy2(cases_dir / REGISTRY_FILE, folder / REGISTRY_FILE)
        written.append(case.id)

    execute = "grading.nbgrader_plugins.ReplayExecute" if grader == "replay" else "nbgrader.preprocessors.Execute"
    (root / "nbgrader_config.py").write_text(
        CONFIG_TEMPLATE.format(
            course_id=course_id, root=str(root), db_url=db_url or default_db_url(root),
            exchange=str(exchange or root / "exchange"), key_dir=str(keys), execute=execute,
        ),
        encoding="utf-8",
    )
    if exchange is None:
        (root / "exchange").mkdir(exist_ok=True)
    if students_csv:
        add_students(root, students_csv, course_id, db_url=db_url)
    return written


def default_db_url(root: Path) -> str:
    return f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"


def gradebook_url(root: Path) -> str:
    """The gradebook a course directory uses: its nbgrader_config.py's db_url (SQLite or
    PostgreSQL), or nbgrader's default SQLite file beside it."""
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if (root / "nbgrader_config.py").exists():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        url = config.get("CourseDirectory", {}).get("db_url")
        if url:
            return str(url)
    return default_db_url(root)


def add_students(root: Path, students_csv: Path, course_id: str = DEFAULT_COURSE_ID,
                 db_url: str | None = None) -> int:
    """CSV with a header row: id[,first_name,last_name,email]."""
    from nbgrader.api import Gradebook

    with open(students_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "id" not in rows[0]:
        raise ValueError(f"{students_csv}: the first row must name the columns, with an 'id' column")
    with Gradebook(db_url or default_db_url(root), course_id) as gb:
        for row in rows:
            sid = (row.pop("id") or "").strip()
            if sid:
                gb.update_or_create_student(sid, **{k: v for k, v in row.items() if k in ("first_name", "last_name", "email") and v})
    return len(rows)
