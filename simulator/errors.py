"""One root for the errors a user can cause (a bad file, a bad argument), with the exit code the
command line gives for it. Programming errors are not caught: they are bugs and show as such."""

from __future__ import annotations


class SagssimError(Exception):
    """An error in something the user gave: a case, rules, a worksheet, marks, a letter corpus."""

    exit_code = 2
