package value

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// A testBinary reads global variables, with their godwarf types and the
// bytes of their initializers, from one of the executables in testdata.
//
// NOTE: this stands in for package symbols, which will load types the same
// way and repair the same two godwarf faults (see repairType).
type testBinary struct {
	path     string
	file     *elf.File
	data     *dwarf.Data
	cache    map[dwarf.Offset]godwarf.Type
	varTypes map[string]dwarf.Offset
	repaired map[godwarf.Type]bool
}

func openTestBinary(t *testing.T, path string) *testBinary {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() })
	data, err := f.DWARF()
	if err != nil {
		t.Fatalf("read DWARF of %s: %v", path, err)
	}
	b := &testBinary{
		path:     path,
		file:     f,
		data:     data,
		cache:    make(map[dwarf.Offset]godwarf.Type),
		varTypes: make(map[string]dwarf.Offset),
		repaired: make(map[godwarf.Type]bool),
	}
	r := data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			t.Fatalf("read DWARF entries of %s: %v", path, err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagVariable {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		typeOff, ok := e.Val(dwarf.AttrType).(dwarf.Offset)
		if name != "" && ok {
			b.varTypes[name] = typeOff
		}
	}
	return b
}

// variable returns the type of the global variable name and the bytes of
// its initializer, read from the section that holds the symbol.
func (b *testBinary) variable(t *testing.T, name string) (godwarf.Type, []byte) {
	t.Helper()
	off, ok := b.varTypes[name]
	if !ok {
		t.Fatalf("%s: no DWARF variable %q", b.path, name)
	}
	typ, err := godwarf.ReadType(b.data, 0, off, b.cache)
	if err != nil {
		t.Fatalf("%s: read type of %s: %v", b.path, name, err)
	}
	// Reading a new struct can zero an array type that was repaired
	// before, so repair everything reachable on every call.
	b.repaired = make(map[godwarf.Type]bool)
	if err := b.repairType(typ); err != nil {
		t.Fatalf("%s: repair type of %s: %v", b.path, name, err)
	}
	raw, err := b.symbolBytes(name)
	if err != nil {
		t.Fatalf("%s: %v", b.path, err)
	}
	return typ, raw
}

func (b *testBinary) symbolBytes(name string) ([]byte, error) {
	syms, err := b.file.Symbols()
	if err != nil {
		return nil, err
	}
	for _, s := range syms {
		if s.Name != name {
			continue
		}
		for _, sec := range b.file.Sections {
			if s.Value < sec.Addr || s.Value+s.Size > sec.Addr+sec.Size {
				continue
			}
			if sec.Type == elf.SHT_NOBITS {
				return make([]byte, s.Size), nil
			}
			data, err := sec.Data()
			if err != nil {
				return nil, fmt.Errorf("read section %s: %v", sec.Name, err)
			}
			start := s.Value - sec.Addr
			return data[start : start+s.Size], nil
		}
		return nil, fmt.Errorf("symbol %s at %#x is in no section", name, s.Value)
	}
	return nil, fmt.Errorf("no symbol %s", name)
}

// repairType fixes two faults of godwarf (delve v1.27.2) in the types
// reachable from typ, by reading the DIEs again:
//   - It ignores DW_AT_data_bit_offset, the bit-field form of gcc's DWARF 5,
//     and leaves such members at bit 0. They are rewritten into the DWARF 2
//     form godwarf keeps (storage size, bit offset from its top bit).
//   - Its zero-length-array rule takes a bit-field at offset 0 for a
//     member at the same offset as the array before it, and sets that
//     array type's count to 0. Counts are read again from the subranges.
func (b *testBinary) repairType(typ godwarf.Type) error {
	if typ == nil || b.repaired[typ] {
		return nil
	}
	b.repaired[typ] = true
	switch tt := typ.(type) {
	case *godwarf.TypedefType:
		return b.repairType(tt.Type)
	case *godwarf.QualType:
		return b.repairType(tt.Type)
	case *godwarf.PtrType:
		return nil // pointees are never decoded
	case *godwarf.ArrayType:
		if err := b.repairCounts(tt); err != nil {
			return err
		}
		return b.repairType(tt.Type)
	case *godwarf.StructType:
		if err := b.repairBitfields(tt); err != nil {
			return err
		}
		for _, f := range tt.Field {
			if err := b.repairType(f.Type); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *testBinary) children(off dwarf.Offset) ([]*dwarf.Entry, error) {
	r := b.data.Reader()
	r.Seek(off)
	parent, err := r.Next()
	if err != nil || parent == nil || !parent.Children {
		return nil, err
	}
	var kids []*dwarf.Entry
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil || e.Tag == 0 {
			return kids, nil
		}
		kids = append(kids, e)
		if e.Children {
			r.SkipChildren()
		}
	}
}

func (b *testBinary) repairCounts(at *godwarf.ArrayType) error {
	if at.Offset == 0 {
		return nil // an inner dimension that godwarf made up
	}
	kids, err := b.children(at.Offset)
	if err != nil {
		return err
	}
	level := at
	for _, e := range kids {
		if e.Tag != dwarf.TagSubrangeType {
			continue
		}
		if level == nil {
			return fmt.Errorf("array at %#x has more subranges than godwarf dimensions", at.Offset)
		}
		if count, ok := e.Val(dwarf.AttrCount).(int64); ok {
			level.Count = count
		} else if upper, ok := e.Val(dwarf.AttrUpperBound).(int64); ok {
			level.Count = upper + 1
		}
		level, _ = level.Type.(*godwarf.ArrayType)
	}
	return nil
}

func (b *testBinary) repairBitfields(st *godwarf.StructType) error {
	kids, err := b.children(st.Offset)
	if err != nil {
		return err
	}
	i := 0
	for _, e := range kids {
		if e.Tag != dwarf.TagMember {
			continue
		}
		if i >= len(st.Field) {
			return fmt.Errorf("struct at %#x has more members than godwarf fields", st.Offset)
		}
		f := st.Field[i]
		i++
		dataBitOffset, ok := e.Val(dwarf.AttrDataBitOffset).(int64)
		if !ok || f.BitSize == 0 {
			continue
		}
		// Describe the field as the fewest bytes that hold it, starting at
		// the byte of its first bit.
		f.ByteOffset = dataBitOffset / 8
		f.ByteSize = (dataBitOffset%8 + f.BitSize + 7) / 8
		f.BitOffset = f.ByteSize*8 - dataBitOffset%8 - f.BitSize
	}
	return nil
}
