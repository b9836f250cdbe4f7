"""Grade-cell ids: the one place that writes and reads them.

Every Sagssim notebook has, per criterion, a choice cell `valg-<criterion>` (autograded from the
decision log) and a letter cell `brev-<criterion>` (a manual task with provisional points), plus
one ungraded `brev-visning` that shows the examiner the letter. The gradebook, the export, the
feedback page and double marking all name cells through these functions.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from simulator.model import CRITERIA

Part = Literal["valg", "brev"]
CHOICE: Part = "valg"
LETTER: Part = "brev"
LETTER_VIEW_ID = "brev-visning"


class GradeCell(NamedTuple):
    part: Part
    criterion: str

    @property
    def id(self) -> str:
        return f"{self.part}-{self.criterion}"


def cell_id(part: Part, criterion: str) -> str:
    return GradeCell(part, criterion).id


def parse(grade_id: str | None) -> GradeCell | None:
    """`valg-partshoering` -> GradeCell("valg", "partshoering"); None for any other cell."""
    part, _, criterion = (grade_id or "").partition("-")
    if part in (CHOICE, LETTER) and criterion in CRITERIA:
        return GradeCell(part, criterion)
    return None
