package kvm

import (
	"encoding/binary"
	"fmt"
)

// The riscv minidump header, as declared in sys/riscv/include/minidump.h
// and read by lib/libkvm/kvm_minidump_riscv.c. All fields are
// little-endian. Version 2 adds dumpavailsize and its section.
const (
	minidumpRISCVMagic      = "minidump FreeBSD/riscv"
	minidumpRISCVHeaderV1   = 72
	minidumpRISCVHeaderV2   = 76
	minidumpRISCVMaxVersion = 2
)

// Sv39 and Sv48 page-table entry bits (sys/riscv/include/pte.h).
const (
	riscvPTEValid    = 1 << 0             // PTE_V
	riscvPTELeafMask = 1<<1 | 1<<2 | 1<<3 // PTE_R, PTE_W, PTE_X: any of them makes a leaf
	riscvPPNShift    = 10                 // the physical page number starts at bit 10
	// riscvPPNMask keeps the 44-bit PPN. libkvm shifts the whole entry
	// instead, which folds the Svpbmt and Svnapot bits 61 to 63 into the
	// address. Kernels that set them would be misread by libkvm.
	riscvPPNMask = 1<<44 - 1
)

// A minidumpRISCVHeader is the decoded header of a riscv minidump.
type minidumpRISCVHeader struct {
	Version       uint32
	MsgbufSize    uint32 // bytes of the kernel message buffer, before rounding
	BitmapSize    uint32 // bytes of the page bitmap
	PmapSize      uint32 // bytes of the leaf PTE section
	KernBase      uint64 // virtual address that entry 0 of the PTE section maps
	DmapPhys      uint64 // physical address at DmapBase
	DmapBase      uint64 // first address of the direct map
	DmapEnd       uint64 // end of the direct map, exclusive
	DumpAvailSize uint32 // bytes of the dump_avail section, version 2 only
}

// A minidumpRISCV reads a riscv minidump. Its sections are those of an
// arm64 minidump with 4 KiB pages: header page, message buffer, dump_avail
// (version 2), bitmap, a flat array of 8-byte leaf PTEs with entry i
// mapping kernbase + i*4096, then the dumped pages in bitmap order.
type minidumpRISCV struct {
	*sparsePages
	hdr     minidumpRISCVHeader
	pmapOff int64
}

// openMinidumpRISCVCore opens a riscv minidump as a core.
func openMinidumpRISCVCore(file *dumpFile, opts Options) (*core, error) {
	// The symbols package names riscv kernels "riscv", as the minidump magic does.
	if k := opts.Kernel.Arch; k != "" && k != "riscv" && k != "riscv64" {
		return nil, &FormatError{File: file.path, Msg: fmt.Sprintf("the dump is for riscv but the kernel file is for %s: pass the kernel that wrote this dump", k)}
	}
	m, err := openMinidumpRISCV(file)
	if err != nil {
		return nil, err
	}
	phys := &physReader{file: file, m: m}
	c := &core{format: fmt.Sprintf("minidump-riscv-v%d", m.hdr.Version), arch: "riscv", phys: phys, virt: &virtReader{phys: phys, tr: m}}
	if w := m.sizeWarning(); w != "" {
		c.warnings = append(c.warnings, w)
	}
	return c, nil
}

// openMinidumpRISCV parses the header and the sections before the data.
func openMinidumpRISCV(file *dumpFile) (*minidumpRISCV, error) {
	var b [minidumpRISCVHeaderV2]byte
	n, _ := file.ReadAt(b[:], 0)
	formatError := func(off int64, format string, args ...any) error {
		return &FormatError{File: file.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if n < minidumpRISCVHeaderV1 {
		return nil, formatError(int64(n), "file ends inside the %d-byte minidump header (%d bytes): the dump is truncated", minidumpRISCVHeaderV1, file.size)
	}
	le := binary.LittleEndian
	m := &minidumpRISCV{}
	h := &m.hdr
	h.Version = le.Uint32(b[24:])
	if h.Version < 1 || h.Version > minidumpRISCVMaxVersion {
		return nil, formatError(24, "unsupported riscv minidump version %d (versions 1 to %d are supported)", h.Version, minidumpRISCVMaxVersion)
	}
	if h.Version == 2 && n < minidumpRISCVHeaderV2 {
		return nil, formatError(int64(n), "file ends inside the %d-byte version 2 minidump header: the dump is truncated", minidumpRISCVHeaderV2)
	}
	h.MsgbufSize = le.Uint32(b[28:])
	h.BitmapSize = le.Uint32(b[32:])
	h.PmapSize = le.Uint32(b[36:])
	h.KernBase = le.Uint64(b[40:])
	h.DmapPhys = le.Uint64(b[48:])
	h.DmapBase = le.Uint64(b[56:])
	h.DmapEnd = le.Uint64(b[64:])
	if h.Version == 2 {
		h.DumpAvailSize = le.Uint32(b[72:])
	}
	if h.DmapEnd < h.DmapBase {
		return nil, formatError(64, "dmapend %#x is below dmapbase %#x: the header is corrupt", h.DmapEnd, h.DmapBase)
	}
	if h.DmapPhys+(h.DmapEnd-h.DmapBase) < h.DmapPhys {
		return nil, formatError(48, "dmapphys %#x plus the direct map's size %#x overflows 64 bits: the header is corrupt", h.DmapPhys, h.DmapEnd-h.DmapBase)
	}

	availOff := pageSize + roundPage(uint64(h.MsgbufSize))
	bitmapOff := availOff + roundPage(uint64(h.DumpAvailSize))
	m.pmapOff = bitmapOff + roundPage(uint64(h.BitmapSize))
	sparseOff := m.pmapOff + roundPage(uint64(h.PmapSize))
	sections := []minidumpSection{
		{"msgbufsize", 28, pageSize, availOff},
		{"dumpavailsize", 72, availOff, availOff + int64(h.DumpAvailSize)},
		{"bitmapsize", 32, bitmapOff, bitmapOff + int64(h.BitmapSize)},
		{"pmapsize", 36, m.pmapOff, m.pmapOff + int64(h.PmapSize)},
	}
	s, err := readSparsePages(file, sections, bitmapOff, h.BitmapSize, availOff, h.DumpAvailSize, sparseOff)
	if err != nil {
		return nil, err
	}
	m.sparsePages = s
	return m, nil
}

// toPhys implements vaTranslator as libkvm does for riscv minidumps. The
// direct map is checked first, as on arm64; other addresses from kernbase
// up go through the leaf PTE section.
func (m *minidumpRISCV) toPhys(va uint64) (uint64, *fault) {
	h := &m.hdr
	switch {
	case va >= h.DmapBase && va < h.DmapEnd:
		return va - h.DmapBase + h.DmapPhys, nil
	case va >= h.KernBase:
		return m.toPhysLeaf(va)
	}
	return 0, notInDump("a riscv minidump holds only the kernel map (from %#x) and the direct map [%#x, %#x)", h.KernBase, h.DmapBase, h.DmapEnd)
}

// toPhysLeaf looks va up in the leaf PTE section.
func (m *minidumpRISCV) toPhysLeaf(va uint64) (uint64, *fault) {
	i := (va - m.hdr.KernBase) / pageSize
	count := uint64(m.hdr.PmapSize) / 8
	if i >= count {
		return 0, notMapped("past the end of the minidump's PTE section, which maps %d pages from %#x", count, m.hdr.KernBase)
	}
	var b [8]byte
	off := m.pmapOff + int64(i)*8
	if _, err := m.file.ReadAt(b[:], off); err != nil {
		return 0, &fault{reason: fmt.Sprintf("reading PTE %d at file offset %#x", i, off), err: err}
	}
	pte := binary.LittleEndian.Uint64(b[:])
	if pte&riscvPTEValid == 0 || pte&riscvPTELeafMask == 0 {
		return 0, notMapped("its PTE %#x (entry %d) is not a valid leaf (V with R, W or X)", pte, i)
	}
	page := (pte >> riscvPPNShift & riscvPPNMask) * pageSize
	return page | va%pageSize, nil
}
