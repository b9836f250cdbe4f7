"""Sagssim grading: letter rubric, nbgrader course builder and autograde helpers, reports."""
