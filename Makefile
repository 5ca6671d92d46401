# Careline — every target sets up its own virtual environment (.venv) first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint typecheck bench bench-channels bench-nlu bench-dashboard bench-load bench-faults fuzz clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Careline needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,embeddings]'
	@touch $(STAMP)

demo: $(STAMP)  ## serve the demo on http://127.0.0.1:8000 (SQLite, shipped flows)
	$(BIN)/careline demo

test: $(STAMP)  ## the whole suite (PostgreSQL tests run when CARELINE_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot nlu flows storage scheduler tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test  ## what CI gates on

bench: $(STAMP)  ## throughput and latency of POST /api/chat vs a floor, SQLite and PostgreSQL
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-channels: $(STAMP)  ## Telegram delivery backlog under its limits (~6 min), WeChat webhook ack latency
	$(BIN)/python -m bench.channels $(BENCH_ARGS)

bench-nlu: $(STAMP)  ## NLU accuracy (own, Banking77, waimai, GoEmotions), latency and memory
	$(BIN)/python -m bench.nlu $(BENCH_ARGS)

bench-dashboard: $(STAMP)  ## dashboard queries over 1 000 000 events vs 500 ms, SQLite and PostgreSQL (~10 min)
	$(BIN)/python -m bench.dashboard $(BENCH_ARGS)

bench-load: $(STAMP)  ## customers on both webhooks of `careline serve --workers 2` (PostgreSQL): throughput, latency, exactly-once check
	$(BIN)/python -m bench.load $(BENCH_ARGS)

bench-faults: $(STAMP)  ## the same under kill -9 of workers, dropped DB connections and 429/500/timeouts from the platforms
	$(BIN)/python -m bench.load --faults $(BENCH_ARGS)

fuzz: $(STAMP)  ## coverage-guided fuzzing (atheris), every target FUZZ_SECONDS (default 60) each
	$(BIN)/python -m bench.fuzz --seconds $(or $(FUZZ_SECONDS),60) $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache careline-demo.db* careline.db*
