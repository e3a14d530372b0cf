# The two commands of the README contract: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint snapshot schema bench clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Citegraph needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

run: $(VENV)/.installed
	@echo "Citegraph: open http://localhost:$(PORT) in your browser (Ctrl+C stops it)"
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

# Browser tests drive Debian's Chromium (never `playwright install`): installed here when missing.
$(CHROMIUM):
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "chromium is missing and we are not root: browser tests will be skipped"; \
	fi

# The Spark job's test needs a Java 17+ runtime: Debian's, installed here when missing (else skipped).
JAVA := /usr/bin/java
$(JAVA):
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else \
		echo "java is missing and we are not root: the Spark job's test will be skipped"; \
	fi

test: $(VENV)/.installed-dev | $(CHROMIUM) $(JAVA)
	$(PY) -m ruff check citegraph tests app.py benchmarks
	$(PY) -m pytest -q

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check citegraph tests app.py benchmarks
	$(PY) -m ruff format --check citegraph tests app.py benchmarks

# Rebuild the bundled offline snapshot from the verified facts in ../shared.
snapshot: $(VENV)/.installed
	$(PY) -m citegraph import-facts

# The snapshot's JSON Schema, written out for readers of the format (a test keeps it current).
schema: $(VENV)/.installed
	$(PY) -c 'import json; from citegraph.snapshot import snapshot_schema; print(json.dumps(snapshot_schema(), indent=1))' > docs/snapshot-schema.json

# Each benchmark prints its medians; bench_scale.py (P3: similarity, Louvain, graphs + clusters +
# layout at 1k, 10k and 50k works, against the previous code and networkx) also writes its table to benchmarks/RESULTS.md.
bench: $(VENV)/.installed-dev
	@for b in benchmarks/bench_*.py; do echo "== $$b"; PYTHONPATH=. $(PY) $$b; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
