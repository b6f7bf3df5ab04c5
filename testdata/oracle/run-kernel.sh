#!/bin/sh
# Boot a test kernel under QEMU, wait until it has written its dumps and
# halted, then run vnet-oracle on it through QEMU's gdb stub.
#
# Usage: testdata/oracle/run-kernel.sh KERNEL OUT.json
#
# The gdb stub listens on a unix socket in a temporary directory, so nothing
# is exposed on the network. The kernel's console (isa-debugcon port 0xe9)
# goes to OUT.json.console; its dump ports 0x4e9 and 0x4ea are discarded.
set -eu

kernel=${1:?usage: run-kernel.sh KERNEL OUT.json}
out=${2:?usage: run-kernel.sh KERNEL OUT.json}
oracle="$(cd "$(dirname "$0")" && pwd)/oracle.py"
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

# Boot and debug a private copy, so that a rebuild of KERNEL during the run
# cannot give gdb a different file from the one QEMU booted.
cp "$kernel" "$work/kernel"
# oracle.py reads the module's symbols from the kernel's directory.
if [ -f "$(dirname "$kernel")/if_vnettest.ko" ]; then
	cp "$(dirname "$kernel")/if_vnettest.ko" "$work/"
fi

console="$out.console"
: >"$console"
qemu-system-x86_64 -kernel "$work/kernel" -m 128 -display none -no-reboot \
    -monitor none -serial none \
    -chardev "file,id=console,path=$console" \
    -device isa-debugcon,iobase=0xe9,chardev=console \
    -chardev null,id=minidump -device isa-debugcon,iobase=0x4e9,chardev=minidump \
    -chardev null,id=fulldump -device isa-debugcon,iobase=0x4ea,chardev=fulldump \
    -gdb "unix:$work/gdb.sock,server=on,wait=off" &
qemu_pid=$!

# The kernel prints this line just before it halts.
tries=0
until grep -q "dumps written" "$console"; do
	tries=$((tries + 1))
	if [ "$tries" -gt 240 ] || ! kill -0 "$qemu_pid" 2>/dev/null; then
		cat "$console" >&2
		echo "run-kernel.sh: $kernel did not print 'dumps written' within 120 s" >&2
		exit 1
	fi
	sleep 0.5
done

# This gdb has no FreeBSD OS ABI support. Without 'set osabi none' applied
# before the kernel file loads, it reads the symbols with 32-bit addresses.
gdb -nx -batch -iex 'set osabi none' -ex 'set pagination off' \
    -ex "target remote $work/gdb.sock" -ex "source $oracle" \
    -ex "vnet-oracle $out" "$work/kernel"
