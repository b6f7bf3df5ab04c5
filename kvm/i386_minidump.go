package kvm

import (
	"encoding/binary"
	"fmt"
)

// The i386 minidump header, as declared in sys/i386/include/minidump.h and
// read by lib/libkvm/kvm_minidump_i386.c. Every field after the magic is a
// little-endian uint32. Version 2 adds dumpavailsize and its section.
const (
	minidumpI386Magic      = "minidump FreeBSD/i386"
	minidumpI386HeaderV1   = 48
	minidumpI386HeaderV2   = 52
	minidumpI386MaxVersion = 2
)

// i386 page-table entry bits: PG_V, and the frame masks of 4-byte
// (non-PAE) and 8-byte (PAE) entries.
const (
	i386PTEValid    = 1 << 0
	i386FrameNoPAE  = 0xfffff000
	i386FramePAE    = 0x000ffffffffff000
	i386MaxKernBase = 1<<32 - 1
)

// A minidumpI386Header is the decoded header of an i386 minidump.
type minidumpI386Header struct {
	Version       uint32
	MsgbufSize    uint32 // bytes of the kernel message buffer, before rounding
	BitmapSize    uint32 // bytes of the page bitmap
	PTESize       uint32 // bytes of the PTE section
	KernBase      uint32 // virtual address that entry 0 of the PTE section maps
	PAEMode       uint32 // non-zero: the PTE section holds 8-byte PAE entries
	DumpAvailSize uint32 // bytes of the dump_avail section, version 2 only
}

// A sparsePages locates the dumped pages of a minidump with 4 KiB pages:
// the bitmap, numbered through dump_avail, gives each present page's rank
// among the data pages that follow sparseOff.
type sparsePages struct {
	file      *dumpFile
	avail     dumpAvail
	bitmap    *pageBitmap
	sparseOff int64
}

// locate implements physMap.
func (s *sparsePages) locate(pa uint64) (int64, int, *fault) {
	bit, ok := s.avail.bit(pa)
	if !ok {
		return 0, 0, notInDump("outside every dump_avail range, so the kernel never dumps it")
	}
	if !s.bitmap.isSet(bit) {
		return 0, 0, notInDump("the minidump bitmap leaves its page out (bit %d clear)", bit)
	}
	pageOff := s.sparseOff + int64(s.bitmap.rank(bit))*pageSize
	if pageOff >= s.file.size {
		return 0, 0, notInDump("its page would be at file offset %#x, past the end of %s (%d bytes): the dump is truncated", pageOff, s.file.path, s.file.size)
	}
	return pageOff + int64(pa%pageSize), pageSize - int(pa%pageSize), nil
}

// sizeWarning compares the file's size with the pages its bitmap sets. The
// kernel writes exactly one page per set bit.
func (s *sparsePages) sizeWarning() string {
	pages := int64(s.bitmap.count())
	want := s.sparseOff + pages*pageSize
	switch {
	case s.file.size < want:
		missing := (want - s.file.size + pageSize - 1) / pageSize
		return fmt.Sprintf("%s is %d bytes, but its bitmap sets %d pages that end at %d: the dump is truncated and its last %d pages are missing", s.file.path, s.file.size, pages, want, missing)
	case s.file.size > want:
		return fmt.Sprintf("%s is %d bytes, %d more than the %d pages its bitmap sets account for (%d): the bitmap may be corrupt, and values read from it may be wrong", s.file.path, s.file.size, s.file.size-want, pages, want)
	}
	return ""
}

// A minidumpSection is one header-sized section of a minidump, for the
// checks that the file holds it.
type minidumpSection struct {
	field      string // header field that sizes the section
	fieldOff   int64  // offset of that field in the header
	start, end int64  // file offsets of the section's bytes
}

// readSparsePages checks the sections against the file, reads the bitmap
// at bitmapOff and, when availSize is not 0, dump_avail at availOff.
// Without dump_avail, bit i is physical page i.
func readSparsePages(file *dumpFile, sections []minidumpSection, bitmapOff int64, bitmapSize uint32, availOff int64, availSize uint32, sparseOff int64) (*sparsePages, error) {
	formatError := func(off int64, format string, args ...any) error {
		return &FormatError{File: file.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	for _, s := range sections {
		if s.end > file.size {
			return nil, formatError(s.fieldOff, "header field %s puts its section at file offsets [%#x, %#x), past the end of the file (%d bytes): the dump is truncated or the header is corrupt", s.field, s.start, s.end, file.size)
		}
	}
	if bitmapSize == 0 {
		return nil, formatError(32, "header field bitmapsize is 0, so the dump would hold no pages: the header is corrupt")
	}
	if bitmapSize > maxBitmapSize {
		return nil, formatError(32, "bitmapsize %d bytes exceeds the limit of %d bytes: the header is corrupt", bitmapSize, maxBitmapSize)
	}
	if availSize > maxDumpAvailSize {
		return nil, formatError(availOff, "dumpavailsize %d bytes exceeds the limit of %d bytes (the kernel writes one page): the header is corrupt", availSize, maxDumpAvailSize)
	}

	raw := make([]byte, bitmapSize)
	if _, err := file.ReadAt(raw, bitmapOff); err != nil {
		return nil, formatError(bitmapOff, "reading the page bitmap: %v", err)
	}
	s := &sparsePages{file: file, bitmap: newPageBitmap(raw), sparseOff: sparseOff}
	if availSize == 0 {
		s.avail = identityDumpAvail(s.bitmap.nbits)
		return s, nil
	}
	raw = make([]byte, availSize)
	if _, err := file.ReadAt(raw, availOff); err != nil {
		return nil, formatError(availOff, "reading dump_avail: %v", err)
	}
	avail, err := parseDumpAvail(raw, file.path, availOff)
	if err != nil {
		return nil, err
	}
	if len(avail.ranges) == 0 {
		return nil, formatError(availOff, "dump_avail lists no physical memory")
	}
	s.avail = avail
	return s, nil
}

// A minidumpI386 reads an i386 minidump: a header page, the message
// buffer, dump_avail (version 2), the page bitmap, the PTE section and then
// the dumped pages in bitmap order. The PTE section is a flat array of
// leaf entries, entry i mapping the 4 KiB page at kernbase + i*4096. There
// is no direct map, so nothing below kernbase is readable.
type minidumpI386 struct {
	*sparsePages
	hdr       minidumpI386Header
	entrySize uint64 // 4, or 8 in PAE mode
	pteOff    int64
}

// openMinidumpI386Core opens an i386 minidump as a core.
func openMinidumpI386Core(file *dumpFile, opts Options) (*core, error) {
	if k := opts.Kernel.Arch; k != "" && k != "i386" {
		return nil, &FormatError{File: file.path, Msg: fmt.Sprintf("the dump is for i386 but the kernel file is for %s: pass the kernel that wrote this dump", k)}
	}
	m, err := openMinidumpI386(file)
	if err != nil {
		return nil, err
	}
	phys := &physReader{file: file, m: m}
	c := &core{format: m.format(), arch: "i386", phys: phys, virt: &virtReader{phys: phys, tr: m}}
	if w := m.sizeWarning(); w != "" {
		c.warnings = append(c.warnings, w)
	}
	return c, nil
}

// openMinidumpI386 parses the header and the sections before the data.
func openMinidumpI386(file *dumpFile) (*minidumpI386, error) {
	var b [minidumpI386HeaderV2]byte
	n, _ := file.ReadAt(b[:], 0)
	formatError := func(off int64, format string, args ...any) error {
		return &FormatError{File: file.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if n < minidumpI386HeaderV1 {
		return nil, formatError(int64(n), "file ends inside the %d-byte minidump header (%d bytes): the dump is truncated", minidumpI386HeaderV1, file.size)
	}
	le := binary.LittleEndian
	m := &minidumpI386{entrySize: 4}
	h := &m.hdr
	h.Version = le.Uint32(b[24:])
	if h.Version < 1 || h.Version > minidumpI386MaxVersion {
		return nil, formatError(24, "unsupported i386 minidump version %d (versions 1 to %d are supported)", h.Version, minidumpI386MaxVersion)
	}
	if h.Version == 2 && n < minidumpI386HeaderV2 {
		return nil, formatError(int64(n), "file ends inside the %d-byte version 2 minidump header: the dump is truncated", minidumpI386HeaderV2)
	}
	h.MsgbufSize = le.Uint32(b[28:])
	h.BitmapSize = le.Uint32(b[32:])
	h.PTESize = le.Uint32(b[36:])
	h.KernBase = le.Uint32(b[40:])
	h.PAEMode = le.Uint32(b[44:])
	if h.Version == 2 {
		h.DumpAvailSize = le.Uint32(b[48:])
	}
	if h.PAEMode != 0 {
		m.entrySize = 8
	}
	if h.PTESize%uint32(m.entrySize) != 0 {
		return nil, formatError(36, "ptesize %d is not a multiple of the %d-byte entry size: the header is corrupt", h.PTESize, m.entrySize)
	}

	availOff := pageSize + roundPage(uint64(h.MsgbufSize))
	bitmapOff := availOff + roundPage(uint64(h.DumpAvailSize))
	m.pteOff = bitmapOff + roundPage(uint64(h.BitmapSize))
	sparseOff := m.pteOff + roundPage(uint64(h.PTESize))
	sections := []minidumpSection{
		{"msgbufsize", 28, pageSize, availOff},
		{"dumpavailsize", 48, availOff, availOff + int64(h.DumpAvailSize)},
		{"bitmapsize", 32, bitmapOff, bitmapOff + int64(h.BitmapSize)},
		{"ptesize", 36, m.pteOff, m.pteOff + int64(h.PTESize)},
	}
	s, err := readSparsePages(file, sections, bitmapOff, h.BitmapSize, availOff, h.DumpAvailSize, sparseOff)
	if err != nil {
		return nil, err
	}
	m.sparsePages = s
	return m, nil
}

// format returns the format name, "minidump-i386-v2" or, for a kernel in
// PAE mode, "minidump-i386-pae-v2".
func (m *minidumpI386) format() string {
	if m.hdr.PAEMode != 0 {
		return fmt.Sprintf("minidump-i386-pae-v%d", m.hdr.Version)
	}
	return fmt.Sprintf("minidump-i386-v%d", m.hdr.Version)
}

// toPhys implements vaTranslator as libkvm does for i386 minidumps.
func (m *minidumpI386) toPhys(va uint64) (uint64, *fault) {
	kernBase := uint64(m.hdr.KernBase)
	if va > i386MaxKernBase {
		return 0, notMapped("above 4 GiB, so not an i386 virtual address")
	}
	if va < kernBase {
		return 0, notInDump("an i386 minidump holds only kernel addresses from kernbase %#x", kernBase)
	}
	i := (va - kernBase) / pageSize
	count := uint64(m.hdr.PTESize) / m.entrySize
	if i >= count {
		return 0, notMapped("past the end of the minidump's PTE section, which maps %d pages from %#x", count, kernBase)
	}
	var b [8]byte
	off := m.pteOff + int64(i*m.entrySize)
	if _, err := m.file.ReadAt(b[:m.entrySize], off); err != nil {
		return 0, &fault{reason: fmt.Sprintf("reading PTE %d at file offset %#x", i, off), err: err}
	}
	pte := binary.LittleEndian.Uint64(b[:])
	if pte&i386PTEValid == 0 {
		return 0, notMapped("its PTE %#x (entry %d) is not valid", pte, i)
	}
	frame := uint64(i386FrameNoPAE)
	if m.entrySize == 8 {
		frame = i386FramePAE
	}
	return pte&frame | va%pageSize, nil
}
