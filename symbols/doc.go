// Package symbols reads a FreeBSD kernel's ELF symbol table and its DWARF
// types: the names, addresses and C types that give a dump's bytes their
// meaning.
//
// A [Table] is opened from a kernel file and, optionally, its separate debug
// file (FreeBSD installs /boot/kernel/kernel and
// /usr/lib/debug/boot/kernel/kernel.debug). Symbols come from the kernel,
// types from the debug file. [Table.Vnet] finds the set_vnet linker set that
// holds the master copy of every virtualized (V_) variable.
//
// Types are returned as delve's godwarf types, built by this package's own
// DWARF reader rather than by godwarf.ReadType. The reader handles what
// godwarf v1.27.2 gets wrong for C: DW_AT_data_bit_offset bitfields, array
// sizes (DW_AT_count, DW_AT_upper_bound, flexible and zero-length arrays)
// and byte sizes of arrays and qualified types. The conventions it stores:
//
//   - A bitfield's StructField has ByteOffset and BitOffset such that the
//     field starts at bit ByteOffset*8+BitOffset of the struct, counting from
//     the least significant bit of byte 0 (little-endian order), and
//     ByteSize is the number of bytes the field touches. See
//     [BitfieldLocation].
//   - A non-bitfield StructField has BitSize 0 and ByteSize equal to the size
//     of its type.
//   - An ArrayType has Count -1 when its length is unknown (a flexible array
//     member such as char data[]) and 0 for a zero-length array such as
//     int z[0]. Both have ByteSize 0, but godwarf's Size method returns a
//     negative number for Count -1, so use [Sizeof].
//   - A FuncType has ReflectKind reflect.Func when the DWARF marks it
//     prototyped. [TypeName] uses it to print (void) rather than ().
//
// [TypeName] spells types the way gdb's whatis does, so output can be
// compared with gdb.
//
// # Security
//
// Kernel and debug files may be corrupt or crafted. Files are opened
// read-only, every DWARF offset is checked by debug/dwarf before use, type
// graphs are cached by DIE offset before recursion so reference cycles end,
// recursion depth is capped, and array sizes are checked for overflow.
// Errors name the file and the DIE offset or symbol involved.
package symbols
