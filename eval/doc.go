// Package eval evaluates C expressions over a kernel dump, the way kernel
// developers type them into kgdb: 'V_tcbinfo.ipi_listhead.lh_first->inp_list',
// ifindex_table[1]->if_xname, *(struct inpcb *)0xfffff8000040c340. It also
// walks queue(3) lists (LIST, TAILQ, STAILQ and SLIST) from their heads.
//
// It sits above packages kvm, symbols, value and vnetwalk. Identifiers are
// resolved with vnetwalk, as a V_ name in one chosen vnet or as a plain
// global. Bytes are read through the kernel's kvm.Reader, types come from
// the kernel's DWARF, and package value decodes the results.
//
// # Security
//
// Pointers in a dump may dangle and lists may be cut or cyclic. Every read
// is checked, every list walk is bounded and detects cycles, and an error
// names the step of the expression that failed.
package eval
