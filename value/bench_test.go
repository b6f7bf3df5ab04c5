package value

import (
	"encoding/binary"
	"io"
	"testing"
)

// BenchmarkDecodeStructArray decodes an array of 4096 two-int structs
// (32 KiB), the size of the module area vnet_entry_modspace.
func BenchmarkDecodeStructArray(b *testing.B) {
	point := structOf("struct", "point", 8, member("x", tInt, 0), member("y", tInt, 4))
	typ := arrayOf(point, 4096)
	raw := make([]byte, 8*4096)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		Decode(typ, raw, binary.LittleEndian, 8, DefaultLimits())
	}
}

// BenchmarkDecodeCharArray decodes a zeroed 32 KiB char array, as
// vnet_entry_modspace is in a kernel with no VNET modules loaded.
func BenchmarkDecodeCharArray(b *testing.B) {
	typ := arrayOf(tChar, 32768)
	raw := make([]byte, 32768)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		Decode(typ, raw, binary.LittleEndian, 8, DefaultLimits())
	}
}

func BenchmarkMarshalJSONStructArray(b *testing.B) {
	point := structOf("struct", "point", 8, member("x", tInt, 0), member("y", tInt, 4))
	v := Decode(arrayOf(point, 4096), make([]byte, 8*4096), binary.LittleEndian, 8, DefaultLimits())
	for b.Loop() {
		if _, err := v.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatStructArray(b *testing.B) {
	point := structOf("struct", "point", 8, member("x", tInt, 0), member("y", tInt, 4))
	v := Decode(arrayOf(point, 4096), make([]byte, 8*4096), binary.LittleEndian, 8, DefaultLimits())
	for b.Loop() {
		v.Format(io.Discard, FormatOptions{})
	}
}
