# Everything a fresh clone needs: `make demo` runs Keel on the embedded default, `make test`
# runs the whole suite. Both create the virtual environment on first use.
VENV ?= .venv
BIN := $(VENV)/bin
# Test processes: one per core of the 2-core machines Keel is built and checked on.
TEST_WORKERS ?= 2
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install demo test lint bench

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(BIN)/keel demo

test: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/orders.py
	$(BIN)/python bench/receipts.py
	$(BIN)/python bench/forecast.py
	$(BIN)/python bench/forecast_real.py
	$(BIN)/python bench/plan_constraints.py
	$(BIN)/python bench/replenishment.py
	$(BIN)/python bench/replenishment_sim.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/anomaly_scoring.py
	$(BIN)/python bench/kpis.py
