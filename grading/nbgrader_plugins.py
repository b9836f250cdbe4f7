"""nbgrader preprocessors Sagssim adds to the stock pipeline (configured by the course builder).

- SagssimReview runs at the end of autograde: flags submissions whose decision
  log is missing or damaged, shows the trainee's letter (and, to the examiner
  only, the rubric pre-check) in the notebook, and pre-fills provisional letter
  points that still need the examiner's confirmation.
- ScrubKeyMaterial runs in generate_feedback: removes hidden tests, mark schemes
  and examiner-only outputs, which nbgrader would otherwise show the candidate.
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

from nbformat.v4 import new_output
from traitlets import Unicode

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from .autograde import grade_folder, letter_provisional, load_key

HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
MARK_SCHEME = re.compile(r"^[ \t]*=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===[ \t]*\n?", re.S | re.M)
EXAMINER_ONLY = "examiner-only"
LETTER_VIEW_ID = "brev-visning"
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
                if gid == LETTER_VIEW_ID:
                    cell.outputs = self._letter_outputs(graded, lib)
                elif gid.startswith("brev-") and cell.metadata["nbgrader"].get("task"):
                    self._provisional(gb, gid, notebook_id, assignment_id, student_id, graded, lib, cell)
            gb.db.commit()
        return nb, resources

    def _provisional(self, gb, gid, notebook_id, assignment_id, student_id, graded, lib, cell) -> None:
        criterion = gid.removeprefix("brev-")
        points = float(cell.metadata["nbgrader"]["points"])
        score, reasons = letter_provisional(graded, lib, criterion, points)
        grade = gb.find_grade(gid, notebook_id, assignment_id, student_id)
        if grade.manual_score is None:  # never overwrite an examiner's decision
            grade.manual_score = score
            grade.needs_manual_grade = True
        comment = gb.find_comment(gid, notebook_id, assignment_id, student_id)
        comment.auto_comment = f"{AUTO_COMMENT}: {score:g} af {points:g}. Skal bekræftes.\n{reasons}"

    @staticmethod
    def _letter_outputs(graded, lib) -> list:
        from grading.letters import check_letter
        from simulator.casefile import rubric_items

        if not graded.trusted:
            text = "Dine valg og dit brev kunne ikke læses: " + "; ".join(graded.problems)
            return [new_output("display_data", data={"text/plain": text})]
        outputs = []
        for step in [s for s in graded.case.steps if getattr(s, "kind", "") == "letter"]:
            letter = graded.result.letters.get(step.id)
            shown = letter if letter is not None else "(Brevet blev ikke afleveret.)"
            body = f"<h3>{html.escape(step.title)}</h3><pre style='white-space:pre-wrap'>{html.escape(shown)}</pre>"
            outputs.append(new_output("display_data", data={"text/html": body, "text/plain": shown}))
            if letter is not None:
                report = check_letter(letter, rubric_items(step, lib))
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


class ReplayExecute(NbGraderPreprocessor):
    """Stand-in for Execute: runs the grading cells in-process, nothing else."""

    def preprocess(self, nb, resources):
        folder = resources.get("metadata", {}).get("path") or "."
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            if (grade_id(cell) or "").startswith("valg-") and GRADING_IMPORT in cell.source:
                cell.outputs = run_cell(cell.source, folder)
        return nb, resources


def run_cell(source: str, folder: str) -> list:
    """Execute trusted grading code like a kernel would: stdout as a stream, the value of
    the last expression as an execute_result, an exception as an error output."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
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
