package kvm

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Synthetic minidumps are laid out here from the format's description
// (header page, msgbuf, dump_avail, bitmap, page-table section, pages in
// bit order), independently of the reader's code.

const (
	testKernBase = 0xfffffe0000000000
	testDmapBase = 0xfffff80000000000
	testDmapEnd  = 0xfffffc0000000000
)

// patternWord is the 8-byte value stored at physical address pa (a
// multiple of 8) in synthetic memory, so that every read has a known result.
func patternWord(pa uint64) uint64 { return pa ^ 0x5a5a_0000_0000_0000 }

func patternPage(pa uint64) []byte {
	b := make([]byte, pageSize)
	for i := 0; i < pageSize; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], patternWord(pa+uint64(i)))
	}
	return b
}

// patternBytes returns the synthetic bytes [pa, pa+n).
func patternBytes(pa uint64, n int) []byte {
	var out []byte
	for page := pa &^ (pageSize - 1); len(out) < n+int(pa%pageSize); page += pageSize {
		out = append(out, patternPage(page)...)
	}
	return out[pa%pageSize : pa%pageSize+uint64(n)]
}

// A minidumpSpec describes a synthetic amd64 minidump.
type minidumpSpec struct {
	version int
	msgbuf  int         // msgbufsize
	avail   [][2]uint64 // dump_avail ranges, version 3 only
	pmap    []uint64    // page-table section entries
	pages   map[uint64][]byte
}

func (s *minidumpSpec) setPage(pa uint64, data []byte) {
	if s.pages == nil {
		s.pages = map[uint64][]byte{}
	}
	s.pages[pa] = data
}

// bitOf numbers pa's page the way the format describes: through dump_avail
// for version 3, as pa/4096 before.
func (s *minidumpSpec) bitOf(t testing.TB, pa uint64) uint64 {
	if s.version < 3 {
		return pa / pageSize
	}
	var base uint64
	for _, r := range s.avail {
		if pa >= r[0] && pa < r[1] {
			return base + pa/pageSize - r[0]/pageSize
		}
		base += (r[1]+pageSize-1)/pageSize - r[0]/pageSize
	}
	t.Fatalf("test page %#x is outside dump_avail", pa)
	return 0
}

func (s *minidumpSpec) nbits() uint64 {
	if s.version >= 3 {
		var n uint64
		for _, r := range s.avail {
			n += (r[1]+pageSize-1)/pageSize - r[0]/pageSize
		}
		return n
	}
	var maxPage uint64
	for pa := range s.pages {
		maxPage = max(maxPage, pa/pageSize)
	}
	return maxPage + 1
}

func pageRound(n int) int { return (n + pageSize - 1) &^ (pageSize - 1) }

// build returns the minidump's bytes.
func (s *minidumpSpec) build(t testing.TB) []byte {
	t.Helper()
	bitmapSize := int((s.nbits() + 63) / 64 * 8)
	if s.version >= 3 {
		bitmapSize = pageRound(bitmapSize) // the kernel page-rounds it in version 3
	}
	bitmap := make([]byte, bitmapSize)
	bitToPA := map[uint64]uint64{}
	for pa := range s.pages {
		b := s.bitOf(t, pa)
		bitmap[b/8] |= 1 << (b % 8)
		bitToPA[b] = pa
	}

	le := binary.LittleEndian
	hdr := make([]byte, pageSize)
	copy(hdr, "minidump FreeBSD/amd64")
	le.PutUint32(hdr[24:], uint32(s.version))
	le.PutUint32(hdr[28:], uint32(s.msgbuf))
	le.PutUint32(hdr[32:], uint32(bitmapSize))
	le.PutUint32(hdr[36:], uint32(len(s.pmap)*8))
	le.PutUint64(hdr[40:], testKernBase)
	le.PutUint64(hdr[48:], testDmapBase)
	le.PutUint64(hdr[56:], testDmapEnd)

	out := append([]byte{}, hdr...)
	out = append(out, make([]byte, pageRound(s.msgbuf))...)
	if s.version >= 3 {
		avail := make([]byte, pageSize)
		for i, r := range s.avail {
			le.PutUint64(avail[16*i:], r[0])
			le.PutUint64(avail[16*i+8:], r[1])
		}
		le.PutUint32(out[64:], pageSize)
		out = append(out, avail...)
	}
	out = append(out, bitmap...)
	out = append(out, make([]byte, pageRound(bitmapSize)-bitmapSize)...)
	pmap := make([]byte, pageRound(len(s.pmap)*8))
	for i, e := range s.pmap {
		le.PutUint64(pmap[8*i:], e)
	}
	out = append(out, pmap...)
	for b := uint64(0); b < uint64(bitmapSize)*8; b++ {
		if pa, ok := bitToPA[b]; ok {
			out = append(out, s.pages[pa]...)
		}
	}
	return out
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func openBytes(t testing.TB, data []byte, opts Options) Core {
	t.Helper()
	c, err := Open(writeTemp(t, "vmcore", data), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// v3Spec is a version 3 minidump with:
//   - PDE 0 -> page-table page 0x200000; PTE 3 -> 0x300000, PTE 4 -> 0x150000
//   - PDE 1 -> 2 MiB page 0x400000, of which pages 0, 1 and 5 are dumped
//   - PDE 2 invalid
//   - page 0x90000 in the first dump_avail range, for the direct map
func v3Spec() *minidumpSpec {
	s := &minidumpSpec{
		version: 3,
		msgbuf:  5000,
		avail:   [][2]uint64{{0, 0x9f000}, {0x100000, 0x800000}},
		pmap:    make([]uint64, 1024),
	}
	pt := make([]byte, pageSize)
	binary.LittleEndian.PutUint64(pt[3*8:], 0x300000|pteValid|0x2)
	binary.LittleEndian.PutUint64(pt[4*8:], 0x150000|pteValid)
	s.setPage(0x200000, pt)
	s.pmap[0] = 0x200000 | pteValid | 0x2
	s.pmap[1] = 0x400000 | pteValid | pteLarge
	for _, pa := range []uint64{0x300000, 0x150000, 0x400000, 0x401000, 0x405000, 0x90000} {
		s.setPage(pa, patternPage(pa))
	}
	return s
}

func readBytes(t testing.TB, r Reader, addr uint64, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if got, err := r.ReadAt(b, Addr(addr)); err != nil || got != n {
		t.Fatalf("reading %d bytes at %#x: %d bytes, %v", n, addr, got, err)
	}
	return b
}

func TestMinidumpV3Translation(t *testing.T) {
	c := openBytes(t, v3Spec().build(t), Options{})
	if got := c.Format(); got != "minidump-amd64-v3" {
		t.Errorf("Format() = %q", got)
	}
	v := c.Virtual()
	cases := []struct {
		name   string
		va, pa uint64
	}{
		{"4 KiB page through a page-table page", testKernBase + 3*pageSize + 0x10, 0x300010},
		{"second PTE of the same table", testKernBase + 4*pageSize + 0xff8, 0x150ff8},
		{"2 MiB page, first 4 KiB", testKernBase + 2<<20 + 0x18, 0x400018},
		{"2 MiB page, sixth 4 KiB", testKernBase + 2<<20 + 5*pageSize + 0x100, 0x405100},
		{"direct map", testDmapBase + 0x90008, 0x90008},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := readBytes(t, v, tc.va, 8)
			if w := patternBytes(tc.pa, 8); string(got) != string(w) {
				t.Errorf("read %x, want %x (physical %#x)", got, w, tc.pa)
			}
		})
	}
}

func TestMinidumpV3PageCrossing(t *testing.T) {
	c := openBytes(t, v3Spec().build(t), Options{})
	// The two virtual pages map to physical pages 0x300000 and 0x150000.
	got := readBytes(t, c.Virtual(), testKernBase+4*pageSize-8, 16)
	want := append(patternBytes(0x300ff8, 8), patternBytes(0x150000, 8)...)
	if string(got) != string(want) {
		t.Errorf("read %x, want %x", got, want)
	}
}

func TestMinidumpV3Faults(t *testing.T) {
	c := openBytes(t, v3Spec().build(t), Options{})
	cases := []struct {
		name     string
		r        Reader
		addr     uint64
		sentinel error
	}{
		{"invalid PDE", c.Virtual(), testKernBase + 2*(2<<20), ErrNotMapped},
		{"invalid PTE", c.Virtual(), testKernBase + 7*pageSize, ErrNotMapped},
		{"page of a 2 MiB mapping left out", c.Virtual(), testKernBase + 2<<20 + 2*pageSize, ErrNotInDump},
		{"past the page-table section", c.Virtual(), testKernBase + 1024*(2<<20), ErrNotMapped},
		{"user address", c.Virtual(), 0x7fff0000, ErrNotInDump},
		{"physical page left out", c.Physical(), 0x500000, ErrNotInDump},
		{"physical gap between dump_avail ranges", c.Physical(), 0xa0000, ErrNotInDump},
		{"physical beyond dump_avail", c.Physical(), 0x900000, ErrNotInDump},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b [8]byte
			n, err := tc.r.ReadAt(b[:], Addr(tc.addr))
			if n != 0 {
				t.Errorf("read %d bytes", n)
			}
			fe := wantFault(t, err, tc.sentinel)
			if fe.Addr != Addr(tc.addr) {
				t.Errorf("fault address %v, want %#x", fe.Addr, tc.addr)
			}
		})
	}
}

// A read that runs from a dumped page into one that is not returns the
// bytes of the first page and a fault at the start of the second.
func TestMinidumpV3PartialRead(t *testing.T) {
	c := openBytes(t, v3Spec().build(t), Options{})
	b := make([]byte, 32)
	n, err := c.Physical().ReadAt(b, 0x401ff0)
	if n != 16 {
		t.Errorf("read %d bytes, want 16", n)
	}
	if string(b[:16]) != string(patternBytes(0x401ff0, 16)) {
		t.Errorf("bytes %x, want %x", b[:16], patternBytes(0x401ff0, 16))
	}
	fe := wantFault(t, err, ErrNotInDump)
	if fe.Addr != 0x402000 || !fe.Physical {
		t.Errorf("fault at %v physical=%v, want physical 0x402000", fe.Addr, fe.Physical)
	}
}

func TestMinidumpV2(t *testing.T) {
	s := &minidumpSpec{version: 2, msgbuf: pageSize, pmap: make([]uint64, 512)}
	pt := make([]byte, pageSize)
	binary.LittleEndian.PutUint64(pt[9*8:], 0x5000|pteValid)
	s.setPage(0x3000, pt)
	s.pmap[0] = 0x3000 | pteValid
	s.pmap[5] = 0x200000 | pteValid | pteLarge
	for _, pa := range []uint64{0x5000, 0x201000, 0x7000} {
		s.setPage(pa, patternPage(pa))
	}

	c := openBytes(t, s.build(t), Options{})
	if got := c.Format(); got != "minidump-amd64-v2" {
		t.Errorf("Format() = %q", got)
	}
	cases := []struct {
		name   string
		va, pa uint64
	}{
		{"4 KiB page", testKernBase + 9*pageSize + 0x40, 0x5040},
		{"2 MiB page", testKernBase + 5*(2<<20) + pageSize + 8, 0x201008},
		{"direct map", testDmapBase + 0x7ff8, 0x7ff8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, w := readBytes(t, c.Virtual(), tc.va, 8), patternBytes(tc.pa, 8); string(got) != string(w) {
				t.Errorf("read %x, want %x", got, w)
			}
		})
	}

	var b [8]byte
	_, err := c.Physical().ReadAt(b[:], 0x6000)
	wantFault(t, err, ErrNotInDump)
}

func TestMinidumpV1(t *testing.T) {
	s := &minidumpSpec{version: 1, msgbuf: 100, pmap: make([]uint64, 16)}
	s.pmap[2] = 0x9000 | pteValid
	s.pmap[3] = 0x4000 | pteValid
	for _, pa := range []uint64{0x9000, 0x4000} {
		s.setPage(pa, patternPage(pa))
	}
	c := openBytes(t, s.build(t), Options{})
	if got := c.Format(); got != "minidump-amd64-v1" {
		t.Errorf("Format() = %q", got)
	}
	got := readBytes(t, c.Virtual(), testKernBase+3*pageSize-4, 8)
	if w := append(patternBytes(0x9ffc, 4), patternBytes(0x4000, 4)...); string(got) != string(w) {
		t.Errorf("read %x, want %x", got, w)
	}
	var b [8]byte
	_, err := c.Virtual().ReadAt(b[:], testKernBase+pageSize)
	wantFault(t, err, ErrNotMapped)
	_, err = c.Virtual().ReadAt(b[:], testKernBase+16*pageSize)
	wantFault(t, err, ErrNotMapped)
}

// A file cut inside the data area keeps the pages before the cut.
func TestMinidumpTruncatedData(t *testing.T) {
	data := v3Spec().build(t)
	// Pages in bit order: 0x90000, 0x150000, 0x200000, 0x300000, 0x400000,
	// 0x401000, 0x405000. Cut in the middle of 0x401000.
	cut := len(data) - pageSize - pageSize/2
	c := openBytes(t, data[:cut], Options{})

	if got, w := readBytes(t, c.Physical(), 0x400ff8, 8), patternBytes(0x400ff8, 8); string(got) != string(w) {
		t.Errorf("page before the cut: %x, want %x", got, w)
	}
	b := make([]byte, pageSize)
	n, err := c.Physical().ReadAt(b, 0x401000)
	if n != pageSize/2 {
		t.Errorf("read %d bytes of the cut page, want %d", n, pageSize/2)
	}
	fe := wantFault(t, err, ErrNotInDump)
	if fe.Addr != 0x401000+pageSize/2 {
		t.Errorf("fault at %v, want 0x401800", fe.Addr)
	}
	_, err = c.Physical().ReadAt(b[:8], 0x405000)
	wantFault(t, err, ErrNotInDump)
}

func TestMinidumpBadHeaders(t *testing.T) {
	good := v3Spec().build(t)
	le := binary.LittleEndian
	patch := func(off int, v uint32) []byte {
		b := append([]byte{}, good...)
		le.PutUint32(b[off:], v)
		return b
	}
	availOff := pageSize + pageRound(5000)
	badAvail := func(pairs ...uint64) []byte {
		b := append([]byte{}, good...)
		clear(b[availOff : availOff+pageSize])
		for i, v := range pairs {
			le.PutUint64(b[availOff+8*i:], v)
		}
		return b
	}
	unterminated := append([]byte{}, good...)
	for i := availOff; i < availOff+pageSize; i += 16 {
		le.PutUint64(unterminated[i:], uint64(i-availOff)*0x10000)
		le.PutUint64(unterminated[i+8:], uint64(i-availOff)*0x10000+0x1000)
	}

	cases := []struct {
		name string
		data []byte
		want []string // substrings of the message
	}{
		{"header cut short", good[:30], []string{"minidump header", "truncated"}},
		{"version 3 header cut short", good[:66], []string{"version 3"}},
		{"version 0", patch(24, 0), []string{"version 0"}},
		{"version 4", patch(24, 4), []string{"version 4", "1 to 3"}},
		{"bitmap of gigabytes", patch(32, 0xf0000000), []string{"bitmapsize", "4026531840"}},
		{"bitmap past the end", patch(32, 1<<28), []string{"bitmapsize", "past the end"}},
		{"page-table section past the end", patch(36, 1<<30), []string{"pmapsize", "past the end"}},
		{"msgbuf past the end", patch(28, 1<<30), []string{"msgbufsize"}},
		{"dump_avail too large", patch(64, 1<<24), []string{"dumpavailsize"}},
		{"dump_avail empty", badAvail(), []string{"no physical memory"}},
		{"dump_avail descending", badAvail(0x100000, 0x200000, 0, 0x1000), []string{"dump_avail range 1"}},
		{"dump_avail end below start", badAvail(0x2000, 0x1000), []string{"dump_avail range 0"}},
		{"dump_avail unterminated", unterminated, []string{"terminating"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "vmcore", tc.data)
			_, err := Open(path, Options{})
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Open: %v (%T), want a *FormatError", err, err)
			}
			if fe.File != path {
				t.Errorf("error names file %q, want %q", fe.File, path)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenUnknownFormat(t *testing.T) {
	_, err := Open(writeTemp(t, "junk", []byte("hello, this is not a dump at all")), Options{})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("Open: %v, want ErrUnknownFormat", err)
	}
	for _, w := range []string{"68 65 6c 6c 6f", "minidump", "QEMU", "raw", "zstd", "Options.Kernel"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestOpenEmptyFile(t *testing.T) {
	_, err := Open(writeTemp(t, "empty", nil), Options{})
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("Open: %v, want an unknown-format error saying the file is empty", err)
	}
}

func TestOpenDumpDeviceHeader(t *testing.T) {
	data := append([]byte("FreeBSD Kernel Dump\x00amd64"), make([]byte, 600)...)
	_, err := Open(writeTemp(t, "dumpdev", data), Options{})
	if err == nil || !strings.Contains(err.Error(), "savecore") {
		t.Fatalf("Open: %v, want an error pointing to savecore", err)
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nothing"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open: %v, want os.ErrNotExist", err)
	}
}

func TestOpenUnknownMinidumpArch(t *testing.T) {
	data := make([]byte, pageSize)
	copy(data, "minidump FreeBSD/powerpc")
	_, err := Open(writeTemp(t, "vmcore", data), Options{})
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "powerpc") {
		t.Fatalf("Open: %v, want unsupported naming powerpc", err)
	}
}
