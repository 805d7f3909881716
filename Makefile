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

# Every fuzz target of outside input, each for FUZZTIME (a minute); `make test` runs their seed
# corpora (testdata/fuzz/ and f.Add) as ordinary tests. A failing input is saved under testdata/fuzz/.
FUZZTIME ?= 60s
.PHONY: fuzz
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeResults$$' -fuzztime $(FUZZTIME) ./truelayer/
	$(GO) test -run '^$$' -fuzz '^FuzzResultsStreaming$$' -fuzztime $(FUZZTIME) ./truelayer/
	$(GO) test -run '^$$' -fuzz '^FuzzAmount$$' -fuzztime $(FUZZTIME) ./truelayer/
	$(GO) test -run '^$$' -fuzz '^FuzzTimestamp$$' -fuzztime $(FUZZTIME) ./truelayer/
	$(GO) test -run '^$$' -fuzz '^FuzzCallbackQuery$$' -fuzztime $(FUZZTIME) ./auth/
	$(GO) test -run '^$$' -fuzz '^FuzzPastedURL$$' -fuzztime $(FUZZTIME) ./auth/
	$(GO) test -run '^$$' -fuzz '^FuzzSanitize$$' -fuzztime $(FUZZTIME) ./ledger/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out | tail -1

clean:
	rm -rf bin cover.out
