# Two commands on a fresh machine (Python 3.11, pip, git, make, Debian apt):
#   make course   set up, then open JupyterLab on the course's start page
#   make test     set up (incl. Debian's Chromium, PostgreSQL, JupyterHub's proxy), then lint and run the whole test suite
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

.PHONY: course test lint setup system-deps bench clean notebooks voila exam

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	$(BIN)/python -m simulator.jupyter_install
	touch $(STAMP)

setup: $(STAMP)

# The trainee's own copy of the course (git-ignored). JupyterLab and Voilà serve it, so use never
# changes the tracked course/*.ipynb; each start brings in notebooks that changed in course/ and
# keeps the decision logs. Instructor notebooks (9*) stay in course/ only.
KURSUS ?= mit-kursus
# Self-study has no use for nbgrader's menus and buttons: this config folder hides its lab extension.
COURSE_CONFIG_PATH := $(CURDIR)/jupyter-config/course$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))

course: setup
	$(BIN)/python -m simulator.jupyter_install
	$(BIN)/python -m simulator.course_files "$(KURSUS)"
	JUPYTER_CONFIG_PATH="$(COURSE_CONFIG_PATH)" $(BIN)/jupyter lab --ServerApp.root_dir="$(abspath $(KURSUS))" --LabApp.default_url=/lab/tree/00-start.ipynb --port=$(PORT) $(ALLOW_ROOT)

# Debian packages the tests need: Chromium (browser tests, PDF reports), JupyterHub's proxy
# and PostgreSQL (scale tests). Idempotent; see the script for why each is there.
system-deps:
	bash deploy/install-system-deps.sh

# Style and static types: ruff over the code and tests, mypy over the packages (settings in pyproject.toml).
LINT_PATHS := simulator grading tests benchmarks course/build_notebooks.py deploy

lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy

test: setup system-deps lint
	$(BIN)/pytest $(PYTEST_ARGS)

# The course notebooks are generated from the Markdown in course/src/.
notebooks: setup
	$(BIN)/python course/build_notebooks.py

# The same notebooks as a no-code app (the same working copy: no instructor notebooks in its list).
voila: setup
	$(BIN)/python -m simulator.course_files "$(KURSUS)"
	$(BIN)/voila --port=$(PORT) $(ALLOW_ROOT) --Voila.config_file_paths="$(CURDIR)/deploy/voila" "$(KURSUS)"

# Formgrader on an exam course built with `sagssim build-course DIR` (docs/exam-guide.md):
# JupyterLab started in the course folder, so formgrader finds its nbgrader_config.py.
exam: setup
	@test -n "$(DIR)" || { echo "usage: make exam DIR=<course folder from sagssim build-course>" >&2; exit 2; }
	@test -f "$(DIR)/nbgrader_config.py" || { echo "$(DIR) has no nbgrader_config.py: run sagssim build-course $(DIR) first" >&2; exit 2; }
	cd "$(DIR)" && "$(CURDIR)/$(BIN)/jupyter" lab --ServerApp.root_dir="$(abspath $(DIR))" --LabApp.default_url=/formgrader --port=$(PORT) $(ALLOW_ROOT)

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts .mypy_cache .ruff_cache
