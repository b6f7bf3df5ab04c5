package value

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// typeBuilder makes a godwarf type from fuzz bytes. It can produce anything
// damaged debug information could: members and bit-fields outside their
// struct, negative and huge array counts, nil and void members, and cycles
// through types still being built.
type typeBuilder struct {
	seed []byte
	pool []godwarf.Type
}

func (b *typeBuilder) next() int {
	if len(b.seed) == 0 {
		return 0
	}
	c := b.seed[0]
	b.seed = b.seed[1:]
	return int(c)
}

func (b *typeBuilder) build(depth int) godwarf.Type {
	choice := b.next()
	if depth > 5 {
		choice %= 9 // scalars only
	}
	var t godwarf.Type
	switch choice % 20 {
	case 0:
		t = &godwarf.IntType{BasicType: basic("int", int64(1<<(b.next()%5)))}
	case 1:
		t = &godwarf.UintType{BasicType: basic("unsigned int", int64(1<<(b.next()%5)))}
	case 2:
		t = tChar
	case 3:
		t = tUchar
	case 4:
		t = tBool
	case 5:
		t = enumOf("e", int64(1<<(b.next()%4)), map[string]int64{"A": int64(b.next()) - 128, "B": 1})
	case 6:
		t = &godwarf.FloatType{BasicType: basic("float", int64(4<<(b.next()%3)))}
	case 7:
		t = &godwarf.PtrType{CommonType: common("", int64(b.next()%10)-1), Type: tInt}
	case 8:
		if len(b.pool) > 0 {
			t = b.pool[b.next()%len(b.pool)]
		}
	case 9, 10:
		t = b.buildStruct(depth, choice%2 == 0)
	case 11, 12:
		count := int64(b.next()) - 2
		if b.next()%8 == 0 {
			count <<= 40
		}
		elem := b.build(depth + 1)
		t = &godwarf.ArrayType{CommonType: common("", -1), Type: elem, Count: count, StrideBitSize: int64(b.next()) * 8}
	case 13:
		td := &godwarf.TypedefType{CommonType: common("t", 4)}
		b.pool = append(b.pool, td)
		td.Type = b.build(depth + 1)
		t = td
	case 14:
		t = &godwarf.QualType{CommonType: common("", 4), Qual: []string{"const", "volatile", "restrict"}[b.next()%3], Type: b.build(depth + 1)}
	case 15:
		t = tVoid
	case 16:
		t = &godwarf.FuncType{CommonType: common("", 1), ReturnType: tInt}
	case 17:
		t = ptrTo(&godwarf.FuncType{CommonType: common("", 1), ReturnType: tVoid})
	case 18:
		t = &godwarf.StructType{CommonType: common("fwd", 0), StructName: "fwd", Kind: "struct", Incomplete: true}
	case 19:
		et := enumOf("e", 4, map[string]int64{"A": 1})
		et.Val = append(et.Val, nil) // a damaged enumerator list
		t = []godwarf.Type{et, &godwarf.QualType{Qual: "const"}, &godwarf.ArrayType{Count: 2}}[b.next()%3]
	}
	if t != nil {
		b.pool = append(b.pool, t)
	}
	return t
}

func (b *typeBuilder) buildStruct(depth int, union bool) godwarf.Type {
	kind := "struct"
	if union {
		kind = "union"
	}
	st := &godwarf.StructType{CommonType: common("s", int64(b.next())), StructName: "s", Kind: kind}
	b.pool = append(b.pool, st)
	for n := b.next() % 6; n > 0; n-- {
		f := &godwarf.StructField{Name: string(rune('a' + n)), ByteOffset: int64(b.next()) - 8}
		if b.next()%4 == 0 {
			f.Name = "" // anonymous member or padding
		}
		f.Type = b.build(depth + 1)
		if b.next()%3 == 0 {
			f.ByteSize = int64(b.next() % 10)
			f.BitOffset = int64(b.next()%80) - 8
			f.BitSize = int64(b.next() % 70)
		}
		st.Field = append(st.Field, f)
	}
	return st
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{9, 16, 3, 0, 0, 0, 1, 0, 0, 0, 2}, []byte("0123456789abcdef"), false, uint8(0))
	f.Add([]byte{11, 10, 0, 2, 4}, []byte("hello\x00\x00\x00\x00\x00"), true, uint8(2))
	f.Add([]byte{10, 8, 2, 0, 4, 1, 0, 4, 3, 12, 5, 0, 0, 1}, []byte{0xff, 0xfe, 0xfd, 0xfc, 1, 2, 3, 4}, false, uint8(1))
	f.Add([]byte{13, 9, 4, 1, 0, 1, 8, 0}, []byte{1, 2, 3, 4}, false, uint8(3))

	f.Fuzz(func(t *testing.T, typeSeed, raw []byte, bigEndian bool, limit uint8) {
		b := &typeBuilder{seed: typeSeed}
		typ := b.build(0)
		var order binary.ByteOrder = binary.LittleEndian
		if bigEndian {
			order = binary.BigEndian
		}
		lim := Limits{MaxDepth: int(limit%8) + 1, MaxArray: int(limit%16) + 1, MaxString: int(limit%32) + 1}

		v := Decode(typ, raw, order, 8, lim)
		if v == nil {
			t.Fatal("Decode returned nil")
		}
		out, err := v.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		if !json.Valid(out) {
			t.Fatalf("MarshalJSON wrote invalid JSON: %s", out)
		}
		v.Format(io.Discard, FormatOptions{Width: int(limit)})
	})
}
