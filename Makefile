# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test quick lint typecheck schemas recordings clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Python packages plus a Chromium (Playwright's own, else the system package).
setup: $(STAMP)
	bash scripts/ensure-browser.sh $(PY)

demo: setup
	$(PY) runner.py demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: setup lint typecheck
	$(PY) -m pytest

# The quick loop: skips the heaviest browser tests (CI runs everything).
quick: $(STAMP)
	$(PY) -m pytest -m 'not heavy' -x -q

# Re-record the demo site's articles with `storyline record` (review the diff of expected.json).
recordings: setup
	$(PY) scripts/record_demo.py

schemas: $(STAMP)
	$(PY) -m scrapers.schemas

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
