# ftpsim: make run (the scenario catalogue, in-process) and make test (everything).
# Both work on a fresh Debian 12 machine with Go 1.26; `make test` installs the
# real FTP peers (curl, lftp, vsftpd, ProFTPD, pure-ftpd, pyftpdlib) when run as root.

GO      ?= go
BIN     := bin/ftpsim
PKGS    := ./...

# testcontainers-go: never pull the reaper, never dial the default gateway.
export TESTCONTAINERS_HOST_OVERRIDE := 127.0.0.1
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: all run test test-short bench lint build peers fuzz clean help

all: lint test

help:
	@echo "make run     run the scenario catalogue in-process and print the results"
	@echo "make test    install the real FTP peers (as root) and run every test with -race"
	@echo "make bench   benchmarks: 256 MiB transfers vs raw crypto/tls, curl vs real vsftpd/pure-ftpd, faults and proxy overhead, 1,000/10,000 sessions, the catalogue on the real and the virtual clock, its cost per scenario at 1,000 scenarios (ratios printed)"
	@echo "make lint    gofmt and go vet"
	@echo "make build   build $(BIN)"
	@echo "make fuzz    run each fuzz target for FUZZTIME (default 20s)"

build:
	$(GO) build -buildvcs=$$(git rev-parse --git-dir >/dev/null 2>&1 && echo true || echo auto) -o $(BIN) ./cmd/ftpsim

run: build
	./$(BIN) run

# peers installs the real FTP servers and clients the interop tests use.
# Without root it only reports; those tests then skip, saying what is missing.
peers:
	@if [ "$$(id -u)" = 0 ]; then bash .ci/install-peers.sh; \
	else echo "make peers: not root; interop tests with real FTP peers will skip (run: sudo bash .ci/install-peers.sh)"; fi

test: peers
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

bench:
	$(GO) test -v -run='^$$' -bench=. -benchtime=1x -timeout 30m ./clientsim/ ./faults/ ./scenarios/ ./sim/pki/ ./cmd/ftpsim/
	@mkdir -p bin; FTPSIM_SCALE=1 $(GO) test -count=1 -run='^TestCatalogue(VirtualClock|Scale)$$' -v -timeout 15m ./scenarios/ > bin/scale.log 2>&1; st=$$?; \
	  grep -E 'scenarios \(|cost per scenario|^(ok|FAIL|--- FAIL)' bin/scale.log; exit $$st

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; done

clean:
	rm -rf bin
