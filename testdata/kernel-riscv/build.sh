#!/bin/sh
# Build the riscv test kernel.
#
# Usage: build.sh [sv39|sv48]
#
# sv39 (the default) builds build/kernel, which keeps the Sv39 page tables
# it boots with. sv48 builds build/sv48/kernel with -DSV48, which switches
# to four-level Sv48 tables early in boot, as FreeBSD does with
# vm.pmap.mode=1.
#
# The machine-independent parts (vnets and their variables, jails, the page
# allocator, string routines) are the amd64 test kernel's sources in
# ../kernel, compiled with this directory's include/ first so that they get
# riscv types, layout and counter(9) encoding.
set -eu
cd "$(dirname "$0")"

paging=${1:-sv39}
case $paging in
sv39)
	out=build
	mode=""
	;;
sv48)
	out=build/sv48
	mode="-DSV48"
	;;
*)
	echo "usage: build.sh [sv39|sv48]" >&2
	exit 2
	;;
esac

cc="clang --target=riscv64-unknown-freebsd14"
cflags="-ffreestanding -fno-builtin -nostdlib -fno-pic -fno-stack-protector
	-march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax -O1 -g -gdwarf-5
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror -Iinclude $mode"

mkdir -p "$out"
objs=""
for src in locore.S machdep.c pmap.c semihost.c subr_prf.c kern_malloc.c \
	subr_pcpu.c minidump_machdep.c \
	../kernel/vnet.c ../kernel/vnet_vars.c ../kernel/kern_jail.c \
	../kernel/vm_page.c ../kernel/libkern.c; do
	base=$(basename "$src")
	obj=$out/${base%.*}.o
	# shellcheck disable=SC2086 # cc and cflags are word lists
	$cc $cflags -c "$src" -o "$obj"
	objs="$objs $obj"
done

# shellcheck disable=SC2086 # objs is a word list
ld.lld -T kernel.ld -nostdlib -static -z max-page-size=4096 \
	--defsym KERNSTART=0xffffffc000200000 --defsym KERNLOAD_PA=0x80200000 \
	--build-id=none -o "$out/kernel" $objs
echo "built $out/kernel"
