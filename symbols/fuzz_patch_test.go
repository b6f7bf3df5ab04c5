package symbols

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzPatchedKernel changes a few bytes of the test kernels and loads the
// result. Each 4-byte record of patches is a 24-bit little-endian file
// offset (taken modulo the file size) and the byte to store there. Inputs
// stay small, so the fuzzer explores damaged headers, symbol tables and
// DWARF quickly; FuzzOpen mutates whole files instead. Loading may fail,
// but nothing may panic.
func FuzzPatchedKernel(f *testing.F) {
	var kernels [][]byte
	for _, v := range variants[:6] {
		data, err := os.ReadFile(filepath.Join("testdata", "elf", v.kernel))
		if err != nil {
			f.Fatal(err)
		}
		kernels = append(kernels, data)
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte{0x3c, 0, 0, 0xff}) // e_shnum low byte
	f.Add(uint8(4), []byte{0x28, 0, 0, 0x80, 0x3e, 0, 0, 0x01})
	f.Add(uint8(5), []byte{0x10, 0x10, 0, 0x7e})

	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, which uint8, patches []byte) {
		data := append([]byte{}, kernels[int(which)%len(kernels)]...)
		for i := 0; i+4 <= len(patches); i += 4 {
			off := int(patches[i]) | int(patches[i+1])<<8 | int(patches[i+2])<<16
			data[off%len(data)] = patches[i+3]
		}
		path := filepath.Join(dir, "kernel")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		tab, err := Open(path, "")
		if err != nil {
			return
		}
		defer tab.Close()
		exercise(tab)
	})
}
