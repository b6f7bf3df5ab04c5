package kvm

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// Synthetic physical memory with amd64 page tables, laid out by hand from
// the paging rules (4 levels, 512 entries a table, PS for 1 GiB and 2 MiB
// pages). Every page not written below holds the pattern of patternPage.

const (
	testKERNBASE  = 0xffffffff80000000
	testPML4      = 0x10000
	testTextVA    = testKERNBASE + 0x402000
	testTextBytes = 2 * pageSize
)

// A physMem is sparse physical memory: pages not in over hold the pattern.
type physMem struct {
	size uint64
	over map[uint64][]byte
}

func (m *physMem) page(pa uint64) []byte {
	if p, ok := m.over[pa]; ok {
		return p
	}
	return patternPage(pa)
}

func (m *physMem) putU64(pa, v uint64) {
	page := pa &^ (pageSize - 1)
	p, ok := m.over[page]
	if !ok {
		p = make([]byte, pageSize)
		m.over[page] = p
	}
	binary.LittleEndian.PutUint64(p[pa-page:], v)
}

func (m *physMem) bytes(start, end uint64) []byte {
	out := make([]byte, 0, end-start)
	for pa := start; pa < end; pa += pageSize {
		out = append(out, m.page(pa)...)
	}
	return out
}

// testMachine builds 32 MiB of memory whose kernel is loaded at load (the
// physical address of KERNSTART = KERNBASE + 2 MiB) and returns it with the
// kernel symbols. Mappings:
//   - 2 MiB pages for the kernel image: KERNSTART -> load, KERNSTART+2MiB -> load+2MiB
//   - 4 KiB page: KERNBASE+0x600000+5*4KiB -> 0x700000, through a PT at 0x13000
//   - a PT page that is not in the dump: KERNBASE+0x800000 (PT at 0xa0000)
//   - 1 GiB page: direct map 0xfffff80000000000 -> 0
func testMachine(load uint64, withKernphys bool) (*physMem, KernelInfo) {
	m := &physMem{size: 32 << 20, over: map[uint64][]byte{}}
	const pdpt, pd, pt, dmapPDPT = 0x11000, 0x12000, 0x13000, 0x14000
	rw := uint64(pteValid | 0x2)

	m.putU64(testPML4+8*511, pdpt|rw)
	m.putU64(pdpt+8*510, pd|rw) // KERNBASE is PDPT entry 510
	m.putU64(pd+8*1, load|rw|pteLarge)
	m.putU64(pd+8*2, (load+2<<20)|rw|pteLarge)
	m.putU64(pd+8*3, pt|rw)
	m.putU64(pt+8*5, 0x700000|rw)
	m.putU64(pd+8*4, 0xa0000|rw) // a PT page in the hole of the segments
	m.putU64(testPML4+8*496, dmapPDPT|rw)
	m.putU64(dmapPDPT, 0|rw|pteLarge)

	k := KernelInfo{Arch: "amd64", KernBase: testKERNBASE, KPML4physAddr: testKERNBASE + 0x401000}
	imagePA := func(va uint64) uint64 { return va - (testKERNBASE + 2<<20) + load }
	m.putU64(imagePA(k.KPML4physAddr), testPML4)
	if withKernphys {
		k.KernPhysAddr = testKERNBASE + 0x403008
		m.putU64(imagePA(k.KernPhysAddr), load)
	}
	k.Text = []Segment{{Addr: testTextVA, Data: m.bytes(imagePA(testTextVA), imagePA(testTextVA)+testTextBytes)}}
	return m, k
}

// testSegments are the physical ranges that the dumps hold: a hole at
// [0xa0000, 0x100000), as on a PC.
var testSegments = [][2]uint64{{0, 0xa0000}, {0x100000, 32 << 20}}

// buildELFCore writes an ELF64 core of m: one PT_NOTE with the given notes,
// then one PT_LOAD per segment.
func buildELFCore(m *physMem, osabi byte, machine uint16, notes []byte) []byte {
	le := binary.LittleEndian
	nph := len(testSegments)
	if notes != nil {
		nph++
	}
	hdr := make([]byte, 64+56*nph)
	copy(hdr, "\x7fELF")
	hdr[4], hdr[5], hdr[6], hdr[7] = 2, 1, 1, osabi
	le.PutUint16(hdr[16:], 4)
	le.PutUint16(hdr[18:], machine)
	le.PutUint32(hdr[20:], 1)
	le.PutUint64(hdr[32:], 64)
	le.PutUint16(hdr[52:], 64)
	le.PutUint16(hdr[54:], 56)
	le.PutUint16(hdr[56:], uint16(nph))

	off := uint64(pageRound(len(hdr) + len(notes)))
	ph := hdr[64:]
	if notes != nil {
		le.PutUint32(ph, 4)
		le.PutUint64(ph[8:], uint64(len(hdr)))
		le.PutUint64(ph[32:], uint64(len(notes)))
		ph = ph[56:]
	}
	out := append(hdr, notes...)
	out = append(out, make([]byte, int(off)-len(out))...)
	for _, s := range testSegments {
		le.PutUint32(ph, 1)
		le.PutUint32(ph[4:], 4)
		le.PutUint64(ph[8:], off)
		le.PutUint64(ph[16:], s[0])
		le.PutUint64(ph[24:], s[0])
		le.PutUint64(ph[32:], s[1]-s[0])
		le.PutUint64(ph[40:], s[1]-s[0])
		ph = ph[56:]
		out = append(out, m.bytes(s[0], s[1])...)
		off += s[1] - s[0]
	}
	copy(out, hdr) // the program headers were filled in after out was started
	return out
}

// elfNote encodes one ELF note.
func elfNote(name string, typ uint32, desc []byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, 12)
	le.PutUint32(b, uint32(len(name)+1))
	le.PutUint32(b[4:], uint32(len(desc)))
	le.PutUint32(b[8:], typ)
	b = append(b, name...)
	b = append(b, make([]byte, int(align4(uint64(len(name)+1)))-len(name))...)
	b = append(b, desc...)
	return append(b, make([]byte, int(align4(uint64(len(desc))))-len(desc))...)
}

func qemuNotes() []byte {
	return append(elfNote("CORE", 1, make([]byte, 336)), elfNote("QEMU", 0, make([]byte, 440))...)
}

// buildRaw writes m as a raw image with zeros in the segment hole.
func buildRaw(m *physMem) []byte {
	out := make([]byte, m.size)
	for _, s := range testSegments {
		copy(out[s[0]:], m.bytes(s[0], s[1]))
	}
	return out
}

// checkTestMachine reads every kind of mapping of testMachine through c.
// holeFault is the error for the page-table page in the segment hole:
// ErrNotInDump for ELF cores, ErrNotMapped for a raw image, which stores
// the hole as zeros.
func checkTestMachine(t *testing.T, c Core, load uint64, holeFault error) {
	t.Helper()
	cases := []struct {
		name   string
		va, pa uint64
	}{
		{"2 MiB kernel page at KERNSTART", testKERNBASE + 0x200010, load + 0x10},
		{"second 2 MiB kernel page", testKERNBASE + 0x500ff8, load + 0x300ff8},
		{"4 KiB page", testKERNBASE + 0x605000 + 0x7f8, 0x7007f8},
		{"1 GiB direct-map page", testDmapBase + 0x150008, 0x150008},
		{"1 GiB page, high in the dump", testDmapBase + 0x1fff000, 0x1fff000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, w := readBytes(t, c.Virtual(), tc.va, 8), patternBytes(tc.pa, 8); string(got) != string(w) {
				t.Errorf("read %x, want %x (physical %#x)", got, w, tc.pa)
			}
		})
	}

	faults := []struct {
		name     string
		va       uint64
		sentinel error
	}{
		{"PML4 entry invalid", 0xffff800000000000, ErrNotMapped},
		{"PDE invalid", testKERNBASE + 0x1000000, ErrNotMapped},
		{"PTE invalid", testKERNBASE + 0x606000, ErrNotMapped},
		{"non-canonical", 0x0000800000000000, ErrNotMapped},
		{"page table in the segment hole", testKERNBASE + 0x800000, holeFault},
		{"1 GiB page beyond memory", testDmapBase + 0x3000000, ErrNotInDump},
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			var b [8]byte
			_, err := c.Virtual().ReadAt(b[:], Addr(tc.va))
			wantFault(t, err, tc.sentinel)
		})
	}
}

func TestFullELF(t *testing.T) {
	m, k := testMachine(0x200000, false)
	c := openBytes(t, buildELFCore(m, 255, 62, nil), Options{Kernel: k})
	if got := c.Format(); got != "full-elf" {
		t.Errorf("Format() = %q, want full-elf", got)
	}
	checkTestMachine(t, c, 0x200000, ErrNotInDump)
}

func TestFullELFRelocatedKernel(t *testing.T) {
	const load = 0x1000000
	m, k := testMachine(load, true)
	c := openBytes(t, buildELFCore(m, 255, 62, nil), Options{Kernel: k})
	checkTestMachine(t, c, load, ErrNotInDump)
}

// Without kernphys the legacy rule reads KPML4phys at VA - KERNBASE, which
// for a kernel loaded elsewhere is the wrong place.
func TestFullELFRelocatedKernelWithoutKernphys(t *testing.T) {
	m, k := testMachine(0x1000000, true)
	k.KernPhysAddr = 0
	_, err := Open(writeTemp(t, "vmcore", buildELFCore(m, 255, 62, nil)), Options{Kernel: k})
	if err == nil || !strings.Contains(err.Error(), "KPML4phys") {
		t.Fatalf("Open: %v, want an error about KPML4phys", err)
	}
}

func TestFullELFWrongKernel(t *testing.T) {
	m, k := testMachine(0x200000, false)
	k.KPML4physAddr += 0x100 // a variable that holds pattern bytes, not a page address
	_, err := Open(writeTemp(t, "vmcore", buildELFCore(m, 255, 62, nil)), Options{Kernel: k})
	if err == nil || !strings.Contains(err.Error(), "is the kernel file the one") {
		t.Fatalf("Open: %v, want an error questioning the kernel file", err)
	}
}

func TestQEMUELF(t *testing.T) {
	m, k := testMachine(0x200000, false)
	c := openBytes(t, buildELFCore(m, 0, 62, qemuNotes()), Options{Kernel: k})
	if got := c.Format(); got != "qemu-elf" {
		t.Errorf("Format() = %q, want qemu-elf", got)
	}
	if got := c.Arch(); got != "amd64" {
		t.Errorf("Arch() = %q, want amd64", got)
	}
	checkTestMachine(t, c, 0x200000, ErrNotInDump)
}

func TestELFRejected(t *testing.T) {
	m, _ := testMachine(0x200000, false)
	good := buildELFCore(m, 255, 62, nil)
	patched := func(off int, b ...byte) []byte {
		out := append([]byte{}, good[:64+2*56+64]...)
		copy(out[off:], b)
		return out
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"process core without QEMU note", buildELFCore(m, 0, 62, elfNote("CORE", 1, make([]byte, 16))), "not a QEMU guest dump"},
		{"FreeBSD process core", buildELFCore(m, 9, 62, nil), "process core"},
		{"32-bit", patched(4, 1), "class 1"},
		{"big-endian", patched(5, 2), "encoding 2"},
		{"executable", patched(16, 2, 0), "not a core"},
		{"arm64 full dump", patched(18, 183, 0), "machine 183"},
		{"program headers past the end", patched(56, 0xff, 0x7f), "past the end"},
		{"header cut short", good[:40], "ELF header"},
		{"filesz above memsz", patched(64+32, 0, 0, 0, 1), "p_filesz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(writeTemp(t, "vmcore", tc.data), Options{})
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Open: %v (%T), want a *FormatError", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestRawImage(t *testing.T) {
	m, k := testMachine(0x200000, false)
	c := openBytes(t, buildRaw(m), Options{Kernel: k})
	if got := c.Format(); got != "raw" {
		t.Errorf("Format() = %q, want raw", got)
	}
	checkTestMachine(t, c, 0x200000, ErrNotMapped)
	var b [8]byte
	_, err := c.Physical().ReadAt(b[:], Addr(m.size))
	wantFault(t, err, ErrNotInDump)
}

func TestRawImageRelocatedKernel(t *testing.T) {
	m, k := testMachine(0x1000000, true)
	c := openBytes(t, buildRaw(m), Options{Kernel: k})
	checkTestMachine(t, c, 0x1000000, ErrNotMapped)
}

func TestRawImageRejected(t *testing.T) {
	m, k := testMachine(0x200000, false)
	data := buildRaw(m)
	noText := k
	noText.Text = nil
	wrongText := k
	wrongText.Text = []Segment{{Addr: testTextVA, Data: append([]byte{0xcc}, k.Text[0].Data[1:]...)}}
	unmappedText := k
	unmappedText.Text = []Segment{{Addr: testKERNBASE + 0x1000000, Data: k.Text[0].Data}}

	cases := []struct {
		name string
		k    KernelInfo
		want string
	}{
		{"no kernel text", noText, "lacks"},
		{"text differs", wrongText, "differs from the kernel file at byte 0"},
		{"text not mapped", unmappedText, "cannot be read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(writeTemp(t, "mem", data), Options{Kernel: tc.k})
			if !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("Open: %v, want ErrUnknownFormat", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func BenchmarkTranslate(b *testing.B) {
	m, k := testMachine(0x200000, false)
	sources := []struct {
		name string
		data []byte
		opts Options
		va   uint64
	}{
		{"minidump-4KiB", v3Spec().build(b), Options{}, testKernBase + 3*pageSize},
		{"minidump-2MiB", v3Spec().build(b), Options{}, testKernBase + 2<<20},
		{"full-elf-4KiB", buildELFCore(m, 255, 62, nil), Options{Kernel: k}, testKERNBASE + 0x605000},
		{"full-elf-1GiB", buildELFCore(m, 255, 62, nil), Options{Kernel: k}, testDmapBase + 0x150000},
	}
	for _, s := range sources {
		b.Run(s.name, func(b *testing.B) {
			c := openBytes(b, s.data, s.opts)
			var buf [8]byte
			b.ResetTimer()
			for range b.N {
				if _, err := c.Virtual().ReadAt(buf[:], Addr(s.va)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
