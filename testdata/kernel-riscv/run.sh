#!/bin/sh
# Boot the riscv test kernel under QEMU (virt machine, OpenSBI firmware),
# stop it at minidumpsys through the gdb stub, write gdb's view of every
# vnet, jail and V_ variable with ../oracle/oracle.py and the CPU's satp
# register, then let it write its minidumps.
#
# Usage: testdata/kernel-riscv/run.sh KERNEL OUTDIR
#
# OUTDIR receives kernel, minidump (version 2), minidump-v1, oracle.json,
# satp and console.log. The gdb stub listens on a unix socket in a
# temporary directory; the kernel writes its files through RISC-V
# semihosting into QEMU's working directory, OUTDIR.
set -eu

kernel=${1:?usage: run.sh KERNEL OUTDIR}
out=${2:?usage: run.sh KERNEL OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
qemu_pid=
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

cp "$kernel" "$out/kernel"
rm -f "$out/minidump" "$out/minidump-v1" "$out/oracle.json" "$out/satp"
(cd "$out" && exec qemu-system-riscv64 -M virt -m 128 \
    -display none -monitor none -serial none -no-reboot \
    -semihosting-config enable=on,target=native \
    -kernel "$out/kernel" -gdb "unix:$work/gdb.sock,server=on,wait=off" -S \
    >"$out/console.log" 2>&1) &
qemu_pid=$!

tries=0
until [ -S "$work/gdb.sock" ]; do
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ]; then
		echo "run.sh: QEMU did not open its gdb socket" >&2
		exit 1
	fi
	sleep 0.1
done

# 'set osabi none' must come before the kernel file loads (see
# ../oracle/README.md); gdb-multiarch also needs the architecture. riscv
# encodes counter(9) as arm64 does (CPU 0's slot address, PAGE_SIZE
# apart), so the arm64 kernel's oracle extension applies unchanged. gdb's
# status is not checked because its last continue may end with a broken
# pipe when QEMU exits; the files are checked below. The satp file contains
# the register as QEMU's gdb stub reports it, so that tests can check the
# translation mode (bits 63:60, 8 for Sv39 and 9 for Sv48) of the run.
gdb-multiarch -nx -batch -iex 'set osabi none' -iex 'set architecture riscv:rv64' \
    -ex 'set pagination off' -ex 'set max-value-size unlimited' \
    -ex "target remote $work/gdb.sock" \
    -ex 'break minidumpsys' -ex 'continue' \
    -ex "source $here/../oracle/oracle.py" -ex "source $here/../kernel-arm64/oracle_arm64.py" \
    -ex "vnet-oracle $out/oracle.json" \
    -ex "python open('$out/satp', 'w').write('%#x\\n' % (int(gdb.parse_and_eval('\$satp')) & (2**64 - 1)))" \
    -ex 'delete' -ex 'continue' "$out/kernel" || true
wait "$qemu_pid" || true
qemu_pid=
if [ ! -s "$out/oracle.json" ] || [ ! -s "$out/satp" ] || ! grep -q "Dump complete" "$out/console.log"; then
	cat "$out/console.log" >&2
	echo "run.sh: no oracle.json or satp, or the kernel did not finish its dumps" >&2
	exit 1
fi
echo "run.sh: wrote $out/minidump, $out/minidump-v1, $out/oracle.json and $out/satp (satp $(cat "$out/satp"))"
