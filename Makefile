# patchwork-go. `make run` starts the daemon on a local SQLite file;
# `make test` runs every test (PostgreSQL/MariaDB too when
# PATCHWORK_TEST_POSTGRES / PATCHWORK_TEST_MYSQL are set).

GO           ?= go
BIN          ?= bin/patchworkd
DB           ?= sqlite:patchwork.db
HTTP_ADDR    ?= :8000
SSH_ADDR     ?= :2222
HTTP_PORT     = $(lastword $(subst :, ,$(HTTP_ADDR)))
SSH_PORT      = $(lastword $(subst :, ,$(SSH_ADDR)))
TEST_TIMEOUT ?= 15m
TESTLOG      ?= bin/test.log
FUZZTIME     ?= 10s
PATCHWORK_BENCH_PATCHES ?= 1000000
# make soak: how long and how hard (the issue's aims by default).
SOAK_SECONDS  ?= 60
SOAK_SESSIONS ?= 200
SOAK_MAILS    ?= 50
SOAK_REQUESTS ?= 500
PATCHWORK_SOAK_PATCHES ?= 1000000
VERSION      ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)

export GO TEST_TIMEOUT TESTLOG FUZZTIME PATCHWORK_BENCH_PATCHES
export SOAK_SECONDS SOAK_SESSIONS SOAK_MAILS SOAK_REQUESTS PATCHWORK_SOAK_PATCHES

.PHONY: all build run test ci bench fuzz lint clean reliability soak

all: build

## build: compile bin/patchworkd, static (no cgo: every dependency is pure
## Go, and a static binary starts with ~15% less CPU, which the mail
## server pays once per mail for parsemail)
build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/patchworkd

## run: build and serve on $(DB) (SSH $(SSH_ADDR), HTTP $(HTTP_ADDR))
run: build
	@echo "patchworkd: database $(DB) (migrated on start)"
	@echo "  TUI:      ssh -p $(SSH_PORT) localhost        (any key; 'ssh -p $(SSH_PORT) localhost help' for commands)"
	@echo "  web:      http://localhost:$(HTTP_PORT)/"
	@echo "  REST:     http://localhost:$(HTTP_PORT)/api/     XML-RPC: http://localhost:$(HTTP_PORT)/xmlrpc/"
	@echo "  project:  $(BIN) --db $(DB) project add --linkname L --name N --listid LIST.ID --listemail LIST@ADDR"
	@echo "  mail in:  $(BIN) --db $(DB) parsemail < some.mail"
	@echo "  stop with Ctrl-C"
	$(BIN) --db $(DB) serve --http-addr $(HTTP_ADDR) --ssh-addr $(SSH_ADDR)

## test: go test ./... with a timeout; prints which dialects ran or were skipped
test:
	.ci/gotest ./...

## reliability: the reliability tests of issue 9 alone (make test runs them too)
reliability:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run 'TestReliability' ./cmd/patchworkd ./store/sqlstore/faultproxy

## soak: SOAK_SESSIONS TUI sessions, SOAK_MAILS mails/s, SOAK_REQUESTS REST+XML-RPC
## requests/s against one serve (PostgreSQL with PATCHWORK_SOAK_PATCHES patches
## when PATCHWORK_TEST_POSTGRES is set), SOAK_SECONDS for each part of SOAK_PARTS
## (idle, tui, mail, http: each alone; all: together); prints a table per part
soak:
	PATCHWORK_SOAK=1 $(GO) test -count=1 -timeout 60m -run 'TestSoak' -v ./cmd/patchworkd

## ci: what CI runs: start PostgreSQL/MariaDB if needed, make test on all three dialects
ci:
	.ci/run

## bench: every package's benchmarks at PATCHWORK_BENCH_PATCHES patches
bench:
	.ci/bench

## fuzz: each fuzz target for FUZZTIME
fuzz:
	.ci/fuzz

## lint: go vet, staticcheck (a go tool of go.mod: same version everywhere) and gofmt
lint:
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi; echo "gofmt: clean"

clean:
	rm -rf bin
