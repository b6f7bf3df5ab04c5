package kvm

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// Virtual layout of FreeBSD riscv with Sv39 (sys/riscv/include/vmparam.h):
// VM_MIN_KERNEL_ADDRESS, DMAP_MIN_ADDRESS and DMAP_MAX_ADDRESS.
const (
	riscvTestKernBase = 0xffffffc000000000
	riscvTestDmapBase = 0xffffffd000000000
	riscvTestDmapEnd  = 0xffffffe000000000
	// QEMU's virt machine puts RAM at 2 GiB, which becomes dmapphys.
	riscvTestDmapPhys = 0x80000000
)

// riscvLeaf is a Sv39 leaf PTE for pa with V, R, W, A and D set, as
// pmap_kenter writes a kernel data page.
func riscvLeaf(pa uint64) uint64 { return pa>>12<<10 | 1 | 1<<1 | 1<<2 | 1<<6 | 1<<7 }

// riscvSpec is a riscv minidump with RAM [0x80000000, 0x88000000) in
// version 2 and these PTEs from kernbase:
//   - entry 0 maps 0x80200000, entry 1 maps 0x80001000
//   - entry 2 has V but none of R, W, X: it points at a next-level table
//   - entry 3 has R, W, X but not V
//   - entry 4 maps 0x80005000, whose page is not dumped
//   - entry 5 maps 0x80003000 with Svpbmt bits 61 and 62 set (a non-cacheable I/O attribute)
func riscvSpec(version int) *leafMinidumpSpec {
	s := &leafMinidumpSpec{
		magic:     "minidump FreeBSD/riscv",
		version:   version,
		msgbuf:    70000,
		avail:     [][2]uint64{{0x80000000, 0x88000000}},
		entrySize: 8,
		entries:   make([]uint64, 512),
		pages:     map[uint64][]byte{},
	}
	s.header = func(hdr []byte, bitmapSize, pteSize, availSize int) {
		le := binary.LittleEndian
		le.PutUint32(hdr[32:], uint32(bitmapSize))
		le.PutUint32(hdr[36:], uint32(pteSize))
		le.PutUint64(hdr[40:], riscvTestKernBase)
		le.PutUint64(hdr[48:], riscvTestDmapPhys)
		le.PutUint64(hdr[56:], riscvTestDmapBase)
		le.PutUint64(hdr[64:], riscvTestDmapEnd)
		if version >= 2 {
			le.PutUint32(hdr[72:], uint32(availSize))
		}
	}
	s.entries[0] = riscvLeaf(0x80200000)
	s.entries[1] = riscvLeaf(0x80001000)
	s.entries[2] = 0x80002000>>12<<10 | 1
	s.entries[3] = riscvLeaf(0x80001000) &^ 1
	s.entries[4] = riscvLeaf(0x80005000)
	s.entries[5] = riscvLeaf(0x80003000) | 3<<61
	for _, pa := range []uint64{0x80200000, 0x80001000, 0x80003000} {
		s.pages[pa] = patternPage(pa)
	}
	return s
}

func TestRISCVMinidumpTranslation(t *testing.T) {
	for _, version := range []int{1, 2} {
		s := riscvSpec(version)
		c := openBytes(t, s.build(t), Options{Kernel: KernelInfo{Arch: "riscv"}})
		want := map[int]string{1: "minidump-riscv-v1", 2: "minidump-riscv-v2"}[version]
		if got := c.Format(); got != want {
			t.Errorf("Format() = %q, want %q", got, want)
		}
		if got := c.Arch(); got != "riscv" {
			t.Errorf("Arch() = %q, want riscv", got)
		}
		if w := c.Warnings(); len(w) != 0 {
			t.Errorf("version %d: Warnings() = %q, want none", version, w)
		}
		for _, m := range []struct {
			name   string
			va, pa uint64
		}{
			{"kernel map", riscvTestKernBase + 0x18, 0x80200018},
			{"kernel map, second page", riscvTestKernBase + 0x1ff8, 0x80001ff8},
			{"Svpbmt bits", riscvTestKernBase + 0x5008, 0x80003008},
			{"direct map", riscvTestDmapBase + 0x1010, 0x80001010},
			{"direct map, high page", riscvTestDmapBase + 0x200ff8, 0x80200ff8},
		} {
			got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), m.va, 8))
			if want := patternWord(m.pa); got != want {
				t.Errorf("version %d, %s: word at %#x = %#x, want %#x (physical %#x)", version, m.name, m.va, got, want, m.pa)
			}
		}
	}
}

func TestRISCVMinidumpFaults(t *testing.T) {
	c := openBytes(t, riscvSpec(2).build(t), Options{})
	cases := []struct {
		name string
		va   uint64
		want error
		text string
	}{
		{"non-leaf PTE", riscvTestKernBase + 0x2000, ErrNotMapped, "not a valid leaf"},
		{"V clear", riscvTestKernBase + 0x3000, ErrNotMapped, "not a valid leaf"},
		{"undumped page", riscvTestKernBase + 0x4000, ErrNotInDump, "bit"},
		{"past PTE section", riscvTestKernBase + 512*4096, ErrNotMapped, "past the end"},
		{"user address", 0x10000, ErrNotInDump, "direct map"},
		{"direct map outside RAM", riscvTestDmapBase + 0x8000000, ErrNotInDump, "dump_avail"},
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

func TestRISCVMinidumpBadHeaders(t *testing.T) {
	le := binary.LittleEndian
	cases := []struct {
		name   string
		edit   func(b []byte) []byte
		offset string
		text   string
	}{
		{"version 0", func(b []byte) []byte { le.PutUint32(b[24:], 0); return b }, "0x18", "version 0"},
		{"short v2 header", func(b []byte) []byte { return b[:74] }, "0x4a", "truncated"},
		{"dmapend below dmapbase", func(b []byte) []byte { le.PutUint64(b[64:], riscvTestDmapBase-1); return b }, "0x40", "below dmapbase"},
		{"pmap past end", func(b []byte) []byte { le.PutUint32(b[36:], 1<<30); return b }, "0x24", "past the end"},
		{"huge dump_avail", func(b []byte) []byte { le.PutUint32(b[72:], 1<<21); return b }, "", "dumpavailsize"},
	}
	for _, tc := range cases {
		data := tc.edit(riscvSpec(2).build(t))
		_, err := Open(writeTemp(t, "vmcore", data), Options{})
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: Open error = %v, want a *FormatError", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), "offset "+tc.offset) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: error %q, want offset %s and %q", tc.name, err, tc.offset, tc.text)
		}
	}
}

func TestRISCVMinidumpWrongKernel(t *testing.T) {
	_, err := Open(writeTemp(t, "vmcore", riscvSpec(2).build(t)), Options{Kernel: KernelInfo{Arch: "arm64"}})
	if err == nil || !strings.Contains(err.Error(), "kernel file is for arm64") {
		t.Errorf("Open error = %v, want a kernel architecture mismatch", err)
	}
}
