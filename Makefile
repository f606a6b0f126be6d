# The README's two commands are `make dev` and `make test`; CI (.ci/run) calls `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml layers/deps/requirements.in layers/deps/requirements.txt | sha1sum | cut -c1-12)
# The CDK CLI pinned in package.json / package-lock.json (npm ci), never a global install.
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha1sum | cut -c1-12)
CDK := npx --no-install cdk
# Offline synthesis: no notices or version check fetched, no telemetry, no instance-metadata
# probe for credentials (synth needs none).
CDK_OFFLINE := CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true AWS_EC2_METADATA_DISABLED=true
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_DEFAULT_REGION ?= ap-east-1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: env cdk dev test unit integration infra e2e browser bench lint synth lock bootstrap deploy clean

env: $(STAMP)  ## create the virtual environment and install everything Python needs

# The runtime dependencies at the deps layer's locked versions (the lock's pins as
# constraints, without hashes: the editable project itself has none), so the tests run what ships.
$(STAMP): pyproject.toml layers/deps/requirements.in layers/deps/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check 'pip<26.3'
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]' \
	  -c <(grep -oE '^[A-Za-z0-9._-]+==[^ ]+' layers/deps/requirements.txt)
	@rm -f $(VENV)/.installed-* && touch $@

cdk: $(NODE_STAMP)  ## the pinned CDK CLI (node_modules, from package-lock.json)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@rm -f node_modules/.installed-* && touch $@

browser:  ## Debian's chromium for the browser tests (never `playwright install`)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

dev: env  ## the whole platform on loopback: prints Ready: http://127.0.0.1:$(PORT)
	PORT=$(PORT) $(BIN)/python -m infra.local

test: env cdk browser lint  ## every tier (after ruff and mypy)
	$(BIN)/pytest tests/unit tests/integration -n 2
	$(BIN)/pytest tests/infra
	$(BIN)/pytest tests/e2e

unit: env
	$(BIN)/pytest tests/unit

integration: env
	$(BIN)/pytest tests/integration -n 2

infra: env cdk
	$(BIN)/pytest tests/infra

e2e: env browser
	$(BIN)/pytest tests/e2e

bench: env  ## prints cold imports, API latency, start time and memory
	$(BIN)/python tests/bench/run.py

lint: env  ## ruff, mypy, and the layering contracts (import-linter, pyproject.toml)
	$(BIN)/ruff check layers functions infra tools tests app.py
	$(BIN)/mypy
	$(BIN)/lint-imports

synth: env cdk  ## CloudFormation templates into cdk.out (offline, layers bundled; tests/infra runs this)
	$(CDK_OFFLINE) $(CDK) synth --quiet --no-notices $(CDK_ARGS)

lock: env  ## after editing layers/deps/requirements.in: re-lock the deps layer (hashes)
	$(BIN)/uv pip compile layers/deps/requirements.in --quiet --generate-hashes \
	  --python-version 3.12 --python-platform x86_64-manylinux_2_28 \
	  --custom-compile-command "make lock" -o layers/deps/requirements.txt

bootstrap: synth  ## needs AWS credentials: bootstraps every account/region in cdk.out
	@cmd="$(CDK) bootstrap $$($(BIN)/python -m infra.bootstrap cdk.out)"; echo "$$cmd"; \
	  $$cmd

deploy: env cdk  ## needs AWS credentials; see README "Deploying to AWS"
	$(CDK) deploy --all $(CDK_ARGS)

clean:
	rm -rf cdk.out .pytest_cache
