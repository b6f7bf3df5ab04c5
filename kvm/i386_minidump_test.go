package kvm

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// The synthetic i386 and riscv minidumps here are laid out from
// sys/i386/include/minidump.h, sys/riscv/include/minidump.h and the
// section order of FreeBSD's minidump writers (header page, message
// buffer, dump_avail from version 2, bitmap, PTE section, data pages),
// independently of the readers.

// A leafMinidumpSpec describes a synthetic minidump whose page-table
// section is a flat array of leaf entries, one per 4 KiB page.
type leafMinidumpSpec struct {
	magic     string
	version   int
	header    func(hdr []byte, bitmapSize, pteSize, availSize int) // fills the fields after magic and version
	msgbuf    int
	avail     [][2]uint64 // dump_avail ranges, version 2
	entrySize int         // 4 or 8
	entries   []uint64
	pages     map[uint64][]byte // by page-aligned physical address
}

func round4K(n int) int { return (n + 4095) &^ 4095 }

// bitOf numbers pa's page through dump_avail in version 2, counting a
// range's partial pages at both ends, and as pa/4096 in version 1.
func (s *leafMinidumpSpec) bitOf(t *testing.T, pa uint64) uint64 {
	if s.version < 2 {
		return pa / 4096
	}
	var base uint64
	for _, r := range s.avail {
		if pa >= r[0] && pa < r[1] {
			return base + pa/4096 - r[0]/4096
		}
		base += (r[1]+4095)/4096 - r[0]/4096
	}
	t.Fatalf("test page %#x is outside dump_avail", pa)
	return 0
}

func (s *leafMinidumpSpec) nbits() uint64 {
	var n uint64
	if s.version >= 2 {
		for _, r := range s.avail {
			n += (r[1]+4095)/4096 - r[0]/4096
		}
		return n
	}
	for pa := range s.pages {
		n = max(n, pa/4096+1)
	}
	return n
}

// build returns the minidump's bytes.
func (s *leafMinidumpSpec) build(t *testing.T) []byte {
	t.Helper()
	le := binary.LittleEndian
	bitmapSize := round4K(int((s.nbits() + 63) / 64 * 8))
	bitmap := make([]byte, bitmapSize)
	bitToPA := map[uint64]uint64{}
	for pa := range s.pages {
		b := s.bitOf(t, pa)
		bitmap[b/8] |= 1 << (b % 8)
		bitToPA[b] = pa
	}
	availSize := 0
	if s.version >= 2 {
		availSize = 4096
	}
	pteSize := len(s.entries) * s.entrySize

	hdr := make([]byte, 4096)
	copy(hdr, s.magic)
	le.PutUint32(hdr[24:], uint32(s.version))
	le.PutUint32(hdr[28:], uint32(s.msgbuf))
	s.header(hdr, bitmapSize, pteSize, availSize)
	out := append([]byte{}, hdr...)
	out = append(out, make([]byte, round4K(s.msgbuf))...)
	if s.version >= 2 {
		avail := make([]byte, 4096)
		for i, r := range s.avail {
			le.PutUint64(avail[16*i:], r[0])
			le.PutUint64(avail[16*i+8:], r[1])
		}
		out = append(out, avail...)
	}
	out = append(out, bitmap...)

	ptes := make([]byte, round4K(pteSize))
	for i, e := range s.entries {
		if s.entrySize == 4 {
			le.PutUint32(ptes[4*i:], uint32(e))
		} else {
			le.PutUint64(ptes[8*i:], e)
		}
	}
	out = append(out, ptes...)
	for b := uint64(0); b < uint64(bitmapSize)*8; b++ {
		if pa, ok := bitToPA[b]; ok {
			out = append(out, s.pages[pa]...)
		}
	}
	return out
}

// KERNBASE of i386 FreeBSD 4/4 split kernels (sys/i386/include/vmparam.h).
const i386TestKernBase = 0x00400000

// i386Spec is an i386 minidump with RAM ranges [0x1000, 0x9f000) and
// [0x100000, 0x4000000) in version 2, and these PTEs from kernbase:
//   - entry 0 maps physical 0x200000, entry 1 maps 0x1000 (first range)
//   - entry 2 is invalid (PG_V clear, frame set)
//   - entry 3 maps 0x3000, whose page is not dumped
//
// In PAE mode entry 1 instead maps 0x1_0000_3000, above 4 GiB, which only
// 8-byte entries can express; dump_avail then has a third range for it.
func i386Spec(version int, pae bool) *leafMinidumpSpec {
	s := &leafMinidumpSpec{
		magic:     "minidump FreeBSD/i386",
		version:   version,
		msgbuf:    5000,
		avail:     [][2]uint64{{0x1000, 0x9f000}, {0x100000, 0x4000000}},
		entrySize: 4,
		entries:   make([]uint64, 1024),
		pages:     map[uint64][]byte{},
	}
	paeMode := uint32(0)
	second := uint64(0x1000)
	if pae {
		paeMode, s.entrySize = 1, 8
		second = 0x1_0000_3000
		s.avail = append(s.avail, [2]uint64{0x1_0000_0000, 0x1_0001_0000})
	}
	s.header = func(hdr []byte, bitmapSize, pteSize, availSize int) {
		le := binary.LittleEndian
		le.PutUint32(hdr[32:], uint32(bitmapSize))
		le.PutUint32(hdr[36:], uint32(pteSize))
		le.PutUint32(hdr[40:], i386TestKernBase)
		le.PutUint32(hdr[44:], paeMode)
		if version >= 2 {
			le.PutUint32(hdr[48:], uint32(availSize))
		}
	}
	// PG_V | PG_RW | PG_A | PG_M, as pmap_kenter leaves a wired kernel page.
	const flags = 0x1 | 0x2 | 0x20 | 0x40
	s.entries[0] = 0x200000 | flags
	s.entries[1] = second | flags
	s.entries[2] = 0x5000 | 0x2
	s.entries[3] = 0x3000 | flags
	for _, pa := range []uint64{0x200000, second, 0x2000} {
		s.pages[pa] = patternPage(pa)
	}
	return s
}

func TestI386MinidumpTranslation(t *testing.T) {
	cases := []struct {
		version int
		pae     bool
		format  string
	}{
		{1, false, "minidump-i386-v1"},
		{2, false, "minidump-i386-v2"},
		{1, true, "minidump-i386-pae-v1"},
		{2, true, "minidump-i386-pae-v2"},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			s := i386Spec(tc.version, tc.pae)
			c := openBytes(t, s.build(t), Options{Kernel: KernelInfo{Arch: "i386"}})
			if got := c.Format(); got != tc.format {
				t.Errorf("Format() = %q, want %q", got, tc.format)
			}
			if got := c.Arch(); got != "i386" {
				t.Errorf("Arch() = %q, want i386", got)
			}
			if w := c.Warnings(); len(w) != 0 {
				t.Errorf("Warnings() = %q, want none", w)
			}
			second := uint64(s.entries[1] &^ 0xfff)
			for _, m := range []struct{ va, pa uint64 }{
				{i386TestKernBase + 0x10, 0x200010},
				{i386TestKernBase + 0xff8, 0x200ff8},
				{i386TestKernBase + 0x1000 + 0x7f0, second + 0x7f0},
			} {
				got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), m.va, 8))
				if want := patternWord(m.pa); got != want {
					t.Errorf("word at %#x = %#x, want %#x (physical %#x)", m.va, got, want, m.pa)
				}
			}
			got := binary.LittleEndian.Uint64(readBytes(t, c.Physical(), 0x2008, 8))
			if want := patternWord(0x2008); got != want {
				t.Errorf("physical word at 0x2008 = %#x, want %#x", got, want)
			}
		})
	}
}

func TestI386MinidumpFaults(t *testing.T) {
	c := openBytes(t, i386Spec(2, false).build(t), Options{})
	cases := []struct {
		name string
		va   uint64
		want error
		text string
	}{
		{"below kernbase", i386TestKernBase - 8, ErrNotInDump, "kernbase"},
		{"invalid PTE", i386TestKernBase + 0x2000, ErrNotMapped, "not valid"},
		{"undumped page", i386TestKernBase + 0x3000, ErrNotInDump, "bit"},
		{"past PTE section", i386TestKernBase + 1024*4096, ErrNotMapped, "past the end"},
		{"above 4 GiB", 1 << 32, ErrNotMapped, "4 GiB"},
	}
	for _, tc := range cases {
		var b [8]byte
		_, err := c.Virtual().ReadAt(b[:], Addr(tc.va))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: ReadAt(%#x) error = %v, want %v", tc.name, tc.va, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.text)
		}
	}
}

// A non-PAE entry is 4 bytes, so the frame above bit 31 cannot exist; the
// PAE reader must not mask an 8-byte entry to 32 bits.
func TestI386MinidumpPAEHighFrame(t *testing.T) {
	c := openBytes(t, i386Spec(2, true).build(t), Options{})
	got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), i386TestKernBase+0x1000, 8))
	if want := patternWord(0x1_0000_3000); got != want {
		t.Errorf("word at kernbase+0x1000 = %#x, want %#x (physical 0x100003000)", got, want)
	}
}

func TestI386MinidumpTruncated(t *testing.T) {
	data := i386Spec(2, false).build(t)
	c := openBytes(t, data[:len(data)-4096], Options{})
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "truncated") {
		t.Errorf("Warnings() = %q, want one about truncation", w)
	}
	var b [8]byte
	// The page at 0x200000 has the highest bit, so it is the missing one.
	if _, err := c.Virtual().ReadAt(b[:], i386TestKernBase); !errors.Is(err, ErrNotInDump) {
		t.Errorf("ReadAt(kernbase) error = %v, want ErrNotInDump", err)
	}
}

func TestI386MinidumpBadHeaders(t *testing.T) {
	le := binary.LittleEndian
	cases := []struct {
		name   string
		edit   func(b []byte) []byte
		offset string
		text   string
	}{
		{"version 3", func(b []byte) []byte { le.PutUint32(b[24:], 3); return b }, "0x18", "version 3"},
		{"short header", func(b []byte) []byte { return b[:40] }, "0x28", "truncated"},
		{"odd PAE ptesize", func(b []byte) []byte { le.PutUint32(b[44:], 1); le.PutUint32(b[36:], 4100); return b }, "0x24", "multiple"},
		{"bitmap past end", func(b []byte) []byte { le.PutUint32(b[32:], 1<<28); return b }, "0x20", "past the end"},
		{"zero bitmap", func(b []byte) []byte { le.PutUint32(b[32:], 0); return b }, "0x20", "bitmapsize is 0"},
	}
	for _, tc := range cases {
		data := tc.edit(i386Spec(2, false).build(t))
		_, err := Open(writeTemp(t, "vmcore", data), Options{})
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: Open error = %v, want a *FormatError", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), "offset "+tc.offset+":") || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: error %q, want offset %s and %q", tc.name, err, tc.offset, tc.text)
		}
	}
}

func TestI386MinidumpWrongKernel(t *testing.T) {
	_, err := Open(writeTemp(t, "vmcore", i386Spec(2, false).build(t)), Options{Kernel: KernelInfo{Arch: "amd64"}})
	if err == nil || !strings.Contains(err.Error(), "kernel file is for amd64") {
		t.Errorf("Open error = %v, want a kernel architecture mismatch", err)
	}
}
