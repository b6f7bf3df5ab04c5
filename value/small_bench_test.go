package value

import (
	"encoding/binary"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// smallVariables are types of the size most V_ variables have: a sysctl
// knob, a pointer and a lock-like struct of mixed members.
func smallVariables() []struct {
	name string
	typ  godwarf.Type
	raw  []byte
} {
	lock := structOf("struct", "scale_lock", 32,
		member("lo_name", ptrTo(tChar), 0), member("lo_flags", tUint, 8),
		member("lo_data", tUint, 12), member("lo_witness", ptrTo(tVoid), 16),
		member("mtx_lock", tUint64, 24))
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(0x91 * (i + 1))
	}
	return []struct {
		name string
		typ  godwarf.Type
		raw  []byte
	}{
		{"int", tInt, raw[:4]},
		{"u_long", tUint64, raw[:8]},
		{"pointer", ptrTo(tVoid), raw[:8]},
		{"struct", lock, raw},
	}
}

// BenchmarkDecodeSmall decodes one small variable per iteration, as a
// dump of every V_ variable in every vnet does 1.5 million times on the
// scale test kernel (1,000 vnets, 1,559 variables).
func BenchmarkDecodeSmall(b *testing.B) {
	for _, v := range smallVariables() {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				Decode(v.typ, v.raw, binary.LittleEndian, 8, DefaultLimits())
			}
		})
	}
}

// BenchmarkMarshalJSONSmall encodes one decoded small variable per iteration.
func BenchmarkMarshalJSONSmall(b *testing.B) {
	for _, v := range smallVariables() {
		b.Run(v.name, func(b *testing.B) {
			decoded := Decode(v.typ, v.raw, binary.LittleEndian, 8, DefaultLimits())
			for b.Loop() {
				if _, err := decoded.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
