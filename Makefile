# duplex — developer and CI entry points. `make test` is what CI and the README run.
GO        ?= go
PKGS      := ./...
FUZZTIME  ?= 10s
BENCHTIME ?= 1s
COUNT     ?= 6

.PHONY: test fmt-check vet race unit bench fuzz check autobahn e2e clean

## test: gofmt check, go vet, and the race-enabled test suite (what CI runs first).
test: fmt-check vet race

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

race:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## unit: the test suite without the race detector (faster local loop).
unit:
	$(GO) test -count=1 $(PKGS)

## bench: micro-benchmarks of the core (median of COUNT runs; feed to benchstat).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./mask ./utf8 ./frame ./handshake

## fuzz: every Fuzz target for FUZZTIME each (default 10s).
fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

## check: everything CI runs.
check: test fuzz

clean:
	rm -rf autobahn/report e2e/artifacts
