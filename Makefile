# lk-idp — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-embedded test-services lint format bench bench-smoke bench-inprocess image clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The embedded default: SQLite, in-process store, SMS and e-mail on /dev/outbox.
run: install
	IDP_ENV=development $(VENV)/bin/lk-idp serve --host 127.0.0.1 --port 8000

# The whole suite. IDP_TEST_BACKEND=services|embedded|auto (auto: PostgreSQL and
# Redis when they answer on their standard local ports, else SQLite + in-process).
test: install
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-services: install
	IDP_TEST_BACKEND=services $(PY) -m pytest -q $(PYTEST_ARGS)

test-embedded: install
	IDP_TEST_BACKEND=embedded $(PY) -m pytest -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench.run

bench-smoke: install
	$(PY) -m bench.run --smoke
	$(PY) -m bench.inprocess --requests 50 --profile code --by-package

# Per-request CPU cost of each hot endpoint, in process, without HTTP or the peer.
bench-inprocess: install
	$(PY) -m bench.inprocess

# ops: the production image (docs/OPERATIONS.md)
image:
	docker build -t lk-idp:$$(grep '^version' setup.cfg | cut -d= -f2 | tr -d ' ') .

clean:
	rm -rf $(VENV) instance .pytest_cache
