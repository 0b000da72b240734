# spacectl-preflight — every target works on a fresh machine: it installs
# what it needs (Go tools, test servers) into caches outside the git tree.

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
GO           ?= go
BIN          := bin/spacectl-preflight
CACHE        ?= $(HOME)/.cache/spacectl-preflight
TOOLS_BIN    := $(CACHE)/tools/bin
STATICCHECK  := $(TOOLS_BIN)/staticcheck-v0.8.2
GORELEASER   := $(TOOLS_BIN)/goreleaser-v2.15.1
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT       ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE         ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS      := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
FUZZTIME     ?= 20s
SERVE        ?=
# make bench: -count for benchstat (e.g. BENCH_COUNT=10, then benchstat old.txt bin/bench.txt),
# the harness services the full run uses, and runs per end-to-end figure.
BENCH_COUNT     ?= 3
BENCH_TIME      ?= 500ms
BENCH_PKGS      ?= ./internal/checks/ ./internal/report/ ./internal/secret/
BENCH_SERVICES  ?= postgres,minio,mosquitto,sqs,localkms
BENCH_COLD_RUNS ?= 21
BENCH_FULL_RUNS ?= 5

.PHONY: all build test test-browser test-unit lint golden demo bench fuzz clean help docs release-snapshot

all: build

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

build: ## build bin/spacectl-preflight
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/spacectl-preflight

$(STATICCHECK):
	mkdir -p $(TOOLS_BIN)
	# A private GOBIN per install, so two makes running at once cannot
	# move each other's binary away.
	tmp=$$(mktemp -d $(TOOLS_BIN)/.install.XXXXXX) && GOBIN=$$tmp $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2 && \
	  mv $$tmp/staticcheck $(STATICCHECK) && rmdir $$tmp

lint: $(STATICCHECK) ## gofmt, go vet, staticcheck (fails on any finding)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) mod tidy -diff

test: lint ## lint + every test, against real servers the harness installs and starts
	scripts/test-services/run.sh -- $(GO) test -race -count=1 ./...

test-browser: ## serve's HTML page in headless Chromium (apt installs it); fails without it
	scripts/test-browser.sh

test-unit: ## tests that need no server (integration tests skip)
	$(GO) test -count=1 ./...

golden: ## rewrite golden files after an intended output change
	$(GO) test ./internal/report/... ./internal/config/... ./internal/cli/... -update

demo: build ## run check against a local sandbox and print the table (SERVE=1: run serve on it, print its URL)
	SERVE=$(SERVE) scripts/demo.sh

bench: build ## benchmarks + end-to-end figures against the test servers (docs/performance.md)
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -benchtime $(BENCH_TIME) $(BENCH_PKGS) | tee bin/bench.txt
	scripts/test-services/run.sh -s $(BENCH_SERVICES) -- $(GO) run ./scripts/bench -bin $(BIN) -cold-runs $(BENCH_COLD_RUNS) -full-runs $(BENCH_FULL_RUNS)

fuzz: ## run each fuzz target for $(FUZZTIME)
	@for pkg in $$($(GO) list ./internal/...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

docs: ## regenerate docs/completions, docs/man and docs/config.schema.json (commit them)
	env -u SOURCE_DATE_EPOCH $(GO) run ./cmd/spacectl-preflight-docs -out docs

$(GORELEASER):
	mkdir -p $(TOOLS_BIN)
	tmp=$$(mktemp -d $(TOOLS_BIN)/.install.XXXXXX) && GOBIN=$$tmp $(GO) install github.com/goreleaser/goreleaser/v2@v2.15.1 && \
	  mv $$tmp/goreleaser $(GORELEASER) && rmdir $$tmp

# RELEASE_TARGETS=one builds linux/amd64 only (CI: it proves the config on a
# cold cache in minutes); all builds the six platforms.
RELEASE_TARGETS ?= all
release-snapshot: $(GORELEASER) ## goreleaser check + local snapshot build into dist/ (no image, nothing published); RELEASE_TARGETS=one for linux/amd64 only
	$(GORELEASER) check
	scripts/release-snapshot.sh $(GORELEASER) $(RELEASE_TARGETS)
	scripts/verify-release.sh dist $(RELEASE_TARGETS)

clean: ## remove build output
	rm -rf bin dist build
