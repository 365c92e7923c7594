# Every target builds on the same pinned virtual environment in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: venv test book clean

venv: $(READY)

$(READY): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

test: $(READY)
	$(BIN)/python -m pytest

book: $(READY)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

clean:
	rm -rf _build
