package kvm

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds arbitrary files to Open and reads through whatever it
// returns: nothing may panic, and a failed Open returns no Core. Compressed
// inputs are skipped, because a few bytes of zstd can expand to gigabytes
// in the cache and the decompressors are fuzzed by their own packages.
func FuzzOpen(f *testing.F) {
	m, k := testMachine(0x200000, false)
	f.Add(v3Spec().build(f)[:3*pageSize])
	f.Add((&minidumpSpec{version: 1, pmap: []uint64{0x1001}}).build(f))
	f.Add(buildELFCore(m, 255, 62, nil)[:pageSize])
	f.Add(buildELFCore(m, 0, 62, qemuNotes())[:pageSize])

	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if sniffCompression(data) != "" {
			t.Skip("compressed input")
		}
		path := filepath.Join(dir, "vmcore")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Open(path, Options{Kernel: k, CacheDir: filepath.Join(dir, "cache")})
		if err != nil {
			if c != nil {
				t.Fatalf("Open failed (%v) but returned a Core", err)
			}
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		for _, a := range []uint64{0, 0x1000, testKernBase, testKernBase + 0x3ff8, testDmapBase + 0x1ff8, testKERNBASE + 0x400000} {
			c.Virtual().ReadAt(buf, Addr(a))
			c.Physical().ReadAt(buf, Addr(a))
		}
	})
}
