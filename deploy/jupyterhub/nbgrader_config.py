# Global nbgrader config for every user on the hub: install as /etc/jupyter/nbgrader_config.py.
#
# Multi-course (nbgrader docs, "Using nbgrader with JupyterHub"): one exchange root shared by
# all courses, each course in its own sub-folder (path_includes_course), and the
# JupyterHub auth plugin, which lets a user see a course when they are in its
# `nbgrader-<course>` (student) or `formgrade-<course>` (grader) hub group.
# Create the exchange once, world-writable with the sticky bit:
#     install -d -m 1777 /srv/nbgrader/exchange
# Each course's own settings (course_id, gradebook, preprocessors) live in the course
# directory's nbgrader_config.py, written by `sagssim build-course DIR --exchange /srv/nbgrader/exchange`.
import os

c = get_config()  # noqa: F821

c.Exchange.root = os.environ.get("SAGSSIM_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
