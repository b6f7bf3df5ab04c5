package symbols

import (
	"debug/dwarf"
	"fmt"
)

// A dieReader reads DIEs in order from a position in .debug_info. Both
// *dwarf.Reader and unitDIEReader implement it.
type dieReader interface {
	Next() (*dwarf.Entry, error)
	AddressSize() int
}

// readerAt returns a reader positioned at the DIE at .debug_info offset
// off. The caller holds t.dwarfMu.
func (t *Table) readerAt(off dwarf.Offset) (dieReader, error) {
	if t.raw == nil {
		r := t.dwarf.Reader()
		r.Seek(off)
		return r, nil
	}
	return t.unitReader(off)
}

// entryAt reads the single DIE at off. The caller holds t.dwarfMu.
func (t *Table) entryAt(off dwarf.Offset) (*dwarf.Entry, error) {
	r, err := t.readerAt(off)
	if err != nil {
		return nil, err
	}
	e, err := r.Next()
	if err != nil {
		return nil, err
	}
	if e == nil || e.Offset != off {
		return nil, fmt.Errorf("no DWARF entry starts at offset %#x", off)
	}
	return e, nil
}

// hasDWARFData reports whether DIEs can be read, from the mapped sections
// or from debug/dwarf's copy.
func (t *Table) hasDWARFData() bool { return t.dwarf != nil || t.raw != nil }

// A unitDIEReader reads the DIEs of one unit through a debug/dwarf Data
// made for that unit alone. Parsing the headers and abbreviation tables of
// every unit, as dwarf.New does for a whole .debug_info, costs a kernel
// debug file more time and memory than the few types a lookup needs.
// Offsets in that Data count from the unit's start: the reader adds base
// back to DIE offsets and to unit-relative references.
type unitDIEReader struct {
	r     *dwarf.Reader
	base  dwarf.Offset
	unit  *unitSpan
	table []abbrev // the unit's abbreviations, to tell references' forms apart
	raw   *rawDWARF
}

// unitReader returns a reader positioned at off in its unit.
func (t *Table) unitReader(off dwarf.Offset) (*unitDIEReader, error) {
	units := t.rawUnits
	lo, ok := unitIndex(units, int64(off))
	if !ok {
		return nil, fmt.Errorf("no DWARF entry starts at offset %#x", off)
	}
	u := &units[lo]
	d, err := t.unitData(lo)
	if err != nil {
		return nil, err
	}
	table := t.unitTables[lo]
	if table == nil {
		var cache abbrevCache
		table, err = (&skimmer{raw: t.raw, units: units}).abbrevs(u, &cache)
		if err != nil {
			return nil, err
		}
		t.unitTables[lo] = table
	}
	r := d.Reader()
	r.Seek(off - dwarf.Offset(u.off))
	return &unitDIEReader{r: r, base: dwarf.Offset(u.off), unit: u, table: table, raw: t.raw}, nil
}

// unitData returns the debug/dwarf Data of unit i, making it on first use.
func (t *Table) unitData(i int) (*dwarf.Data, error) {
	if d := t.unitDatas[i]; d != nil {
		return d, nil
	}
	u := &t.rawUnits[i]
	s := t.rawSections
	d, err := dwarf.New(s[".debug_abbrev"], nil, nil, t.raw.info[u.off:u.end], s[".debug_line"], nil,
		s[".debug_ranges"], s[".debug_str"])
	if err != nil {
		return nil, fmt.Errorf("unit at .debug_info offset %#x: %w", u.off, err)
	}
	for _, n := range []string{".debug_addr", ".debug_line_str", ".debug_str_offsets", ".debug_rnglists"} {
		if b := s[n]; b != nil {
			if err := d.AddSection(n, b); err != nil {
				return nil, fmt.Errorf("unit at .debug_info offset %#x: %w", u.off, err)
			}
		}
	}
	t.unitDatas[i] = d
	return d, nil
}

func (u *unitDIEReader) AddressSize() int { return u.r.AddressSize() }

// Next reads the next DIE and moves its offset and its unit-relative
// references into .debug_info's numbering.
func (u *unitDIEReader) Next() (*dwarf.Entry, error) {
	e, err := u.r.Next()
	if err != nil || e == nil {
		return e, err
	}
	e.Offset += u.base
	if e.Tag == 0 {
		return e, nil
	}
	code, _ := uleb(u.raw.info[:u.unit.end], int(e.Offset))
	if code >= uint64(len(u.table)) || len(u.table[code].attrs) != len(e.Field) {
		return nil, fmt.Errorf("DIE at .debug_info offset %#x does not match its abbreviation %d", e.Offset, code)
	}
	for i := range e.Field {
		f := &e.Field[i]
		off, ok := f.Val.(dwarf.Offset)
		if !ok {
			continue
		}
		switch u.table[code].attrs[i].form {
		case formRef1, formRef2, formRef4, formRef8, formRefUdata:
			f.Val = off + u.base
		}
	}
	return e, nil
}
