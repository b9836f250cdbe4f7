# The gradebook part of a course's nbgrader_config.py when several graders share it.
# `sagssim build-course DIR --db-url postgresql+psycopg2://…` writes exactly this line;
# to move an existing course, edit it by hand (and see docs/scale.md, "Moving a gradebook").
#
# Driver: psycopg2 (pip psycopg2-binary==2.9.13), tested with SQLAlchemy 2.1 and PostgreSQL 15.
# The password can live in ~/.pgpass (mode 0600) of each grader instead of the URL:
#     db.example.org:5432:sagssim_gradebook:sagssim:change-me
c = get_config()  # noqa: F821

c.CourseDirectory.db_url = "postgresql+psycopg2://sagssim@db.example.org:5432/sagssim_gradebook"
