#!/bin/sh
# Build the arm64 test kernel into build/VARIANT/kernel.
#
# Usage: ./build.sh 4k | 16k   (the translation granule and page size)
#
# The machine-independent parts (vnets and their variables, jails, the page
# allocator, string routines) are the amd64 test kernel's sources in
# ../kernel, compiled with this directory's include/ first so that they get
# arm64 types, layout and counter(9) encoding.
set -eu
cd "$(dirname "$0")"

variant=${1:?usage: ./build.sh 4k|16k}
case $variant in
4k) pagedef= ; kernstart=0xffff000000200000; loadpa=0x40200000 ;;
16k) pagedef=-DPAGE_16K; kernstart=0xffff000002000000; loadpa=0x42000000 ;;
*)
	echo "build.sh: unknown variant $variant (want 4k or 16k)" >&2
	exit 2
	;;
esac

cc="clang --target=aarch64-unknown-freebsd14"
cflags="-ffreestanding -fno-builtin -nostdlib -fno-pic -fno-stack-protector
	-mgeneral-regs-only -mcmodel=small -O1 -g -gdwarf-5
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror -Iinclude $pagedef"

out=build/$variant
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
ld.lld -T kernel.ld -nostdlib -static -z max-page-size=16384 \
	--defsym KERNSTART=$kernstart --defsym KERNLOAD_PA=$loadpa \
	--build-id=none -o "$out/kernel" $objs
echo "built $out/kernel"
