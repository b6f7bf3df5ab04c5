// Package vnetwalk gives FreeBSD meaning to kernel memory: it walks the vnet
// list, names each vnet's jails and resolves virtualized (V_) variables in
// every vnet instance.
//
// It is the only layer that combines the two below it: package kvm, which
// reads bytes at addresses, and package symbols, which names addresses and
// types. The presentation layers (report, tui, cmd/vnetinspect) sit above.
//
// Struct offsets come from the kernel's DWARF, never from tables, so that
// the walker follows whatever layout the kernel was built with.
//
// # Security
//
// Kernel memory in a crash dump is untrusted: lists may be half updated and
// pointers may dangle. Every list walk is bounded and checks for cycles, and
// a bad vnet or variable carries its own error while the rest is still read.
package vnetwalk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// Prefix is the ELF symbol prefix of virtualized variables (VNET_SYMPREFIX
// in sys/net/vnet.h).
const Prefix = "vnet_entry_"

// FreeBSD constants from sys/net/vnet.h and sys/sys/jail.h.
const (
	VnetMagic    = 0x5e4a6f28 // VNET_MAGIC_N since FreeBSD 12
	VnetMagicOld = 0x3e0d8f29 // VNET_MAGIC_N before the vnet_shutdown field
	PRVnet       = 0x10       // PR_VNET: the jail has its own network stack
)

// Limits bound the work done on untrusted lists.
type Limits struct {
	MaxVnets int // vnets followed on vnet_head
	MaxJails int // prisons followed on allprison
}

// DefaultLimits returns limits well above what real hosts run (FreeBSD's
// JAIL_MAX is 999999, but hosts run at most a few thousand jails).
func DefaultLimits() Limits {
	return Limits{MaxVnets: 100000, MaxJails: 100000}
}

// A Kernel is a kernel's symbols joined with its memory.
type Kernel struct {
	Syms   *symbols.Table
	Mem    kvm.Reader
	Limits Limits
	// Warnings are doubts found before any walk, such as a kernel match that
	// could not be checked. Every Walk result starts with them.
	Warnings []string

	order   binary.ByteOrder
	ptrSize int
	layouts map[string]*layout
	modules *Modules // set by LoadModules; nil means only the kernel's variables
	// vnetSet returns Syms.Vnet(), computed once because the symbol table
	// does not change. Vnet sorts every vnet_entry_ symbol on each call,
	// which dominated the time of reading every variable in every vnet.
	vnetSet func() (symbols.VnetSet, error)

	typesMu   sync.Mutex
	varTypes  map[string]varType   // variableType's results by symbol name
	statNames map[statKey][]string // statFieldNames's results
}

// A varType is one result of Syms.VariableType.
type varType struct {
	t   godwarf.Type
	err error
}

// New joins a symbol table with a memory source.
func New(syms *symbols.Table, mem kvm.Reader) *Kernel {
	return &Kernel{
		Syms:    syms,
		Mem:     mem,
		Limits:  DefaultLimits(),
		order:   syms.ByteOrder(),
		ptrSize: syms.PtrSize(),
		layouts: map[string]*layout{},
		vnetSet: sync.OnceValues(syms.Vnet),
	}
}

// A layout is a kernel struct type with the members the walker reads.
type layout struct {
	name string
	typ  godwarf.Type
	size int64
}

// layoutOf returns the DWARF layout of a kernel struct, such as "struct vnet".
func (k *Kernel) layoutOf(name string) (*layout, error) {
	if l, ok := k.layouts[name]; ok {
		return l, nil
	}
	t, err := k.Syms.Type(name)
	if err != nil {
		return nil, fmt.Errorf("kernel type %s: %w", name, err)
	}
	l := &layout{name: name, typ: t, size: t.Size()}
	if l.size <= 0 || l.size > 1<<20 {
		return nil, fmt.Errorf("kernel type %s has an unusable size %d in DWARF", name, l.size)
	}
	k.layouts[name] = l
	return l, nil
}

// A record is the bytes of one kernel struct read from memory.
type record struct {
	l    *layout
	addr uint64
	b    []byte
	k    *Kernel
}

// errNoMember reports a member the kernel's struct does not have.
var errNoMember = errors.New("no such member")

// readRecord reads one struct of the named type at addr.
func (k *Kernel) readRecord(typeName string, addr uint64) (*record, error) {
	l, err := k.layoutOf(typeName)
	if err != nil {
		return nil, err
	}
	b := make([]byte, l.size)
	if err := k.read(b, addr); err != nil {
		return nil, fmt.Errorf("%s at %#x: %w", typeName, addr, err)
	}
	return &record{l: l, addr: addr, b: b, k: k}, nil
}

// read fills b from kernel memory at addr.
func (k *Kernel) read(b []byte, addr uint64) error {
	n, err := k.Mem.ReadAt(b, kvm.Addr(addr))
	if err != nil {
		return err
	}
	if n < len(b) {
		return fmt.Errorf("short read at %#x: %d of %d bytes", addr, n, len(b))
	}
	return nil
}

// readPtr reads a pointer-sized word at addr.
func (k *Kernel) readPtr(addr uint64) (uint64, error) {
	b := make([]byte, k.ptrSize)
	if err := k.read(b, addr); err != nil {
		return 0, err
	}
	return k.word(b), nil
}

// word decodes an unsigned integer of len(b) bytes.
func (k *Kernel) word(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(k.order.Uint16(b))
	case 4:
		return uint64(k.order.Uint32(b))
	case 8:
		return k.order.Uint64(b)
	}
	return 0
}

// member returns the offset and size of a member, following a dotted path
// such as "vnet_le.le_next".
func (r *record) member(path string) (int64, int64, error) {
	off, size, err := memberPath(r.l.typ, path)
	if err != nil {
		return 0, 0, err
	}
	if off < 0 || size < 0 || off+size > int64(len(r.b)) {
		return 0, 0, fmt.Errorf("member at offset %d, size %d lies outside the %d-byte struct", off, size, len(r.b))
	}
	return off, size, nil
}

// uint reads an integer or pointer member as unsigned.
func (r *record) uint(path string) (uint64, error) {
	off, size, err := r.member(path)
	if err != nil {
		return 0, fmt.Errorf("%s.%s: %w", r.l.name, path, err)
	}
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return 0, fmt.Errorf("%s.%s: member of %d bytes is not an integer", r.l.name, path, size)
	}
	return r.k.word(r.b[off : off+size]), nil
}

// cstring reads a char array member up to its first NUL.
func (r *record) cstring(path string) (string, error) {
	off, size, err := r.member(path)
	if err != nil {
		return "", fmt.Errorf("%s.%s: %w", r.l.name, path, err)
	}
	b := r.b[off : off+size]
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), nil
		}
	}
	return string(b), nil
}

// memberPath resolves a dotted member path in a struct type.
func memberPath(t godwarf.Type, path string) (int64, int64, error) {
	var off int64
	cur := t
	for path != "" {
		name := path
		rest := ""
		for i := 0; i < len(path); i++ {
			if path[i] == '.' {
				name, rest = path[:i], path[i+1:]
				break
			}
		}
		f, ok := symbols.Member(cur, name)
		if !ok {
			return 0, 0, fmt.Errorf("%s: %w", name, errNoMember)
		}
		off += f.ByteOffset
		cur = f.Type
		path = rest
	}
	return off, cur.Size(), nil
}
