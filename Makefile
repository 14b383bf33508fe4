# specbound: every command a developer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv manages the virtualenv and the lock file. Where it is not installed, it is installed into .tools/.
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --no-sync
# Installed packages come with their bytecode: imports at start-up do not compile them each time (even where
# PYTHONDONTWRITEBYTECODE is set, .pyc files already there are read).
export UV_COMPILE_BYTECODE := 1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run serve test test-fast fuzz lint format generate check-generated check-compat check-specs sdk sdk-tools browser handlers new-handler migrate migration rollback bench ci

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $@

install: .venv/.installed ## install the locked dependencies into .venv

run: install migrate ## install, migrate and serve on http://$(HOST):$(PORT) (SQLite under var/ unless DATABASE_URL is set)
	@$(RUN) python -m compileall -q app generated
	$(RUN) python -m app serve --host $(HOST) --port $(PORT)

test: install sdk-tools browser ## the whole suite (SQLite and PostgreSQL at TEST_DATABASE_URL, schemathesis, SDKs, browser)
	$(RUN) pytest $(args)

# Codegen, unit and in-process tests on SQLite: no PostgreSQL, no Redis, nothing served over TCP, no SDK,
# browser or fuzzing run (the markers are described in pyproject.toml), in two processes (pytest-xdist; a
# module's tests stay in one, so module fixtures are built once). `make test` runs all of it and the rest.
test-fast: install ## codegen, unit and in-process tests only, on two cores (about a minute on a quiet machine)
	$(RUN) pytest -m "not postgres and not redis and not live and not slow" -n 2 --dist loadscope $(args)

fuzz: install ## schemathesis (all checks) and the AsyncAPI fuzzer against a fresh service, or the one at URL=
	$(RUN) python -m tests.fuzz $(if $(URL),--url $(URL)) $(args)

lint: install ## ruff (lint and format check) and mypy --strict
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: install ## format and fix what ruff can fix
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

generate: install ## validate spec/ and render generated/
	$(RUN) python -m codegen generate

check-generated: install ## fail with a diff when generated/ is out of date with spec/
	$(RUN) python -m codegen check

# base=<ref> to compare with another ref than the last v* tag (or HEAD's first parent when there is none).
check-compat: install ## fail when spec/ breaks clients of the last release (base=<ref> to compare with another)
	$(RUN) python -m codegen.compat $(if $(base),--base $(base)) $(if $(repo),--repo $(repo))

check-specs: ## validate spec/asyncapi.yaml and the bundle /asyncapi.json serves with the official AsyncAPI parser (Node.js)
	@test -d tools/asyncapi/node_modules || npm ci --prefix tools/asyncapi --no-audit --no-fund --silent
	node tools/asyncapi/validate.mjs spec/asyncapi.yaml
	node tools/asyncapi/validate.mjs generated/asyncapi.json

sdk: install ## generate the REST and WebSocket clients (Python, TypeScript) into clients/ (not committed)
	@$(MAKE) --no-print-directory sdk-tools
	@test -d tools/sdk/node_modules || { echo "make sdk: the TypeScript client needs Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
	$(RUN) python -m codegen sdk

# The Node.js tools of `make sdk` (openapi-typescript, openapi-fetch, typescript), as tools/sdk/package-lock.json
# pins them. Without npm the TypeScript tests say so, and fail on CI.
sdk-tools: tools/sdk/node_modules/.installed
tools/sdk/node_modules/.installed: tools/sdk/package.json tools/sdk/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tools/sdk --no-audit --no-fund --silent && touch $@; \
	else echo "warning: npm is not installed: the TypeScript client cannot be built (apt-get install nodejs npm)" >&2; fi

# Debian's chromium, which the documentation tests drive headless (installed when missing; needs root).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	|| echo "warning: chromium could not be installed: the browser tests will be skipped (they fail on CI)" >&2

handlers: install ## every operation and pkg_id: roles, bound handler, implemented or missing
	$(RUN) python -m app handlers

new-handler: install ## scaffold missing handler methods into app/handlers/ (tag=<tag> for one tag)
	$(RUN) python -m codegen new-handler $(if $(tag),--tag $(tag))

migrate: install ## apply the database migrations
	$(RUN) python -m app migrate

migration: install migrate ## create a migration from the tables: make migration msg="what changed"
	@test -n "$(msg)" || { echo 'usage: make migration msg="what changed"' >&2; exit 2; }
	$(RUN) alembic revision --autogenerate -m "$(msg)"

rollback: install ## undo the last migration
	$(RUN) alembic downgrade -1

bench: install ## measure the service against hand-written baselines (PostgreSQL and Redis on loopback; bench/results/)
	@command -v wrk >/dev/null || apt-get install -y -q wrk || sudo apt-get install -y -q wrk
	@$(RUN) python -m compileall -q app generated
	$(UV) run --locked --group bench python -m bench $(args)

ci: lint check-generated check-compat check-specs test ## what .ci/run checks
