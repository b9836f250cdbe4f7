# Two commands on a fresh machine (Python 3.11, pip, git, make, Debian apt):
#   make course   set up, then open JupyterLab on the course's start page
#   make test     set up (incl. Debian's Chromium, PostgreSQL, JupyterHub's proxy), then run the whole test suite
# Everything installs into .venv from the pinned, tested set in constraints.txt.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PORT    ?= 8888
PYTEST_ARGS ?=
# JupyterLab refuses to start as root unless told to; fresh machines and containers often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)
# nbgrader runs `alembic` by name when it creates a gradebook: the venv must be on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: course test setup system-deps bench clean notebooks voila

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

course: setup
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --port=$(PORT) $(ALLOW_ROOT) course/00-start.ipynb

# Debian packages the tests need: Chromium (browser tests, PDF reports), JupyterHub's proxy
# and PostgreSQL (scale tests). Idempotent; see the script for why each is there.
system-deps:
	bash deploy/install-system-deps.sh

test: setup system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# The course notebooks are generated from the Markdown in course/src/.
notebooks: setup
	$(BIN)/python course/build_notebooks.py

# The same notebooks as a no-code app.
voila: setup
	$(BIN)/voila --port=$(PORT) $(ALLOW_ROOT) course/

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
