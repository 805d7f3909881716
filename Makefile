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

# -race turns on -d=checkptr in every package. In modernc.org's SQLite (C translated to Go, all
# unsafe pointers) that check doubles the cost of every test touching a store and checks no code
# of ours, so it is off there only; the race detector itself stays on everywhere.
RACE := -race -gcflags=modernc.org/...=-d=checkptr=0

# Everything CI checks: formatting, vet, staticcheck, and every test (end-to-end included) with the
# race detector.
test: lint
	$(GO) test $(RACE) -timeout 30m ./...

# Integration tests against the real TrueLayer sandbox (needs TRUELAYER_ACCESS_TOKEN or
# sandbox client credentials and a refresh token; see README).
test-live:
	BANKTUI_LIVE=1 $(GO) test -race -count=1 -run 'Live' -v ./truelayer/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# staticcheck is pinned and run with `go run pkg@version`: it stays out of go.mod (a tool
# directive would add its dependencies to the module graph every build and `go mod tidy` sees), and
# Go caches the built binary, so later runs start at once.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

cover:
	$(GO) test -coverprofile=cover.out ./...
	$(GO) tool cover -func=cover.out | tail -1

clean:
	rm -rf bin cover.out
