# Every target builds on the same pinned virtual environment in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: venv test book catalogs clean assignments grade bench bench-grading

# nbgrader (see nbgrader_config.py). SOLUTIONS is its source directory: point it at a private
# copy for real grading, e.g. `make grade SOLUTIONS=/path/to/private/solutions`.
# `make grade` options (README, "Grading"): ASSIGNMENT=ch03 / STUDENT=kim grade only those;
# JOBS hand-ins at once (default: one per core); CELL_TIMEOUT seconds per cell, SUBMISSION_LIMIT
# seconds per hand-in, MEMORY megabytes per kernel; SANDBOX=none grades without bubblewrap
# (unsafe: see the README); FORCE=1 grades everything again.
SOLUTIONS        ?= solutions
CELL_TIMEOUT     ?= 30
SUBMISSION_LIMIT ?= 300
MEMORY           ?= 2048
JOBS             ?= 0
SANDBOX          ?= bwrap
ASSIGNMENT       ?=
STUDENT          ?=
FORCE            ?=
COURSE_PY         = PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python

venv: $(READY)

$(READY): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

test: $(READY)
	$(BIN)/python -m pytest

# Both editions: English in _build/html, Korean in _build/html/ko (book/build.py). Each
# chapter links its student notebook from release/, so the assignments come first.
book: $(READY) assignments
	$(BIN)/python book/build.py

# After the English text changed (and `make book`): merge it into the Korean catalogs in
# locale/ko/LC_MESSAGES, new text untranslated, changed text fuzzy (README, "The Korean edition").
catalogs: $(READY)
	$(BIN)/python book/build.py --catalogs

# Student versions of the assignments in $(SOLUTIONS) whose source changed: release/<assignment>/.
assignments: $(READY)
	@$(COURSE_PY) -m rnnkit.grading.release --source $(abspath $(SOLUTIONS))

# Grade submitted/<student>/<assignment>/ in sandboxed kernels: autograded/, gradebook.db,
# feedback/, grades.csv. Exits non-zero when a hand-in could not be graded.
grade: assignments
	@$(COURSE_PY) -m rnnkit.grading.autograde --source $(abspath $(SOLUTIONS)) \
		--cell-timeout $(CELL_TIMEOUT) --limit $(SUBMISSION_LIMIT) --memory $(MEMORY) \
		--jobs $(JOBS) --sandbox $(SANDBOX) $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) \
		$(if $(STUDENT),--student $(STUDENT)) $(if $(FORCE),--force)

# rnnkit's RNN, LSTM and GRU against PyTorch on this CPU: prints a markdown table (a minute or
# two). Without torch in .venv the PyTorch columns stay empty; torch is never a runtime need.
bench: $(READY)
	$(BIN)/python bench/bench.py

# `make grade` beside stock `nbgrader autograde` on the same 40 hand-ins (a few minutes);
# e.g. `make bench-grading BENCH_ASSIGNMENT=ch08`.
BENCH_ASSIGNMENT ?= ch01
bench-grading: $(READY)
	$(BIN)/python bench/grading.py --assignment $(BENCH_ASSIGNMENT)

clean:
	rm -rf _build
