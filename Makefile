# Two commands matter: `make run` serves the API, `make test` runs the tests.
# Each creates the virtual environment on first use. durable-rules builds from source: a C compiler is needed.
# The first interpreter that durable-rules supports (3.11 or 3.12); override with `make PYTHON=...`.
PYTHON ?= $(shell for p in python3.11 python3.12 python3; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 13))' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
# PLADVISOR_HOST and PLADVISOR_PORT are honoured too, as by `pladvisor serve` itself.
HOST ?= $(or $(PLADVISOR_HOST),127.0.0.1)
PORT ?= $(or $(PLADVISOR_PORT),8000)

.PHONY: run test lint docs bench system-packages bench-packages soak openapi judge sentences clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "pladvisor needs Python 3.11 or 3.12 (durable-rules does not build on 3.13)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server,test]'
	touch $@ $(VENV)/.installed

# Stored assessments go to an SQLite file (pladvisor.db here) unless PLADVISOR_DATABASE_URL says otherwise; its
# schema is brought up to date first. Embed links are signed with the secret in .embed-secret, made on the first
# run and kept, so links outlive a restart (PLADVISOR_EMBED_SECRET or _FILE, when set, take its place).
EMBED_SECRET_FILE := .embed-secret

$(EMBED_SECRET_FILE):
	@umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))' > $@.tmp && mv $@.tmp $@

run: $(VENV)/.installed $(EMBED_SECRET_FILE)
	PLADVISOR_EMBED_SECRET_FILE=$${PLADVISOR_EMBED_SECRET_FILE:-$(EMBED_SECRET_FILE)} \
		$(BIN)/pladvisor serve --upgrade-database --host $(HOST) --port $(PORT)

# Debian packages some tests use: chromium (pages as a browser shows them), redis-server (a rate limit shared
# by server processes), postgresql (the storage tests start their own server on it). Installed here, as root,
# once; the tests never install anything.
SYSTEM_PACKAGES := chromium:/usr/bin/chromium redis-server:/usr/bin/redis-server postgresql:/usr/bin/pg_ctlcluster

# $(call apt-install,PACKAGE:PATH ...,what goes without them): installs the Debian packages whose PATH is missing,
# with apt-get as root, once; without root or apt-get it says what goes without them, and the target still succeeds.
define apt-install
	@missing=""; for entry in $(1); do \
		test -x "$${entry#*:}" || missing="$$missing $${entry%%:*}"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing$$missing with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get install -y -q $$missing >/dev/null 2>&1 || \
		  { apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null; }; } || \
		echo "apt-get could not install$$missing: $(2)"; \
	else echo "not installed:$$missing (installing needs root and apt-get): $(2)"; fi
endef

system-packages:
	$(call apt-install,$(SYSTEM_PACKAGES),the tests that need them are skipped)

# Spectral lints the OpenAPI document (spectral:oas ruleset) in the test suite; it comes from the npm registry.
SPECTRAL := .tools/node_modules/.bin/spectral

$(SPECTRAL):
	@if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix .tools @stoplight/spectral-cli@6 || \
		echo "npm could not install Spectral: the contract lint test is skipped"; \
	else echo "npm is not installed: the contract lint test is skipped"; fi

# The gates `make test` runs before the tests: ruff's lint and format check, and mypy (pydantic plugin).
CHECKED := src tests bench examples

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)
	$(BIN)/mypy $(CHECKED)

# The documentation site (mkdocs.yml), built into site/ in strict mode: a broken link or anchor, or a page left out
# of the nav, fails the build. The API reference in it is written from openapi/openapi.json (docs/hooks/).
$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

# Material for MkDocs prints a notice of its own end of life on every build; NO_MKDOCS_2_WARNING keeps it quiet.
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

test: lint docs system-packages $(SPECTRAL)
	$(BIN)/python -m pytest

# wrk, from Debian, drives the HTTP figures of `make bench`: a native load generator that needs a few percent of a
# core, so the server, not the client, sets the rate. Installed here, as root, once; bench/run.py never installs it.
BENCH_PACKAGES := wrk:/usr/bin/wrk

bench-packages:
	$(call apt-install,$(BENCH_PACKAGES),the single-request HTTP figures are not measured)

# The peer table of `make bench` (bench/peers.py) measures two other rule engines on the same catalog, for the record:
# zen-engine from PyPI (the bench extra), and json-rules-engine in node, from the npm registry at the version
# bench/peers/package-lock.json pins. Without node or npm, its row says it was not measured.
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server,test,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

PEERS_NODE := bench/peers/node_modules/.package-lock.json

$(PEERS_NODE): bench/peers/package-lock.json
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		npm ci --silent --no-audit --no-fund --prefix bench/peers || \
		echo "npm could not install json-rules-engine: the peer table does not measure it"; \
	else echo "node or npm is not installed: the peer table does not measure json-rules-engine"; fi

bench: $(VENV)/.installed-bench bench-packages $(PEERS_NODE)
	$(BIN)/python bench/run.py

soak: $(VENV)/.installed-test
	$(BIN)/python bench/soak.py

judge: $(VENV)/.installed
	$(BIN)/python -m pladvisor.cli.auditing examples/district.csv examples/profile.json examples/profiles/*.json

# Every sentence the catalog can say, for proofreading; a test fails while docs/sentences.md is stale.
sentences: $(VENV)/.installed
	@mkdir -p docs
	$(BIN)/python -m pladvisor.advice.sentences > docs/sentences.md.tmp && mv docs/sentences.md.tmp docs/sentences.md

openapi: $(VENV)/.installed
	$(BIN)/litestar --app pladvisor.api.app:create_app schema openapi --output openapi/openapi.json

clean:
	rm -rf $(VENV) site
