# banktui: the two commands a fresh clone needs are `make run` and `make test`.
GO      ?= go
BIN     ?= bin/banktui
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build run test test-live bench bench-all lint cover clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

# The TUI; the built-in demo bank when no client is configured.
run:
	$(GO) run -ldflags "$(LDFLAGS)" .

# The race detector, except inside SQLite: modernc.org/sqlite/lib and modernc.org/libc are C
# machine-translated to Go, where instrumenting every memory access (and -race's checkptr) made
# each test touching a store two to three times slower and checked no code of ours. The driver
# (modernc.org/sqlite), database/sql and all our packages stay instrumented, so a race in how
# banktui uses a store is still caught.
RACE := -race -gcflags=modernc.org/sqlite/lib=-race=false -gcflags=modernc.org/libc/...=-race=false

# lint and test compile the program once: go vet, staticcheck's loading of our packages and the
# end-to-end tests' banktui binary get the test flags through GOFLAGS and share its build.
lint test: export GOFLAGS := $(strip $(shell $(GO) env GOFLAGS) $(RACE))

# Everything CI checks: formatting, vet, staticcheck, and every test (end-to-end included) with the
# race detector.
test: lint
	$(GO) test -timeout 30m ./...

# Integration tests against the real TrueLayer sandbox (needs TRUELAYER_ACCESS_TOKEN or
# sandbox client credentials and a refresh token; BANKTUI_LIVE_LOGIN=1 adds a login, an
# extension and a revocation with a person signing in; see README).
test-live:
	BANKTUI_LIVE=1 $(GO) test -race -count=1 -run 'Live' -v ./truelayer/ ./auth/

# The scale benchmarks of issue 14 (TUI keys, sync, export at 10k, 100k and 1M rows in one account),
# as a table of time per operation and peak resident set. The stores are built once under
# $$TMPDIR/banktui-bench (the 1M one takes minutes); packages run one at a time so they share them.
bench:
	BANKTUI_BENCH_1M=1 $(GO) test -p 1 -timeout 90m -run '^$$' -bench '^BenchmarkScale' ./ui ./ledger | $(GO) run ./.ci/benchtable

# Every benchmark, as go test prints them (the scale ones at 10k and 100k only).
bench-all:
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
	$(GO) test -run '^$$' -fuzz '^FuzzTransactionJSON$$' -fuzztime $(FUZZTIME) ./truelayer/
	$(GO) test -run '^$$' -fuzz '^FuzzCallbackQuery$$' -fuzztime $(FUZZTIME) ./auth/
	$(GO) test -run '^$$' -fuzz '^FuzzPastedURL$$' -fuzztime $(FUZZTIME) ./auth/
	$(GO) test -run '^$$' -fuzz '^FuzzSanitize$$' -fuzztime $(FUZZTIME) ./ledger/
	$(GO) test -run '^$$' -fuzz '^FuzzEscapeJSON$$' -fuzztime $(FUZZTIME) ./ledger/
	$(GO) test -run '^$$' -fuzz '^FuzzSettingsFile$$' -fuzztime $(FUZZTIME) ./config/
	$(GO) test -run '^$$' -fuzz '^FuzzTxQuery$$' -fuzztime $(FUZZTIME) ./ledger/
	$(GO) test -run '^$$' -fuzz '^FuzzParseFilter$$' -fuzztime $(FUZZTIME) ./ui/
	$(GO) test -run '^$$' -fuzz '^FuzzExportCSV$$' -fuzztime $(FUZZTIME) ./ledger/
	$(GO) test -run '^$$' -fuzz '^FuzzExportJSON$$' -fuzztime $(FUZZTIME) ./ledger/
	$(GO) test -run '^$$' -fuzz '^FuzzExportOFX$$' -fuzztime $(FUZZTIME) ./ledger/
	$(GO) test -run '^$$' -fuzz '^FuzzExportJournals$$' -fuzztime $(FUZZTIME) ./ledger/

# staticcheck, pinned. `go install pkg@version` keeps it out of go.mod (a tool directive would put
# its dependencies in the program's module graph); it is built without the test flags, into bin/.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOFLAGS= GOBIN=$(CURDIR)/bin $(GO) install $(STATICCHECK)
	bin/staticcheck ./...

cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out | tail -1

clean:
	rm -rf bin cover.out
