"""Sagssim benchmarks: `python -m benchmarks` (or `make bench`) prints every figure from one run."""
