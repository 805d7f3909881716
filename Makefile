# banktui: the two commands a fresh clone needs are `make run` and `make test`.
GO      ?= go
BIN     ?= bin/banktui
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build run test test-live bench lint cover clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

# The TUI; the built-in demo bank when no client is configured.
run:
	$(GO) run -ldflags "$(LDFLAGS)" .

# Everything CI checks: formatting, vet, and every test (end-to-end included) with the race detector.
test: lint
	$(GO) test -race -timeout 30m ./...

# Integration tests against the real TrueLayer sandbox (needs TRUELAYER_ACCESS_TOKEN or
# sandbox client credentials and a refresh token; see README).
test-live:
	BANKTUI_LIVE=1 $(GO) test -race -count=1 -run 'Live' -v ./truelayer/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out | tail -1

clean:
	rm -rf bin cover.out
