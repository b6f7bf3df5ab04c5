package kvm

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// ELF constants used by physical-memory cores (the ELF-64 object file
// format and the System V ABI).
const (
	elfHeaderSize  = 64
	elfPhdrSize    = 56
	elfShdrSize    = 64
	elfClass64     = 2
	elfDataLSB     = 1
	elfTypeCore    = 4
	elfMachine386  = 3
	elfMachineAMD  = 62
	elfOSABISysV   = 0
	elfOSABIFBSD   = 9
	elfOSABIStand  = 255 // ELFOSABI_STANDALONE, which FreeBSD's dumpsys_generic writes
	elfPTLoad      = 1
	elfPTNote      = 4
	elfPNXNum      = 0xffff // e_phnum value meaning "see sh_info of section 0"
	maxELFSegments = 1 << 20
	maxNotesSize   = 16 << 20
	qemuNoteName   = "QEMU" // name of the CPU-state note of QEMU's dump-guest-memory
)

// An elfSegment is one PT_LOAD segment of a physical-memory core.
type elfSegment struct {
	paddr  uint64 // physical address of the segment's first byte
	memsz  uint64 // bytes of physical memory it covers
	filesz uint64 // bytes of them that the file holds, from off
	off    int64
}

// An elfCore is an ELF core file whose PT_LOAD segments carry physical
// addresses in p_paddr: a FreeBSD full dump (debug.minidump=0) or a QEMU
// dump-guest-memory file.
type elfCore struct {
	file     *dumpFile
	osabi    byte
	machine  uint16
	segs     []elfSegment // sorted by paddr, not overlapping
	qemuNote bool         // a note named "QEMU" is present
}

// parseELFCore reads the ELF header, the program headers and, for a QEMU
// dump, the notes.
func parseELFCore(file *dumpFile) (*elfCore, error) {
	var h [elfHeaderSize]byte
	if n, _ := file.ReadAt(h[:], 0); n < elfHeaderSize {
		return nil, elfError(file, int64(n), "file ends inside the %d-byte ELF header", elfHeaderSize)
	}
	le := binary.LittleEndian
	switch {
	case h[4] != elfClass64:
		return nil, elfError(file, 4, "ELF class %d is not supported: only 64-bit (class 2) cores are read", h[4])
	case h[5] != elfDataLSB:
		return nil, elfError(file, 5, "ELF data encoding %d is not supported: only little-endian (1) cores are read", h[5])
	case le.Uint16(h[16:]) != elfTypeCore:
		return nil, elfError(file, 16, "ELF type %d is not a core (4): if this is the kernel file, pass the vmcore instead", le.Uint16(h[16:]))
	}
	c := &elfCore{file: file, osabi: h[7], machine: le.Uint16(h[18:])}

	phoff := le.Uint64(h[32:])
	phentsize := uint64(le.Uint16(h[54:]))
	phnum := uint64(le.Uint16(h[56:]))
	if phentsize < elfPhdrSize {
		return nil, elfError(file, 54, "e_phentsize %d is smaller than an ELF64 program header (%d bytes)", phentsize, elfPhdrSize)
	}
	if phnum == elfPNXNum {
		n, err := c.extendedPhnum(le.Uint64(h[40:]))
		if err != nil {
			return nil, err
		}
		phnum = n
	}
	if phnum > maxELFSegments {
		return nil, elfError(file, 56, "%d program headers exceed the limit of %d: the header is corrupt", phnum, maxELFSegments)
	}
	if end := phoff + phnum*phentsize; phoff > uint64(file.size) || end > uint64(file.size) {
		return nil, elfError(file, 32, "program headers at e_phoff %#x (%d of %d bytes) run past the end of the file (%d bytes)", phoff, phnum, phentsize, file.size)
	}

	if err := c.readProgramHeaders(phoff, phnum, phentsize); err != nil {
		return nil, err
	}
	return c, nil
}

// extendedPhnum returns the program header count stored in sh_info of
// section header 0, where ELF puts it when it does not fit in e_phnum.
func (c *elfCore) extendedPhnum(shoff uint64) (uint64, error) {
	var sh [elfShdrSize]byte
	if shoff == 0 {
		return 0, elfError(c.file, 56, "e_phnum is PN_XNUM (0xffff), which puts the program header count in section header 0, but e_shoff is 0 (no section headers): the header is corrupt")
	}
	if shoff > uint64(c.file.size) {
		return 0, elfError(c.file, 40, "e_phnum is PN_XNUM but e_shoff %#x lies past the end of the file", shoff)
	}
	if n, _ := c.file.ReadAt(sh[:], int64(shoff)); n < elfShdrSize {
		return 0, elfError(c.file, int64(shoff), "e_phnum is PN_XNUM but section header 0 is cut off by the end of the file")
	}
	n := uint64(binary.LittleEndian.Uint32(sh[44:]))
	if n == 0 {
		return 0, elfError(c.file, int64(shoff)+44, "e_phnum is PN_XNUM (0xffff), but sh_info of section header 0, which holds the real count, is 0: the header is corrupt")
	}
	return n, nil
}

// readProgramHeaders collects the PT_LOAD segments and scans PT_NOTE
// segments for QEMU's note.
func (c *elfCore) readProgramHeaders(phoff, phnum, phentsize uint64) error {
	le := binary.LittleEndian
	raw := make([]byte, phnum*phentsize)
	if _, err := c.file.ReadAt(raw, int64(phoff)); err != nil {
		return elfError(c.file, int64(phoff), "reading program headers: %v", err)
	}
	for i := uint64(0); i < phnum; i++ {
		p := raw[i*phentsize:]
		at := int64(phoff + i*phentsize)
		typ, off := le.Uint32(p), le.Uint64(p[8:])
		filesz, memsz := le.Uint64(p[32:]), le.Uint64(p[40:])
		switch typ {
		case elfPTNote:
			if err := c.scanNotes(off, filesz, at); err != nil {
				return err
			}
		case elfPTLoad:
			seg := elfSegment{paddr: le.Uint64(p[24:]), memsz: memsz, filesz: filesz, off: int64(off)}
			if err := c.checkSegment(seg, at); err != nil {
				return err
			}
			if seg.memsz > 0 {
				c.segs = append(c.segs, seg)
			}
		}
	}

	sort.Slice(c.segs, func(i, j int) bool { return c.segs[i].paddr < c.segs[j].paddr })
	for i := 1; i < len(c.segs); i++ {
		a, b := c.segs[i-1], c.segs[i]
		if b.paddr < a.paddr+a.memsz {
			return elfError(c.file, int64(phoff), "PT_LOAD segments [%#x, %#x) and [%#x, %#x) overlap in physical memory", a.paddr, a.paddr+a.memsz, b.paddr, b.paddr+b.memsz)
		}
	}
	if len(c.segs) == 0 {
		return elfError(c.file, int64(phoff), "the core has no PT_LOAD segment, so it contains no memory")
	}
	return nil
}

// checkSegment rejects a PT_LOAD header whose numbers cannot describe
// memory. A segment that runs past the end of the file is accepted: its
// missing part reads as not in the dump, as libkvm treats truncated cores.
func (c *elfCore) checkSegment(s elfSegment, at int64) error {
	switch {
	case s.filesz > s.memsz:
		return elfError(c.file, at, "PT_LOAD p_filesz %#x exceeds p_memsz %#x", s.filesz, s.memsz)
	case s.paddr+s.memsz < s.paddr:
		return elfError(c.file, at, "PT_LOAD [%#x, +%#x) wraps past the top of the physical address space", s.paddr, s.memsz)
	case s.off < 0 || s.filesz > math.MaxInt64-uint64(s.off):
		return elfError(c.file, at, "PT_LOAD p_offset %#x with p_filesz %#x overflows", uint64(s.off), s.filesz)
	}
	return nil
}

// scanNotes looks for a note named "QEMU" in the note segment at off.
func (c *elfCore) scanNotes(off, size uint64, at int64) error {
	if size > maxNotesSize {
		return elfError(c.file, at, "PT_NOTE of %d bytes exceeds the limit of %d bytes", size, maxNotesSize)
	}
	if off > uint64(c.file.size) || off+size > uint64(c.file.size) {
		return elfError(c.file, at, "PT_NOTE at offset %#x (%d bytes) runs past the end of the file", off, size)
	}
	raw := make([]byte, size)
	if _, err := c.file.ReadAt(raw, int64(off)); err != nil {
		return elfError(c.file, int64(off), "reading notes: %v", err)
	}
	le := binary.LittleEndian
	for len(raw) >= 12 {
		namesz, descsz := uint64(le.Uint32(raw)), uint64(le.Uint32(raw[4:]))
		nameEnd := 12 + namesz
		next := 12 + align4(namesz) + align4(descsz)
		if nameEnd > uint64(len(raw)) {
			break
		}
		name := string(raw[12:nameEnd])
		if name == qemuNoteName || name == qemuNoteName+"\x00" {
			c.qemuNote = true
		}
		if next > uint64(len(raw)) {
			break
		}
		raw = raw[next:]
	}
	return nil
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

func elfError(file *dumpFile, off int64, format string, args ...any) error {
	return &FormatError{File: file.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// locate implements physMap: the segment covering pa gives the offset.
func (c *elfCore) locate(pa uint64) (int64, int, *fault) {
	i := sort.Search(len(c.segs), func(i int) bool { return c.segs[i].paddr+c.segs[i].memsz > pa })
	if i == len(c.segs) || pa < c.segs[i].paddr {
		return 0, 0, notInDump("no PT_LOAD segment of the core covers it")
	}
	s := c.segs[i]
	rel := pa - s.paddr
	if rel >= s.filesz {
		return 0, 0, notInDump("its PT_LOAD segment [%#x, %#x) stores only the first %#x bytes in the file", s.paddr, s.paddr+s.memsz, s.filesz)
	}
	n := min(uint64(pageSize-pa%pageSize), s.filesz-rel)
	return s.off + int64(rel), int(n), nil
}
