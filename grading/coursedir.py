"""One owner for a course folder (issue 13): `CourseFolder.open(root)`.

It reads the folder's nbgrader_config.py once, as nbgrader does (traitlets' PyFileConfigLoader,
which gives the file its `__file__`, so the `here` the generated config computes is this folder),
knows the course id and the gradebook, and builds every nbgrader path through nbgrader's own
`CourseDirectory.format_path`: a renamed step folder or another `directory_structure` in the
config is followed, not second-guessed. Keys are found in the config's key folder
(`SagssimReview.key_dir`, the one nbgrader's Sagssim preprocessors grade with), which the generated
config derives from where the file lies: a moved or copied course reaches only its own keys.

A folder without nbgrader_config.py (a bare gradebook, as some tests and a half-built course
have) is read with nbgrader's defaults: `<root>/gradebook.db`, `source/`, `release/`, ...,
`keys/`, and the course id Sagssim has always written, `DEFAULT_COURSE_ID`.

Opening is cheap and does not import nbgrader (a grading cell finds its key in the candidate's
kernel); `coursedir`, and with it the course id, gradebook and step paths, imports it when first used.
"""

from __future__ import annotations

import copy
import os
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

DEFAULT_COURSE_ID = "sagssim"
CONFIG_FILE = "nbgrader_config.py"
KEY_DIR = "keys"
STEPS = ("source", "release", "submitted", "autograded", "feedback")
ANY = "*"  # nbgrader's glob for "every student" or "every assignment"
NO_STUDENT = "."  # what nbgrader passes as the student of source and release


class CourseFolder:
    """A course folder and its nbgrader configuration, read once."""

    def __init__(self, root: Path, config: Config, course_id: str | None = None, has_config: bool = True):
        self.root = Path(root)
        self._config = config
        self._course_id = course_id
        self.has_config = has_config

    @classmethod
    def open(cls, where: CourseRef, course_id: str | None = None) -> CourseFolder:
        """The course folder at `where` (a path, or a CourseFolder already open: returned as it is,
        so code handed one never reads the config again). `course_id`, when given, overrides the
        config's (the examiner commands' `--course-id`)."""
        if isinstance(where, CourseFolder):
            if course_id is None or course_id == where._course_id:
                return where
            return cls(where.root, where._config, course_id, where.has_config)
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        root = Path(where).resolve()
        if not (root / CONFIG_FILE).exists():
            return cls(root, Config(), course_id, has_config=False)
        return cls(root, PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config(), course_id)

    def __repr__(self) -> str:
        return f"CourseFolder({str(self.root)!r})"

    @property
    def config(self) -> Config:
        """A copy of the folder's nbgrader configuration, for an nbgrader app to run with (and change)."""
        return copy.deepcopy(self._config)

    @cached_property
    def coursedir(self) -> CourseDirectory:
        """nbgrader's own view of the folder. Its root is the folder opened: the generated config says
        the same, and a config copied from elsewhere must not send paths back there."""
        from nbgrader.coursedir import CourseDirectory

        given = {"course_id": self._course_id} if self._course_id is not None else {}
        return CourseDirectory(config=self._config, root=str(self.root), **given)

    @property
    def course_id(self) -> str:
        return self.coursedir.course_id or DEFAULT_COURSE_ID

    @property
    def db_url(self) -> str:
        """The gradebook: the config's db_url (SQLite or PostgreSQL), or nbgrader's default file in the folder."""
        return str(self.coursedir.db_url)

    @property
    def key_dir(self) -> Path:
        """Where the examiner's full cases (the answer key) lie: the folder the config gives nbgrader's
        Sagssim review, else keys/ in the folder."""
        given = self._config["SagssimReview"].get("key_dir") if "SagssimReview" in self._config else None
        return self.root / str(given) if given else self.root / KEY_DIR

    def key(self, case_id: str) -> Path:
        return self.key_dir / f"{case_id}.yaml"

    def path(self, step: str, student: str, case_id: str) -> Path:
        """One nbgrader step folder (`source`, `release`, `submitted`, `autograded`, `feedback`), as
        nbgrader names it through `format_path` and the config's step folder names."""
        if step not in STEPS:
            raise ValueError(f"unknown nbgrader step {step!r}; one of {', '.join(STEPS)}")
        cd = self.coursedir
        return Path(cd.format_path(getattr(cd, f"{step}_directory"), student, case_id))

    def source(self, case_id: str) -> Path:
        return self.path("source", NO_STUDENT, case_id)

    def release(self, case_id: str) -> Path:
        return self.path("release", NO_STUDENT, case_id)

    def submitted(self, student: str, case_id: str) -> Path:
        return self.path("submitted", student, case_id)

    def autograded(self, student: str, case_id: str) -> Path:
        return self.path("autograded", student, case_id)

    def feedback(self, student: str, case_id: str) -> Path:
        return self.path("feedback", student, case_id)

    def submissions(self) -> list[tuple[str, str]]:
        """(student, case) of every submission folder, sorted: found as nbgrader finds them, by
        globbing the step's format_path and reading the ids back with its escaped twin."""
        cd = self.coursedir
        step = cd.submitted_directory
        part = f"[^{re.escape(os.sep)}]+"
        pattern = re.compile(cd.format_path(step, f"(?P<student_id>{part})", f"(?P<assignment_id>{part})",
                                            escape=True) + "$")
        found = []
        for folder in Path(self.root).glob(os.path.relpath(cd.format_path(step, ANY, ANY), self.root)):
            m = pattern.match(str(folder))
            if m and folder.is_dir():
                found.append((m["student_id"], m["assignment_id"]))
        return sorted(found)


CourseRef = str | os.PathLike[str] | CourseFolder


def course_root(where: CourseRef) -> Path:
    """The folder itself, without reading its config (for Sagssim's own files in it)."""
    return where.root if isinstance(where, CourseFolder) else Path(where).resolve()
