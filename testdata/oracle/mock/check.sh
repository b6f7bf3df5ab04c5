#!/bin/sh
# Build the mock, run vnet-oracle on it under gdb and compare the JSON with
# the values that mock.c sets. Exits non-zero on the first failed run or on
# any mismatch. Needs gcc, gdb (with Python) and python3.
#
# Usage: testdata/oracle/mock/check.sh   (from any directory)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
oracle="$here/../oracle.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_oracle() {
	# $1 program, $2 output file, further arguments: gdb commands run before the oracle.
	program=$1
	out=$2
	shift 2
	gdb -nx -batch -ex 'set pagination off' -ex run "$@" \
	    -ex "source $oracle" -ex "vnet-oracle $out" "$program" \
	    >"$out.log" 2>&1
}

# gcc builds as PIE and non-PIE; clang with DWARF 5, like the test kernel.
for variant in gcc-pie gcc-no-pie clang-dwarf5; do
	case $variant in
	gcc-pie) compile="gcc -g -pie" ;;
	gcc-no-pie) compile="gcc -g -no-pie" ;;
	clang-dwarf5) compile="clang -gdwarf-5" ;;
	esac
	if ! command -v "${compile%% *}" >/dev/null; then
		echo "skip: mock-$variant (${compile%% *} not installed)"
		continue
	fi
	$compile -O0 -Wall -Werror -o "$work/mock-$variant" \
	    "$here/mock.c" "$here/mock_other.c"
	if ! run_oracle "$work/mock-$variant" "$work/$variant.json"; then
		cat "$work/$variant.json.log"
		echo "FAIL: gdb exited with an error on mock-$variant" >&2
		exit 1
	fi
	python3 "$here/check_values.py" "$work/$variant.json"
	echo "ok: mock-$variant values"
done

# A vnet list with a cycle and a vnet with a bad magic: the walk must stop
# and both must be reported as warnings.
if ! run_oracle "$work/mock-gcc-pie" "$work/broken.json" \
    -ex 'set var vnet0->vnet_le.le_next = vnet_head.lh_first' \
    -ex 'set var vnet0->vnet_magic_n = 0xdeadbeef'; then
	cat "$work/broken.json.log"
	echo "FAIL: gdb exited with an error on the broken vnet list" >&2
	exit 1
fi
python3 - "$work/broken.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
failures = []
if len(data["vnets"]) != 3:
    failures.append("cycle: expected 3 vnets, got %d" % len(data["vnets"]))
if not any("cycle" in w for w in data["warnings"]):
    failures.append("cycle: no cycle warning in %r" % data["warnings"])
if not any("magic 0xdeadbeef" in w for w in data["warnings"]):
    failures.append("magic: no bad magic warning in %r" % data["warnings"])
if data["vnets"][2]["magic"] != "0xdeadbeef":
    failures.append("magic: vnet0 magic %s, expected 0xdeadbeef" % data["vnets"][2]["magic"])
for failure in failures:
    print("FAIL:", failure, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
echo "ok: cycle and bad magic reported"

# Changed code in memory means the program file is not what runs: the
# oracle must refuse to write expected values.
if run_oracle "$work/mock-gcc-pie" "$work/patched.json" \
    -ex 'set var *(unsigned char *)mock_callback = 0xcc'; then
	echo "FAIL: vnet-oracle succeeded although .text in memory differs from the file" >&2
	exit 1
fi
if ! grep -q "differs from section .text" "$work/patched.json.log"; then
	cat "$work/patched.json.log"
	echo "FAIL: missing 'differs from section .text' message" >&2
	exit 1
fi
echo "ok: program that differs from its file rejected"

# elffile.py must list the same vnet_entry_ symbols as binutils' nm.
python3 "$here/../elffile.py" "$work/mock-gcc-no-pie" vnet_entry_ |
    awk '{ print $1, $3 }' | sort >"$work/elffile.txt"
nm "$work/mock-gcc-no-pie" | awk '$3 ~ /^vnet_entry_/ { print $1, $3 }' |
    sort >"$work/nm.txt"
if ! cmp -s "$work/elffile.txt" "$work/nm.txt" || [ ! -s "$work/nm.txt" ]; then
	diff "$work/elffile.txt" "$work/nm.txt" >&2 || true
	echo "FAIL: elffile.py and nm list different vnet_entry_ symbols" >&2
	exit 1
fi
echo "ok: elffile.py symbols match nm ($(wc -l <"$work/nm.txt") symbols)"

# A program without set_vnet must make the command fail with a clear message.
printf '#include <signal.h>\nint main(void) { raise(SIGTRAP); return 0; }\n' >"$work/plain.c"
gcc -g -o "$work/plain" "$work/plain.c"
if run_oracle "$work/plain" "$work/plain.json"; then
	echo "FAIL: vnet-oracle succeeded on a program without set_vnet" >&2
	exit 1
fi
if ! grep -q "no set_vnet section" "$work/plain.json.log"; then
	cat "$work/plain.json.log"
	echo "FAIL: missing 'no set_vnet section' message" >&2
	exit 1
fi
echo "ok: program without set_vnet rejected"
