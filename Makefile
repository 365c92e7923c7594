# Every target builds on the same pinned virtual environment in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: venv test book clean assignments grade bench

# nbgrader (see nbgrader_config.py). SOLUTIONS is its source directory: point it at a private
# copy for real grading, e.g. `make grade SOLUTIONS=/path/to/private/solutions`.
SOLUTIONS        ?= solutions
CELL_TIMEOUT     ?= 30
SUBMISSION_LIMIT ?= 300
NBGRADER          = PATH="$(abspath $(BIN)):$$PATH" $(BIN)/nbgrader
SOURCE_DIR        = --CourseDirectory.source_directory=$(abspath $(SOLUTIONS))
ASSIGNMENTS       = $(patsubst $(abspath $(SOLUTIONS))/%/,%,$(wildcard $(abspath $(SOLUTIONS))/*/))

venv: $(READY)

$(READY): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

test: $(READY)
	$(BIN)/python -m pytest

# Each chapter links its student notebook from release/, so the assignments come first.
book: $(READY) assignments
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

# Student versions of every assignment in $(SOLUTIONS): release/<assignment>/.
assignments: $(READY)
	@set -e; for a in $(ASSIGNMENTS); do $(NBGRADER) generate_assignment $$a --force $(SOURCE_DIR); done

# Autograde submitted/<student>/<assignment>/ into autograded/, then grades.csv and feedback/.
grade: assignments
	$(BIN)/python scripts/autograde.py --source $(abspath $(SOLUTIONS)) \
		--cell-timeout $(CELL_TIMEOUT) --limit $(SUBMISSION_LIMIT)
	$(NBGRADER) export --to grades.csv
	@if ls autograded/*/*/*.ipynb >/dev/null 2>&1; then \
		$(NBGRADER) generate_feedback --assignment='*' --force $(SOURCE_DIR); \
	else echo "No autograded notebooks: no feedback to generate."; fi

# rnnkit's RNN, LSTM and GRU against PyTorch on this CPU: prints a markdown table (a minute or
# two). Without torch in .venv the PyTorch columns stay empty; torch is never a runtime need.
bench: $(READY)
	$(BIN)/python bench/bench.py

clean:
	rm -rf _build
