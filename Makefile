# duplex — developer and CI entry points. `make test` is what CI and the README run.
GO        ?= go
PKGS      := ./...
FUZZTIME  ?= 10s
BENCHTIME ?= 1s
COUNT     ?= 6
STAT      ?= median

.PHONY: test fmt-check vet race purego bench-quick bench-core arm64 utf8-speed mask-speed load autobahn-docker unit bench bench-simd fuzz check autobahn e2e clean

## test: gofmt check, go vet, and the race-enabled test suite (what CI runs first).
test: fmt-check vet race purego

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

race:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## purego: the portable (non-assembly) paths of mask and utf8, as other architectures run them,
## and the SIMD paths without the race detector (full-length table tests, which -race thins out).
purego:
	$(GO) test -tags purego -count=1 ./mask ./utf8
	$(GO) test -count=1 ./mask ./utf8
	GOARCH=arm64 $(GO) vet ./mask ./utf8
	GOARCH=386 $(GO) vet ./mask ./utf8

## arm64: run the mask and utf8 suites (NEON) under qemu user emulation (apt-get install qemu-user).
arm64:
	GOARCH=arm64 $(GO) test -c -o /tmp/duplex-mask.arm64.test ./mask
	GOARCH=arm64 $(GO) test -c -o /tmp/duplex-utf8.arm64.test ./utf8
	cd mask && qemu-aarch64 /tmp/duplex-mask.arm64.test -test.count=1
	cd utf8 && qemu-aarch64 /tmp/duplex-utf8.arm64.test -test.count=1

## utf8-speed: same-process speed-up of utf8.Valid over unicode/utf8.Valid (fastest of batches).
utf8-speed:
	$(GO) test -count=1 -run TestSpeedup -v ./utf8 -utf8.speedup

## mask-speed: same-process speed-up of mask.Apply over the portable code and copy() (fastest of batches).
mask-speed:
	$(GO) test -count=1 -run TestSpeedup -v ./mask -mask.speedup

## unit: the test suite without the race detector (faster local loop).
unit:
	$(GO) test -count=1 $(PKGS)

## bench: duplex vs gorilla, gobwas, gws and coder, side by side in one run (nested module
## bench/; < 10 min on 2 cores). Markdown tables on stdout; CSV, Markdown and SVG in bench/results/.
bench:
	cd bench && $(GO) run . -out results

## bench-quick: the same in < 2 minutes (writes bench/results/bench-quick.*, not committed).
bench-quick:
	cd bench && $(GO) run . -quick -out results

## bench-core: micro-benchmarks of the core packages (COUNT runs each; feed to benchstat).
bench-core:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./mask ./utf8 ./frame ./handshake ./deflate ./conn

## bench-simd: mask and utf8 throughput tables (GB/s vs copy()/stdlib, COUNT interleaved passes;
## STAT=best takes the fastest pass instead of the median, steadier on a loaded machine).
bench-simd:
	STAT=$(STAT) bash scripts/benchtable.sh 20ms $(COUNT)

## fuzz: every Fuzz target for FUZZTIME each (default 10s).
fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

## autobahn: the conformance gates (duplex server and client, library defaults) at the suite's
## full sizes (sections 12/13 echo ~11 GB: minutes), then the gorilla/gws cross-check (nested
## module autobahn/crosscheck); reports under autobahn/report/. AUTOBAHN_SHRINK=16 divides
## section 9 sizes and the 12/13 message counts.
AUTOBAHN_SHRINK ?=
autobahn:
	AUTOBAHN_REPORT=$(CURDIR)/autobahn/report AUTOBAHN_SHRINK=$(AUTOBAHN_SHRINK) \
		$(GO) test -count=1 -timeout 40m -run '^TestConformance' -v ./autobahn
	cd autobahn/crosscheck && $(GO) test -count=1 -timeout 20m -short -v .

## autobahn-docker: the official crossbario/autobahn-testsuite against the echo target and the
## client agent, where Docker works (skipped otherwise). Fails on any FAILED behavior.
autobahn-docker:
	@if ! docker info >/dev/null 2>&1; then echo "autobahn-docker: Docker not available, skipped"; exit 0; fi; \
	set -e; mkdir -p autobahn/report/official; \
	$(GO) build -o autobahn/report/autobahn-cmd ./autobahn/cmd/autobahn; \
	autobahn/report/autobahn-cmd -mode echo -addr 127.0.0.1:9001 & echo_pid=$$!; \
	trap 'kill $$echo_pid 2>/dev/null; docker rm -f duplex-fuzzingserver >/dev/null 2>&1 || true' EXIT; \
	docker run --rm --network host -v "$(CURDIR)/autobahn/config:/config" -v "$(CURDIR)/autobahn/report:/reports" \
		crossbario/autobahn-testsuite wstest -m fuzzingclient -s /config/fuzzingclient.json; \
	docker run -d --name duplex-fuzzingserver --network host -v "$(CURDIR)/autobahn/config:/config" \
		-v "$(CURDIR)/autobahn/report:/reports" crossbario/autobahn-testsuite \
		wstest -m fuzzingserver -s /config/fuzzingserver.json >/dev/null; \
	for i in $$(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:9002/ && break; sleep 0.2; done; \
	autobahn/report/autobahn-cmd -mode agent -url ws://127.0.0.1:9002 -agent duplex; \
	for f in autobahn/report/official/servers/index.json autobahn/report/official/clients/index.json; do \
		if grep -q '"behavior": "FAILED"' $$f; then echo "autobahn-docker: FAILED cases in $$f"; exit 1; fi; \
	done; echo "autobahn-docker: no FAILED cases"

## e2e: the demo page in a real browser (Debian's Chromium driven by playwright-core;
## installs chromium with apt-get when missing, which needs root).
e2e:
	bash e2e/run.sh

## load: 2,000 loopback connections for 60 s, every message verified end to end (not under -race).
load:
	DUPLEX_LOAD=1 $(GO) test -run 'TestLoad$$' -count=1 -timeout 10m -v ./loadtest

## check: everything CI runs.
check:
	bash .ci/run

clean:
	rm -rf autobahn/report e2e/artifacts
