# fieldbot — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Test processes (pytest-xdist): two keep both cores of the CI machine busy.
TEST_WORKERS ?= 2
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo try test lint typecheck messages messages-check pytest bench wheel-check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install fieldbot with its dev tools

demo: $(STAMP) ## set up and run the simulated working day on the sandbox (SQLite)
	$(BIN)/fieldbot demo

try: $(STAMP) ## the sandbox's phones side by side in the browser, on the sample company (127.0.0.1)
	$(BIN)/fieldbot sandbox --web $(if $(PORT),--port $(PORT))

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy on fieldbot/
	$(BIN)/mypy fieldbot/

messages: $(STAMP) ## extract texts into the zh_CN and en catalogs
	$(BIN)/python tools/messages.py update

messages-check: $(STAMP) ## fail on a text missing, stale or untranslated in a catalog
	$(BIN)/python tools/messages.py check

pytest: $(STAMP) ## the test suite with coverage
	$(BIN)/pytest -n $(TEST_WORKERS) --cov --cov-report=term:skip-covered -q

test: lint typecheck messages-check pytest ## every gate: ruff, mypy, catalogs, pytest with coverage

# the reports benchmark takes --quick from BENCH_ARGS (CI), --db and the rest from REPORTS_ARGS
REPORTS_ARGS ?= $(filter --quick,$(BENCH_ARGS))
bench: $(STAMP) ## benchmarks against their floors: /help on the sandbox, daily reports of 2,000 technicians
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench reports $(REPORTS_ARGS)

clean: ## remove the venv, caches and demo output
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage demo-output build dist *.egg-info
