# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SEED ?= 20261127

.PHONY: setup sysdeps demo test lint format messages clean-demo serve

setup: sysdeps $(VENV)/.installed node_modules/.installed messages

# Debian packages: Chromium for end-to-end tests and screenshots, a CJK font for PDFs,
# LibreOffice Writer to convert the Word forms to PDF in tests, gettext for the English
# translation catalogue, Redis for the tests of the RQ task backend.
sysdeps:
	@if ! command -v chromium >/dev/null || ! command -v msgfmt >/dev/null \
	    || ! command -v redis-server >/dev/null || ! command -v soffice >/dev/null \
	    || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "Installing Debian packages (chromium, fonts-noto-cjk, libreoffice-writer, gettext, redis-server)…"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    chromium fonts-noto-cjk libreoffice-writer gettext redis-server >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

messages: $(VENV)/.installed
	@$(BIN)/lianfang compilemessages --ignore=.venv --ignore=node_modules -v0

demo: setup
	$(BIN)/lianfang migrate -v0
	$(BIN)/lianfang demo --seed $(DEMO_SEED) --if-empty
	@echo "Lianfang is serving on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(BIN)/lianfang runserver $(HOST):$(PORT) --noreload

test: setup
	$(BIN)/ruff check src tests e2e bench
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/lianfang makemigrations --check --dry-run -v0
	$(BIN)/pytest -n auto

lint:
	$(BIN)/ruff check src tests e2e bench
	$(BIN)/ruff format --check src tests e2e bench

format:
	$(BIN)/ruff format src tests e2e bench
	$(BIN)/ruff check --fix src tests e2e bench

clean-demo:
	rm -f var/lianfang.sqlite3 var/lianfang.sqlite3-wal var/lianfang.sqlite3-shm
