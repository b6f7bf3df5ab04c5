package kvm

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// deviceHeader builds a 512-byte kerneldumpheader with the given fields
// and a correct parity word, so that the fuzzer gets past the parity check.
func deviceHeader(magic string, version uint32, length, extent uint64, keySize uint32, compression byte) []byte {
	h := make([]byte, dumpHeaderSize)
	be := binary.BigEndian
	copy(h, magic)
	copy(h[dumpArchOff:], "amd64")
	be.PutUint32(h[dumpVersionOff:], version)
	be.PutUint32(h[dumpArchVersionOff:], 2)
	be.PutUint64(h[dumpLengthOff:], length)
	be.PutUint32(h[dumpKeySizeOff:], keySize)
	be.PutUint32(h[dumpBlockSizeOff:], 512)
	copy(h[dumpVersionStrOff:], "FreeBSD 14.1-RELEASE\n")
	h[dumpCompressionOff] = compression
	be.PutUint64(h[dumpExtentOff:], extent)
	var parity uint32
	for i := 0; i < dumpHeaderSize; i += 4 {
		parity ^= be.Uint32(h[i:])
	}
	be.PutUint32(h[dumpParityOff:], parity)
	return h
}

// FuzzDumpDevice opens dump-device images: a first header, the dump data
// and a last header at the end, with header fields from the fuzzer. The
// first header differs from the last one when firstDiffers is set, and the
// data starts with a small minidump when withMinidump is set. Open
// may fail; reads through a core it returns must not panic.
func FuzzDumpDevice(f *testing.F) {
	mini := (&minidumpSpec{version: 2, pmap: []uint64{0x1000 | pteValid | pteLarge}}).build(f)
	// withMinidump puts a small valid minidump before data, so that inputs
	// stay short: large seeds slow coverage-guided fuzzing down.
	n := uint64(len(mini))
	f.Add(uint8(0), uint32(dumpHeaderVersion), n, n, uint32(0), byte(0), false, true, []byte{})
	f.Add(uint8(0), uint32(dumpHeaderVersion), n+16, n+512, uint32(0), byte(0), false, true, []byte("tail"))
	f.Add(uint8(1), uint32(dumpHeaderVersion), uint64(8), uint64(512), uint32(0), byte(1), false, false, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3})
	f.Add(uint8(0), uint32(dumpHeaderVersion), uint64(1<<40), uint64(1<<62), uint32(0), byte(2), true, false, []byte("minidump"))
	f.Add(uint8(2), uint32(3), uint64(0), uint64(0), uint32(64), byte(0), false, false, []byte{})

	dir := f.TempDir()
	magics := []string{dumpMagicKernel, dumpMagicText, dumpMagicCleared, "not a dump"}
	f.Fuzz(func(t *testing.T, magic uint8, version uint32, length, extent uint64, keySize uint32, compression byte, firstDiffers, withMinidump bool, data []byte) {
		if len(data) > 64*pageSize {
			data = data[:64*pageSize]
		}
		if withMinidump {
			data = append(append([]byte{}, mini...), data...)
		}
		last := deviceHeader(magics[int(magic)%len(magics)], version, length, extent, keySize, compression)
		first := last
		if firstDiffers {
			first = deviceHeader(dumpMagicKernel, version, length+1, extent, keySize, compression)
		}
		padded := make([]byte, (len(data)+dumpHeaderSize-1)/dumpHeaderSize*dumpHeaderSize)
		copy(padded, data)
		image := append(append(append([]byte{}, first...), padded...), last...)
		path := filepath.Join(dir, "dumpdev")
		if err := os.WriteFile(path, image, 0o600); err != nil {
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
		buf := make([]byte, pageSize+8)
		for _, a := range []uint64{0, 0xff8, testKernBase + 0x1ff8, testDmapBase + 0x1ff8} {
			for _, r := range []Reader{c.Virtual(), c.Physical()} {
				if n, err := r.ReadAt(buf, Addr(a)); err == nil && n != len(buf) {
					t.Fatalf("read at %#x returned %d bytes and no error", a, n)
				}
			}
		}
	})
}
