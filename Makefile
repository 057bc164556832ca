# rfmkit developer commands. Two that matter on a fresh machine:
#   make demo   install everything and run the whole pipeline on generated demo data
#   make test   install everything and run lint, type checks and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck pytest bench-env bench-smoke system-deps clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/rfmkit demo rfmkit-demo

system-deps:
	bash scripts/system-deps.sh

lint: install
	$(BIN)/ruff check rfmkit tests bench
	$(BIN)/ruff format --check rfmkit tests bench

typecheck: install
	$(BIN)/mypy

pytest: install system-deps
	$(BIN)/pytest -n 2 --dist loadgroup

test: lint typecheck pytest

# lifetimes (unmaintained, numpy<2) lives only in its own venv, for the model benchmark
.bench-venv/.installed:
	$(PYTHON) -m venv .bench-venv
	.bench-venv/bin/python -m pip install -q lifetimes==0.11.3 "numpy<2" "pandas<2.2" "scipy<1.12"
	touch $@

bench-env: .bench-venv/.installed

bench-smoke: install bench-env
	$(BIN)/python bench/bench_score.py --smoke
	$(BIN)/python bench/bench_load.py --smoke
	$(BIN)/python bench/bench_models.py --smoke
	$(BIN)/python bench/bench_store.py --smoke
	$(BIN)/python bench/bench_xlsx.py --smoke
	$(BIN)/python bench/bench_report.py --smoke
	$(BIN)/python bench/bench_spark.py --smoke
	$(BIN)/python bench/bench_backfill.py --smoke
	$(BIN)/python bench/bench_refresh.py --smoke
	$(BIN)/python bench/bench_web.py --smoke

clean:
	rm -rf $(VENV) .bench-venv rfmkit-demo .pytest_cache .mypy_cache .ruff_cache
