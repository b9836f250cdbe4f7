"""`sagssim build-course DIR`: an nbgrader course directory made from the cases.

Layout written (the stock `nbgrader` CLI and formgrader use it as is):

    DIR/nbgrader_config.py        course id, SQLite gradebook, local exchange, Sagssim preprocessors
    DIR/source/<case>/<case>.ipynb      exam-mode assignment: the player, hidden grading cells,
                                        letter task cells with the rubric as mark scheme
    DIR/source/<case>/<case>.case.yaml  the case WITHOUT its answer key (what candidates play)
    DIR/source/<case>/legal-sources.yaml  the public legal registry the case cites
    DIR/keys/                      the full cases and rubrics: the answer key, never released
    DIR/kursist-config/nbgrader_config.py  what students' nbgrader needs (course id, exchange):
                                        install it for each student account (docs/exam-guide.md)

The course folder and keys/ are made private to their owner (0700): students on the same
machine must not read the key or each other's submissions. They reach the course only
through the exchange, which is created world-writable with the sticky bit (1777), as
nbgrader's multi-user exchange needs.

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
    LETTER_RUBRIC_FILE,
    REGISTRY_FILE,
    case_files,
    load_case,
    load_library,
)
from simulator.errors import SagssimError
from simulator.keys import strip_keys
from simulator.model import CRITERIA, CRITERION_LABELS, Case, ChoiceStep, Criterion, as_criterion

from .autograde import check_letter_text, letter_criteria, letter_steps
from .cells import CHOICE, LETTER, LETTER_VIEW_ID, cell_id
from .coursedir import CONFIG_FILE, DEFAULT_COURSE_ID, CourseFolder, CourseRef

class CourseError(SagssimError, ValueError):
    """A course cannot be built from what was given (unknown cases, a bad students file)."""


CHOICE_POINTS = 10.0
LETTER_POINTS = 10.0

CONFIG_TEMPLATE = '''# nbgrader configuration written by `sagssim build-course`.
import os

c = get_config()  # noqa: F821

# The course folder is wherever this file is: move or copy the folder, and every path in it
# (gradebook, keys, exchange) moves with it.
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = here
c.CourseDirectory.db_url = {db_url}
# Decision logs are written next to the notebook and must be submitted with it;
# lock files and letter drafts are working files.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.lock", "*.draft.txt*"]

# A local exchange inside the course folder: works on one machine with no extra setup.
c.Exchange.root = {exchange}
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
c.SagssimReview.key_dir = os.path.join(here, "keys")
c.Execute.timeout = 120

# The candidate's feedback page: Danish, per criterion, points with their reasons, no code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grading.nbgrader_plugins.ScrubKeyMaterial",
    "grading.nbgrader_plugins.FeedbackSummary",
]
c.FeedbackSummary.key_dir = os.path.join(here, "keys")
c.FeedbackSummary.detail = {feedback_detail!r}  # True only for a course assignment, never an exam
c.GenerateFeedback.exporter_class = "grading.nbgrader_plugins.DanishFeedbackExporter"
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


def choice_criteria(case: Case) -> list[Criterion]:
    tested = {c for s in case.steps if isinstance(s, ChoiceStep) for o in s.options for c in (o.credit or {})}
    return [c for c in CRITERIA if c in tested]


def assignment_notebook(case: Case, lib) -> nbformat.NotebookNode:
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

    heading = new_markdown_cell("## Bedømmelse\n\n"
                                "Cellerne herunder bruges af eksaminator. Du skal ikke gøre noget ved dem.")
    heading.metadata.update(_meta("bedoemmelse"))
    cells.append(heading)

    for crit in choice_criteria(case):
        cell = new_code_cell(
            f"# {CRITERION_LABELS[crit]}: point beregnes ud fra dine gemte valg.\n"
            "### BEGIN HIDDEN TESTS\n"
            "from grading.autograde import criterion_points\n"
            f'criterion_points("{crit}", key="{case.id}", points={CHOICE_POINTS})\n'
            "### END HIDDEN TESTS\n"
        )
        cell.metadata.update(_meta(cell_id(CHOICE, crit), grade=True, points=CHOICE_POINTS))
        cells.append(_hidden_input(cell))

    if letter_steps(case):
        view = new_code_cell("# Dit afgørelsesbrev vises her, når opgaven er bedømt.")
        view.metadata.update(_meta(LETTER_VIEW_ID))
        cells.append(_hidden_input(view))
        checks = [(step, check_letter_text("", step, case, lib)) for step in letter_steps(case)]
        for crit in letter_criteria(case, lib):
            task = new_markdown_cell(letter_task_source(crit, checks, on_path=False))
            task.metadata.update(_meta(cell_id(LETTER, crit), task=True, points=LETTER_POINTS))
            cells.append(task)

    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["sagssim"] = {"case": case.id}
    return nb


def letter_task_source(criterion: str, checks: list, *, on_path: bool) -> str:
    """The Markdown of a `brev-<criterion>` task cell, with the letter check's items as mark scheme.

    `checks` pairs each letter step with a report of the letter check. In the source notebook
    (`on_path=False`: every letter step, checked as an empty letter) the scheme lists each letter
    step's items for the criterion, step by step; a case with a letter on each of two branches
    says that only the letter on the candidate's path counts. After autograde, SagssimReview
    rewrites the cell with only the letter(s) on that candidate's path, checked as written
    (`on_path=True`)."""
    label = CRITERION_LABELS[as_criterion(criterion)]
    covering = [(step, [i for i in report.items if i.criterion == criterion]) for step, report in checks]
    covering = [(step, items) for step, items in covering if items]
    parts = [f"### Brevet: {label}\n\nEksaminator vurderer brevet på dette kriterium.\n\n",
             "=== BEGIN MARK SCHEME ===\n",
             f"Rubrik for {label.lower()}. De foreløbige point er udfyldt af den automatiske kontrol "
             "og skal bekræftes eller ændres.\n\n"]
    if on_path and not covering:
        parts.append(f"Ikke vurderet: intet brev på kandidatens vej bedømmes på {label.lower()}. "
                     "Cellen tæller ikke med i certificeringen.\n\n")
    elif on_path:
        parts.append("Kun brevet på kandidatens vej:\n\n")
    elif len(covering) > 1:
        parts.append("Sagen har et brev på hver sin vej; kandidaten skriver kun det brev, vejen fører til, "
                     "og kun det tæller. Den bedømte aflevering viser kun det brev og dets rubrik.\n\n")
    for step, items in covering:
        if len(covering) > 1 or on_path:
            parts.append(f"**Brevet '{step.title}'** (trin `{step.id}`)\n\n")
        parts.append("\n".join(f"- ({i.severity}, {i.points:g} p.) {i.label}" for i in items) + "\n\n")
    parts.append("=== END MARK SCHEME ===\n")
    return "".join(parts)


def public_case_yaml(case: Case) -> str:
    data = strip_keys(case).model_dump(mode="json", exclude_none=True)
    header = "# Sagen uden facit (eksamensudgave). Skrevet af sagssim build-course.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def build_course(root: Path, case_ids: list[str] | None = None, students_csv: Path | None = None,
                 course_id: str = DEFAULT_COURSE_ID, cases_dir: Path = CASES_DIR,
                 grader: str = "kernel", db_url: str | None = None,
                 exchange: str | Path | None = None, feedback_detail: bool = False) -> list[str]:
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
            raise CourseError(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        paths = [p for p in paths if p.stem in case_ids]
    root.mkdir(parents=True, exist_ok=True)
    execute = "grading.nbgrader_plugins.ReplayExecute" if grader == "replay" else "nbgrader.preprocessors.Execute"
    (root / CONFIG_FILE).write_text(
        CONFIG_TEMPLATE.format(
            course_id=course_id,
            # an external gradebook or exchange is named as given; the defaults live in the folder
            db_url=repr(db_url) if db_url else '"sqlite:///" + os.path.join(here, "gradebook.db")',
            exchange=repr(str(exchange)) if exchange else 'os.path.join(here, "exchange")',
            execute=execute, feedback_detail=feedback_detail,
        ),
        encoding="utf-8",
    )
    course = CourseFolder.open(root)  # the config just written places everything below
    keys = course.key_dir
    keys.mkdir(parents=True, exist_ok=True)
    for name in (REGISTRY_FILE, LETTER_RUBRIC_FILE):  # the letter rubric is key material
        if (cases_dir / name).exists():
            shutil.copy2(cases_dir / name, keys / name)

    written = []
    for path in paths:
        case = load_case(path, lib)
        shutil.copy2(path, course.key(case.id))
        folder = course.source(case.id)
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(assignment_notebook(case, lib), folder / f"{case.id}.ipynb")
        (folder / f"{case.id}.case.yaml").write_text(public_case_yaml(case), encoding="utf-8")
        shutil.copy2(cases_dir / REGISTRY_FILE, folder / REGISTRY_FILE)
        written.append(case.id)

    exchange_root = Path(exchange) if exchange else root / "exchange"
    prepare_exchange(exchange_root)
    write_student_config(root, course_id, exchange_root)
    for private in (root, keys):
        private.chmod(0o700)
    if students_csv:
        add_students(course, students_csv)
    return written


STUDENT_CONFIG_DIR = "kursist-config"
STUDENT_CONFIG = """# nbgrader configuration for the students of course {course_id!r} (written by sagssim build-course).
# Install it as ~/.jupyter/nbgrader_config.py in each student's account, or once for every
# account on the machine as /etc/jupyter/nbgrader_config.py (docs/exam-guide.md).
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
"""


def prepare_exchange(path: Path) -> None:
    """The exchange root: created if missing; world-writable with the sticky bit when this user
    owns it (students write their submissions into it; nbgrader checks it is writable)."""
    import os
    import stat

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    st = path.stat()
    if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != 0o1777:
        path.chmod(0o1777)


def write_student_config(root: Path, course_id: str, exchange: Path) -> Path:
    folder = Path(root) / STUDENT_CONFIG_DIR
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)
    target = folder / CONFIG_FILE
    target.write_text(STUDENT_CONFIG.format(course_id=course_id, exchange=str(Path(exchange).resolve())),
                      encoding="utf-8")
    target.chmod(0o644)
    return target


def gradebook_url(root: CourseRef) -> str:
    """The gradebook a course directory uses: its nbgrader_config.py's db_url (SQLite or
    PostgreSQL), or nbgrader's default SQLite file beside it (`CourseFolder.db_url`)."""
    return CourseFolder.open(root).db_url


def add_students(root: CourseRef, students_csv: Path, course_id: str | None = None,
                 db_url: str | None = None) -> int:
    """CSV with a header row: id[,first_name,last_name,email]. The course id and gradebook are the
    folder's unless given."""
    from nbgrader.api import Gradebook

    course = CourseFolder.open(root, course_id)
    with open(students_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "id" not in rows[0]:
        raise CourseError(f"{students_csv}: the first row must name the columns, with an 'id' column")
    with Gradebook(db_url or course.db_url, course.course_id) as gb:
        for row in rows:
            sid = (row.pop("id") or "").strip()
            if sid:
                gb.update_or_create_student(sid, **{k: v for k, v in row.items()
                                                    if k in ("first_name", "last_name", "email") and v})
    return len(rows)
