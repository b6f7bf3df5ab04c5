#!/bin/sh
# Boot the i386 test kernel (either variant) under QEMU (multiboot), stop
# it at minidumpsys through the gdb stub, write gdb's view of every vnet,
# jail and V_ variable with ../oracle/oracle.py, then let it write its
# dumps.
#
# Usage: testdata/kernel-i386/run.sh KERNEL OUTDIR
#
# OUTDIR receives kernel, oracle.json, and the files the kernel writes to
# isa-debugcon ports: console.log, minidump (version 2), minidump-v1 and
# full.elf. The gdb stub listens on a unix socket in a temporary directory.
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
rm -f "$out/minidump" "$out/minidump-v1" "$out/full.elf" "$out/oracle.json" "$out/console.log"
# isa-debug-exit ends QEMU with status 1 when the kernel writes 0 to it.
# -m 16 keeps all of RAM inside the kernel's 16 MiB KERNBASE window.
qemu-system-i386 -accel tcg -m 16 -display none -monitor none \
    -serial none -no-reboot \
    -chardev "file,id=con,path=$out/console.log" \
    -device isa-debugcon,iobase=0xe9,chardev=con \
    -chardev "file,id=dump,path=$out/minidump" \
    -device isa-debugcon,iobase=0x4e9,chardev=dump \
    -chardev "file,id=full,path=$out/full.elf" \
    -device isa-debugcon,iobase=0x4ea,chardev=full \
    -chardev "file,id=dumpv1,path=$out/minidump-v1" \
    -device isa-debugcon,iobase=0x4eb,chardev=dumpv1 \
    -device isa-debug-exit,iobase=0xf4,iosize=1 \
    -kernel "$out/kernel" -gdb "unix:$work/gdb.sock,server=on,wait=off" -S \
    >"$work/qemu.log" 2>&1 &
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
# ../oracle/README.md). i386 encodes counter(9) as arm64 does (CPU 0's
# slot address, PAGE_SIZE apart), so the arm64 kernel's oracle extension
# applies unchanged. gdb's status is not checked because its last continue
# may end with a broken pipe when QEMU exits; the files are checked below.
gdb -nx -batch -iex 'set osabi none' -iex 'set architecture i386' \
    -ex 'set pagination off' -ex 'set max-value-size unlimited' \
    -ex "target remote $work/gdb.sock" \
    -ex 'break minidumpsys' -ex 'continue' \
    -ex "source $here/../oracle/oracle.py" -ex "source $here/../kernel-arm64/oracle_arm64.py" \
    -ex "vnet-oracle $out/oracle.json" \
    -ex 'delete' -ex 'continue' "$out/kernel" || true
wait "$qemu_pid" || true
qemu_pid=
if [ ! -s "$out/oracle.json" ] || ! grep -q "Dump complete" "$out/console.log"; then
	cat "$out/console.log" "$work/qemu.log" >&2
	echo "run.sh: no oracle.json, or the kernel did not finish its dump" >&2
	exit 1
fi
echo "run.sh: wrote $out/minidump, minidump-v1, full.elf and oracle.json"
