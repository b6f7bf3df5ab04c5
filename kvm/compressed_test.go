package kvm

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// kernelGzip compresses data the way the kernel's gzip compressor does
// (sys/kern/subr_compressor.c): a 10-byte header with no flags, raw
// deflate, CRC-32 and size trailer, then zero padding to a 4 KiB block.
func kernelGzip(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	buf.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3})
	fw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	fw.Close()
	binary.Write(&buf, binary.LittleEndian, crc32.ChecksumIEEE(data))
	binary.Write(&buf, binary.LittleEndian, uint32(len(data)))
	buf.Write(make([]byte, pageRound(buf.Len())-buf.Len()))
	return buf.Bytes()
}

// twoMemberGzip compresses data as two concatenated gzip members.
func twoMemberGzip(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	for _, part := range [][]byte{data[:len(data)/3], data[len(data)/3:]} {
		zw := gzip.NewWriter(&buf)
		zw.Write(part)
		zw.Close()
	}
	return buf.Bytes()
}

// paddedZstd compresses data as a skippable frame, two zstd frames and
// zero padding, as a block device would round the last write.
func paddedZstd(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'}
	buf.Write(skippable)
	for _, part := range [][]byte{data[:len(data)/2], data[len(data)/2:]} {
		zw, err := zstd.NewWriter(&buf, zstd.WithEncoderCRC(true))
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(part)
		zw.Close()
	}
	buf.Write(make([]byte, 3000))
	return buf.Bytes()
}

// randomTailSpec is v3Spec with 64 pages of random bytes at the end of
// physical memory, so that a cut in the compressed stream lands in them.
func randomTailSpec() (*minidumpSpec, map[uint64][]byte) {
	s := v3Spec()
	rng := rand.New(rand.NewPCG(7, 8))
	random := map[uint64][]byte{}
	for i := uint64(0); i < 64; i++ {
		page := make([]byte, pageSize)
		for j := range page {
			page[j] = byte(rng.Uint32())
		}
		pa := 0x600000 + i*pageSize
		s.setPage(pa, page)
		random[pa] = page
	}
	return s, random
}

func TestCompressedMinidump(t *testing.T) {
	raw := v3Spec().build(t)
	cases := []struct {
		name, format string
		data         []byte
	}{
		{"kernel gzip stream", "minidump-amd64-v3 (gzip)", kernelGzip(t, raw)},
		{"two gzip members", "minidump-amd64-v3 (gzip)", twoMemberGzip(t, raw)},
		{"zstd with padding", "minidump-amd64-v3 (zstd)", paddedZstd(t, raw)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openBytes(t, tc.data, Options{CacheDir: t.TempDir()})
			if got := c.Format(); got != tc.format {
				t.Errorf("Format() = %q, want %q", got, tc.format)
			}
			if got, w := readBytes(t, c.Virtual(), testKernBase+3*pageSize+0x10, 8), patternBytes(0x300010, 8); string(got) != string(w) {
				t.Errorf("read %x, want %x", got, w)
			}
		})
	}
}

func TestCompressedCacheReuse(t *testing.T) {
	cache := t.TempDir()
	path := writeTemp(t, "vmcore.0.zst", paddedZstd(t, v3Spec().build(t)))
	var stages []string
	opts := Options{CacheDir: cache, Progress: func(stage string, done, total int64) {
		stages = append(stages, stage)
		if total <= 0 || done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	}}

	c, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if len(stages) == 0 || !strings.Contains(stages[0], "zstd") {
		t.Errorf("progress stages %q, want a zstd decompression stage", stages)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "vmcore.0.zst-") {
		t.Fatalf("cache holds %v, want one vmcore.0.zst-* file", entries)
	}

	stages = nil
	c, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if len(stages) != 0 {
		t.Errorf("second Open decompressed again (stages %q)", stages)
	}

	// A rewritten file gets a new copy.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	c, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if entries, _ := os.ReadDir(cache); len(entries) != 2 {
		t.Errorf("cache holds %d files after the file changed, want 2", len(entries))
	}
}

func TestCompressedTruncated(t *testing.T) {
	s, random := randomTailSpec()
	raw := s.build(t)
	var zstdData bytes.Buffer
	zw, err := zstd.NewWriter(&zstdData)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(raw)
	zw.Close()

	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"gzip", kernelGzip(t, raw)},
		{"zstd", zstdData.Bytes()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cut := tc.data[:len(tc.data)*3/4]
			c := openBytes(t, cut, Options{CacheDir: t.TempDir()})
			if want := "minidump-amd64-v3 (" + tc.name + ", truncated)"; c.Format() != want {
				t.Errorf("Format() = %q, want %q", c.Format(), want)
			}
			// Early pages survive, the last random page does not.
			if got, w := readBytes(t, c.Physical(), 0x90000, 8), patternBytes(0x90000, 8); string(got) != string(w) {
				t.Errorf("early page %x, want %x", got, w)
			}
			if got := readBytes(t, c.Physical(), 0x600000, 16); string(got) != string(random[0x600000][:16]) {
				t.Errorf("first random page %x, want %x", got, random[0x600000][:16])
			}
			var b [8]byte
			_, err := c.Physical().ReadAt(b[:], 0x600000+63*pageSize)
			wantFault(t, err, ErrNotInDump)
		})
	}
}

func TestCompressedCorrupt(t *testing.T) {
	raw := v3Spec().build(t)
	trailing := append(kernelGzip(t, raw), "garbage"...)
	badCRC := kernelGzip(t, raw)
	i := bytes.LastIndex(badCRC, binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(raw)))
	badCRC[i] ^= 0xff

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"data after the gzip stream", trailing, "after the end"},
		{"gzip checksum", badCRC, "checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "vmcore.gz", tc.data)
			cache := t.TempDir()
			_, err := Open(path, Options{CacheDir: cache})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open: %v, want an error naming the file and containing %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(cache); len(entries) != 0 {
				t.Errorf("cache keeps %v after a failed decompression", entries)
			}
		})
	}
}

func TestCompressedTwice(t *testing.T) {
	inner := kernelGzip(t, v3Spec().build(t))
	_, err := Open(writeTemp(t, "vmcore.gz.gz", kernelGzip(t, inner)), Options{CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "compressed again") {
		t.Fatalf("Open: %v, want an error about double compression", err)
	}
}

// The zstd command-line tool's output, when the tool is installed.
func TestCompressedZstdTool(t *testing.T) {
	zstdTool, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("zstd command not installed")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "vmcore")
	if err := os.WriteFile(path, v3Spec().build(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(zstdTool, "-q", "-3", path, "-o", path+".zst").CombinedOutput(); err != nil {
		t.Fatalf("zstd: %v: %s", err, out)
	}
	c, err := Open(path+".zst", Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, w := readBytes(t, c.Virtual(), testDmapBase+0x90008, 8), patternBytes(0x90008, 8); string(got) != string(w) {
		t.Errorf("read %x, want %x", got, w)
	}
}
