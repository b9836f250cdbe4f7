"""One owner for a course folder (issue 13, point 3): grading/coursedir.py reads nbgrader_config.py
once, knows the course id and gradebook, finds keys relative to the course, and names every nbgrader
path as nbgrader itself does (`CourseDirectory.format_path`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from grading.coursedir import DEFAULT_COURSE_ID, STEPS, CourseFolder
from grading.synthetic import minimal_cases

COURSE_ID = "kursus-2026"


def build(tmp_path: Path, name: str = "kursus", course_id: str = COURSE_ID, students: bool = False) -> Path:
    from grading.course import build_course

    root = tmp_path / name
    csv = tmp_path / "students.csv"
    csv.write_text("id,first_name,last_name\nkursist,Kim,Hansen\n", encoding="utf-8")
    build_course(root, ["minimal"], csv if students else None, course_id=course_id,
                 cases_dir=minimal_cases(tmp_path / "cases"))
    return root


def nbgraders_view(root: Path) -> CourseDirectory:
    """The course directory as an nbgrader app run in the folder sees it."""
    config = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
    return CourseDirectory(config=config)


def test_the_folder_knows_its_course_id_gradebook_and_keys(tmp_path):
    root = build(tmp_path)
    course = CourseFolder.open(root)
    assert course.has_config and course.root == root.resolve()
    assert course.course_id == COURSE_ID != DEFAULT_COURSE_ID
    assert course.db_url == f"sqlite:///{root.resolve() / 'gradebook.db'}"
    assert course.key_dir == root.resolve() / "keys"
    assert course.key("minimal") == root.resolve() / "keys" / "minimal.yaml" and course.key("minimal").exists()
    assert course.source("minimal").joinpath("minimal.ipynb").exists()  # build-course wrote it there


def test_paths_are_nbgraders_own(tmp_path):
    root = build(tmp_path)
    theirs = nbgraders_view(root)
    course = CourseFolder.open(root)
    for step in STEPS:
        for student in (".", "kursist"):
            want = Path(theirs.format_path(getattr(theirs, f"{step}_directory"), student, "minimal"))
            assert course.path(step, student, "minimal") == want, step
    assert course.autograded("kursist", "minimal") == root.resolve() / "autograded" / "kursist" / "minimal"
    assert course.release("minimal") == root.resolve() / "release" / "minimal"
    assert course.course_id == theirs.course_id and course.db_url == theirs.db_url


def test_a_changed_layout_in_the_config_is_followed(tmp_path):
    root = build(tmp_path)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write('c.CourseDirectory.autograded_directory = "bedoemt"\n'
                 'c.CourseDirectory.directory_structure = os.path.join("{student_id}", "{nbgrader_step}", '
                 '"{assignment_id}")\n')
    theirs, course = nbgraders_view(root), CourseFolder.open(root)
    assert course.autograded("kursist", "minimal") == root.resolve() / "kursist" / "bedoemt" / "minimal"
    assert str(course.autograded("kursist", "minimal")) == theirs.format_path("bedoemt", "kursist", "minimal")
    (course.submitted("kursist", "minimal")).mkdir(parents=True)
    (course.submitted("anden", "minimal")).mkdir(parents=True)
    assert course.submissions() == [("anden", "minimal"), ("kursist", "minimal")]


def test_a_moved_folder_points_inside_itself(tmp_path):
    built = build(tmp_path)
    moved = tmp_path / "flyttet"
    shutil.move(str(built), str(moved))
    course = CourseFolder.open(moved)
    inside = [course.key_dir, course.key("minimal"), *(course.path(s, "kursist", "minimal") for s in STEPS)]
    assert all(p.is_relative_to(moved.resolve()) for p in inside), inside
    assert course.db_url == f"sqlite:///{moved.resolve() / 'gradebook.db'}"
    assert course.key("minimal").exists() and course.course_id == COURSE_ID


def test_submissions_are_found_as_nbgrader_finds_them(tmp_path):
    root = build(tmp_path)
    course = CourseFolder.open(root)
    for student, case in [("t2", "minimal"), ("t1", "minimal"), ("t1", "andet")]:
        course.submitted(student, case).mkdir(parents=True)
    (root / "submitted" / "t1" / "ikke-en-mappe.txt").write_text("")
    assert course.submissions() == [("t1", "andet"), ("t1", "minimal"), ("t2", "minimal")]

    from grading.cohort import submissions

    assert list(submissions(root, ["minimal"])) == [("minimal", "t1"), ("minimal", "t2")]
    assert list(submissions(root, students=["t1"])) == [("andet", "t1"), ("minimal", "t1")]


def test_a_folder_without_config_has_nbgraders_defaults(tmp_path):
    """A bare gradebook folder (the double-marking tests use one) reads as nbgrader's default layout
    with Sagssim's default course id; grading it is refused with a message, not a traceback."""
    from grading.cohort import grade_cohort
    from grading.course import CourseError

    course = CourseFolder.open(tmp_path)
    assert not course.has_config
    assert course.course_id == DEFAULT_COURSE_ID
    assert course.db_url == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    assert course.key("minimal") == tmp_path.resolve() / "keys" / "minimal.yaml"
    assert course.autograded("k", "minimal") == tmp_path.resolve() / "autograded" / "k" / "minimal"
    assert course.submissions() == []
    with pytest.raises(CourseError, match="no nbgrader_config.py"):
        grade_cohort(tmp_path, progress=False)


def test_a_given_course_id_overrides_and_an_open_folder_is_not_read_again(tmp_path):
    root = build(tmp_path)
    course = CourseFolder.open(root)
    assert CourseFolder.open(course) is course
    other = CourseFolder.open(course, "andet-hold")
    assert other.course_id == "andet-hold" and course.course_id == COURSE_ID
    assert other.autograded("k", "minimal") == course.autograded("k", "minimal")


def test_commands_use_the_folders_course_id(tmp_path):
    """`sagssim export` without --course-id reads the course the folder names; before, it opened
    the gradebook as course 'sagssim' (and nbgrader quietly added that course)."""
    from nbgrader.api import Course, Gradebook

    from simulator.cli import main

    root = build(tmp_path, students=True)
    assert main(["export", str(root), "--out", str(tmp_path / "ud.csv")]) == 0
    with Gradebook(CourseFolder.open(root).db_url, COURSE_ID) as gb:
        assert [c.id for c in gb.db.query(Course).all()] == [COURSE_ID]
        assert [s.id for s in gb.students] == ["kursist"]
    assert main(["export", str(root), "--out", str(tmp_path / "ud2.csv"), "--course-id", "andet"]) == 0
    with Gradebook(CourseFolder.open(root).db_url, COURSE_ID) as gb:
        assert sorted(c.id for c in gb.db.query(Course).all()) == sorted([COURSE_ID, "andet"])


def test_a_key_or_config_handed_in_with_a_submission_is_never_read(tmp_path):
    """The grading cell finds its key by walking up from the submission folder. That folder holds what
    the candidate handed in: a config there would run, a key there would grade the candidate by their
    own answers. The walk starts above it."""
    from grading.autograde import course_key

    root = build(tmp_path)
    course = CourseFolder.open(root)
    submission = course.autograded("kursist", "minimal")
    (submission / "keys").mkdir(parents=True)
    shutil.copy2(course.key("minimal"), submission / "keys" / "minimal.yaml")
    marker = tmp_path / "ran"
    (submission / "nbgrader_config.py").write_text(f"open({str(marker)!r}, 'w').close()\n"
                                                   "c = get_config()  # noqa: F821\n"
                                                   'c.SagssimReview.key_dir = "keys"\n')
    assert course_key("minimal", submission) == course.key("minimal")
    assert not marker.exists()
