#!/bin/sh
# Builds the test kernels in elf/ from kern.c and kern2.c. The commands
# below are the exact ones that produced the committed files. Rerun
# gdb-golden.sh afterwards, because the golden files describe these builds.
#
# Tools: Debian clang 14.0.6, ld.lld 14, gcc 12.2.0, GNU objcopy 2.40.
set -eu
cd "$(dirname "$0")"
mkdir -p elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

common="-ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables -O0 -g"

# link NAME LDEMULATION IMAGEBASE: links the two objects into elf/NAME.
link() {
	ld.lld -m "$2" --image-base="$3" -e _start -o "elf/$1" "$tmp/kern.o" "$tmp/kern2.o"
}

# amd64, like a FreeBSD kernel: clang with its default (gdb) tuning writes
# DW_AT_bit_offset bitfields, with -glldb it writes DW_AT_data_bit_offset.
for flags in "-gdwarf-4:clang-dwarf4" "-gdwarf-5:clang-dwarf5" "-gdwarf-5 -glldb:clang-dwarf5-lldb" \
	"-gdwarf-5 -gpubnames:clang-dwarf5-names"; do
	name=${flags##*:}
	for src in kern kern2; do
		clang --target=x86_64-unknown-freebsd14 -mcmodel=kernel $common ${flags%%:*} \
			-c -o "$tmp/$src.o" "$src.c"
	done
	link "amd64-$name" elf_x86_64 0xffffffff80200000
done

# Two statics named dead, one optimized away: .debug_names lists only the
# other, while the DIEs themselves list both. The kernel lives outside elf/
# because gdb-golden.sh describes every kernel in elf/.
for src in statics1 statics2; do
	clang --target=x86_64-unknown-freebsd14 -mcmodel=kernel -ffreestanding -fno-pic -O2 -g \
		-gdwarf-5 -gpubnames -c -o "$tmp/$src.o" "statics/$src.c"
done
ld.lld -m elf_x86_64 --image-base=0xffffffff80200000 -e _start -o statics/kernel \
	"$tmp/statics1.o" "$tmp/statics2.o"

# Two units that define struct shape differently, and only the second
# compiled with -gpubnames: .debug_names covers only the second unit.
clang --target=x86_64-unknown-freebsd14 -mcmodel=kernel $common -gdwarf-5 \
	-c -o "$tmp/gap1.o" namesgap/gap1.c
clang --target=x86_64-unknown-freebsd14 -mcmodel=kernel $common -gdwarf-5 -gpubnames \
	-c -o "$tmp/gap2.o" namesgap/gap2.c
ld.lld -m elf_x86_64 --image-base=0xffffffff80200000 -e _start -o namesgap/kernel \
	"$tmp/gap1.o" "$tmp/gap2.o"
# An assembler unit, which no index lists but which has no types, before gap2.c.
clang --target=x86_64-unknown-freebsd14 -mcmodel=kernel $common -gdwarf-5 -gpubnames \
	-c -o "$tmp/entry.o" namesgap/entry.S
ld.lld -m elf_x86_64 --image-base=0xffffffff80200000 -e _start -o namesgap/kernel-asm \
	"$tmp/entry.o" "$tmp/gap2.o"

# gcc 12 writes DW_AT_bit_offset for DWARF 4 and DW_AT_data_bit_offset for DWARF 5.
for v in 4 5; do
	for src in kern kern2; do
		gcc -mcmodel=kernel $common -gdwarf-$v -c -o "$tmp/$src.o" "$src.c"
	done
	link "amd64-gcc-dwarf$v" elf_x86_64 0xffffffff80200000
done

# i386 (4-byte pointers) and riscv64, for the architecture checks.
for src in kern kern2; do
	clang --target=i386-unknown-freebsd14 $common -gdwarf-4 -c -o "$tmp/$src.o" "$src.c"
done
link i386-clang-dwarf4 elf_i386 0xc0400000
for src in kern kern2; do
	clang --target=riscv64-unknown-freebsd14 -mcmodel=medany -mno-relax $common -gdwarf-4 \
		-c -o "$tmp/$src.o" "$src.c"
done
link riscv64-clang-dwarf4 elf64lriscv 0xffffffc000200000

# A FreeBSD-style split: the kernel keeps its symbol table but no DWARF,
# and kernel.debug holds only the debug sections (data sections are NOBITS).
mkdir -p elf/split elf/nosyms
objcopy --strip-debug elf/amd64-gcc-dwarf5 elf/split/kernel
objcopy --only-keep-debug elf/amd64-gcc-dwarf5 elf/split/kernel.debug

# A kernel stripped of its symbol table too, so symbols come from the debug file.
objcopy --strip-all elf/amd64-clang-dwarf5 elf/nosyms/kernel
objcopy --only-keep-debug elf/amd64-clang-dwarf5 elf/nosyms/kernel.debug
