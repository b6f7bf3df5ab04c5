# vnetinspect: build, test, demo and fixtures. Every target that needs
# packages installs the missing ones first (scripts/install-deps.sh).

export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
BIN := bin/vnetinspect
DEMO_DIR := testdata/cores/clang-dwarf5
WORK := testdata/work

.PHONY: all deps build test demo fixtures bench bench-dwarf bench-scale fuzz-short lint clean install

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	$(GO) build -o $(BIN) ./cmd/vnetinspect

# Installs the binary, the man page and the bash and zsh completions under
# $(DESTDIR)$(PREFIX).
PREFIX ?= /usr/local
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vnetinspect
	install -m 644 vnetinspect.1 $(DESTDIR)$(PREFIX)/share/man/man1/vnetinspect.1
	$(BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vnetinspect
	$(BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_vnetinspect

# The test command of the README and of CI.
test: deps
	$(GO) vet ./...
	GOARCH=arm64 $(GO) build ./...  # file names like x_amd64.go would silently drop code on other hosts
	@if [ -f ../shared/tools/check-layers ]; then bash ../shared/tools/check-layers; else echo 'check-layers: ../shared/tools not found, layer check skipped'; fi
	$(GO) test -count=1 ./...
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...  # benchmarks as a smoke check, untimed
	$(MAKE) --no-print-directory fuzz-short FUZZTIME=3s

# Runs the main job on the bundled dump of the test kernel.
demo: build
	@mkdir -p $(WORK)
	zstd -q -d -f $(DEMO_DIR)/kernel.zst -o $(WORK)/kernel
	zstd -q -d -f $(DEMO_DIR)/if_vnettest.ko.zst -o $(WORK)/if_vnettest.ko
	$(BIN) -N $(WORK)/kernel -M $(DEMO_DIR)/minidump.zst vnets
	$(BIN) -N $(WORK)/kernel -M $(DEMO_DIR)/minidump.zst print --all V_ip_defttl

# Rebuilds the test kernels, boots them under QEMU and takes their dumps.
fixtures: deps
	$(MAKE) -C testdata/kernel fixtures

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Times vnetinspect, gdb and drgn on a large Linux kernel debug file (see
# docs/benchmarks.md); installs the packages it needs.
bench-dwarf: deps
	sh scripts/bench-dwarf.sh

# Builds the test kernel with 1,000 vnets and 1,500 extra V_ variables,
# boots it under QEMU and times vnetinspect against the gdb oracle on its
# dumps (see docs/benchmarks.md). The dumps go to /tmp/scale/run; it takes
# about an hour under TCG.
bench-scale: deps
	sh scripts/bench-scale.sh

# Runs every fuzz target for FUZZTIME each (go test allows one target per
# run). New failures are saved under PACKAGE/testdata/fuzz as regression
# seeds. Go 1.26 can end a run with "context deadline exceeded" when
# FUZZTIME runs out, without a failing input; that case is reported and
# skipped, and any other failure stops the target.
FUZZTIME ?= 5s
FUZZ_TARGETS := kvm:FuzzOpen kvm:FuzzMinidumpHeader kvm:FuzzELFCoreHeader kvm:FuzzDumpDevice kvm:FuzzPageTable4 kvm:FuzzDumpAvail kvm:FuzzBitmapRank \
	symbols:FuzzOpen symbols:FuzzPatchedKernel symbols:FuzzDebugNames value:FuzzDecode report:FuzzAppendString eval:FuzzParse eval:FuzzEval vnetwalk:FuzzWalk

fuzz-short: deps
	@set -e; out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; seeds=$$pkg/testdata/fuzz/$$fn; \
		echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
		before=$$(ls $$seeds 2>/dev/null | wc -l); \
		if $(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) >"$$out" 2>&1; then \
			tail -n 1 "$$out"; continue; \
		fi; \
		cat "$$out"; \
		after=$$(ls $$seeds 2>/dev/null | wc -l); \
		if [ "$$after" = "$$before" ] && grep -q 'context deadline exceeded' "$$out"; then \
			echo "fuzz-short: $$fn ended with context deadline exceeded and no failing input: not a failure"; \
		else \
			exit 1; \
		fi; \
	done

lint: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	bash ../shared/tools/check-layers

clean:
	rm -rf bin $(WORK)
