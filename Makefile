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

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_metrics.py --sizes 1000000 10000000

clean:
	rm -rf $(VENV) demo-output
