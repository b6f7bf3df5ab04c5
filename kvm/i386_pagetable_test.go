package kvm

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// Synthetic i386 full dumps, laid out as FreeBSD's dumpsys_generic writes
// them (sys/kern/kern_dump.c): an ELF32 header, one 32-byte PT_LOAD per
// physical range with p_paddr = p_vaddr = the range start, and the first
// segment's bytes at the first page boundary after the headers. The page
// tables inside follow the i386 formats: 4-byte entries and 4 MiB large
// pages without PAE, 8-byte entries, a 4-entry PDPT and 2 MiB large
// pages with PAE.

// KERNBASE of FreeBSD i386 before the 4/4 split (sys/i386/include/vmparam.h).
const i386FullKernBase = 0xc0000000

// i386Memory is 8 MiB of physical memory holding patternWord values.
func i386Memory() []byte {
	mem := make([]byte, 8<<20)
	for pa := 0; pa < len(mem); pa += 8 {
		binary.LittleEndian.PutUint64(mem[pa:], patternWord(uint64(pa)))
	}
	return mem
}

// buildELF32Core returns a full dump of mem holding the ranges.
func buildELF32Core(mem []byte, ranges [][2]uint32) []byte {
	le := binary.LittleEndian
	hdr := make([]byte, elf32HeaderSize+len(ranges)*elf32PhdrSize)
	copy(hdr, "\x7fELF")
	hdr[4], hdr[5], hdr[6], hdr[7] = 1, 1, 1, 255 // ELFCLASS32, LSB, EV_CURRENT, ELFOSABI_STANDALONE
	le.PutUint16(hdr[16:], 4)                     // ET_CORE
	le.PutUint16(hdr[18:], 3)                     // EM_386
	le.PutUint32(hdr[20:], 1)
	le.PutUint32(hdr[28:], elf32HeaderSize) // e_phoff
	le.PutUint16(hdr[40:], elf32HeaderSize) // e_ehsize
	le.PutUint16(hdr[42:], elf32PhdrSize)
	le.PutUint16(hdr[44:], uint16(len(ranges)))

	off := uint32(round4K(len(hdr)))
	for i, r := range ranges {
		p := hdr[elf32HeaderSize+i*elf32PhdrSize:]
		size := r[1] - r[0]
		le.PutUint32(p, 1) // PT_LOAD
		le.PutUint32(p[4:], off)
		le.PutUint32(p[8:], r[0])
		le.PutUint32(p[12:], r[0])
		le.PutUint32(p[16:], size)
		le.PutUint32(p[20:], size)
		le.PutUint32(p[24:], 4) // PF_R
		le.PutUint32(p[28:], 4096)
		off += size
	}

	out := append(hdr, make([]byte, round4K(len(hdr))-len(hdr))...)
	for _, r := range ranges {
		out = append(out, mem[r[0]:r[1]]...)
	}
	return out
}

// i386Ranges leave out [0x9f000, 0x100000), the legacy VGA and BIOS hole,
// and everything from 7 MiB, where a page-table page is placed on purpose.
var i386Ranges = [][2]uint32{{0, 0x9f000}, {0x100000, 0x700000}}

// i386NoPAEDump has a page directory at 0x10000 that IdlePTD (at
// kernbase + 0x400100) points at, and:
//   - PDEs 0x300 and 0x301 map 4 MiB pages at physical 0 and 4 MiB
//   - PDE 0x302 points at the page table at 0x11000, whose entry 5 maps 0x20000,
//     entry 6 is invalid and entry 0x205 (past the 512 entries of a PAE
//     table) maps 0x22000
//   - PDE 0x303 points at a page table at 7 MiB, outside the dump
func i386NoPAEDump() ([]byte, KernelInfo) {
	mem := i386Memory()
	le := binary.LittleEndian
	const pd, pt, flags = 0x10000, 0x11000, 0x1 | 0x2
	clear(mem[pd : pd+0x2000])
	le.PutUint32(mem[0x400100:], pd)
	le.PutUint32(mem[pd+4*0x300:], 0x000000|flags|0x80)
	le.PutUint32(mem[pd+4*0x301:], 0x400000|flags|0x80)
	le.PutUint32(mem[pd+4*0x302:], pt|flags)
	le.PutUint32(mem[pd+4*0x303:], 0x700000|flags)
	le.PutUint32(mem[pt+4*5:], 0x20000|flags)
	le.PutUint32(mem[pt+4*6:], 0x21000|0x2)
	le.PutUint32(mem[pt+4*0x205:], 0x22000|flags)
	k := KernelInfo{Arch: "i386", KernBase: i386FullKernBase, IdlePTDAddr: i386FullKernBase + 0x400100}
	return buildELF32Core(mem, i386Ranges), k
}

// i386PAEDump has a PDPT at 0x12020 that IdlePDPT (at kernbase + 0x400200)
// points at. Its four entries point at page directories 0x13000 to
// 0x16000, and the last directory, covering kernbase up, has:
//   - PDEs 0 to 3 mapping 2 MiB pages at physical 0, 2, 4 and 6 MiB
//   - PDE 4 pointing at the page table at 0x17000, whose entry 5 maps
//     0x20000 and whose entry 6 is invalid
func i386PAEDump() ([]byte, KernelInfo) {
	mem := i386Memory()
	le := binary.LittleEndian
	const pdpt, pt, flags = 0x12020, 0x17000, 0x1 | 0x2
	clear(mem[0x12000:0x18000])
	le.PutUint32(mem[0x400200:], pdpt)
	for i := range uint64(4) {
		le.PutUint64(mem[pdpt+8*i:], (0x13000+i*0x1000)|0x1)
	}
	const pd3 = 0x16000
	for i := range uint64(4) {
		le.PutUint64(mem[pd3+8*i:], i<<21|flags|0x80)
	}
	le.PutUint64(mem[pd3+8*4:], pt|flags)
	le.PutUint64(mem[pt+8*5:], 0x20000|flags|1<<63) // NX set, as for kernel data
	le.PutUint64(mem[pt+8*6:], 0x21000|0x2)
	k := KernelInfo{Arch: "i386", KernBase: i386FullKernBase, IdlePTDAddr: i386FullKernBase + 0x400300, IdlePDPTAddr: i386FullKernBase + 0x400200}
	return buildELF32Core(mem, i386Ranges), k
}

func TestI386FullDumpNoPAE(t *testing.T) {
	data, k := i386NoPAEDump()
	c := openBytes(t, data, Options{Kernel: k})
	if got := c.Format(); got != "full-elf" {
		t.Errorf("Format() = %q, want full-elf", got)
	}
	if got := c.Arch(); got != "i386" {
		t.Errorf("Arch() = %q, want i386", got)
	}
	for _, m := range []struct {
		name   string
		va, pa uint64
	}{
		{"4 MiB page", i386FullKernBase + 0x123458, 0x123458},
		{"second 4 MiB page", i386FullKernBase + 0x400000 + 0x2ff8, 0x402ff8},
		{"4 KiB page", i386FullKernBase + 0x805008, 0x20008},
		{"page table entry 0x205", i386FullKernBase + 0xa05ff8, 0x22ff8},
	} {
		got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), m.va, 8))
		if want := patternWord(m.pa); got != want {
			t.Errorf("%s: word at %#x = %#x, want %#x (physical %#x)", m.name, m.va, got, want, m.pa)
		}
	}
	got := binary.LittleEndian.Uint64(readBytes(t, c.Physical(), 0x100008, 8))
	if want := patternWord(0x100008); got != want {
		t.Errorf("physical word at 0x100008 = %#x, want %#x", got, want)
	}
}

func TestI386FullDumpPAE(t *testing.T) {
	data, k := i386PAEDump()
	c := openBytes(t, data, Options{Kernel: k})
	for _, m := range []struct {
		name   string
		va, pa uint64
	}{
		{"2 MiB page", i386FullKernBase + 0x123458, 0x123458},
		{"fourth 2 MiB page", i386FullKernBase + 0x600000 + 0x1ff8, 0x601ff8},
		{"4 KiB page with NX", i386FullKernBase + 0x805008, 0x20008},
	} {
		got := binary.LittleEndian.Uint64(readBytes(t, c.Virtual(), m.va, 8))
		if want := patternWord(m.pa); got != want {
			t.Errorf("%s: word at %#x = %#x, want %#x (physical %#x)", m.name, m.va, got, want, m.pa)
		}
	}
}

func TestI386FullDumpFaults(t *testing.T) {
	noPAE, noPAEInfo := i386NoPAEDump()
	pae, paeInfo := i386PAEDump()
	cases := []struct {
		name string
		data []byte
		k    KernelInfo
		va   uint64
		want error
		text string
	}{
		{"non-PAE invalid PTE", noPAE, noPAEInfo, i386FullKernBase + 0x806000, ErrNotMapped, "PTE"},
		{"non-PAE invalid PDE", noPAE, noPAEInfo, 0x1000, ErrNotMapped, "PDE"},
		{"non-PAE table not in dump", noPAE, noPAEInfo, i386FullKernBase + 0xc00000, ErrNotInDump, "PTE"},
		{"PAE invalid PTE", pae, paeInfo, i386FullKernBase + 0x806000, ErrNotMapped, "PTE"},
		{"PAE invalid PDE", pae, paeInfo, i386FullKernBase + 0xa00000, ErrNotMapped, "PDE"},
		{"above 4 GiB", pae, paeInfo, 1 << 32, ErrNotMapped, "4 GiB"},
	}
	for _, tc := range cases {
		c := openBytes(t, tc.data, Options{Kernel: tc.k})
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

func TestI386FullDumpWithoutSymbols(t *testing.T) {
	data, _ := i386NoPAEDump()
	c := openBytes(t, data, Options{})
	var b [4]byte
	if _, err := c.Virtual().ReadAt(b[:], i386FullKernBase); !errors.Is(err, ErrNoKernelInfo) {
		t.Errorf("virtual read without kernel info: error = %v, want ErrNoKernelInfo", err)
	}
	if _, err := c.Physical().ReadAt(b[:], 0x1000); err != nil {
		t.Errorf("physical read without kernel info: %v", err)
	}
}

func TestI386FullDumpBadRoot(t *testing.T) {
	data, k := i386NoPAEDump()
	k.IdlePTDAddr = i386FullKernBase + 0x400102 // reads 0x40 from a pattern word, not a page address
	_, err := Open(writeTemp(t, "vmcore", data), Options{Kernel: k})
	if err == nil || !strings.Contains(err.Error(), "IdlePTD") || !strings.Contains(err.Error(), "not the address of a page") {
		t.Errorf("Open error = %v, want one about IdlePTD not holding a page address", err)
	}

	data, k = i386PAEDump()
	k.IdlePDPTAddr = i386FullKernBase + 0x7ffff0 // physical 0x7ffff0 lies outside the dump
	_, err = Open(writeTemp(t, "vmcore", data), Options{Kernel: k})
	if !errors.Is(err, ErrNotInDump) || !strings.Contains(err.Error(), "IdlePDPT") {
		t.Errorf("Open error = %v, want ErrNotInDump reading IdlePDPT", err)
	}
}

func TestI386FullDumpBadHeaders(t *testing.T) {
	le := binary.LittleEndian
	cases := []struct {
		name   string
		edit   func(b []byte) []byte
		offset string
		text   string
	}{
		{"short header", func(b []byte) []byte { return b[:40] }, "0x28", "ELF32 header"},
		{"not a core", func(b []byte) []byte { le.PutUint16(b[16:], 2); return b }, "0x10", "not a core"},
		{"amd64 machine", func(b []byte) []byte { le.PutUint16(b[18:], 62); return b }, "0x12", "machine 62"},
		{"process core", func(b []byte) []byte { b[7] = 9; return b }, "0x7", "OSABI 9"},
		{"phdrs past end", func(b []byte) []byte { le.PutUint32(b[28:], 0x7fffff00); return b }, "0x1c", "past the end"},
		{"filesz above memsz", func(b []byte) []byte { le.PutUint32(b[elf32HeaderSize+16:], 0x100000); return b }, "0x34", "exceeds p_memsz"},
		{"overlap", func(b []byte) []byte { le.PutUint32(b[elf32HeaderSize+32+12:], 0x1000); return b }, "0x34", "overlap"},
	}
	for _, tc := range cases {
		data, _ := i386NoPAEDump()
		_, err := Open(writeTemp(t, "vmcore", tc.edit(data)), Options{})
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
