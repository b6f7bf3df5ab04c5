#!/bin/sh
# Build one variant of the test kernel into build/<variant>/kernel.
#
# Usage: ./build.sh clang-dwarf5 | clang-dwarf4 | gcc-dwarf4 | gcc-dwarf5 |
#        clang-dwarf5-reloc | clang-dwarf5-scale
#
# clang-dwarf5-reloc is clang-dwarf5 loaded at physical 16 MiB instead of
# KERNLOAD (2 MiB): its ELF load addresses and kernphys are 0x1000000, and
# its KERNBASE region maps physical 14 MiB upwards, so the link addresses
# stay those of the other variants.
#
# clang-dwarf5-scale is clang-dwarf5 with SCALE_VNETS vnets (default 1000)
# and SCALE_VARS generated V_ variables (default 1500) on top of the usual
# ones: scale/gen writes them to build/clang-dwarf5-scale/vnet_scale_vars.c,
# and scale/scale.c creates the jails. It renames two functions of the
# shared sources with -D instead of editing them, so every other variant
# builds from unchanged preprocessed sources.
#
# clang targets FreeBSD 14 directly, so its objects and the linked kernel
# carry ELF OSABI 9 (FreeBSD). gcc builds for the host target; its kernel
# gets OSABI 9 patched into e_ident afterwards.
set -eu

variant=${1:?usage: ./build.sh clang-dwarf5|clang-dwarf4|gcc-dwarf4|gcc-dwarf5|clang-dwarf5-reloc|clang-dwarf5-scale}
cd "$(dirname "$0")"

# Physical load address minus KERNLOAD, a multiple of 2 MiB.
kerndelta=0
scale=false
case $variant in
clang-dwarf5) cc="clang --target=x86_64-unknown-freebsd14"; dwarf=-gdwarf-5 ;;
clang-dwarf5-reloc)
	cc="clang --target=x86_64-unknown-freebsd14"; dwarf=-gdwarf-5
	kerndelta=0xe00000
	;;
clang-dwarf5-scale)
	cc="clang --target=x86_64-unknown-freebsd14"; dwarf=-gdwarf-5; scale=true
	;;
clang-dwarf4) cc="clang --target=x86_64-unknown-freebsd14"; dwarf=-gdwarf-4 ;;
gcc-dwarf5) cc="gcc -fno-pie"; dwarf=-gdwarf-5 ;;
gcc-dwarf4) cc="gcc -fno-pie"; dwarf=-gdwarf-4 ;;
*)
	echo "build.sh: unknown variant $variant (want clang-dwarf5, clang-dwarf4, gcc-dwarf4, gcc-dwarf5, clang-dwarf5-reloc or clang-dwarf5-scale)" >&2
	exit 2
	;;
esac

cflags="-ffreestanding -fno-builtin -nostdlib -mno-red-zone -mcmodel=kernel
	-fno-pic -fno-stack-protector -mno-sse -mno-mmx -O1 -g $dwarf
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror -Iinclude
	-DVARIANT=\"$variant\""
if [ "$kerndelta" != 0 ]; then
	cflags="$cflags -DKERNDELTA=$kerndelta"
fi

out=build/$variant
mkdir -p "$out"

# The module, built as sys/conf/kmod.mk builds amd64 modules: the kernel's
# flags plus -DKLD_MODULE, then ld -r into a relocatable .ko (kmod.mk also
# passes -d, which lld deprecates; -fno-common leaves nothing for it to do). clang builds
# it for every variant, with the variant's DWARF version.
# shellcheck disable=SC2086 # cflags is a word list
clang --target=x86_64-unknown-freebsd14 $cflags -DKLD_MODULE -fno-common \
	-msoft-float -mno-aes -mno-avx -c if_vnettest.c -o "$out/if_vnettest.o"
ld.lld -r -o "$out/if_vnettest.ko" "$out/if_vnettest.o"

srcs="locore.S machdep.c pmap.c vm_page.c kern_malloc.c subr_prf.c
	libkern.c kern_linker.c link_elf_obj.c subr_pcpu.c vnet.c vnet_vars.c
	kern_jail.c kern_proc.c
	minidump_machdep.c kern_dump.c"
if $scale; then
	nvnets=${SCALE_VNETS:-1000}
	nvars=${SCALE_VARS:-1500}
	(cd ../.. && go run ./testdata/kernel/scale/gen -vars "$nvars" \
		-out "testdata/kernel/$out/vnet_scale_vars.c")
	srcs="$srcs scale/scale.c $out/vnet_scale_vars.c"
	cflags="$cflags -DSCALE_VNETS=$nvnets"
fi

objs=""
for src in $srcs; do
	obj=$out/$(basename "${src%.*}").o
	# The scale variant replaces these two functions (see scale/scale.c).
	rename=""
	if $scale; then
		case $src in
		kern_jail.c) rename=-Djails_init=jails_init_base ;;
		vnet_vars.c) rename=-Dvnet_vars_init=vnet_vars_init_base ;;
		esac
	fi
	# shellcheck disable=SC2086 # cc, cflags and rename are word lists
	$cc $cflags $rename -DKO_PATH="\"$out/if_vnettest.ko\"" -c "$src" -o "$obj"
	objs="$objs $obj"
done

# The relocated variant loads every segment KERNDELTA higher.
script=kernel.ld
if [ "$kerndelta" != 0 ]; then
	script=$out/kernel.ld
	sed "s/- KERNBASE)/- KERNBASE + $kerndelta)/" kernel.ld >"$script"
fi

# shellcheck disable=SC2086 # objs is a word list
ld.lld -T "$script" -nostdlib -static -z max-page-size=4096 \
	--build-id=none -o "$out/kernel" $objs

case $variant in
gcc-*) printf '\011' | dd of="$out/kernel" bs=1 seek=7 conv=notrunc status=none ;;
esac
echo "built $out/kernel"
