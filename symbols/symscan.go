package symbols

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// rawSymtab holds the symbol and string table bytes that scanSymbols reads,
// loaded on its first call.
type rawSymtab struct {
	loaded     bool
	err        error
	syms, strs []byte
}

// scanSymbols finds name by reading the symbol table entry by entry. Among
// symbols of one name it picks the one the index picks: the best binding,
// then the lowest address, then a sized symbol, then the first in the
// table. A lookup of one name then costs one pass over the table instead
// of a sort of all of it.
func (t *Table) scanSymbols(name string) (Symbol, bool, error) {
	t.symScanMu.Lock()
	defer t.symScanMu.Unlock()
	r := &t.rawSymtab
	if !r.loaded {
		r.loaded = true
		sec := symtabSection(t.symSrc)
		r.syms, r.err = sec.Data()
		if r.err == nil {
			r.strs, r.err = t.symSrc.Sections[sec.Link].Data()
		}
	}
	if r.err != nil {
		return Symbol{}, false, r.err
	}

	want := []byte(name)
	is32 := t.symSrc.Class == elf.ELFCLASS32
	entSize := elf.Sym64Size
	if is32 {
		entSize = elf.Sym32Size
	}

	var best elf.Symbol
	found := false
	// Entry 0 is the undefined symbol.
	for off := entSize; off+entSize <= len(r.syms); off += entSize {
		e := r.syms[off : off+entSize]
		nameOff := binary.LittleEndian.Uint32(e)
		if int64(nameOff)+int64(len(want)) >= int64(len(r.strs)) ||
			r.strs[int(nameOff)+len(want)] != 0 || !bytes.Equal(r.strs[nameOff:int(nameOff)+len(want)], want) {
			continue
		}
		var s elf.Symbol
		if is32 {
			s.Value = uint64(binary.LittleEndian.Uint32(e[4:]))
			s.Size = uint64(binary.LittleEndian.Uint32(e[8:]))
			s.Info, s.Other = e[12], e[13]
			s.Section = elf.SectionIndex(binary.LittleEndian.Uint16(e[14:]))
		} else {
			s.Info, s.Other = e[4], e[5]
			s.Section = elf.SectionIndex(binary.LittleEndian.Uint16(e[6:]))
			s.Value = binary.LittleEndian.Uint64(e[8:])
			s.Size = binary.LittleEndian.Uint64(e[16:])
		}
		typ := elf.ST_TYPE(s.Info)
		if len(want) == 0 || s.Section == elf.SHN_UNDEF || typ == elf.STT_FILE || typ == elf.STT_SECTION {
			continue
		}
		if !found || scanPrefers(&s, &best) {
			best, found = s, true
		}
	}
	if !found {
		return Symbol{}, false, nil
	}

	return Symbol{
		Name:    name,
		Addr:    best.Value,
		Size:    best.Size,
		Type:    elf.ST_TYPE(best.Info),
		Bind:    elf.ST_BIND(best.Info),
		Section: sectionName(t.symSrc, best.Section),
	}, true, nil
}

// scanPrefers reports whether a, met later in the table than b, is the
// symbol buildSymbolIndex's byName would keep instead of b.
func scanPrefers(a, b *elf.Symbol) bool {
	ra, rb := bindRank(elf.ST_BIND(a.Info)), bindRank(elf.ST_BIND(b.Info))
	switch {
	case ra != rb:
		return ra < rb
	case a.Value != b.Value:
		return a.Value < b.Value
	case (a.Size > 0) != (b.Size > 0):
		return a.Size > 0
	}
	return false
}
