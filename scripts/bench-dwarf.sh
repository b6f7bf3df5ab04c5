#!/bin/sh
# Compares vnetinspect, gdb and drgn on one question about a large kernel
# debug file: "what is struct net, and where is init_net". Each tool runs
# RUNS times in turn, interleaved, with warm page cache for all three; the
# script prints every run and the median wall time and peak resident set
# (VmHWM, from /usr/bin/time -v's maximum resident set size) of each tool.
#
# Usage: scripts/bench-dwarf.sh [debug-file]
# Without an argument it installs Debian's cloud kernel debug package
# (PKG, default linux-image-6.1.0-47-cloud-amd64-dbg) and uses its vmlinux.
set -eu

RUNS=${RUNS:-5}
PKG=${PKG:-linux-image-6.1.0-47-cloud-amd64-dbg}
BIN=${BIN:-bin/vnetinspect}
export PATH="/usr/local/go/bin:$PATH"

updated=0
need() {
	dpkg -s "$1" >/dev/null 2>&1 && return
	if [ "$updated" = 0 ]; then
		apt-get update -qq
		updated=1
	fi
	apt-get install -y "$1" >/dev/null
}

FILE=${1:-}
if [ -z "$FILE" ]; then
	need "$PKG"
	FILE=$(ls /usr/lib/debug/boot/vmlinux-* | head -n 1)
fi
need python3-drgn
need gdb
need time
go build -o "$BIN" ./cmd/vnetinspect

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# measure NAME CMD...: runs CMD once, appends "seconds kilobytes" to
# $TMP/NAME and checks the exit status.
measure() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$TMP/one" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || {
		echo "bench-dwarf: $name failed:" >&2
		cat "$TMP/$name.err" >&2
		exit 1
	}
	cat "$TMP/one" >>"$TMP/$name"
}

drgn_script="import drgn
p = drgn.Program()
p.load_debug_info(['$FILE'])
print(p.type('struct net'))
print(hex(p['init_net'].address_))"

echo "file: $FILE ($(stat -c %s "$FILE") bytes)"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo), $(uname -sr)"
echo "gdb: $(gdb --version | head -n 1)"
echo "drgn: $(/usr/bin/python3 -c 'import drgn; print(drgn.__version__)')"
echo "go: $(go version)"
echo

# One untimed round so that every tool starts with the file in the page
# cache.
"$BIN" -N "$FILE" ptype 'struct net' >/dev/null
i=0
while [ "$i" -lt "$RUNS" ]; do
	measure vnetinspect-batch "$BIN" -N "$FILE" batch 'ptype struct net' 'address init_net'
	measure vnetinspect "$BIN" -N "$FILE" ptype 'struct net'
	measure vnetinspect-address "$BIN" -N "$FILE" address init_net
	measure drgn /usr/bin/python3 -c "$drgn_script"
	measure gdb gdb -nx -batch -ex 'ptype struct net' -ex 'info address init_net' "$FILE"
	i=$((i + 1))
done

# batch answers the question in one process, as gdb and drgn do. The two
# single-question processes answer it together too: add their times and
# keep the larger peak.
paste -d ' ' "$TMP/vnetinspect" "$TMP/vnetinspect-address" |
	awk '{ m = ($2 > $4) ? $2 : $4; printf "%.2f %d\n", $1 + $3, m }' >"$TMP/vnetinspect+address"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-22s %10s %12s   %s\n' tool 'median s' 'median MB' 'runs (s/MB)'
for tool in vnetinspect-batch vnetinspect vnetinspect-address vnetinspect+address drgn gdb; do
	s=$(cut -d ' ' -f 1 "$TMP/$tool" | median)
	kb=$(cut -d ' ' -f 2 "$TMP/$tool" | median)
	runs=$(awk '{ printf "%s/%d ", $1, $2 / 1024 }' "$TMP/$tool")
	printf '%-22s %10s %12d   %s\n' "$tool" "$s" "$((kb / 1024))" "$runs"
	echo "$s $kb" >"$TMP/median-$tool"
done

echo
for mine in vnetinspect-batch vnetinspect+address; do
	read -r vs vk <"$TMP/median-$mine"
	for tool in drgn gdb; do
		read -r s k <"$TMP/median-$tool"
		awk -v vs="$vs" -v vk="$vk" -v s="$s" -v k="$k" -v t="$tool" -v m="$mine" \
			'BEGIN { printf "%s / %s: time %.2f, peak memory %.2f\n", m, t, vs / s, vk / k }'
	done
done

# The answers must agree: gdb's ptype output is the reference.
"$BIN" -N "$FILE" ptype 'struct net' >"$TMP/v.txt"
"$BIN" -N "$FILE" address init_net >>"$TMP/v.txt"
gdb -nx -batch -ex 'ptype struct net' -ex 'info address init_net' "$FILE" >"$TMP/g.txt" 2>/dev/null
if cmp -s "$TMP/v.txt" "$TMP/g.txt" && cmp -s "$TMP/vnetinspect-batch.out" "$TMP/g.txt"; then
	echo "vnetinspect's output (batch and single questions) equals gdb's"
else
	echo "bench-dwarf: vnetinspect's output differs from gdb's:" >&2
	diff "$TMP/v.txt" "$TMP/g.txt" >&2 || true
	diff "$TMP/vnetinspect-batch.out" "$TMP/g.txt" >&2 || true
	exit 1
fi
