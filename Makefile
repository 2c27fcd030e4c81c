# tvec: the two quick-start commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := examples/demo-data
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint typecheck bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## demo: set up, generate the demo data, load the demo bank and scan the demo channel
demo: $(VENV)/.installed
	$(BIN)/python examples/make_demo.py $(DEMO)
	TVEC_HOME=$(DEMO)/.tvec $(BIN)/tvec bank import demo-posters $(DEMO)/bank.csv --create
	TVEC_HOME=$(DEMO)/.tvec $(BIN)/tvec scan $(DEMO)/channel $(DEMO)/posts/posts.jsonl $(DEMO)/unrelated \
		--bank demo-posters --json $(DEMO)/scan.json

## test: set up, then lint, type-check and run the whole test suite
test: $(VENV)/.installed
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(DEMO) .tvec .pytest_cache .mypy_cache .ruff_cache
