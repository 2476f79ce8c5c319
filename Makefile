# patchwork-go. `make run` starts the daemon on a local SQLite file;
# `make test` runs every test (PostgreSQL/MariaDB too when
# PATCHWORK_TEST_POSTGRES / PATCHWORK_TEST_MYSQL are set).

GO           ?= go
BIN          ?= bin/patchworkd
DB           ?= sqlite:patchwork.db
TEST_TIMEOUT ?= 15m
TESTLOG      ?= bin/test.log
FUZZTIME     ?= 10s
PATCHWORK_BENCH_PATCHES ?= 1000000
VERSION      ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)

export GO TEST_TIMEOUT TESTLOG FUZZTIME PATCHWORK_BENCH_PATCHES

.PHONY: all build run test bench fuzz lint clean

all: build

## build: compile bin/patchworkd
build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/patchworkd

## run: build and serve on $(DB) (SSH :2222, HTTP :8000)
run: build
	@echo "patchworkd: database $(DB)"
	@echo "  TUI:  ssh -p 2222 localhost"
	@echo "  web:  http://localhost:8000/   REST: http://localhost:8000/api/   XML-RPC: http://localhost:8000/xmlrpc/"
	@echo "  add a project: $(BIN) --db $(DB) project add --linkname L --name N --listid LIST.ID --listemail LIST@ADDR"
	@echo "  stop with Ctrl-C"
	./$(BIN) --db $(DB) serve

## test: go test ./... with a timeout; prints which dialects ran or were skipped
test:
	.ci/gotest ./...

## bench: every package's benchmarks at PATCHWORK_BENCH_PATCHES patches
bench:
	.ci/bench

## fuzz: each fuzz target for FUZZTIME
fuzz:
	.ci/fuzz

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi; echo "gofmt: clean"

clean:
	rm -rf bin
