#!/bin/sh
# Build the i386 test kernel into build/kernel, or with "pae" as the first
# argument the PAE kernel (8-byte page-table entries) into build-pae/kernel.
#
# Usage: build.sh [pae]
#
# The machine-independent parts (vnets and their variables, jails, the page
# allocator, string routines) are the amd64 test kernel's sources in
# ../kernel, compiled with this directory's include/ first so that they get
# i386 types and layout. Those sources print 64-bit values with %lx and
# assign 64-bit limits to long, which is 32 bits here, so -Wformat and
# -Wconstant-conversion are off for them.
set -eu
cd "$(dirname "$0")"

variant=${1:-}
case $variant in
"") out=build pae_flag= ;;
pae) out=build-pae pae_flag=-DPAE ;;
*)
	echo "usage: build.sh [pae]" >&2
	exit 2
	;;
esac

cc="clang --target=i386-unknown-freebsd14"
cflags="-ffreestanding -fno-builtin -nostdlib -fno-pic -fno-stack-protector
	-mno-sse -mno-mmx -msoft-float -O1 -g -gdwarf-5
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror -Iinclude $pae_flag"
shared_flags="-Wno-format -Wno-constant-conversion"

mkdir -p "$out"
objs=""
for src in locore.S machdep.c pmap.c debugcon.c libgcc.c subr_prf.c kern_malloc.c \
	subr_pcpu.c minidump_machdep.c kern_dump.c \
	../kernel/vnet.c ../kernel/vnet_vars.c ../kernel/kern_jail.c \
	../kernel/vm_page.c ../kernel/libkern.c; do
	base=$(basename "$src")
	obj=$out/${base%.*}.o
	extra=
	case $src in ../*) extra=$shared_flags ;; esac
	# shellcheck disable=SC2086 # cc, cflags and extra are word lists
	$cc $cflags $extra -c "$src" -o "$obj"
	objs="$objs $obj"
done

# shellcheck disable=SC2086 # objs is a word list
ld.lld -m elf_i386 -T kernel.ld -nostdlib -static -z max-page-size=4096 \
	--defsym KERNSTART=0xc0400000 --defsym KERNLOAD_PA=0x400000 \
	--build-id=none -o "$out/kernel" $objs
echo "built $out/kernel"
