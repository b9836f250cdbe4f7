"""nbgrader preprocessors Sagssim adds to the stock pipeline (configured by the course builder).

- SagssimReview runs at the end of autograde: flags submissions whose decision
  log is missing or damaged, shows the letter(s) on the candidate's path (and, to
  the examiner only, the rubric pre-check) in the notebook, narrows each letter
  cell's mark scheme to the letter(s) on that path, and pre-fills provisional
  letter points that still need the examiner's confirmation.
- ScrubKeyMaterial runs in generate_feedback: removes hidden tests, mark schemes
  and examiner-only outputs, which nbgrader would otherwise show the candidate.
- FeedbackSummary runs in generate_feedback after it: gathers, per criterion, the
  candidate's points from the gradebook with the reasons behind them (the decision
  points on their path, the examiner's comment, the letter pre-check of the letter on
  their path), for DanishFeedbackExporter, whose template (grading/templates/
  sagssim-feedback/) writes a Danish page without code, cell ids or nbgrader terms.
- DropAddedCells runs first in autograde: an exam notebook has no cell for the
  candidate's own code, so any cell that is not in the released notebook is
  removed before anything executes, and the submission is flagged.
- ReplayExecute can replace nbgrader's Execute for cohort grading: it runs only
  the examiner's grading cells (restored from the gradebook), in-process,
  instead of starting a kernel per notebook. Candidate code is never run.
"""

from __future__ import annotations

import ast
import contextlib
import html
import io
import os
import re
from pathlib import Path
from typing import Any

from nbformat.v4 import new_output
from nbconvert.exporters import HTMLExporter
from traitlets import Bool, Unicode
from traitlets.config import Config

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from simulator import danish

from . import cells
from .autograde import grade_folder, letter_assessed, letter_provisional, load_key, path_letters

TEMPLATES = Path(__file__).resolve().parent / "templates"
FEEDBACK_TEMPLATE = "sagssim-feedback"

HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
MARK_SCHEME = re.compile(r"^[ \t]*=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===[ \t]*\n?", re.S | re.M)
EXAMINER_ONLY = "examiner-only"
GRADING_IMPORT = "from grading.autograde import"
AUTO_COMMENT = "Foreløbige point fra den automatiske kontrol"


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _context(resources) -> tuple[str, str, str, str]:
    nbg = resources["nbgrader"]
    return nbg["notebook"], nbg["assignment"], nbg["student"], nbg["db_url"]


ADDED_CELLS = "sagssim_added_cells"


class DropAddedCells(NbGraderPreprocessor):
    """Remove cells the candidate added (and so any code that could tamper with grading)."""

    def preprocess(self, nb, resources):
        notebook_id, assignment_id, _, db_url = _context(resources)
        with Gradebook(db_url) as gb:
            known = {c.name for c in gb.find_notebook(notebook_id, assignment_id).source_cells}
        kept = [c for c in nb.cells if grade_id(c) in known]
        resources[ADDED_CELLS] = len(nb.cells) - len(kept)
        if resources[ADDED_CELLS]:
            self.log.warning("%s cell(s) not in the released notebook were removed", resources[ADDED_CELLS])
        nb.cells = kept
        return nb, resources


class SagssimReview(NbGraderPreprocessor):
    key_dir = Unicode("", help="Folder with the examiner's full case files (the answer key).").tag(config=True)

    def preprocess(self, nb, resources):
        notebook_id, assignment_id, student_id, db_url = _context(resources)
        key = Path(self.key_dir) / f"{assignment_id}.yaml"
        if not key.exists():
            self.log.warning("No Sagssim key for %s at %s; skipping review", assignment_id, key)
            return nb, resources
        case, lib = load_key(str(key))
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        graded = grade_folder(case, folder)
        with Gradebook(db_url) as gb:
            try:
                submission = gb.find_submission_notebook(notebook_id, assignment_id, student_id)
            except MissingEntry:
                return nb, resources
            if not graded.trusted:
                submission.flagged = True
                self.log.warning("%s/%s: decision log not trusted: %s", student_id, assignment_id, graded.problems)
            if resources.get(ADDED_CELLS):
                submission.flagged = True
            for cell in nb.cells:
                gid = grade_id(cell) or ""
                if gid == cells.LETTER_VIEW_ID:
                    cell.outputs = self._letter_outputs(graded, lib)
                elif (parsed := cells.parse(gid)) and parsed.part == cells.LETTER \
                        and cell.metadata["nbgrader"].get("task"):
                    self._mark_scheme(cell, parsed.criterion, graded, lib)
                    self._provisional(gb, parsed, notebook_id, assignment_id, student_id, graded, lib, cell)
            gb.db.commit()
        return nb, resources

    @staticmethod
    def _mark_scheme(cell, criterion, graded, lib) -> None:
        """The examiner sees the rubric of the letter(s) this candidate's path reached, not every branch's."""
        from .course import letter_task_source

        if graded.trusted:
            cell.source = letter_task_source(criterion, [(pl.step, pl.report) for pl in path_letters(graded, lib)],
                                             on_path=True)

    def _provisional(self, gb, gcell, notebook_id, assignment_id, student_id, graded, lib, cell) -> None:
        criterion, gid = gcell.criterion, gcell.id
        points = float(cell.metadata["nbgrader"]["points"])
        score, reasons = letter_provisional(graded, lib, criterion, points)
        assessed = letter_assessed(graded, lib, criterion)
        grade = gb.find_grade(gid, notebook_id, assignment_id, student_id)
        if grade.manual_score is None:  # never overwrite an examiner's decision
            grade.manual_score = score
            grade.needs_manual_grade = assessed  # a cell the path does not assess has nothing to confirm
        comment = gb.find_comment(gid, notebook_id, assignment_id, student_id)
        status = "Skal bekræftes." if assessed else "Intet at bekræfte."
        comment.auto_comment = f"{AUTO_COMMENT}: {score:g} af {points:g}. {status}\n{reasons}"

    @staticmethod
    def _letter_outputs(graded, lib) -> list:
        if not graded.trusted:
            text = "Dine valg og dit brev kunne ikke læses: " + "; ".join(graded.problems)
            return [new_output("display_data", data={"text/plain": text})]
        letters = path_letters(graded, lib)
        if not letters:
            text = ("Sagen blev ikke gjort færdig, så der er intet afgørelsesbrev." if not graded.result.finished
                    else "Din vej gennem sagen førte ikke til et afgørelsesbrev.")
            return [new_output("display_data", data={"text/plain": text})]
        outputs = []
        for pl in letters:
            shown = pl.text if pl.text is not None else "(Brevet blev ikke afleveret.)"  # not sent
            body = f"<h3>{html.escape(pl.step.title)}</h3><pre style='white-space:pre-wrap'>{html.escape(shown)}</pre>"
            outputs.append(new_output("display_data", data={"text/html": body, "text/plain": shown}))
            if pl.sent:
                report = pl.report
                rows = "".join(
                    f"<li>{'OK' if i.passed else 'MANGLER'} ({i.severity}): {html.escape(i.label)} "
                    f"<em>{html.escape(i.reason)}</em></li>" for i in report.items
                )
                check = (f"<p><b>Foreløbig automatisk kontrol</b> (kun til eksaminator): {report.words} ord, "
                         f"LIX {report.lix}.</p><ul>{rows}</ul>")
                outputs.append(new_output("display_data", data={"text/html": check, "text/plain": check},
                                          metadata={"sagssim": EXAMINER_ONLY}))
        return outputs


class ScrubKeyMaterial(NbGraderPreprocessor):
    """Feedback must show scores and comments, never the key."""

    def preprocess_cell(self, cell, resources, index):
        if HIDDEN_TESTS.search(cell.source):
            cell.source = HIDDEN_TESTS.sub("", cell.source)
        if MARK_SCHEME.search(cell.source):
            cell.source = MARK_SCHEME.sub("", cell.source)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if o.get("metadata", {}).get("sagssim") != EXAMINER_ONLY]
        nbg = cell.metadata.get("nbgrader", {})
        if (nbg.get("comment") or "").startswith(AUTO_COMMENT):
            nbg["comment"] = None  # the rubric pre-check is for the examiner; their own comment is kept
        return cell, resources


FEEDBACK = "sagssim_feedback"


def _points(x: float | None) -> str:
    return danish.number(x or 0, trim=True)


class FeedbackSummary(NbGraderPreprocessor):
    """Everything the Danish feedback page shows, in `resources["sagssim_feedback"]`.

    Points come from the gradebook (what the examiner confirmed or set); the reasons from
    replaying the candidate's own decision log against the key. Never key material: no
    option feedback, no critical-error texts, no process-rule descriptions, no model letter,
    no mark scheme. The points per decision point and the letter check's findings say which
    choices were right, so they are shown only where the course turns `detail` on (never in an
    exam by default)."""

    key_dir = Unicode("", help="Folder with the examiner's full case files (the answer key).").tag(config=True)
    detail = Bool(False, help="Show the points per decision point and the letter check's findings. Off for an "
                              "exam: they tell the candidate which choices were right, which is the answer key. "
                              "A course assignment that teaches may turn it on.").tag(config=True)

    def preprocess(self, nb, resources):
        from simulator.model import CRITERIA, CRITERION_LABELS

        notebook_id, assignment_id, student_id, db_url = _context(resources)
        key = Path(self.key_dir) / f"{assignment_id}.yaml"
        graded = lib = None
        if key.exists():
            case, lib = load_key(str(key))
            graded = grade_folder(case, Path(resources.get("metadata", {}).get("path") or "."))
        with Gradebook(db_url) as gb:
            student = gb.find_student(student_id)
            name = " ".join(x for x in (student.first_name, student.last_name) if x) or student_id
            sub = gb.find_submission_notebook(notebook_id, assignment_id, student_id)
            grades = {g.name: (g.score, g.max_score, bool(g.needs_manual_grade)) for g in sub.grades}
            comments = {c.name: c.manual_comment for c in sub.comments}
            flagged = bool(sub.flagged)
            total = (sub.score, sub.max_score)
        criteria = []
        for crit in CRITERIA:
            entry: dict[str, Any] = {"label": CRITERION_LABELS[crit], "choices": None, "letter": None}
            choice_id, letter_id = cells.cell_id(cells.CHOICE, crit), cells.cell_id(cells.LETTER, crit)
            if choice_id in grades:
                score, max_score, _ = grades[choice_id]
                entry["choices"] = {"points": _points(score), "max": _points(max_score),
                                    "reasons": self._choice_reasons(graded, crit) if self.detail else []}
            if letter_id in grades:
                score, max_score, open_ = grades[letter_id]
                assessed = graded is None or letter_assessed(graded, lib, crit)
                entry["letter"] = {
                    "points": _points(score), "max": _points(max_score), "assessed": assessed,
                    "status": ("Ikke bedømt: brevet på din vej skulle ikke bedømmes på dette punkt, så det tæller "
                               "ikke med." if not assessed else
                               "Foreløbige point: eksaminator har ikke bekræftet dem endnu." if open_ else
                               "Bedømt af eksaminator."),
                    "comment": comments.get(letter_id) or "",
                    "items": self._letter_items(graded, lib, crit) if assessed and self.detail else [],
                }
            criteria.append(entry)
        trusted_graded = graded if graded is not None and graded.trusted else None
        trusted = trusted_graded is not None
        letters = [{"title": pl.step.title, "text": pl.text if pl.sent else "(Brevet blev ikke afleveret.)"}
                   for pl in (path_letters(trusted_graded, lib) if trusted_graded is not None else [])]
        resources[FEEDBACK] = {
            "student": name,
            "case": graded.case.title if graded else assignment_id,
            "total": {"points": _points(total[0]), "max": _points(total[1])},
            "flagged": flagged or not trusted,
            "problems": list(graded.problems) if graded else [],
            "finished": trusted_graded is not None and trusted_graded.replayed.finished,
            "criteria": criteria,
            "letters": letters,
            "detail": self.detail,
        }
        return nb, resources

    @staticmethod
    def _choice_reasons(graded, criterion: str) -> list[str]:
        if graded is None or not graded.trusted:
            return ["Dine valg kunne ikke læses, så de er ikke bedømt automatisk. En eksaminator ser på afleveringen."]
        score = graded.result.scores[criterion]
        if score.score is None:
            return ["Din vej gennem sagen kom ikke forbi et valg, der bedømmes på dette punkt."]
        chosen = {v.step: v.label for v in graded.result.path}
        out = [f"{i.label}: du valgte »{chosen.get(i.ref, '')}« ({_points(i.earned)} af {_points(i.possible)})."
               for i in score.items if i.source == "choice"]
        rules = [i for i in score.items if i.source == "rule"]
        if rules:
            out.append(f"Rækkefølgen i din sagsbehandling: {_points(sum(i.earned for i in rules))} af "
                       f"{_points(sum(i.possible for i in rules))}.")
        if not graded.result.finished:
            out.append("Du gjorde ikke sagen færdig.")
        return out

    @staticmethod
    def _letter_items(graded, lib, criterion: str) -> list[dict]:
        if graded is None or not graded.trusted:
            return []
        return [{"label": i.label, "passed": bool(i.passed and pl.sent), "reason": i.reason}
                for pl in path_letters(graded, lib) for i in pl.report.items if i.criterion == criterion]


class DanishFeedbackExporter(HTMLExporter):
    """The candidate's feedback page, from grading/templates/sagssim-feedback/ (set in the
    course's nbgrader_config.py as GenerateFeedback.exporter_class)."""

    def __init__(self, config=None, **kwargs):
        # Set before the template environment is built; this class's section outranks the
        # HTMLExporter settings nbgrader's GenerateFeedback writes for its own template.
        config = Config(config) if config is not None else Config()
        config.DanishFeedbackExporter.template_name = FEEDBACK_TEMPLATE
        config.DanishFeedbackExporter.extra_template_basedirs = [str(TEMPLATES)]
        super().__init__(config=config, **kwargs)


class ReplayExecute(NbGraderPreprocessor):
    """Stand-in for Execute: runs the grading cells in-process, nothing else."""

    def preprocess(self, nb, resources):
        folder = resources.get("metadata", {}).get("path") or "."
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            if (parsed := cells.parse(grade_id(cell))) and parsed.part == cells.CHOICE \
                    and GRADING_IMPORT in cell.source:
                cell.outputs = run_cell(cell.source, folder)
        return nb, resources


def run_cell(source: str, folder: str) -> list:
    """Execute trusted grading code like a kernel would: stdout as a stream, the value of
    the last expression as an execute_result, an exception as an error output."""
    tree = ast.parse(source)
    tail = tree.body[-1] if tree.body else None
    last = tail if isinstance(tail, ast.Expr) else None
    if last is not None:
        tree.body.pop()
    namespace: dict = {"__name__": "__main__"}
    buf = io.StringIO()
    outputs = []
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        with contextlib.redirect_stdout(buf):
            exec(compile(tree, "<grading>", "exec"), namespace)
            value = eval(compile(ast.Expression(last.value), "<grading>", "eval"), namespace) if last else None
    except Exception as exc:
        if buf.getvalue():
            outputs.append(new_output("stream", name="stdout", text=buf.getvalue()))
        outputs.append(new_output("error", ename=type(exc).__name__, evalue=str(exc), traceback=[]))
        return outputs
    finally:
        os.chdir(cwd)
    if buf.getvalue():
        outputs.append(new_output("stream", name="stdout", text=buf.getvalue()))
    if value is not None:
        outputs.append(new_output("execute_result", data={"text/plain": repr(value)}, execution_count=None))
    return outputs
