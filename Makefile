# Two entry points (see README): `make demo` and `make test`. Both set everything up first.
PY := .venv/bin/python

.PHONY: install demo test test-fast data

install:
	bash tools/install.sh

data: install
	$(PY) tools/make_synthetic_dataset.py --out data/synthetic

demo: install
	$(PY) tools/run_demo.py

test: install
	$(PY) -m pytest tests -q -ra

test-fast: install
	$(PY) -m pytest tests -q -ra -m "not slow"
