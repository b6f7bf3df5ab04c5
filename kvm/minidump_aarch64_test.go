package kvm

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The real arm64 dump's expected values come from the fixtures' README,
// which records what an independent libkvm port read from it. The
// synthetic dumps are laid out here from sys/arm64/include/minidump.h and
// sys/arm64/arm64/minidump_machdep.c, independently of the reader.

var lldbARM64Symbols = []string{
	"hz", "dumptid", "allproc", "proc_off_p_list", "proc_off_p_pid", "proc_off_p_comm",
}

func openLLDBARM64(t *testing.T, opts Options) (Core, map[string]uint64) {
	t.Helper()
	syms := kernelSymbols(t, lldbFixture(t, "kernel-arm64"), lldbARM64Symbols...)
	c, err := Open(lldbFixture(t, "vmcore-arm64-minidump"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, syms
}

func arm64Minidump(t *testing.T, c Core) *minidumpARM64 {
	t.Helper()
	m, ok := c.(*core).virt.(*virtReader).tr.(*minidumpARM64)
	if !ok {
		t.Fatalf("core of format %s is not read as an arm64 minidump", c.Format())
	}
	return m
}

func TestLLDBARM64Values(t *testing.T) {
	c, syms := openLLDBARM64(t, Options{Kernel: KernelInfo{Arch: "arm64"}})
	if got := c.Format(); got != "minidump-arm64-v2" {
		t.Errorf("Format() = %q, want minidump-arm64-v2", got)
	}
	if got := c.Arch(); got != "arm64" {
		t.Errorf("Arch() = %q, want arm64", got)
	}
	if got := readU32(t, c.Virtual(), syms["hz"]); got != 1000 {
		t.Errorf("hz = %d, want 1000", got)
	}
	if got := readU32(t, c.Virtual(), syms["dumptid"]); got != 100137 {
		t.Errorf("dumptid = %d, want 100137", got)
	}
	want := []procEntry{
		{0xffffa00009f0f000, 939, "sysctl"},
		{0xffffa000012ca000, 21, "syncer"},
		{0xffffa00000324000, 11, "idle"},
	}
	if got := walkAllproc(t, c.Virtual(), syms); !reflect.DeepEqual(got, want) {
		t.Errorf("allproc = %+v, want %+v", got, want)
	}
}

func TestLLDBARM64Header(t *testing.T) {
	c, _ := openLLDBARM64(t, Options{})
	m := arm64Minidump(t, c)
	h := m.hdr
	if h.Version != 2 {
		t.Errorf("version = %d, want 2", h.Version)
	}
	if h.KernBase != 0xffff000000000000 {
		t.Errorf("kernbase = %#x, want 0xffff000000000000", h.KernBase)
	}
	if h.DmapPhys != 0x40000000 {
		t.Errorf("dmapphys = %#x, want 0x40000000", h.DmapPhys)
	}
	if h.DmapBase != 0xffffa00000000000 {
		t.Errorf("dmapbase = %#x, want 0xffffa00000000000", h.DmapBase)
	}
	if h.DmapEnd != 0xffffff0000000000 {
		t.Errorf("dmapend = %#x, want 0xffffff0000000000", h.DmapEnd)
	}
	if m.pageSize != 4096 {
		t.Errorf("page size = %d, want 4096 (version 2 has no flags)", m.pageSize)
	}
	if got := m.bitmap.count(); got != 19296 {
		t.Errorf("bitmap bits set = %d, want 19296", got)
	}
}

// The README gives the file's size and the size its bitmap promises.
func TestLLDBARM64Truncated(t *testing.T) {
	c, _ := openLLDBARM64(t, Options{})
	m := arm64Minidump(t, c)

	st, err := os.Stat(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 76643328 {
		t.Fatalf("fixture size %d, want 76643328 per the README", st.Size())
	}
	if promised := m.sparseOff + int64(m.bitmap.count())*4096; promised != 86155264 {
		t.Fatalf("bitmap promises %d bytes, want 86155264 per the README", promised)
	}
	warnings := c.Warnings()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "truncated") {
		t.Errorf("Warnings() = %q, want one warning that the dump is truncated", warnings)
	}

	last, ok := m.bitmap.lastSet()
	if !ok {
		t.Fatal("bitmap has no set bit")
	}
	pa, ok := m.physAddr(last)
	if !ok {
		t.Fatalf("bit %d maps to no physical address", last)
	}
	var b [8]byte
	n, err := c.Physical().ReadAt(b[:], Addr(pa))
	if n != 0 {
		t.Errorf("read %d bytes of a page past the end of the file", n)
	}
	fe := wantFault(t, err, ErrNotInDump)
	if !fe.Physical || fe.Addr != Addr(pa) {
		t.Errorf("fault at %v (physical %v), want physical %#x", fe.Addr, fe.Physical, pa)
	}

	// The same page through the direct map, which starts at dmapphys.
	_, err = c.Virtual().ReadAt(b[:], Addr(0xffffa00000000000+pa-0x40000000))
	wantFault(t, err, ErrNotInDump)
}

func TestLLDBARM64UserAddress(t *testing.T) {
	c, _ := openLLDBARM64(t, Options{})
	var b [8]byte
	_, err := c.Virtual().ReadAt(b[:], 0x400000)
	wantFault(t, err, ErrNotInDump)
}

func TestLLDBARM64WrongKernelArch(t *testing.T) {
	_, err := Open(lldbFixture(t, "vmcore-arm64-minidump"), Options{Kernel: KernelInfo{Arch: "amd64"}})
	if err == nil || !strings.Contains(err.Error(), "kernel file is for amd64") {
		t.Fatalf("Open with an amd64 kernel: %v, want an error naming amd64", err)
	}
}

// An arm64MinidumpSpec describes a synthetic arm64 minidump.
type arm64MinidumpSpec struct {
	version  int
	pageSize uint64 // 4096, or 16384 with version 3
	flags    uint32 // written as is in version 3
	msgbuf   int
	avail    [][2]uint64 // dump_avail ranges, versions 2 and 3
	pmap     []uint64    // L3 descriptors
	dmapPhys uint64
	pages    map[uint64][]byte // by page-aligned physical address
}

const (
	arm64TestKernBase = 0xffff000000000000
	arm64TestDmapBase = 0xffffa00000000000
	arm64TestDmapEnd  = 0xffffff0000000000
)

func (s *arm64MinidumpSpec) round(n int) int {
	p := int(s.pageSize)
	return (n + p - 1) / p * p
}

// bitOf numbers pa's page: through dump_avail from version 2, counting a
// range's partial pages at both ends, and as pa/pageSize in version 1.
func (s *arm64MinidumpSpec) bitOf(t *testing.T, pa uint64) uint64 {
	p := s.pageSize
	if s.version < 2 {
		return pa / p
	}
	var base uint64
	for _, r := range s.avail {
		if pa >= r[0] && pa < r[1] {
			return base + pa/p - r[0]/p
		}
		base += (r[1]+p-1)/p - r[0]/p
	}
	t.Fatalf("test page %#x is outside dump_avail", pa)
	return 0
}

func (s *arm64MinidumpSpec) nbits() uint64 {
	p := s.pageSize
	var n uint64
	if s.version >= 2 {
		for _, r := range s.avail {
			n += (r[1]+p-1)/p - r[0]/p
		}
		return n
	}
	for pa := range s.pages {
		n = max(n, pa/p+1)
	}
	return n
}

// build returns the minidump's bytes.
func (s *arm64MinidumpSpec) build(t *testing.T) []byte {
	t.Helper()
	le := binary.LittleEndian
	bitmapSize := s.round(int((s.nbits() + 63) / 64 * 8))
	bitmap := make([]byte, bitmapSize)
	bitToPA := map[uint64]uint64{}
	for pa := range s.pages {
		b := s.bitOf(t, pa)
		bitmap[b/8] |= 1 << (b % 8)
		bitToPA[b] = pa
	}

	hdr := make([]byte, s.pageSize)
	copy(hdr, "minidump FreeBSD/arm64")
	le.PutUint32(hdr[24:], uint32(s.version))
	le.PutUint32(hdr[28:], uint32(s.msgbuf))
	le.PutUint32(hdr[32:], uint32(bitmapSize))
	le.PutUint32(hdr[36:], uint32(len(s.pmap)*8))
	le.PutUint64(hdr[40:], arm64TestKernBase)
	le.PutUint64(hdr[48:], s.dmapPhys)
	le.PutUint64(hdr[56:], arm64TestDmapBase)
	le.PutUint64(hdr[64:], arm64TestDmapEnd)
	out := append([]byte{}, hdr...)
	out = append(out, make([]byte, s.round(s.msgbuf))...)

	if s.version >= 2 {
		avail := make([]byte, s.pageSize)
		for i, r := range s.avail {
			le.PutUint64(avail[16*i:], r[0])
			le.PutUint64(avail[16*i+8:], r[1])
		}
		le.PutUint32(out[72:], uint32(s.pageSize))
		out = append(out, avail...)
	}
	if s.version >= 3 {
		le.PutUint32(out[76:], s.flags)
	}
	out = append(out, bitmap...)

	pmap := make([]byte, s.round(len(s.pmap)*8))
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

// arm64PatternPage returns a page of size bytes holding patternWord values.
func arm64PatternPage(pa, size uint64) []byte {
	b := make([]byte, size)
	for i := uint64(0); i < size; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], patternWord(pa+i))
	}
	return b
}

// l3Page is an L3 page descriptor for pa with the attributes the kernel's
// minidump writer sets on synthetic entries: AF (bit 10), inner shareable
// (bits 8-9 = 3) and type 3.
func l3Page(pa uint64) uint64 { return pa | 1<<10 | 3<<8 | 3 }

// arm64V3Spec16K is a version 3 dump of a kernel with 16 KiB pages, RAM
// at 0x40000000 and two dump_avail ranges, the first ending inside a page:
//   - L3 entry 0 maps physical 0x40008000, entry 1 maps 0x4000c000
//   - L3 entry 2 maps 0x80004000, in the second range
//   - L3 entry 3 is a block descriptor (type 1), which is invalid at L3
//   - L3 entry 4 maps 0x40010000, whose page is not dumped
func arm64V3Spec16K() *arm64MinidumpSpec {
	const p = 16384
	s := &arm64MinidumpSpec{
		version:  3,
		pageSize: p,
		flags:    arm64FlagPage16K,
		msgbuf:   20000,
		avail:    [][2]uint64{{0x40000000, 0x40012000}, {0x80000000, 0x80010000}},
		pmap:     make([]uint64, 2048), // one page of L3 descriptors
		dmapPhys: 0x40000000,
		pages:    map[uint64][]byte{},
	}
	s.pmap[0] = l3Page(0x40008000)
	s.pmap[1] = l3Page(0x4000c000)
	s.pmap[2] = l3Page(0x80004000)
	s.pmap[3] = 0x40000000 | 1
	s.pmap[4] = l3Page(0x40010000)
	for _, pa := range []uint64{0x40000000, 0x40008000, 0x4000c000, 0x80004000} {
		s.pages[pa] = arm64PatternPage(pa, p)
	}
	return s
}

func TestARM64Minidump16KTranslation(t *testing.T) {
	c := openBytes(t, arm64V3Spec16K().build(t), Options{})
	if got := c.Format(); got != "minidump-arm64-v3-16k" {
		t.Errorf("Format() = %q, want minidump-arm64-v3-16k", got)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("Warnings() = %q, want none", w)
	}
	cases := []struct {
		name string
		va   uint64
		pa   uint64
	}{
		{"kernel map, page start", arm64TestKernBase, 0x40008000},
		// 0x2ff8 lies past the first 4 KiB of the 16 KiB page.
		{"kernel map, inside page", arm64TestKernBase + 0x2ff8, 0x4000aff8},
		{"kernel map, second page", arm64TestKernBase + 0x4000 + 0x3ff8, 0x4000fff8},
		{"kernel map, second range", arm64TestKernBase + 0x8000 + 0x10, 0x80004010},
		{"direct map, first page", arm64TestDmapBase + 0x1008, 0x40001008},
		{"direct map, second range", arm64TestDmapBase + 0x40004000, 0x80004000},
	}
	for _, tc := range cases {
		got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), tc.va, 8))
		if want := patternWord(tc.pa); got != want {
			t.Errorf("%s: word at %#x = %#x, want %#x (physical %#x)", tc.name, tc.va, got, want, tc.pa)
		}
	}
	got := binary.LittleEndian.Uint64(readBytes(t, c.Physical(), 0x4000fff8, 8))
	if want := patternWord(0x4000fff8); got != want {
		t.Errorf("physical word at 0x4000fff8 = %#x, want %#x", got, want)
	}
}

// A read across the kernel map's first 16 KiB page boundary joins two
// physical pages that are adjacent here. A direct-map read across physical
// 0x40010000 stops where that undumped page starts.
func TestARM64Minidump16KPageCrossing(t *testing.T) {
	c := openBytes(t, arm64V3Spec16K().build(t), Options{})
	got := readBytes(t, c.Virtual(), arm64TestKernBase+0x3ff0, 32)
	if want := patternBytes(0x4000bff0, 32); !reflect.DeepEqual(got, want) {
		t.Errorf("bytes across the page boundary = %x, want %x", got, want)
	}

	b := make([]byte, 32)
	n, err := c.Virtual().ReadAt(b, arm64TestDmapBase+0xfff0)
	if n != 16 {
		t.Errorf("read %d bytes before the missing page, want 16", n)
	}
	wantFault(t, err, ErrNotInDump)
}

func TestARM64Minidump16KFaults(t *testing.T) {
	c := openBytes(t, arm64V3Spec16K().build(t), Options{})
	cases := []struct {
		name     string
		va       uint64
		sentinel error
		reason   string
	}{
		{"block descriptor at L3", arm64TestKernBase + 3*0x4000, ErrNotMapped, "not a valid page descriptor"},
		{"zero descriptor", arm64TestKernBase + 5*0x4000, ErrNotMapped, "not a valid page descriptor"},
		{"page not dumped", arm64TestKernBase + 4*0x4000, ErrNotInDump, "bit"},
		{"past the L3 section", arm64TestKernBase + 2048*0x4000, ErrNotMapped, "past the end"},
		{"below kernbase", 0x0000000000400000, ErrNotInDump, "kernel map"},
		{"direct map outside dump_avail", arm64TestDmapBase + 0x20000, ErrNotInDump, "dump_avail"},
	}
	for _, tc := range cases {
		var b [8]byte
		_, err := c.Virtual().ReadAt(b[:], Addr(tc.va))
		fe := wantFault(t, err, tc.sentinel)
		if !strings.Contains(fe.Reason, tc.reason) {
			t.Errorf("%s: reason %q does not contain %q", tc.name, fe.Reason, tc.reason)
		}
	}
}

func TestARM64Minidump16KTruncated(t *testing.T) {
	data := arm64V3Spec16K().build(t)
	data = data[:len(data)-16384] // drops the last dumped page, 0x80004000
	c := openBytes(t, data, Options{})
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "last 1 pages are missing") {
		t.Errorf("Warnings() = %q, want one naming 1 missing page", w)
	}
	var b [8]byte
	_, err := c.Physical().ReadAt(b[:], 0x80004000)
	fe := wantFault(t, err, ErrNotInDump)
	if !strings.Contains(fe.Reason, "truncated") {
		t.Errorf("reason %q does not say the dump is truncated", fe.Reason)
	}
	// Earlier pages still read.
	got := binary.LittleEndian.Uint64(readBytes(t, c.Physical(), 0x4000c000, 8))
	if want := patternWord(0x4000c000); got != want {
		t.Errorf("word at 0x4000c000 = %#x, want %#x", got, want)
	}
}

// arm64V1Spec is a version 1 dump, without dump_avail, of a 4 KiB-page
// kernel whose RAM starts at 0x40000000: bit i is physical page i from 0.
func arm64V1Spec() *arm64MinidumpSpec {
	s := &arm64MinidumpSpec{
		version:  1,
		pageSize: 4096,
		msgbuf:   4096,
		pmap:     make([]uint64, 512),
		dmapPhys: 0x40000000,
		pages:    map[uint64][]byte{},
	}
	s.pmap[0] = l3Page(0x40002000)
	s.pmap[1] = l3Page(0x40000000)
	for _, pa := range []uint64{0x40000000, 0x40002000, 0x40005000} {
		s.pages[pa] = arm64PatternPage(pa, 4096)
	}
	return s
}

func TestARM64MinidumpV1(t *testing.T) {
	c := openBytes(t, arm64V1Spec().build(t), Options{})
	if got := c.Format(); got != "minidump-arm64-v1" {
		t.Errorf("Format() = %q, want minidump-arm64-v1", got)
	}
	cases := []struct {
		va, pa uint64
	}{
		{arm64TestKernBase + 0x10, 0x40002010},
		{arm64TestKernBase + 0x1ff8, 0x40000ff8},
		{arm64TestDmapBase + 0x5008, 0x40005008},
	}
	for _, tc := range cases {
		got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), tc.va, 8))
		if want := patternWord(tc.pa); got != want {
			t.Errorf("word at %#x = %#x, want %#x (physical %#x)", tc.va, got, want, tc.pa)
		}
	}
	var b [8]byte
	_, err := c.Virtual().ReadAt(b[:], arm64TestDmapBase+0x1000)
	wantFault(t, err, ErrNotInDump)
}

func TestARM64MinidumpV2FourK(t *testing.T) {
	s := &arm64MinidumpSpec{
		version:  2,
		pageSize: 4096,
		msgbuf:   100,
		avail:    [][2]uint64{{0x40000000, 0x40003000}, {0x48000000, 0x48004000}},
		pmap:     make([]uint64, 512),
		dmapPhys: 0x40000000,
		pages:    map[uint64][]byte{},
	}
	s.pmap[7] = l3Page(0x48003000)
	for _, pa := range []uint64{0x40001000, 0x48003000} {
		s.pages[pa] = arm64PatternPage(pa, 4096)
	}
	c := openBytes(t, s.build(t), Options{})
	if got := c.Format(); got != "minidump-arm64-v2" {
		t.Errorf("Format() = %q, want minidump-arm64-v2", got)
	}
	got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), arm64TestKernBase+7*4096+8, 8))
	if want := patternWord(0x48003008); got != want {
		t.Errorf("kernel map word = %#x, want %#x", got, want)
	}
	got = binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), arm64TestDmapBase+0x1000, 8))
	if want := patternWord(0x40001000); got != want {
		t.Errorf("direct map word = %#x, want %#x", got, want)
	}
}

func TestARM64MinidumpBadHeaders(t *testing.T) {
	le := binary.LittleEndian
	cases := []struct {
		name   string
		edit   func(b []byte) []byte
		offset int64
		want   string
	}{
		{"version 0", func(b []byte) []byte { le.PutUint32(b[24:], 0); return b }, 24, "version 0"},
		{"version 4", func(b []byte) []byte { le.PutUint32(b[24:], 4); return b }, 24, "version 4"},
		{"64 KiB pages", func(b []byte) []byte { le.PutUint32(b[76:], 2); return b }, 76, "64 KiB"},
		{"unknown page size", func(b []byte) []byte { le.PutUint32(b[76:], 3); return b }, 76, "unknown page size"},
		{"short header", func(b []byte) []byte { return b[:60] }, 60, "truncated"},
		{"short version 3 header", func(b []byte) []byte { return b[:78] }, 78, "80-byte version 3"},
		{"dmapend below dmapbase", func(b []byte) []byte { le.PutUint64(b[64:], 0xffff800000000000); return b }, 64, "below dmapbase"},
		{"bitmap past end", func(b []byte) []byte { le.PutUint32(b[32:], 1<<28); return b }, 32, "bitmapsize"},
		{"pmap past end", func(b []byte) []byte { le.PutUint32(b[36:], 1<<28); return b }, 36, "pmapsize"},
	}
	for _, tc := range cases {
		data := tc.edit(arm64V3Spec16K().build(t))
		_, err := Open(writeTemp(t, "vmcore", data), Options{})
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v (%T), want a *FormatError", tc.name, err, err)
			continue
		}
		if fe.Offset != tc.offset {
			t.Errorf("%s: offset %d, want %d", tc.name, fe.Offset, tc.offset)
		}
		if !strings.Contains(fe.Msg, tc.want) {
			t.Errorf("%s: message %q does not contain %q", tc.name, fe.Msg, tc.want)
		}
	}
}

// Version 1 ignores the bytes where later versions keep dumpavailsize and
// flags, so a nonzero value there must not change the page size.
func TestARM64MinidumpV1IgnoresFlags(t *testing.T) {
	data := arm64V1Spec().build(t)
	binary.LittleEndian.PutUint32(data[76:], arm64FlagPage16K)
	c := openBytes(t, data, Options{})
	got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), arm64TestKernBase+0x10, 8))
	if want := patternWord(0x40002010); got != want {
		t.Errorf("word = %#x, want %#x", got, want)
	}
}

// arm64TestKernels are the arm64 test kernel's fixtures
// (testdata/kernel-arm64): the kernel, its minidump and the oracle.json that
// gdb-multiarch wrote while QEMU had the machine stopped just before the
// dump, built with 4 KiB and with 16 KiB pages.
var arm64TestKernels = []struct{ dir, format string }{
	{"arm64-clang-dwarf5", "minidump-arm64-v3 (zstd)"},
	{"arm64-16k-clang-dwarf5", "minidump-arm64-v3-16k (zstd)"},
}

// The kernel's image is mapped with an L2 block (synthetic L3 entries in the
// dump), the vnet data areas with L3 tables and the structs vnet and prison
// through the direct map, so every translation path is read here.
func TestARM64TestKernelOracle(t *testing.T) {
	for _, tk := range arm64TestKernels {
		t.Run(tk.dir, func(t *testing.T) {
			dir := filepath.Join(coresDir, tk.dir)
			oraclePath := findFixture(dir, "oracle.json")
			kernelPath := findFixture(dir, "kernel")
			dumpPath := findFixture(dir, "minidump-arm64")
			if oraclePath == "" || kernelPath == "" || dumpPath == "" {
				t.Fatalf("%s lacks oracle.json, kernel or minidump-arm64; make -C testdata/kernel-arm64 fixtures writes them", dir)
			}
			var oracle oracleFile
			if err := json.Unmarshal(readMaybeZstd(t, oraclePath), &oracle); err != nil {
				t.Fatalf("%s: %v", oraclePath, err)
			}
			kernel := filepath.Join(t.TempDir(), "kernel")
			if err := os.WriteFile(kernel, readMaybeZstd(t, kernelPath), 0o600); err != nil {
				t.Fatal(err)
			}
			syms := kernelSymbols(t, kernel, "hz", "dumptid")

			c, err := Open(dumpPath, Options{Kernel: KernelInfo{Arch: "arm64"}, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer c.Close()
			if got := c.Format(); got != tk.format {
				t.Errorf("Format() = %q, want %q", got, tk.format)
			}
			if w := c.Warnings(); len(w) != 0 {
				t.Errorf("Warnings() = %q, want none", w)
			}
			if len(oracle.Vnets) < 5 {
				t.Errorf("the oracle lists %d vnets, want at least 5", len(oracle.Vnets))
			}
			checkOracle(t, c, &oracle, syms)
			readVnetAreas(t, c, &oracle)
		})
	}
}
