"""Dependencies point one way (issue 13): `grading` builds on `simulator`, never the reverse.

The player, the grader and the command line share the pure core in `simulator/`; an import of
`grading` from there would pull the examiner's side (nbgrader, the gradebook) into the trainee's
kernel and make the core depend on its own consumer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """Top-level package of every absolute import in a file, with its line (relative imports stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def test_the_walker_sees_imports_at_any_depth(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import os\ndef f():\n    from grading.course import x\n"
                 "    import grading.cli as c\nfrom . import y\n")
    assert imported_packages(f) == {("os", 1), ("grading", 3), ("grading", 4)}


@pytest.mark.parametrize("path", sorted((ROOT / "simulator").rglob("*.py")), ids=lambda p: p.name)
def test_simulator_never_imports_grading(path):
    upward = sorted(line for pkg, line in imported_packages(path) if pkg == "grading")
    assert not upward, f"{path.relative_to(ROOT)} imports grading at line(s) {upward}"


def test_grading_adds_its_commands_through_the_entry_point():
    from simulator.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"validate", "play", "check-letter"} <= set(commands)  # simulator's own
    assert {"build-course", "grade", "certify", "analyse", "double-mark", "angoff"} <= set(commands)
