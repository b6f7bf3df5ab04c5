package symbols

import (
	"debug/dwarf"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
)

// This file reads .debug_names, the name index that DWARF 5 compilers
// write on request (clang -gpubnames). When a debug file has one, a lookup
// reads the index instead of waiting for the skimmer. The linker may
// concatenate one index per unit (ld.lld before version 19 does) or merge
// them into one.

// Index attribute codes of .debug_names entries (DWARF 5 section 6.1.1.4.7).
const (
	idxCompileUnit = 1
	idxTypeUnit    = 2
	idxDieOffset   = 3
)

// A namesAbbrev is one abbreviation of a name index: an entry's tag and
// the forms of its index attributes.
type namesAbbrev struct {
	tag   dwarf.Tag
	attrs []namesAttr
}

type namesAttr struct{ idx, form uint64 }

// A nameIndex is one name index of .debug_names.
type nameIndex struct {
	offSize     int
	cus         []uint64 // .debug_info offsets of the units the index covers
	hasTUs      bool
	bucketCount uint32
	nameCount   uint32
	buckets     []byte // bucketCount 4-byte name numbers, 1-based
	hashes      []byte // nameCount 4-byte hashes
	strOffsets  []byte // nameCount offsets into .debug_str
	entryOffs   []byte // nameCount offsets into pool
	abbrevs     map[uint64]namesAbbrev
	pool        []byte
}

// debugNames is every name index of a .debug_names section.
type debugNames struct {
	indexes []nameIndex
	str     []byte
	// coveredEnd is the offset of the first unit that no index lists and
	// that has variables or types directly below it (a C file compiled
	// without -gpubnames), or the size of .debug_info when there is none.
	// Entries from there on may come after a definition no index lists.
	coveredEnd dwarf.Offset
	complete   bool // no unit outside the indexes has variables or types
}

// setCoverage finds coveredEnd. Units outside the indexes are skimmed in
// file order up to the first with a variable or type, so that units of
// assembler sources, which have only labels, do not end the coverage.
func (d *debugNames) setCoverage(raw *rawDWARF, units []unitSpan) {
	listed := make(map[uint64]bool)
	for _, ix := range d.indexes {
		for _, off := range ix.cus {
			listed[off] = true
		}
	}
	d.coveredEnd, d.complete = dwarf.Offset(len(raw.info)), true
	s := &skimmer{raw: raw, units: units, seed: maphash.MakeSeed()}
	for i := range units {
		if listed[uint64(units[i].off)] {
			continue
		}
		s.vars, s.types = s.vars[:0], s.types[:0]
		if err := s.skimUnit(&units[i]); err != nil || len(s.vars) > 0 || len(s.types) > 0 {
			d.coveredEnd, d.complete = dwarf.Offset(units[i].off), false
			return
		}
	}
}

// parseDebugNames reads the headers of every name index in sec. Names are
// resolved through str, the .debug_str section.
func parseDebugNames(sec, str []byte) (*debugNames, error) {
	d := &debugNames{str: str}
	for off := 0; off < len(sec); {
		ix, next, err := parseNameIndex(sec, off)
		if err != nil {
			return nil, fmt.Errorf(".debug_names offset %#x: %w", off, err)
		}
		d.indexes = append(d.indexes, ix)
		off = next
	}
	return d, nil
}

// parseNameIndex reads the name index whose header starts at off and
// returns it with the offset of the next one.
func parseNameIndex(sec []byte, off int) (nameIndex, int, error) {
	var ix nameIndex
	r := namesReader{b: sec, p: off}
	length := uint64(r.u32())
	ix.offSize = 4
	if length == 0xffffffff {
		length, ix.offSize = r.u64(), 8
	}
	if r.err != nil || length > uint64(len(sec)-r.p) {
		return ix, 0, fmt.Errorf("unit length %#x runs past the end of the section", length)
	}

	end := r.p + int(length)
	r.b = sec[:end]
	if v := r.u16(); v != 5 {
		return ix, 0, fmt.Errorf("version %d is unsupported: DWARF defines only version 5", v)
	}
	r.u16() // padding
	cuCount, localTUs, foreignTUs := r.u32(), r.u32(), r.u32()
	ix.bucketCount, ix.nameCount = r.u32(), r.u32()
	abbrevSize, augSize := r.u32(), r.u32()
	r.skip(uint64(augSize+3) &^ 3) // the augmentation string, padded to 4 bytes
	ix.hasTUs = localTUs+foreignTUs > 0

	// The list is taken whole first, so a count larger than the index
	// fails before anything is allocated for it.
	cuList := namesReader{b: r.bytes(uint64(cuCount) * uint64(ix.offSize))}
	ix.cus = make([]uint64, 0, len(cuList.b)/ix.offSize)
	for range cap(ix.cus) {
		ix.cus = append(ix.cus, cuList.offset(ix.offSize))
	}
	r.skip(uint64(localTUs) * uint64(ix.offSize))
	r.skip(uint64(foreignTUs) * 8)
	ix.buckets = r.bytes(uint64(ix.bucketCount) * 4)
	if ix.bucketCount > 0 {
		ix.hashes = r.bytes(uint64(ix.nameCount) * 4)
	}
	ix.strOffsets = r.bytes(uint64(ix.nameCount) * uint64(ix.offSize))
	ix.entryOffs = r.bytes(uint64(ix.nameCount) * uint64(ix.offSize))

	abbrevEnd := r.p + int(min(uint64(abbrevSize), uint64(len(r.b)-r.p)))
	ix.abbrevs = make(map[uint64]namesAbbrev)
	for r.err == nil && r.p < abbrevEnd {
		code := r.uleb()
		if code == 0 {
			break
		}
		a := namesAbbrev{tag: dwarf.Tag(r.uleb())}
		for r.err == nil {
			idx, form := r.uleb(), r.uleb()
			if idx == 0 && form == 0 {
				break
			}
			a.attrs = append(a.attrs, namesAttr{idx, form})
		}
		ix.abbrevs[code] = a
	}

	if r.err != nil {
		return ix, 0, r.err
	}
	if abbrevEnd > end {
		return ix, 0, fmt.Errorf("abbreviation table of %d bytes runs past the end of the index", abbrevSize)
	}
	ix.pool = sec[abbrevEnd:end]
	return ix, end, nil
}

// namesHash is the hash .debug_names keys its buckets with: the DJB hash
// of the name with ASCII letters folded to lower case, as LLVM writes it.
func namesHash(name string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = h*33 + uint32(c)
	}
	return h
}

// A namesEntry is one DIE that a name index lists under a name.
type namesEntry struct {
	tag dwarf.Tag
	off dwarf.Offset // the DIE's .debug_info offset
}

// lookup returns the DIEs listed under name, sorted by offset. Entries in
// type units are left out, because the rest of the package does not read
// type units.
func (d *debugNames) lookup(name string) ([]namesEntry, error) {
	h := namesHash(name)
	var out []namesEntry
	for k := range d.indexes {
		ix := &d.indexes[k]
		var err error
		if out, err = ix.lookup(name, h, d.str, out); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b namesEntry) int { return int(a.off) - int(b.off) })
	return slices.Compact(out), nil
}

func (ix *nameIndex) lookup(name string, h uint32, str []byte, out []namesEntry) ([]namesEntry, error) {
	u32 := func(b []byte, i uint32) uint32 { return binary.LittleEndian.Uint32(b[4*i:]) }
	first, last := uint32(0), ix.nameCount // names to compare, 0-based
	if ix.bucketCount > 0 {
		if uint64(len(ix.buckets)) < 4*uint64(ix.bucketCount) || uint64(len(ix.hashes)) < 4*uint64(ix.nameCount) {
			return out, nil
		}
		n := u32(ix.buckets, h%ix.bucketCount)
		if n == 0 {
			return out, nil
		}
		first = n - 1
	}
	for i := first; i < last; i++ {
		if ix.bucketCount > 0 {
			hi := u32(ix.hashes, i)
			if hi%ix.bucketCount != h%ix.bucketCount {
				break // the bucket's names end here
			}
			if hi != h {
				continue
			}
		}
		strOff, ok := ix.offsetAt(ix.strOffsets, i)
		if !ok {
			return out, nil
		}
		if s, ok := cString(str, strOff); !ok || string(s) != name {
			continue
		}
		entryOff, ok := ix.offsetAt(ix.entryOffs, i)
		if !ok || entryOff >= uint64(len(ix.pool)) {
			return nil, fmt.Errorf("name %q: entry offset %#x lies outside the entry pool", name, entryOff)
		}
		var err error
		if out, err = ix.entries(name, int(entryOff), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// offsetAt reads the i-th section offset of table.
func (ix *nameIndex) offsetAt(table []byte, i uint32) (uint64, bool) {
	p := uint64(i) * uint64(ix.offSize)
	if p+uint64(ix.offSize) > uint64(len(table)) {
		return 0, false
	}
	if ix.offSize == 8 {
		return binary.LittleEndian.Uint64(table[p:]), true
	}
	return uint64(binary.LittleEndian.Uint32(table[p:])), true
}

// entries appends the entries of one name's series, which starts at off
// in the pool and ends with abbreviation code 0.
func (ix *nameIndex) entries(name string, off int, out []namesEntry) ([]namesEntry, error) {
	r := namesReader{b: ix.pool, p: off}
	for {
		code := r.uleb()
		if r.err != nil {
			return nil, fmt.Errorf("name %q: entry series runs past the end of the entry pool", name)
		}
		if code == 0 {
			return out, nil
		}
		a, ok := ix.abbrevs[code]
		if !ok {
			return nil, fmt.Errorf("name %q: entry uses abbreviation %d, which the index does not declare", name, code)
		}
		cu, hasCU, typeUnit := uint64(0), false, false
		var die uint64
		hasDIE := false
		for _, at := range a.attrs {
			v, ok := r.form(at.form, ix.offSize)
			if !ok {
				return nil, fmt.Errorf("name %q: entry attribute of form %#x cannot be read", name, at.form)
			}
			switch at.idx {
			case idxCompileUnit:
				cu, hasCU = v, true
			case idxTypeUnit:
				typeUnit = true
			case idxDieOffset:
				die, hasDIE = v, true
			}
		}
		if typeUnit || !hasDIE {
			continue
		}
		if !hasCU {
			if len(ix.cus) != 1 || ix.hasTUs {
				continue // the index does not say which unit holds the DIE
			}
			cu = 0
		}
		if cu >= uint64(len(ix.cus)) {
			return nil, fmt.Errorf("name %q: entry names unit %d of an index of %d", name, cu, len(ix.cus))
		}
		out = append(out, namesEntry{a.tag, dwarf.Offset(ix.cus[cu] + die)})
	}
}

// namesReader reads little-endian values from b at p, recording the first
// read past the end in err.
type namesReader struct {
	b   []byte
	p   int
	err error
}

func (r *namesReader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)-r.p) {
		r.err = fmt.Errorf("a table runs past the end of the index")
		return nil
	}
	b := r.b[r.p : r.p+int(n)]
	r.p += int(n)
	return b
}

func (r *namesReader) skip(n uint64) { r.bytes(n) }

func (r *namesReader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *namesReader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *namesReader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *namesReader) offset(size int) uint64 {
	if size == 8 {
		return r.u64()
	}
	return uint64(r.u32())
}

func (r *namesReader) uleb() uint64 {
	if r.err != nil {
		return 0
	}
	v, q := uleb(r.b, r.p)
	if q < 0 {
		r.err = fmt.Errorf("a LEB128 number runs past the end of the index")
		return 0
	}
	r.p = q
	return v
}

// form reads one index attribute value.
func (r *namesReader) form(form uint64, offSize int) (uint64, bool) {
	var v uint64
	switch form {
	case formData1, formRef1, formFlag:
		if b := r.bytes(1); b != nil {
			v = uint64(b[0])
		}
	case formData2, formRef2:
		v = uint64(r.u16())
	case formData4, formRef4:
		v = uint64(r.u32())
	case formData8, formRef8, formRefSig8:
		v = r.u64()
	case formUdata, formRefUdata:
		v = r.uleb()
	case formFlagPresent:
		v = 1
	case formSecOffset:
		v = r.offset(offSize)
	default:
		return 0, false
	}
	return v, r.err == nil
}

// namesTypeRefs resolves typeRefs from .debug_names: the entries for the
// key's name with the key's tag that are direct children of their unit.
func (idx *dwarfIndex) namesTypeRefs(key string, stop func(typeRef) bool) ([]typeRef, error) {
	tags := []dwarf.Tag{dwarf.TagTypedef, dwarf.TagBaseType}
	name := key
	switch prefix, rest, _ := strings.Cut(key, " "); prefix {
	case "struct":
		tags, name = []dwarf.Tag{dwarf.TagStructType}, rest
	case "union":
		tags, name = []dwarf.Tag{dwarf.TagUnionType}, rest
	case "enum":
		tags, name = []dwarf.Tag{dwarf.TagEnumerationType}, rest
	}
	entries, err := idx.names.lookup(name)
	if err != nil {
		return nil, err
	}
	var out []typeRef
	for _, e := range entries {
		if e.off >= idx.names.coveredEnd {
			break
		}
		if !slices.Contains(tags, e.tag) {
			continue
		}
		sum, _, ok, err := idx.check.unitChild(int64(e.off))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // a DIE nested deeper, such as a type inside a function
		}
		if sum.tag != e.tag {
			return nil, fmt.Errorf("the .debug_names entry of %q at .debug_info offset %#x names a DIE of another tag", name, e.off)
		}
		if string(sum.name) != name {
			continue // the DIE has another name
		}
		ref := typeRef{e.off, sum.decl}
		out = append(out, ref)
		if stop != nil && stop(ref) {
			break
		}
	}
	return out, nil
}

// namesVarRefs resolves varRefs from .debug_names.
func (idx *dwarfIndex) namesVarRefs(name string, stop func(varRef) bool) ([]varRef, error) {
	entries, err := idx.names.lookup(name)
	if err != nil {
		return nil, err
	}
	var out []varRef
	for _, e := range entries {
		if e.off >= idx.names.coveredEnd {
			break
		}
		if e.tag != dwarf.TagVariable {
			continue
		}
		sum, unit, ok, err := idx.check.unitChild(int64(e.off))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // a static variable inside a function
		}
		if sum.tag != dwarf.TagVariable {
			return nil, fmt.Errorf("the .debug_names entry of %q at .debug_info offset %#x names a DIE of another tag", name, e.off)
		}
		ref, refName, err := idx.check.variable(e.off, unit, sum)
		if err != nil {
			return nil, err
		}
		if string(refName) != name {
			continue // listed under its linkage name
		}
		out = append(out, ref)
		if stop != nil && stop(ref) {
			break
		}
	}
	return out, nil
}
