package symbols

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"hash/maphash"
	"path/filepath"
	"testing"
)

// dwarf64Unit returns the .debug_info and .debug_abbrev of one 64-bit
// DWARF 5 compile unit whose DW_AT_str_offsets_base is base and whose one
// child is a variable named by DW_FORM_strx1 index 0.
func dwarf64Unit(base uint64) (info, abbrev []byte) {
	abbrev = []byte{
		1, 0x11, 1, 0x72, 0x17, 0, 0, // compile_unit with children: str_offsets_base, sec_offset
		2, 0x34, 0, 0x03, 0x25, 0, 0, // variable: name, strx1
		0,
	}
	var body []byte
	body = binary.LittleEndian.AppendUint16(body, 5) // version
	body = append(body, 1, 8)                        // DW_UT_compile, address size
	body = binary.LittleEndian.AppendUint64(body, 0) // abbreviation offset
	body = append(body, 1)
	body = binary.LittleEndian.AppendUint64(body, base)
	body = append(body, 2, 0, 0) // the variable, then the end of the unit's children
	info = binary.LittleEndian.AppendUint32(nil, 0xffffffff)
	info = binary.LittleEndian.AppendUint64(info, uint64(len(body)))
	return append(info, body...), abbrev
}

func TestSkimHugeStrOffsetsBase(t *testing.T) {
	// A DW_AT_str_offsets_base near 2^64 must make the name unreadable,
	// not wrap around to the start of .debug_str_offsets.
	strOffsets := make([]byte, 32) // every entry names offset 0: "x"
	for _, base := range []uint64{1<<64 - 8, 1<<64 - 1, 1 << 63} {
		info, abbrev := dwarf64Unit(base)
		raw := &rawDWARF{info: info, abbrev: abbrev, str: []byte("x\x00"), strOffsets: strOffsets}
		sk, err := skimIndex(raw)
		if err != nil {
			t.Fatalf("base %#x: skimIndex: %v", base, err)
		}
		refs, err := sk.varRefs("x", nil)
		sk.close()
		if err == nil && len(refs) != 0 {
			t.Errorf("base %#x: variable x found at %v through an offset past the end of .debug_str_offsets", base, refs)
		}
	}
	// With a valid base the same unit names the variable, which shows that
	// the hand-made unit is read as intended.
	info, abbrev := dwarf64Unit(16)
	raw := &rawDWARF{info: info, abbrev: abbrev, str: []byte("x\x00"), strOffsets: strOffsets}
	sk, err := skimIndex(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer sk.close()
	if refs, err := sk.varRefs("x", nil); err != nil || len(refs) != 1 {
		t.Errorf("variable x with a valid base: found %v, %v; want one DIE", refs, err)
	}
}

func TestSkimRunErrorAfterMatch(t *testing.T) {
	// A run holds units 0 and 1 of the test kernel, and unit 1's
	// abbreviations use an unknown form. How units are grouped into runs
	// depends on the CPU count and file size, so a lookup that stops in
	// unit 0 must return debug/dwarf's first definition whatever the
	// grouping. A lookup that does not stop there returns the error.
	tab := patchedKernel(t, func(f *elf.File, b []byte) {
		data, err := f.Section(".debug_info").Data()
		if err != nil {
			t.Fatal(err)
		}
		units, err := listUnits(data)
		if err != nil || len(units) < 2 {
			t.Fatalf("listUnits: %d units, %v", len(units), err)
		}
		// An abbreviation is code and tag (ULEB128), a children byte,
		// then attribute and form pairs (ULEB128).
		p := f.Section(".debug_abbrev").Offset + units[1].abbrevOff
		skipULEB := func() {
			for b[p]&0x80 != 0 {
				p++
			}
			p++
		}
		skipULEB() // code
		skipULEB() // tag
		p++        // children
		skipULEB() // first attribute
		b[p] = 0x7e
	})
	// The patch moves no DIE, so debug/dwarf's reading of the undamaged
	// kernel gives the expected offset.
	orig, err := elf.Open(filepath.Join("testdata", "elf", "amd64-clang-dwarf5"))
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	d, err := orig.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	r := d.Reader()
	var vnetDef dwarf.Offset
	for e, err := r.Next(); err == nil && e != nil; e, err = r.Next() {
		if e.Tag == dwarf.TagStructType && e.Val(dwarf.AttrName) == "vnet" && e.Val(dwarf.AttrDeclaration) == nil {
			vnetDef = e.Offset
			break
		}
	}
	if vnetDef == 0 {
		t.Fatal("debug/dwarf finds no definition of struct vnet")
	}

	units := tab.rawUnits
	if int(vnetDef) >= units[1].off {
		t.Fatalf("struct vnet is defined at %#x, not in unit 0", vnetDef)
	}
	sk := &skimmedIndex{seed: maphash.MakeSeed(), check: &skimmer{raw: tab.raw, units: units}}
	run := &skimRun{first: 0, last: 2, done: make(chan struct{})}
	sk.runs = []*skimRun{run}
	sk.skimRun(&skimmer{raw: tab.raw, units: units, seed: sk.seed}, run)
	if run.err == nil {
		t.Fatal("the damaged unit skimmed without error")
	}
	refs, err := sk.typeRefs("struct vnet", func(r typeRef) bool { return !r.decl })
	if err != nil {
		t.Errorf("struct vnet, defined before the damaged unit: %v", err)
	} else if len(refs) == 0 || refs[len(refs)-1].off != vnetDef {
		t.Errorf("struct vnet resolves to %v, debug/dwarf's definition is at %#x", refs, vnetDef)
	}
	if _, err := sk.typeRefs("struct no_such_type", nil); err == nil {
		t.Error("a name the damaged unit could define was reported missing without an error")
	}
}
