package symbols

import (
	"bytes"
	"cmp"
	"debug/dwarf"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// This file builds the same name index as buildIndex without debug/dwarf,
// which decodes every attribute of every DIE into an Entry. The skimmer
// reads each unit's abbreviation table once and steps over DIEs whose
// attributes all have fixed sizes with one addition. It decodes attributes
// only for the direct children of a unit that the index keeps, and steps
// over deeper subtrees by DW_AT_sibling when that points forward. Units
// are skimmed in parallel, in contiguous runs. Lookups read the runs in
// file order, so they list DIEs in the order buildIndex does.

// rawDWARF holds the DWARF sections the skimmer reads, as slices of the
// mapped debug file.
type rawDWARF struct {
	info, abbrev, str, lineStr, strOffsets []byte
	mapped                                 bool // info is a file mapping whose pages may be dropped
}

// DWARF form codes (DWARF 5 section 7.5.6, plus the GNU extensions).
const (
	formAddr          = 0x01
	formBlock2        = 0x03
	formBlock4        = 0x04
	formData2         = 0x05
	formData4         = 0x06
	formData8         = 0x07
	formString        = 0x08
	formBlock         = 0x09
	formBlock1        = 0x0a
	formData1         = 0x0b
	formFlag          = 0x0c
	formSdata         = 0x0d
	formStrp          = 0x0e
	formUdata         = 0x0f
	formRefAddr       = 0x10
	formRef1          = 0x11
	formRef2          = 0x12
	formRef4          = 0x13
	formRef8          = 0x14
	formRefUdata      = 0x15
	formIndirect      = 0x16
	formSecOffset     = 0x17
	formExprloc       = 0x18
	formFlagPresent   = 0x19
	formStrx          = 0x1a
	formAddrx         = 0x1b
	formRefSup4       = 0x1c
	formStrpSup       = 0x1d
	formData16        = 0x1e
	formLineStrp      = 0x1f
	formRefSig8       = 0x20
	formImplicitConst = 0x21
	formLoclistx      = 0x22
	formRnglistx      = 0x23
	formRefSup8       = 0x24
	formStrx1         = 0x25
	formStrx2         = 0x26
	formStrx3         = 0x27
	formStrx4         = 0x28
	formAddrx1        = 0x29
	formAddrx2        = 0x2a
	formAddrx3        = 0x2b
	formAddrx4        = 0x2c
	formGNUAddrIndex  = 0x1f01
	formGNUStrIndex   = 0x1f02
	formGNURefAlt     = 0x1f20
	formGNUStrpAlt    = 0x1f21
)

// A unitSpan is one unit's place in .debug_info.
type unitSpan struct {
	off, end  int // the unit header's first byte and the byte after the unit
	data      int // the first DIE
	version   int
	offSize   int // 4 or 8: 32- or 64-bit DWARF
	addrSize  int
	abbrevOff uint64
}

// An abbrevAttr is one attribute specification of an abbreviation.
type abbrevAttr struct {
	attr     dwarf.Attr
	form     uint64
	implicit int64
}

// An abbrev is one abbreviation declaration.
type abbrev struct {
	tag      dwarf.Tag
	children bool
	attrs    []abbrevAttr
	fixed    int // bytes taken by all attribute values, or -1 if any form has a variable size
	// sibling is where DW_AT_sibling's value starts among the attribute
	// values, or -1 when there is none or a variable-size value precedes it.
	sibling     int
	siblingForm uint64 // DW_AT_sibling's form, or 0 when there is none
}

// listUnits reads the unit headers of .debug_info.
func listUnits(info []byte) ([]unitSpan, error) {
	var units []unitSpan
	for off := 0; off < len(info); {
		u := unitSpan{off: off}
		if len(info)-off < 4 {
			return nil, fmt.Errorf(".debug_info offset %#x: truncated unit header", off)
		}
		length := uint64(binary.LittleEndian.Uint32(info[off:]))
		p := off + 4
		u.offSize = 4
		switch {
		case length == 0xffffffff:
			if len(info)-p < 8 {
				return nil, fmt.Errorf(".debug_info offset %#x: truncated unit header", off)
			}
			length = binary.LittleEndian.Uint64(info[p:])
			p += 8
			u.offSize = 8
		case length >= 0xfffffff0:
			return nil, fmt.Errorf(".debug_info offset %#x: reserved unit length %#x", off, length)
		}
		if length > uint64(len(info)-p) {
			return nil, fmt.Errorf(".debug_info offset %#x: unit length %#x runs past the section's end (%#x)",
				off, length, len(info))
		}
		u.end = p + int(length)
		h := info[p:u.end]
		need := func(n int) error {
			if len(h) < n {
				return fmt.Errorf(".debug_info offset %#x: truncated unit header", off)
			}
			return nil
		}
		if err := need(2); err != nil {
			return nil, err
		}
		u.version = int(binary.LittleEndian.Uint16(h))
		h = h[2:]
		if u.version < 2 || u.version > 5 {
			return nil, fmt.Errorf(".debug_info offset %#x: unsupported DWARF version %d", off, u.version)
		}
		readOff := func() uint64 {
			if u.offSize == 8 {
				v := binary.LittleEndian.Uint64(h)
				h = h[8:]
				return v
			}
			v := uint64(binary.LittleEndian.Uint32(h))
			h = h[4:]
			return v
		}
		if u.version >= 5 {
			if err := need(2 + u.offSize); err != nil {
				return nil, err
			}
			unitType := h[0]
			u.addrSize = int(h[1])
			h = h[2:]
			u.abbrevOff = readOff()
			extra := 0
			switch unitType {
			case 2, 6: // DW_UT_type, DW_UT_split_type: signature and type offset
				extra = 8 + u.offSize
			case 4, 5: // DW_UT_skeleton, DW_UT_split_compile: unit ID
				extra = 8
			}
			if err := need(extra); err != nil {
				return nil, err
			}
			h = h[extra:]
		} else {
			if err := need(u.offSize + 1); err != nil {
				return nil, err
			}
			u.abbrevOff = readOff()
			u.addrSize = int(h[0])
			h = h[1:]
		}
		u.data = u.end - len(h)
		units = append(units, u)
		off = u.end
	}
	return units, nil
}

// uleb reads an unsigned LEB128 number at b[p:], returning it and the
// position after it, or -1 if it runs past the end.
func uleb(b []byte, p int) (uint64, int) {
	var v uint64
	var shift uint
	for p < len(b) {
		c := b[p]
		p++
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c < 0x80 {
			return v, p
		}
		shift += 7
	}
	return 0, -1
}

// sleb reads a signed LEB128 number like uleb.
func sleb(b []byte, p int) (int64, int) {
	var v int64
	var shift uint
	for p < len(b) {
		c := b[p]
		p++
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c < 0x80 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, p
		}
	}
	return 0, -1
}

// fixedFormSize returns the size of a value of form, or -1 if the size
// depends on the value.
func fixedFormSize(form uint64, u *unitSpan) int {
	switch form {
	case formFlagPresent, formImplicitConst:
		return 0
	case formData1, formRef1, formFlag, formStrx1, formAddrx1:
		return 1
	case formData2, formRef2, formStrx2, formAddrx2:
		return 2
	case formStrx3, formAddrx3:
		return 3
	case formData4, formRef4, formRefSup4, formStrx4, formAddrx4:
		return 4
	case formData8, formRef8, formRefSig8, formRefSup8:
		return 8
	case formData16:
		return 16
	case formAddr:
		return u.addrSize
	case formStrp, formLineStrp, formSecOffset, formStrpSup, formGNURefAlt, formGNUStrpAlt:
		return u.offSize
	case formRefAddr:
		if u.version == 2 {
			return u.addrSize
		}
		return u.offSize
	}
	return -1
}

// An abbrevCache holds the last abbreviation table parsed, and its
// buffers for the next one: in kernels each unit usually has a table of
// its own, so keeping more than one would not save work.
type abbrevCache struct {
	key   uint64
	valid bool
	table []abbrev
	all   []abbrevAttr // every attribute of the table, in one allocation
	spans []abbrevSpan
}

// An abbrevSpan locates one declaration's attributes in abbrevCache.all.
type abbrevSpan struct{ code, first int }

// parseAbbrevs reads the abbreviation table at off for unit u into c,
// indexed by code.
func parseAbbrevs(data []byte, off uint64, u *unitSpan, c *abbrevCache) ([]abbrev, error) {
	c.valid = false
	if off >= uint64(len(data)) {
		return nil, fmt.Errorf("abbreviation offset %#x is past the end of .debug_abbrev (%#x)", off, len(data))
	}
	table, all, spans := c.table[:0], c.all[:0], c.spans[:0]
	defer func() { c.table, c.all, c.spans = table, all, spans }()
	type span = abbrevSpan
	p := int(off)
	for {
		code, q := uleb(data, p)
		if q < 0 {
			return nil, fmt.Errorf(".debug_abbrev offset %#x: table runs past the end", off)
		}
		p = q
		if code == 0 {
			for k, sp := range spans {
				end := len(all)
				if k+1 < len(spans) {
					end = spans[k+1].first
				}
				table[sp.code].attrs = all[sp.first:end:end]
			}
			return table, nil
		}
		if code > 1<<20 {
			return nil, fmt.Errorf(".debug_abbrev offset %#x: abbreviation code %d is too large", p, code)
		}
		tag, q := uleb(data, p)
		if q < 0 || q >= len(data) {
			return nil, fmt.Errorf(".debug_abbrev offset %#x: table runs past the end", off)
		}
		a := abbrev{tag: dwarf.Tag(tag), children: data[q] != 0}
		first := len(all)
		p = q + 1
		for {
			attr, q := uleb(data, p)
			if q < 0 {
				return nil, fmt.Errorf(".debug_abbrev offset %#x: table runs past the end", off)
			}
			form, q2 := uleb(data, q)
			if q2 < 0 {
				return nil, fmt.Errorf(".debug_abbrev offset %#x: table runs past the end", off)
			}
			p = q2
			if attr == 0 && form == 0 {
				break
			}
			at := abbrevAttr{attr: dwarf.Attr(attr), form: form}
			if form == formImplicitConst {
				at.implicit, p = sleb(data, p)
				if p < 0 {
					return nil, fmt.Errorf(".debug_abbrev offset %#x: table runs past the end", off)
				}
			}
			all = append(all, at)
		}
		a.fixed, a.sibling, a.siblingForm = 0, -1, 0
		for _, at := range all[first:] {
			if at.attr == dwarf.AttrSibling {
				a.siblingForm = at.form
				if a.fixed >= 0 {
					a.sibling = a.fixed
				}
			}
			if a.fixed < 0 {
				continue
			}
			n := fixedFormSize(at.form, u)
			if n < 0 {
				a.fixed = -1
				continue
			}
			a.fixed += n
		}
		for uint64(len(table)) <= code {
			table = append(table, abbrev{fixed: -2}) // -2 marks an unused code
		}
		if table[code].fixed != -2 {
			return nil, fmt.Errorf(".debug_abbrev offset %#x: abbreviation code %d is declared twice", off, code)
		}
		table[code] = a
		spans = append(spans, span{int(code), first})
	}
}

// A skimmer reads the units of one run.
type skimmer struct {
	raw   *rawDWARF
	units []unitSpan // every unit, sorted, to find the unit of a reference
	seed  maphash.Seed

	// The DIEs found in the current run, in file order, each with the hash
	// of its index key.
	vars  []hashedVar
	types []hashedType

	// cur holds the table of the unit being skimmed, other the table of
	// a unit that a DW_AT_specification points into.
	cur, other abbrevCache
	strOffBase uint64
}

// An attrValue is one decoded attribute value.
type attrValue struct {
	u   uint64
	s   []byte // for string forms
	isS bool
}

// value reads the value of form at p in unit u and returns it with the
// position after it.
func (s *skimmer) value(u *unitSpan, p int, form uint64, implicit int64) (attrValue, int, error) {
	info := s.raw.info[:u.end]
	bad := func() (attrValue, int, error) {
		return attrValue{}, 0, fmt.Errorf(".debug_info offset %#x: attribute value of form %#x runs past the end of its unit", p, form)
	}
	if n := fixedFormSize(form, u); n >= 0 {
		if p+n > len(info) {
			return bad()
		}
		var v uint64
		switch n {
		case 1:
			v = uint64(info[p])
		case 2:
			v = uint64(binary.LittleEndian.Uint16(info[p:]))
		case 3:
			v = uint64(info[p]) | uint64(info[p+1])<<8 | uint64(info[p+2])<<16
		case 4:
			v = uint64(binary.LittleEndian.Uint32(info[p:]))
		case 8:
			v = binary.LittleEndian.Uint64(info[p:])
		}
		if form == formImplicitConst {
			v = uint64(implicit)
		}
		if form == formFlagPresent {
			v = 1
		}
		return attrValue{u: v}, p + n, nil
	}
	switch form {
	case formString:
		for q := p; q < len(info); q++ {
			if info[q] == 0 {
				return attrValue{s: info[p:q], isS: true}, q + 1, nil
			}
		}
		return bad()
	case formSdata:
		v, q := sleb(info, p)
		if q < 0 {
			return bad()
		}
		return attrValue{u: uint64(v)}, q, nil
	case formUdata, formRefUdata, formStrx, formAddrx, formLoclistx, formRnglistx, formGNUAddrIndex, formGNUStrIndex:
		v, q := uleb(info, p)
		if q < 0 {
			return bad()
		}
		return attrValue{u: v}, q, nil
	case formBlock1, formBlock2, formBlock4, formBlock, formExprloc:
		var n uint64
		q := p
		switch form {
		case formBlock1:
			if q+1 > len(info) {
				return bad()
			}
			n, q = uint64(info[q]), q+1
		case formBlock2:
			if q+2 > len(info) {
				return bad()
			}
			n, q = uint64(binary.LittleEndian.Uint16(info[q:])), q+2
		case formBlock4:
			if q+4 > len(info) {
				return bad()
			}
			n, q = uint64(binary.LittleEndian.Uint32(info[q:])), q+4
		default:
			n, q = uleb(info, q)
			if q < 0 {
				return bad()
			}
		}
		if n > uint64(len(info)-q) {
			return bad()
		}
		return attrValue{}, q + int(n), nil
	case formIndirect:
		f, q := uleb(info, p)
		if q < 0 {
			return bad()
		}
		if f == formIndirect || f == formImplicitConst {
			return attrValue{}, 0, fmt.Errorf(".debug_info offset %#x: DW_FORM_indirect names form %#x", p, f)
		}
		return s.value(u, q, f, 0)
	}
	return attrValue{}, 0, fmt.Errorf(".debug_info offset %#x: unknown DWARF attribute form %#x", p, form)
}

// stringValue resolves a string-valued attribute; ok is false for forms
// that do not name a string in this file.
func (s *skimmer) stringValue(u *unitSpan, form uint64, v attrValue) ([]byte, bool) {
	if v.isS {
		return v.s, true
	}
	switch form {
	case formStrp:
		return cString(s.raw.str, v.u)
	case formLineStrp:
		return cString(s.raw.lineStr, v.u)
	case formStrx, formStrx1, formStrx2, formStrx3, formStrx4, formGNUStrIndex:
		size := uint64(u.offSize)
		// Checked in this order, so a corrupt base near 2^64 cannot wrap
		// around to a valid position.
		n := uint64(len(s.raw.strOffsets))
		if s.strOffBase > n || v.u >= (n-s.strOffBase)/size {
			return nil, false
		}
		at := s.strOffBase + v.u*size
		var off uint64
		if size == 8 {
			off = binary.LittleEndian.Uint64(s.raw.strOffsets[at:])
		} else {
			off = uint64(binary.LittleEndian.Uint32(s.raw.strOffsets[at:]))
		}
		return cString(s.raw.str, off)
	}
	return nil, false
}

func cString(sec []byte, off uint64) ([]byte, bool) {
	if off >= uint64(len(sec)) {
		return nil, false
	}
	b := sec[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i], true
	}
	return nil, false
}

// abbrevs returns unit u's abbreviation table, parsing it into c unless c
// holds it already.
func (s *skimmer) abbrevs(u *unitSpan, c *abbrevCache) ([]abbrev, error) {
	key := abbrevKey(u)
	if c.valid && c.key == key {
		return c.table, nil
	}
	t, err := parseAbbrevs(s.raw.abbrev, u.abbrevOff, u, c)
	if err != nil {
		return nil, fmt.Errorf("unit at .debug_info offset %#x: %w", u.off, err)
	}
	c.key, c.valid = key, true
	return t, nil
}

// abbrevKey identifies a parsed table. The fixed sizes depend on the unit's
// offset and address sizes and version, so they are part of the key.
func abbrevKey(u *unitSpan) uint64 {
	key := u.abbrevOff<<8 | uint64(u.offSize)<<4 | uint64(u.addrSize&0xf)
	if u.version == 2 {
		key |= 1 << 7
	}
	return key
}

// A dieSummary holds the attributes of a DIE that the index uses.
type dieSummary struct {
	tag          dwarf.Tag
	name         []byte
	decl, extern bool
	spec         int64 // DW_AT_specification's .debug_info offset, or -1
	strOffBase   uint64
	hasStrOff    bool
}

// summarize decodes the DIE with abbreviation a whose attributes start at
// p, returning the summary and the position after the DIE's attributes.
func (s *skimmer) summarize(u *unitSpan, a *abbrev, p int) (dieSummary, int, error) {
	sum := dieSummary{spec: -1, tag: a.tag}
	info := s.raw.info[:u.end]
	for _, at := range a.attrs {
		form := at.form
		var v attrValue
		var q int
		// The forms that C compilers use for these DIEs, decoded in
		// place; value handles the rest and every bounds error.
		switch {
		case form == formStrp && u.offSize == 4 && p+4 <= len(info):
			v.u, q = uint64(binary.LittleEndian.Uint32(info[p:])), p+4
		case (form == formData1 || form == formRef1 || form == formStrx1 || form == formFlag) && p+1 <= len(info):
			v.u, q = uint64(info[p]), p+1
		case (form == formData2 || form == formRef2 || form == formStrx2) && p+2 <= len(info):
			v.u, q = uint64(binary.LittleEndian.Uint16(info[p:])), p+2
		case (form == formData4 || form == formRef4 || form == formStrx4) && p+4 <= len(info):
			v.u, q = uint64(binary.LittleEndian.Uint32(info[p:])), p+4
		case form == formFlagPresent:
			v.u, q = 1, p
		case form == formImplicitConst:
			v.u, q = uint64(at.implicit), p
		default:
			var err error
			v, q, err = s.value(u, p, form, at.implicit)
			if err != nil {
				return sum, 0, err
			}
		}
		if form == formIndirect {
			// The real form is needed to interpret the value.
			form, _ = uleb(s.raw.info, p)
		}
		p = q
		switch at.attr {
		case dwarf.AttrName:
			if b, ok := s.stringValue(u, form, v); ok {
				sum.name = b
			}
		case dwarf.AttrDeclaration:
			sum.decl = v.u != 0 && (form == formFlag || form == formFlagPresent)
		case dwarf.AttrExternal:
			sum.extern = v.u != 0 && (form == formFlag || form == formFlagPresent)
		case dwarf.AttrSpecification:
			switch form {
			case formRef1, formRef2, formRef4, formRef8, formRefUdata:
				sum.spec = int64(u.off) + int64(v.u)
			case formRefAddr:
				sum.spec = int64(v.u)
			}
		case dwarf.AttrStrOffsetsBase:
			sum.strOffBase, sum.hasStrOff = v.u, true
		}
	}
	return sum, p, nil
}

// skimUnit records the direct children of unit u in s.vars and s.types.
func (s *skimmer) skimUnit(u *unitSpan) error {
	table, err := s.abbrevs(u, &s.cur)
	if err != nil {
		return err
	}
	info := s.raw.info[:u.end]
	unitOff := dwarf.Offset(u.off)
	s.strOffBase = 8 // the size of a 32-bit .debug_str_offsets header
	if u.offSize == 8 {
		s.strOffBase = 16
	}
	depth := 0
	for p := u.data; p < len(info); {
		dieOff := p
		code, q := uleb(info, p)
		if q < 0 {
			return fmt.Errorf(".debug_info offset %#x: abbreviation code runs past the end of its unit", p)
		}
		p = q
		if code == 0 {
			depth = max(depth-1, 0)
			continue
		}
		if code >= uint64(len(table)) || table[code].fixed == -2 {
			return fmt.Errorf(".debug_info offset %#x: abbreviation code %d is not in the unit's table at .debug_abbrev offset %#x",
				dieOff, code, u.abbrevOff)
		}
		a := &table[code]
		sibling := -1 // where DW_AT_sibling's value is, when known
		if a.sibling >= 0 {
			sibling = p + a.sibling
		}
		// A DIE below the unit's direct children, or one the index does
		// not keep, whose DW_AT_sibling sits at a known place: step over
		// it and its subtree without decoding its attributes. The target
		// must lie past the sibling value itself, so a corrupt file cannot
		// make the walk go back.
		if a.children && sibling >= 0 && depth >= 1 && !(depth == 1 && indexedTag(a.tag)) {
			if next, ok := siblingTarget(info, u, sibling, a.siblingForm); ok && next > sibling {
				p = next
				continue
			}
		}
		switch {
		case a.tag == dwarf.TagCompileUnit || a.tag == dwarf.TagPartialUnit || a.tag == dwarf.TagTypeUnit:
			sum, q, err := s.summarize(u, a, p)
			if err != nil {
				return err
			}
			if sum.hasStrOff {
				s.strOffBase = sum.strOffBase
			}
			unitOff, depth, p = dwarf.Offset(dieOff), 0, q
		case depth == 1 && indexedTag(a.tag):
			sum, q, err := s.summarize(u, a, p)
			if err != nil {
				return err
			}
			p = q
			if err := s.add(a.tag, dwarf.Offset(dieOff), unitOff, sum); err != nil {
				return err
			}
		default:
			if p, sibling, err = s.skipAttrs(u, a, dieOff, p, sibling); err != nil {
				return err
			}
		}
		// Below the unit's direct children nothing is indexed, so a DIE
		// with children is stepped over whole when DW_AT_sibling points
		// forward inside the unit. A sibling pointing elsewhere (a corrupt
		// file) is ignored and the children are read instead.
		if a.children && depth >= 1 && sibling >= 0 {
			if next, ok := siblingTarget(info, u, sibling, a.siblingForm); ok && next >= p {
				p = next
				continue
			}
		}
		if a.children {
			depth++
		}
	}
	return nil
}

// siblingTarget reads a unit-relative DW_AT_sibling value at pos and
// returns the .debug_info offset it names, if that lies inside unit u.
func siblingTarget(info []byte, u *unitSpan, pos int, form uint64) (int, bool) {
	var v uint64
	switch form {
	case formRef1:
		if pos+1 > len(info) {
			return 0, false
		}
		v = uint64(info[pos])
	case formRef2:
		if pos+2 > len(info) {
			return 0, false
		}
		v = uint64(binary.LittleEndian.Uint16(info[pos:]))
	case formRef4:
		if pos+4 > len(info) {
			return 0, false
		}
		v = uint64(binary.LittleEndian.Uint32(info[pos:]))
	case formRef8:
		if pos+8 > len(info) {
			return 0, false
		}
		v = binary.LittleEndian.Uint64(info[pos:])
	default:
		return 0, false
	}
	if v > uint64(u.end-u.off) {
		return 0, false
	}
	return u.off + int(v), true
}

func indexedTag(tag dwarf.Tag) bool {
	switch tag {
	case dwarf.TagVariable, dwarf.TagStructType, dwarf.TagUnionType, dwarf.TagEnumerationType,
		dwarf.TagTypedef, dwarf.TagBaseType:
		return true
	}
	return false
}

// add records one DIE, as dwarfIndex.add does for debug/dwarf entries.
func (s *skimmer) add(tag dwarf.Tag, off, unit dwarf.Offset, sum dieSummary) error {
	switch tag {
	case dwarf.TagVariable:
		ref, name, err := s.variable(off, unit, sum)
		if err != nil {
			return err
		}
		if len(name) == 0 {
			return nil
		}
		s.vars = append(s.vars, hashedVar{maphash.Bytes(s.seed, name), ref})
	case dwarf.TagStructType:
		s.addType("struct ", sum.name, off, sum.decl)
	case dwarf.TagUnionType:
		s.addType("union ", sum.name, off, sum.decl)
	case dwarf.TagEnumerationType:
		s.addType("enum ", sum.name, off, sum.decl)
	case dwarf.TagTypedef:
		s.addType("", sum.name, off, sum.decl)
	case dwarf.TagBaseType:
		s.addType("", sum.name, off, sum.decl)
		if c := canonicalBaseName(string(sum.name)); c != string(sum.name) {
			s.addType("", []byte(c), off, sum.decl)
		}
	}
	return nil
}

// variable returns the index entry of the variable DIE at off in the unit
// whose DIE is at unit, and the variable's name. A definition that refers
// to its declaration by DW_AT_specification takes the name and
// DW_AT_external from there when it lacks them.
func (s *skimmer) variable(off, unit dwarf.Offset, sum dieSummary) (varRef, []byte, error) {
	name, external := sum.name, sum.extern
	if sum.spec >= 0 {
		spec, err := s.summaryAt(sum.spec)
		if err != nil {
			return varRef{}, nil, fmt.Errorf("DW_AT_specification of variable DIE %#x: %w", off, err)
		}
		if len(name) == 0 {
			name = spec.name
		}
		external = external || spec.extern
	}
	return varRef{off, unit, sum.decl, external}, name, nil
}

// skipAttrs steps over the attribute values of the DIE at dieOff, which
// start at p, and returns the position after them. sibling is where
// DW_AT_sibling's value is, updated when a variable-size value precedes
// it.
func (s *skimmer) skipAttrs(u *unitSpan, a *abbrev, dieOff, p, sibling int) (int, int, error) {
	if a.fixed >= 0 {
		if p+a.fixed > u.end {
			return 0, 0, fmt.Errorf(".debug_info offset %#x: DIE runs past the end of its unit", dieOff)
		}
		return p + a.fixed, sibling, nil
	}
	for _, at := range a.attrs {
		if at.attr == dwarf.AttrSibling {
			sibling = p
		}
		var err error
		if _, p, err = s.value(u, p, at.form, at.implicit); err != nil {
			return 0, 0, err
		}
	}
	return p, sibling, nil
}

// unitChild reports whether the DIE at off is a direct child of its unit,
// and if so returns its summary and the offset of the unit's DIE. It steps
// over the unit's earlier children as skimUnit does. It returns an error
// when no DIE starts at off.
func (s *skimmer) unitChild(off int64) (dieSummary, dwarf.Offset, bool, error) {
	notFound := fmt.Errorf("no DWARF entry starts at .debug_info offset %#x", off)
	i, ok := unitIndex(s.units, off)
	if !ok {
		return dieSummary{}, 0, false, notFound
	}
	u := &s.units[i]
	table, err := s.abbrevs(u, &s.cur)
	if err != nil {
		return dieSummary{}, 0, false, err
	}

	info := s.raw.info[:u.end]
	s.strOffBase = s.unitStrOffBase(u, table)
	unitDIE := dwarf.Offset(u.data)
	depth := 0
	for p := u.data; p < len(info) && int64(p) <= off; {
		dieOff := p
		code, q := uleb(info, p)
		if q < 0 {
			return dieSummary{}, 0, false, notFound
		}
		p = q
		if code == 0 {
			depth = max(depth-1, 0)
			continue
		}
		if code >= uint64(len(table)) || table[code].fixed == -2 {
			return dieSummary{}, 0, false, notFound
		}
		a := &table[code]
		if int64(dieOff) == off {
			if depth != 1 {
				return dieSummary{}, 0, false, nil
			}
			sum, _, err := s.summarize(u, a, p)
			return sum, unitDIE, err == nil, err
		}
		sibling := -1
		if a.sibling >= 0 {
			sibling = p + a.sibling
		}
		if p, sibling, err = s.skipAttrs(u, a, dieOff, p, sibling); err != nil {
			return dieSummary{}, 0, false, err
		}
		// A subtree that ends at or before off cannot hold it, so it is
		// stepped over whole.
		if a.children && depth >= 1 && sibling >= 0 {
			if next, ok := siblingTarget(info, u, sibling, a.siblingForm); ok && next >= p && int64(next) <= off {
				p = next
				continue
			}
		}
		if a.children {
			depth++
		}
	}
	return dieSummary{}, 0, false, notFound
}

func (s *skimmer) addType(prefix string, name []byte, off dwarf.Offset, decl bool) {
	if len(name) == 0 {
		return
	}
	s.types = append(s.types, hashedType{typeHash(s.seed, prefix, name), typeRef{off, decl}})
}

// unitStrOffBase returns unit u's DW_AT_str_offsets_base, or the default
// when the unit DIE has none.
func (s *skimmer) unitStrOffBase(u *unitSpan, table []abbrev) uint64 {
	base := uint64(8) // the size of a 32-bit .debug_str_offsets header
	if u.offSize == 8 {
		base = 16
	}
	code, p := uleb(s.raw.info[:u.end], u.data)
	if p < 0 || code == 0 || code >= uint64(len(table)) || table[code].fixed == -2 {
		return base
	}
	if sum, _, err := s.summarize(u, &table[code], p); err == nil && sum.hasStrOff {
		return sum.strOffBase
	}
	return base
}

// unitIndex returns the index in units (sorted by offset) of the unit
// whose DIEs span .debug_info offset off, and false when none does.
func unitIndex(units []unitSpan, off int64) (int, bool) {
	i := sort.Search(len(units), func(k int) bool { return int64(units[k].end) > off })
	return i, i < len(units) && off >= int64(units[i].data)
}

// summaryAt decodes the DIE at .debug_info offset off, which may lie in
// another unit.
func (s *skimmer) summaryAt(off int64) (dieSummary, error) {
	i, ok := unitIndex(s.units, off)
	if !ok {
		return dieSummary{}, fmt.Errorf("no DWARF entry starts at offset %#x", off)
	}
	u := &s.units[i]
	cache := &s.other
	if s.cur.valid && s.cur.key == abbrevKey(u) {
		cache = &s.cur
	}
	table, err := s.abbrevs(u, cache)
	if err != nil {
		return dieSummary{}, err
	}
	// Names given as DW_FORM_strx need the unit's DW_AT_str_offsets_base.
	saved := s.strOffBase
	defer func() { s.strOffBase = saved }()
	s.strOffBase = s.unitStrOffBase(u, table)
	code, p := uleb(s.raw.info[:u.end], int(off))
	if p < 0 || code == 0 || code >= uint64(len(table)) || table[code].fixed == -2 {
		return dieSummary{}, fmt.Errorf("no DWARF entry starts at offset %#x", off)
	}
	sum, _, err := s.summarize(u, &table[code], p)
	return sum, err
}

// typeHash is the index hash of the type key prefix+name, where prefix is
// "struct ", "union ", "enum " or empty. It hashes the name alone and mixes
// in the prefix, so the skimmer need not copy each name to build the key.
func typeHash(seed maphash.Seed, prefix string, name []byte) uint64 {
	h := maphash.Bytes(seed, name)
	switch prefix {
	case "struct ":
		h ^= 0x9e3779b97f4a7c15
	case "union ":
		h ^= 0xc2b2ae3d27d4eb4f
	case "enum ":
		h ^= 0x165667b19e3779f9
	}
	return h
}

// A hashedVar and a hashedType are index entries with the hash of their
// key. The index keeps no names: a lookup hashes the name it is given and
// checks each candidate DIE's own name, so a hash collision costs a decode
// but never returns a wrong DIE.
type hashedVar struct {
	h   uint64
	ref varRef
}

type hashedType struct {
	h   uint64
	ref typeRef
}

// A skimmedIndex is the index skimIndex builds. Workers skim runs of units
// in file order in the background. A lookup reads the runs in file order as
// they finish, so one that stops at its first match waits only for the
// runs up to that match.
type skimmedIndex struct {
	seed maphash.Seed
	runs []*skimRun

	stop    atomic.Bool // set by close: workers end their runs with errSkimClosed
	workers sync.WaitGroup

	mu    sync.Mutex // guards check, whose abbreviation cache grows, and each run's sorting
	check *skimmer
}

// A skimRun is the entries of units[first:last], in file order until a
// lookup sorts them.
type skimRun struct {
	first, last int
	done        chan struct{} // closed when the fields below are set
	vars        []hashedVar
	types       []hashedType
	err         error

	lookups int  // lookups that scanned the run linearly
	sorted  bool // vars and types are sorted by hash
}

// linearLookups is how many lookups scan a run entry by entry before the
// run is sorted by hash for binary search. A command with a few lookups
// does not pay for sorting, and one with many sorts each run once.
const linearLookups = 8

var errSkimClosed = errors.New("the debug file was closed while its index was being built")

// skimIndex starts building the name index from raw sections on every CPU
// and returns at once; lookups wait for the runs they need.
func skimIndex(raw *rawDWARF) (*skimmedIndex, error) {
	units, err := listUnits(raw.info)
	if err != nil {
		return nil, err
	}
	sk := &skimmedIndex{seed: maphash.MakeSeed(), check: &skimmer{raw: raw, units: units}}
	// Runs of about equal size, several per worker so that a slow run does
	// not leave the other workers idle, and small enough that a name found
	// early in the file is found after little work.
	workers := runtime.GOMAXPROCS(0)
	target := min(len(raw.info)/(workers*8)+1, 4<<20)
	for i := 0; i < len(units); {
		j, size := i, 0
		for j < len(units) && (size < target || j == i) {
			size += units[j].end - units[j].off
			j++
		}
		sk.runs = append(sk.runs, &skimRun{first: i, last: j, done: make(chan struct{})})
		i = j
	}

	var next atomic.Int64
	for range min(workers, len(sk.runs)) {
		sk.workers.Add(1)
		go func() {
			defer sk.workers.Done()
			s := &skimmer{raw: raw, units: units, seed: sk.seed}
			for {
				n := int(next.Add(1)) - 1
				if n >= len(sk.runs) {
					return
				}
				sk.skimRun(s, sk.runs[n])
			}
		}()
	}
	return sk, nil
}

// skimRun fills run r with skimmer s and marks it done.
func (sk *skimmedIndex) skimRun(s *skimmer, r *skimRun) {
	defer close(r.done)
	units := s.units
	// About one indexed DIE per 150 bytes of a kernel's .debug_info; the
	// estimate only saves regrowing.
	bytes := units[r.last-1].end - units[r.first].off
	s.vars, s.types = make([]hashedVar, 0, bytes/4096), make([]hashedType, 0, bytes/150)
	for k := r.first; k < r.last && r.err == nil; k++ {
		if sk.stop.Load() {
			r.err = errSkimClosed
			return
		}
		r.err = s.skimUnit(&units[k])
	}
	r.vars, r.types = slices.Clip(s.vars), slices.Clip(s.types)
	if s.raw.mapped {
		dropPages(s.raw.info[units[r.first].off:units[r.last-1].end])
	}
}

// close stops the workers and waits for them, so that the mapping they
// read can be removed.
func (sk *skimmedIndex) close() {
	sk.stop.Store(true)
	sk.workers.Wait()
}

// wait returns run r's error once the run is done. The entries of a run
// that failed are those before the damaged DIE, still in file order, so
// a lookup that stops among them gets the result it gets from smaller
// runs. The caller holds sk.mu.
func (sk *skimmedIndex) wait(r *skimRun) error {
	<-r.done
	if !r.sorted && r.lookups >= linearLookups {
		// The entries are in file order, and a stable sort by hash keeps
		// the DIEs of one name in file order.
		sortByHash(r.vars, func(e *hashedVar) uint64 { return e.h })
		sortByHash(r.types, func(e *hashedType) uint64 { return e.h })
		r.sorted = true
	}
	if !r.sorted {
		r.lookups++
	}
	return r.err
}

// matching returns the positions in entries whose hash is h, in file
// order: by binary search when the run is sorted, else by a scan.
func matching[E any](entries []E, sorted bool, hash func(*E) uint64, h uint64, yield func(int) bool) {
	if sorted {
		i, _ := slices.BinarySearchFunc(entries, h, func(e E, h uint64) int { return cmp.Compare(hash(&e), h) })
		for ; i < len(entries) && hash(&entries[i]) == h; i++ {
			if !yield(i) {
				return
			}
		}
		return
	}
	for i := range entries {
		if hash(&entries[i]) == h && !yield(i) {
			return
		}
	}
}

// sortByHash sorts a by hash, keeping the order of equal hashes: a radix
// sort over four 16-bit digits, which for the million entries of a Linux
// kernel is several times faster than a comparison sort.
func sortByHash[E any](a []E, hash func(*E) uint64) {
	if len(a) < 2 {
		return
	}
	counts := make([]int, 1<<16)
	src, dst := a, make([]E, len(a))
	for shift := uint(0); shift < 64; shift += 16 {
		clear(counts)
		for i := range src {
			counts[hash(&src[i])>>shift&0xffff]++
		}
		sum := 0
		for d, c := range counts {
			counts[d] = sum
			sum += c
		}
		for i := range src {
			d := hash(&src[i]) >> shift & 0xffff
			dst[counts[d]] = src[i]
			counts[d]++
		}
		src, dst = dst, src
	}
	// Four passes leave the result in a.
}

// typeRefs returns the type DIEs whose key is key ("struct vnet",
// "u_int"), in file order, up to and including the first for which stop
// returns true (all of them when stop is nil).
func (sk *skimmedIndex) typeRefs(key string, stop func(typeRef) bool) ([]typeRef, error) {
	var h uint64
	switch prefix, name, _ := strings.Cut(key, " "); prefix {
	case "struct", "union", "enum":
		h = typeHash(sk.seed, prefix+" ", []byte(name))
	default:
		h = typeHash(sk.seed, "", []byte(key))
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	var out []typeRef
	for _, r := range sk.runs {
		runErr := sk.wait(r)
		done := false
		matching(r.types, r.sorted, func(e *hashedType) uint64 { return e.h }, h, func(i int) bool {
			ref := r.types[i].ref
			if !sk.typeMatches(ref.off, key) {
				return true
			}
			out = append(out, ref)
			done = stop != nil && stop(ref)
			return !done
		})
		if done {
			break
		}
		if runErr != nil {
			return nil, runErr
		}
	}
	return out, nil
}

// typeMatches reports whether the type DIE at off has the key key.
func (sk *skimmedIndex) typeMatches(off dwarf.Offset, key string) bool {
	sum, err := sk.check.summaryAt(int64(off))
	if err != nil {
		return false
	}
	name := string(sum.name)
	prefix := ""
	switch sum.tag {
	case dwarf.TagStructType:
		prefix = "struct "
	case dwarf.TagUnionType:
		prefix = "union "
	case dwarf.TagEnumerationType:
		prefix = "enum "
	case dwarf.TagBaseType:
		if canonicalBaseName(name) == key {
			return true
		}
	}
	return prefix+name == key
}

// varRefs returns the variable DIEs named name, in file order, up to and
// including the first for which stop returns true (all of them when stop
// is nil).
func (sk *skimmedIndex) varRefs(name string, stop func(varRef) bool) ([]varRef, error) {
	h := maphash.String(sk.seed, name)
	sk.mu.Lock()
	defer sk.mu.Unlock()
	var out []varRef
	for _, r := range sk.runs {
		runErr := sk.wait(r)
		done := false
		matching(r.vars, r.sorted, func(e *hashedVar) uint64 { return e.h }, h, func(i int) bool {
			ref := r.vars[i].ref
			if !sk.varMatches(ref.off, name) {
				return true
			}
			out = append(out, ref)
			done = stop != nil && stop(ref)
			return !done
		})
		if done {
			break
		}
		if runErr != nil {
			return nil, runErr
		}
	}
	return out, nil
}

// varMatches reports whether the variable DIE at off, or the declaration
// its DW_AT_specification names, has the name name.
func (sk *skimmedIndex) varMatches(off dwarf.Offset, name string) bool {
	sum, err := sk.check.summaryAt(int64(off))
	if err != nil {
		return false
	}
	if len(sum.name) == 0 && sum.spec >= 0 {
		if spec, err := sk.check.summaryAt(sum.spec); err == nil {
			sum.name = spec.name
		}
	}
	return string(sum.name) == name
}
