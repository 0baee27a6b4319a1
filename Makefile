# Two entry points for a fresh machine with Python >= 3.11 and pip: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

.PHONY: setup demo test typecheck bench clean
setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/cxroi demo --out demo-output

test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/python -m mypy

# Full analysis and exact metrics against hand-written SQL and pandas (docs/performance.md).
BENCH_SIZES ?= 1000000 10000000
BENCH_REPEAT ?= 3
BENCH_MEMORY ?= 2GB
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_metrics.py --sizes $(BENCH_SIZES) --repeat $(BENCH_REPEAT) --memory-limit $(BENCH_MEMORY)

clean:
	rm -rf $(VENV) demo-output
