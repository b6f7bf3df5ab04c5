package symbols

import (
	"debug/dwarf"
	"encoding/binary"
)

// DWARF expression opcodes that name a static address (DWARF 5 section 2.5).
const (
	opAddr          = 0x03 // DW_OP_addr: an address operand follows
	opAddrx         = 0xa1 // DW_OP_addrx: a ULEB128 index into .debug_addr follows
	opGNUAddrIndex  = 0xfb // DW_OP_GNU_addr_index: the pre-DWARF 5 spelling of DW_OP_addrx
	debugAddrHeader = 8    // size of a 32-bit DWARF .debug_addr header, the default DW_AT_addr_base
)

// variableAddr returns the static address in a variable DIE's
// DW_AT_location, if the location is a plain address.
func (t *Table) variableAddr(v varRef) (uint64, bool) {
	r, err := t.readerAt(v.off)
	if err != nil {
		return 0, false
	}
	e, err := r.Next()
	if err != nil || e == nil {
		return 0, false
	}
	size := r.AddressSize()
	loc, ok := e.Val(dwarf.AttrLocation).([]byte)
	if !ok || len(loc) == 0 {
		return 0, false
	}
	order := t.ByteOrder()
	switch loc[0] {
	case opAddr:
		return readAddr(order, loc[1:], size)
	case opAddrx, opGNUAddrIndex:
		index, n := uleb128(loc[1:])
		if n == 0 {
			return 0, false
		}
		return t.debugAddrEntry(v.unit, index, size)
	}
	return 0, false
}

// debugAddrEntry reads entry index of the unit's table in .debug_addr.
func (t *Table) debugAddrEntry(unit dwarf.Offset, index uint64, size int) (uint64, bool) {
	base := uint64(debugAddrHeader)
	if cu, err := t.entryAt(unit); err == nil {
		if b, ok := cu.Val(dwarf.AttrAddrBase).(int64); ok && b >= 0 {
			base = uint64(b)
		}
	}
	data := t.debugAddrData()
	if index > uint64(len(data))/uint64(size) {
		return 0, false
	}
	off := base + index*uint64(size)
	if off > uint64(len(data)) {
		return 0, false
	}
	return readAddr(t.ByteOrder(), data[off:], size)
}

// debugAddrData returns the debug file's .debug_addr section, read once.
func (t *Table) debugAddrData() []byte {
	t.addrOnce.Do(func() {
		if sec := t.debug.Section(".debug_addr"); sec != nil {
			t.addrData, _ = sec.Data()
		}
	})
	return t.addrData
}

func readAddr(order binary.ByteOrder, b []byte, size int) (uint64, bool) {
	switch {
	case size == 8 && len(b) >= 8:
		return order.Uint64(b), true
	case size == 4 && len(b) >= 4:
		return uint64(order.Uint32(b)), true
	}
	return 0, false
}

// uleb128 decodes an unsigned LEB128 number and returns it with the number
// of bytes read, or n == 0 if b ends inside it or it exceeds 64 bits.
func uleb128(b []byte) (v uint64, n int) {
	var shift uint
	for i, c := range b {
		if shift >= 64 {
			return 0, 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, i + 1
		}
		shift += 7
	}
	return 0, 0
}
