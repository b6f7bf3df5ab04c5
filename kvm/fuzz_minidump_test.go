package kvm

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// FuzzMinidumpHeader opens amd64 minidumps whose header fields come from
// the fuzzer and whose sections are filled from body, repeated. Inputs
// stay small, so the fuzzer explores header values rather than page
// contents. Open may fail; reads through a core it returns must not panic,
// and a read that succeeds returns every byte.
func FuzzMinidumpHeader(f *testing.F) {
	f.Add(uint32(3), uint32(5000), uint32(pageSize), uint32(2*pageSize), uint32(pageSize), uint64(testDmapEnd), []byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint32(2), uint32(0), uint32(8), uint32(8), uint32(0), uint64(testDmapEnd), []byte{0x81, 0, 0x40})
	f.Add(uint32(1), uint32(1), uint32(1), uint32(8), uint32(0), uint64(0), []byte{0x01, 0x10})
	f.Add(uint32(3), uint32(0), uint32(0), uint32(0), uint32(0), uint64(1), []byte{})

	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, version, msgbuf, bitmap, pmap, avail uint32, dmapEnd uint64, body []byte) {
		hdr := make([]byte, pageSize)
		le := binary.LittleEndian
		copy(hdr, minidumpAMD64Magic)
		le.PutUint32(hdr[24:], version)
		le.PutUint32(hdr[28:], msgbuf)
		le.PutUint32(hdr[32:], bitmap)
		le.PutUint32(hdr[36:], pmap)
		le.PutUint64(hdr[40:], testKernBase)
		le.PutUint64(hdr[48:], testDmapBase)
		le.PutUint64(hdr[56:], dmapEnd)
		le.PutUint32(hdr[64:], avail)

		// The sections end at most 16 pages in, so larger sizes are
		// rejected as past the end of the file.
		data := hdr
		if len(body) > 0 {
			rest := make([]byte, 16*pageSize)
			for i := range rest {
				rest[i] = body[i%len(body)]
			}
			data = append(data, rest...)
		}
		path := filepath.Join(dir, "vmcore")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Open(path, Options{CacheDir: filepath.Join(dir, "cache")})
		if err != nil {
			if c != nil {
				t.Fatalf("Open failed (%v) but returned a Core", err)
			}
			return
		}
		defer c.Close()
		buf := make([]byte, 2*pageSize)
		for _, a := range []uint64{0, 0x1ff8, testKernBase, testKernBase + 1<<21 - 8, testDmapBase + 0x3000, testDmapBase + 0xfff} {
			for _, r := range []Reader{c.Virtual(), c.Physical()} {
				if n, err := r.ReadAt(buf, Addr(a)); err == nil && n != len(buf) {
					t.Fatalf("read at %#x returned %d bytes and no error", a, n)
				}
			}
		}
	})
}
