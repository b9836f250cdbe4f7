"""The answer key: what an exam candidate must never receive, and how to remove it.

Key material is every scoring and evaluative field: credit, critical flags,
feedback, legal tags on options and steps (they hint at the right answer),
model letters, rubrics, process rules, model and error paths, and whether an
ending is good. What remains is the case as a candidate experiences it.
"""

from __future__ import annotations

import hashlib
import json

from .model import Case, ChoiceStep, LetterStep

OPTION_KEYS = {"credit": None, "critical": None, "feedback": None, "legal": (), "sources": ()}
STEP_KEYS = {"legal": (), "sources": ()}
LETTER_KEYS = {"model_letter": None, "model_note": None, "rubric": None, "expect": None, "legal": (), "sources": ()}
VARIANT_KEYS = {"model_letter": None, "model_note": None, "expect": None}
CASE_KEYS = {"rules": (), "model_path": (), "typical_error_path": ()}


def strip_keys(case: Case) -> Case:
    steps: list[ChoiceStep | LetterStep] = []
    for step in case.steps:
        if isinstance(step, ChoiceStep):
            options = tuple(o.model_copy(update=OPTION_KEYS) for o in step.options)
            steps.append(step.model_copy(update={**STEP_KEYS, "options": options}))
        elif isinstance(step, LetterStep):
            variants = tuple(v.model_copy(update=VARIANT_KEYS) for v in step.variants)
            steps.append(step.model_copy(update={**LETTER_KEYS, "variants": variants}))
    endings = tuple(e.model_copy(update={"good": None}) for e in case.endings)
    return case.model_copy(update={**CASE_KEYS, "steps": tuple(steps), "endings": endings})


def has_keys(case: Case) -> bool:
    return strip_keys(case).model_dump() != case.model_dump()


def case_version(case: Case) -> str:
    """Hash of the key-free content: the exam copy and the examiner's full case agree,
    and any change a trainee could notice (text, options, links) changes the version."""
    body = json.dumps(strip_keys(case).model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
