"""JSON Schemas exported from the pydantic models, for case authors' editors."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .model import Case, LegalRegistry, LetterRubric

SCHEMAS: dict[str, type[BaseModel]] = {
    "case.schema.json": Case,
    "registry.schema.json": LegalRegistry,
    "letter-rubric.schema.json": LetterRubric,
}


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(out: Path) -> list[Path]:
    written = []
    for name, model in SCHEMAS.items():
        path = out / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
