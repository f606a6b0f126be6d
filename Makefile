# The README's two commands are `make dev` and `make test`; CI (.ci/run) calls `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml layers/deps/requirements.txt | sha1sum | cut -c1-12)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_DEFAULT_REGION ?= ap-east-1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: env dev test unit integration infra e2e browser bench lint synth deploy clean

env: $(STAMP)  ## create the virtual environment and install everything Python needs

$(STAMP): pyproject.toml layers/deps/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check 'pip<26.3'
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

browser:  ## Debian's chromium for the browser tests (never `playwright install`)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

dev: env  ## the whole platform on loopback: prints Ready: http://127.0.0.1:$(PORT)
	PORT=$(PORT) $(BIN)/python -m infra.local

test: env browser lint  ## every tier (after ruff and mypy)
	$(BIN)/pytest tests/unit tests/integration -n 2
	$(BIN)/pytest tests/infra
	$(BIN)/pytest tests/e2e

unit: env
	$(BIN)/pytest tests/unit

integration: env
	$(BIN)/pytest tests/integration -n 2

infra: env
	$(BIN)/pytest tests/infra

e2e: env browser
	$(BIN)/pytest tests/e2e

bench: env  ## prints cold imports, API latency, start time and memory
	$(BIN)/python tests/bench/run.py

lint: env
	$(BIN)/ruff check layers functions infra tests app.py
	$(BIN)/mypy

synth: env  ## CloudFormation templates into cdk.out (offline)
	$(BIN)/python app.py

deploy: env  ## needs AWS credentials; see README "Deploying to AWS"
	npx --yes aws-cdk@2 deploy --all --app "$(BIN)/python app.py"

clean:
	rm -rf cdk.out .pytest_cache
