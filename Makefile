# lk-idp — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-embedded test-services browser-deps messages lint format bench bench-smoke bench-inprocess image clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Message catalogues are compiled here, never committed as binaries (translations/*.po are the source).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel --quiet compile -i $< -o $@

install: $(STAMP) $(CATALOGUES)

# After changing a text in a template or idp/web/messages.py: refresh the catalogues, then
# translate each new empty msgstr (tests/test_translations.py fails while one is left).
messages: install
	$(VENV)/bin/pybabel --quiet extract -F babel.cfg -k N_ --no-location --sort-output --project lk-idp \
	  -o translations/messages.pot .
	$(VENV)/bin/pybabel --quiet update -i translations/messages.pot -d translations \
	  --no-fuzzy-matching --ignore-obsolete -w 100

# The browser tests need Debian's chromium (installed from the archive when it is missing and
# this runs as root with apt) and axe-core from npm (package-lock.json pins it). Without them
# those tests are skipped with one line that names the command.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 \
	  || { echo "installing Debian's chromium for the browser tests"; apt-get update -qq \
	       && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || true
	@if command -v npm >/dev/null 2>&1 && [ ! node_modules/.package-lock.json -nt package-lock.json ]; then \
	  npm ci --no-audit --no-fund --silent || true; fi

# The embedded default: SQLite, in-process store, SMS and e-mail on /dev/outbox.
run: install
	IDP_ENV=development $(VENV)/bin/lk-idp serve --host 127.0.0.1 --port 8000

# The whole suite. IDP_TEST_BACKEND=services|embedded|auto (auto: PostgreSQL and
# Redis when they answer on their standard local ports, else SQLite + in-process).
test: install browser-deps
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-services: install browser-deps
	IDP_TEST_BACKEND=services $(PY) -m pytest -q $(PYTEST_ARGS)

test-embedded: install browser-deps
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
	$(PY) -m bench.duel . . --scenarios userinfo --seconds 1 --rounds 1

# Per-request CPU cost of each hot endpoint, in process, without HTTP or the peer.
bench-inprocess: install
	$(PY) -m bench.inprocess

# ops: the production image (docs/OPERATIONS.md)
image:
	docker build -t lk-idp:$$(grep '^version' setup.cfg | cut -d= -f2 | tr -d ' ') .

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules tests/artifacts translations/*/LC_MESSAGES/*.mo
