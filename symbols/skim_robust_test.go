package symbols

import (
	"encoding/binary"
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
