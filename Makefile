# tvec: the two quick-start commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := examples/demo-data
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint typecheck bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The package and its Python dependencies (all `make demo` needs).
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Everything the full test suite uses: Debian packages for video (FFmpeg, to build vpdq),
# OCR (Tesseract and its language packs) and browser tests (Chromium, and axe-core through
# scripts/axe-core.sh), then the video extra.
$(VENV)/.installed-full: $(VENV)/.installed scripts/system-packages.sh scripts/axe-core.sh
	sh scripts/system-packages.sh video ocr browser pdf
	if pkg-config --exists libavcodec libavformat libavutil libswscale 2>/dev/null; then \
		$(BIN)/pip install --quiet -e '.[dev,video]'; \
	else echo "FFmpeg development packages missing: vPDQ video tests will be skipped" >&2; fi
	touch $@

## demo: set up, generate the demo data, load the demo bank, scan the demo channel, then replay
## two months of alerts and status checks against simulated platforms, print the removal metrics,
## and write the transparency report (HTML, PDF) and the platform scoreboard of those two months
# Pango for WeasyPrint (the demo ends by writing its transparency report as PDF too).
$(VENV)/.installed-pdf: $(VENV)/.installed scripts/system-packages.sh
	sh scripts/system-packages.sh pdf
	touch $@

demo: $(VENV)/.installed-pdf
	$(BIN)/python examples/make_demo.py $(DEMO)
	TVEC_HOME=$(DEMO)/.tvec $(BIN)/tvec bank import demo-posters $(DEMO)/bank.csv --create
	TVEC_HOME=$(DEMO)/.tvec $(BIN)/tvec scan $(DEMO)/channel $(DEMO)/posts/posts.jsonl $(DEMO)/unrelated \
		--bank demo-posters --json $(DEMO)/scan.json
	TVEC_HOME=$(DEMO)/.tvec $(BIN)/python examples/demo_takedowns.py $(DEMO)
	TVEC_HOME=$(DEMO)/.tvec $(BIN)/tvec stats removals
	TVEC_HOME=$(DEMO)/.tvec $(BIN)/python examples/demo_reports.py $(DEMO)

## test: set up (system packages as root), then lint, type-check and run the whole test suite
test: $(VENV)/.installed-full
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

bench: $(VENV)/.installed-full
	$(BIN)/python bench/bench_hashing.py
	$(BIN)/python bench/bench_pdq_index.py
	$(BIN)/python bench/bench_language.py
	$(BIN)/python bench/bench_analysis.py
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/bench_takedowns.py

clean:
	rm -rf $(VENV) $(DEMO) .tvec .pytest_cache .mypy_cache .ruff_cache
