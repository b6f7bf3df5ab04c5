#!/bin/sh
# Times vnetinspect against the gdb oracle on the scale test kernel:
# SCALE_VNETS vnets (default 1000) with the test kernel's 59 V_ variables
# plus SCALE_VARS generated ones (default 1500).
#
# Steps:
#  1. build testdata/kernel/build/clang-dwarf5-scale/kernel (build.sh);
#  2. boot it under QEMU with tools/runvm, which writes a minidump and a
#     full dump and then, with the guest stopped, runs the gdb oracle
#     (testdata/oracle/oracle.py) GDB_RUNS times through QEMU's gdbstub
#     (testdata/kernel/scale/gdb-timed.sh times each run);
#  3. time `vnetinspect dump --format ndjson` on the full dump and on the
#     minidump, and `vnetinspect vnets`, RUNS times each, with
#     /usr/bin/time (wall seconds, peak RSS);
#  4. time the TUI's first screen: from starting `vnetinspect tui` in a
#     detached tmux to the first capture that shows the variable list;
#  5. compare every variable and counter sum of both ndjson outputs with
#     gdb's oracle.json (testdata/kernel/scale/compare.py);
#  6. run the Go benchmarks that read the scale dump, one package at a
#     time (BENCH_GO=0 skips).
#
# Environment: RUNS (5), GDB_RUNS (3), SCALE_VNETS (1000), SCALE_VARS
# (1500), MEMORY (guest MiB, 256; 1,000 vnets use about 110 MB), OUT (/tmp/scale/run; everything large
# goes there, nothing into the repository), REUSE=1 keeps the dumps and
# gdb timings already in OUT and skips steps 1 and 2.
#
# The results go to OUT/results.md, with the 1-minute load average before
# each measurement.
set -eu

cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

RUNS=${RUNS:-5}
GDB_RUNS=${GDB_RUNS:-3}
SCALE_VNETS=${SCALE_VNETS:-1000}
SCALE_VARS=${SCALE_VARS:-1500}
MEMORY=${MEMORY:-256}
OUT=${OUT:-/tmp/scale/run}
REUSE=${REUSE:-0}
BENCH_GO=${BENCH_GO:-1}

variant=clang-dwarf5-scale
build=testdata/kernel/build/$variant
bin=$OUT/vnetinspect
results=$OUT/results.md

for tool in qemu-system-x86_64 gdb tmux python3 /usr/bin/time; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench-scale: $tool not found; install it (Debian packages qemu-system-x86, gdb, tmux, python3, time)" >&2
		exit 1
	fi
done

load1() { cut -d' ' -f1 /proc/loadavg; }

# Print the median of the first column of stdin.
median() {
	sort -n | awk '{ v[NR] = $1 }
	END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# Print the median of column $1 of file $2.
median_of() { awk -v c="$1" '{ print $c }' "$2" | median; }

# Run a command RUNS times with its stdout discarded, appending
# "<wall s> <peak RSS KiB> <load>" per run to OUT/times-LABEL.txt.
time_runs() {
	label=$1
	shift
	: >"$OUT/times-$label.txt"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		load=$(load1)
		/usr/bin/time -f '%e %M' -o "$OUT/one.txt" "$@" >/dev/null 2>"$OUT/stderr-$label.txt"
		echo "$(cat "$OUT/one.txt") $load" >>"$OUT/times-$label.txt"
		i=$((i + 1))
	done
	echo "$label: $(tr '\n' ';' <"$OUT/times-$label.txt")"
}

# Print the seconds from starting the TUI in tmux until the variable list
# of the first vnet is on screen. tmux's own start is included.
tui_first_screen() {
	sock=$OUT/tmux.sock
	start=$(date +%s.%N)
	tmux -S "$sock" new-session -d -s tui -x 160 -y 48 \
		"$bin -N $OUT/kernel -M $OUT/minidump tui"
	tries=0
	until tmux -S "$sock" capture-pane -p -t tui 2>/dev/null | grep -q 'variables, / to filter'; do
		tries=$((tries + 1))
		if [ "$tries" -gt 6000 ]; then
			tmux -S "$sock" kill-server 2>/dev/null || true
			echo "bench-scale: the TUI showed no variable list within 120 s" >&2
			return 1
		fi
		sleep 0.02
	done
	end=$(date +%s.%N)
	tmux -S "$sock" kill-server
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f\n", e - s }'
}

# Steps 1 and 2: build, boot, dumps and gdb timings.
if [ "$REUSE" = 1 ] && [ -s "$OUT/full.elf" ] && [ -s "$OUT/oracle.json" ] && [ -s "$OUT/gdb-times.txt" ]; then
	echo "bench-scale: reusing the dumps and gdb timings in $OUT"
else
	rm -rf "$OUT"
	mkdir -p "$OUT"
	SCALE_VNETS=$SCALE_VNETS SCALE_VARS=$SCALE_VARS sh testdata/kernel/build.sh "$variant"
	cp "$build/kernel" "$build/if_vnettest.ko" "$OUT/"
	echo "bench-scale: booting; the dumps take minutes under TCG, then gdb runs $GDB_RUNS times"
	BENCH_GDB_RUNS=$GDB_RUNS BENCH_GDB_TIMES=$OUT/gdb-times.txt \
		go run ./tools/runvm -memory "$MEMORY" -olddumps=false -nocpudump=false \
		-timeout 6h -gdb "$PWD/testdata/kernel/scale/gdb-timed.sh" \
		-kernel "$OUT/kernel" -out "$OUT"
	rm -f "$OUT/qemu.elf" "$OUT/raw.mem" "$OUT/minidump-v1" "$OUT/minidump-v2" "$OUT/minidump-nocpu"
fi
echo "gdb oracle: $(tr '\n' ';' <"$OUT/gdb-times.txt")"

# Step 3: vnetinspect timings.
go build -o "$bin" ./cmd/vnetinspect
time_runs dump-full "$bin" -N "$OUT/kernel" -M "$OUT/full.elf" dump --format ndjson
time_runs dump-minidump "$bin" -N "$OUT/kernel" -M "$OUT/minidump" dump --format ndjson
time_runs vnets "$bin" -N "$OUT/kernel" -M "$OUT/minidump" vnets

# Step 4: the TUI's first screen.
: >"$OUT/times-tui.txt"
i=0
while [ "$i" -lt "$RUNS" ]; do
	load=$(load1)
	echo "$(tui_first_screen) - $load" >>"$OUT/times-tui.txt"
	i=$((i + 1))
done
echo "tui: $(tr '\n' ';' <"$OUT/times-tui.txt")"

# Step 5: vnetinspect's values against gdb's.
"$bin" -N "$OUT/kernel" -M "$OUT/full.elf" dump --format ndjson >"$OUT/dump-full.ndjson"
"$bin" -N "$OUT/kernel" -M "$OUT/minidump" dump --format ndjson >"$OUT/dump-minidump.ndjson"
python3 testdata/kernel/scale/compare.py "$OUT/oracle.json" "$OUT/dump-full.ndjson" | tee "$OUT/compare-full.txt"
python3 testdata/kernel/scale/compare.py "$OUT/oracle.json" "$OUT/dump-minidump.ndjson" | tee "$OUT/compare-minidump.txt"

# Step 6: Go benchmarks on the same files.
if [ "$BENCH_GO" = 1 ]; then
	echo "load before go test -bench: $(load1)" >"$OUT/go-bench.txt"
	VNETINSPECT_SCALE_DIR=$OUT go test -p 1 -run '^$' -bench 'Scale' -benchtime 3x -benchmem \
		./vnetwalk ./cmd/vnetinspect | tee -a "$OUT/go-bench.txt"
fi

gdb_wall=$(median_of 1 "$OUT/gdb-times.txt")
full_wall=$(median_of 1 "$OUT/times-dump-full.txt")
mini_wall=$(median_of 1 "$OUT/times-dump-minidump.txt")
{
	echo "| Measurement | Runs | Median wall s | Median peak RSS MiB | Load averages before the runs |"
	echo "| --- | --- | --- | --- | --- |"
	for row in "gdb oracle (gdbstub):gdb-times.txt" \
		"vnetinspect dump, full dump:times-dump-full.txt" \
		"vnetinspect dump, minidump:times-dump-minidump.txt" \
		"vnetinspect vnets, minidump:times-vnets.txt"; do
		name=${row%%:*}
		file=$OUT/${row#*:}
		rss=$(median_of 2 "$file" | awk '{ printf "%.0f", $1 / 1024 }')
		echo "| $name | $(wc -l <"$file") | $(median_of 1 "$file") | $rss | $(awk '{ print $3 }' "$file" | tr '\n' ' ')|"
	done
	echo "| vnetinspect tui, first screen (tmux) | $(wc -l <"$OUT/times-tui.txt") | $(median_of 1 "$OUT/times-tui.txt") | - | $(awk '{ print $3 }' "$OUT/times-tui.txt" | tr '\n' ' ')|"
	echo
	awk -v g="$gdb_wall" -v f="$full_wall" -v m="$mini_wall" 'BEGIN {
		printf "Ratio gdb / vnetinspect dump: %.1fx (full dump), %.1fx (minidump)\n", g / f, g / m }'
	echo "Dump sizes: full.elf $(stat -c %s "$OUT/full.elf") bytes, minidump $(stat -c %s "$OUT/minidump") bytes"
	echo "Records: $(wc -l <"$OUT/dump-full.ndjson") ndjson lines"
	cat "$OUT/compare-full.txt" "$OUT/compare-minidump.txt" | grep '^compare:'
	echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -m | awk '/^Mem:/ { print $2 }') MiB RAM"
	echo "Tools: $(go version | cut -d' ' -f3), $(gdb --version | head -1), $(qemu-system-x86_64 --version | head -1)"
} | tee "$results"
