#!/bin/sh
# Writes golden/<kernel>.gdb and golden/<kernel>.nm for each kernel in elf/,
# golden/kernel-<arch>.nm for the freebsd-lldb kernels and golden/versions.txt.
# Every expected value in the symbols tests comes from these files, so they
# are made only by gdb and llvm-nm, never by the package under test.
#
# Usage: gdb-golden.sh [OUTDIR]   (default: golden)
# Tools: GNU gdb 13.1, llvm-nm 14, bzip2.
set -eu
cd "$(dirname "$0")"
out=${1:-golden}
mkdir -p "$out"
cmds=$(mktemp)
unpacked=$(mktemp)
trap 'rm -f "$cmds" "$unpacked"' EXIT

types="struct flags|union word|enum color|enum big|struct packet|struct listed|struct vnet|struct arrays|struct ops|flags_t|flags_p|handler_t|printer_t|stat_t|counter_t|u_int|uintptr_t|bool"

vars="hz ticks version fixed_ptr fixed_pp cvl stat_total flags_template flags_ptr on_tick printer
ops arrays word color big packet vnet0 vnet_storage grid_sum ratio big_value bss_buf huge_buf
sval usval scval llval shared flags_init vnet_entry_ifindex vnet_entry_vflags vnet_entry_vname
vnet_entry_vlist vnet_entry_vcount vnet_entry_vpacket"

# Typedefs that gdb's whatis unrolls by one level.
typedefs="flags_t flags_p handler_t printer_t stat_t counter_t u_int uintptr_t bool"

# Members whose offsets are checked, as "struct NAME:member ...".
members="struct packet:kind sport dport ports tag lval dval payload
struct listed:link value
struct vnet:vnet_le vnet_magic_n vnet_ifcnt vnet_sockcnt vnet_state vnet_data_mem vnet_data_base vnet_shutdown
struct arrays:row grid name big ptrs rowp zero
struct ops:op_start op_print op_handler op_lookup op_table
struct flags:g
union word:w bytes parts"

# Expressions whose type gdb names with whatis.
exprs="arrays.row arrays.grid arrays.name arrays.big arrays.ptrs arrays.rowp arrays.zero
packet.payload packet.sport ops.op_start ops.op_print ops.op_handler ops.op_lookup ops.op_table
word.parts word.bytes vnet_storage.vnet_le vnet_storage.vnet_data_base flags_init.f flags_init.j
'kern2.c'::shared"

# Bitfield values that gdb decodes from the file's data.
bitvalues="flags_init.a flags_init.b flags_init.c flags_init.d flags_init.e flags_init.f
flags_init.g flags_init.h flags_init.i flags_init.j vnet_entry_vflags.a vnet_entry_vflags.c
vnet_entry_vflags.d vnet_entry_vflags.h word.parts.lo word.parts.hi"

# Scalars whose stored value gdb reads from the file.
scalars="hz
stat_total
color
big
ratio
big_value
sval
usval
scval
llval
shared
vnet_entry_ifindex
vnet_entry_vcount
word.w
(unsigned long)version"

# Addresses for info symbol, as expressions.
addrs="&hz
(char*)&hz+3
(char*)&hz+4
&vnet_entry_vflags
(char*)&vnet_entry_vflags+12
(char*)&bss_buf+31
(char*)&huge_buf+69999
_start
(char*)_start+5
&__start_set_vnet
&__stop_set_vnet"

# emit prints one gdb command verbatim (dash's echo would expand the \n).
emit() { printf '%s\n' "$*"; }

# words prints each space- or newline-separated word of $1 on its own line.
words() { printf '%s\n' "$1" | tr ' ' '\n' | grep -v '^$'; }

for kernel in elf/amd64-* elf/i386-*; do
	name=$(basename "$kernel")
	{
		emit "set width 0"
		emit "set height 0"
		echo "$types" | tr '|' '\n' | while IFS= read -r t; do
			emit "echo @ptype $t\\n"
			emit "ptype /o $t"
			emit "echo @sizeof $t\\n"
			emit "print sizeof($t)"
		done
		words "$vars" | while read -r v; do
			emit "echo @whatis $v\\n"
			emit "whatis $v"
			emit "echo @sizeof $v\\n"
			emit "print sizeof($v)"
		done
		words "$typedefs" | while read -r d; do
			emit "echo @typedef $d\\n"
			emit "whatis $d"
		done
		words "$exprs" | while read -r e; do
			emit "echo @whatis $e\\n"
			emit "whatis $e"
			emit "echo @sizeof $e\\n"
			emit "print sizeof($e)"
		done
		echo "$members" | while IFS=: read -r t ms; do
			for m in $ms; do
				emit "echo @offset $t:$m\\n"
				emit "print (long)&(($t *)0)->$m"
			done
		done
		words "$bitvalues" | while read -r b; do
			emit "echo @value $b\\n"
			emit "print/d $b"
		done
		printf '%s\n' "$scalars" | while read -r s; do
			emit "echo @value $s\\n"
			emit "print $s"
		done
		emit "echo @string version\\n"
		emit "print version"
		emit "echo @string vnet_entry_vname\\n"
		emit "print vnet_entry_vname"
		printf '%s\n' "$addrs" | while read -r a; do
			emit "echo @address $a\\n"
			emit "print/x (unsigned long)($a)"
			emit "echo @infosymbol $a\\n"
			emit "info symbol $a"
		done
	} >"$cmds"
	# gdb names the file by its absolute path in warnings; keep the golden
	# files independent of where the repository is.
	gdb -batch -nx -x "$cmds" "$kernel" 2>&1 | sed "s#$PWD/##g" >"$out/$name.gdb"
	llvm-nm --defined-only -S -n "$kernel" >"$out/$name.nm"
done

# The tool versions, so a check can tell drift from a different gdb.
{
	gdb --version | head -1
	llvm-nm --version | grep -i version | head -1
} >"$out/versions.txt"

for arch in amd64 arm64; do
	bzip2 -dc "freebsd-lldb/kernel-$arch.bz2" >"$unpacked"
	llvm-nm --defined-only -S -n "$unpacked" >"$out/kernel-$arch.nm"
done
