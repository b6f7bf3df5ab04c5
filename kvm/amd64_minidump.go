package kvm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The amd64 minidump header, as written by the kernel's minidumpsys
// (sys/amd64/amd64/minidump_machdep.c) and read by libkvm
// (lib/libkvm/kvm_minidump_amd64.c). All fields are little-endian.
const (
	minidumpAMD64Magic      = "minidump FreeBSD/amd64"
	minidumpMagicLen        = 24
	minidumpAMD64HeaderV2   = 64 // versions 1 and 2 have the same header
	minidumpAMD64HeaderV3   = 68 // version 3 adds dumpavailsize
	minidumpAMD64MaxVersion = 3

	// maxBitmapSize bounds the bitmap, which is read into memory. 1 GiB of
	// bits covers 32 TiB of dumped RAM in 4 KiB pages.
	maxBitmapSize = 1 << 30
	// maxDumpAvailSize bounds the dump_avail section. The kernel writes one
	// page and asserts at build time that the array fits in it.
	maxDumpAvailSize = 1 << 20
)

// amd64 page-table entry bits and sizes.
const (
	pteValid     = 1 << 0
	pteLarge     = 1 << 7 // PG_PS: the entry maps a 2 MiB or 1 GiB page
	pteFrame     = 0x000ffffffffff000
	pteFrame2M   = 0x000fffffffe00000
	pteFrame1G   = 0x000fffffc0000000
	pageShift2M  = 21
	pageShift1G  = 30
	entriesPerPT = 512
)

// A minidumpHeader is the decoded header page of an amd64 minidump.
type minidumpHeader struct {
	Version       uint32
	MsgbufSize    uint32 // bytes of the kernel message buffer, before rounding
	BitmapSize    uint32 // bytes of the page bitmap
	PmapSize      uint32 // bytes of the page-table section
	KernBase      uint64 // virtual address that entry 0 of the page-table section maps
	DmapBase      uint64 // first address of the direct map
	DmapEnd       uint64 // end of the direct map, exclusive
	DumpAvailSize uint32 // bytes of the dump_avail section, version 3 only
}

// A minidumpAMD64 reads an amd64 minidump: a header page, the message
// buffer, dump_avail (version 3), the page bitmap, a page-table section and
// then the dumped pages in bitmap order.
type minidumpAMD64 struct {
	file      *dumpFile
	hdr       minidumpHeader
	avail     dumpAvail
	bitmap    *pageBitmap
	availOff  int64 // file offset of dump_avail (version 3)
	bitmapOff int64
	pmapOff   int64
	sparseOff int64 // file offset of the first dumped page
}

func roundPage(n uint64) int64 { return int64((n + pageSize - 1) &^ (pageSize - 1)) }

// openMinidumpAMD64 parses the header and the sections before the data.
func openMinidumpAMD64(file *dumpFile) (*minidumpAMD64, error) {
	m := &minidumpAMD64{file: file}
	if err := m.readHeader(); err != nil {
		return nil, err
	}
	h := &m.hdr

	m.availOff = pageSize + roundPage(uint64(h.MsgbufSize))
	m.bitmapOff = m.availOff + roundPage(uint64(h.DumpAvailSize))
	m.pmapOff = m.bitmapOff + roundPage(uint64(h.BitmapSize))
	m.sparseOff = m.pmapOff + roundPage(uint64(h.PmapSize))

	if h.BitmapSize == 0 {
		return nil, m.formatError(32, "header field bitmapsize is 0, so the dump would hold no pages: the header is corrupt")
	}
	if h.DmapEnd < h.DmapBase {
		return nil, m.formatError(56, "header field dmapend %#x lies below dmapbase %#x, so the direct map would be empty: the header is corrupt", h.DmapEnd, h.DmapBase)
	}
	if h.BitmapSize > maxBitmapSize {
		return nil, m.formatError(32, "bitmapsize %d bytes exceeds the limit of %d bytes (32 TiB of RAM): the header is corrupt", h.BitmapSize, maxBitmapSize)
	}
	if h.DumpAvailSize > maxDumpAvailSize {
		return nil, m.formatError(64, "dumpavailsize %d bytes exceeds the limit of %d bytes (the kernel writes one page): the header is corrupt", h.DumpAvailSize, maxDumpAvailSize)
	}
	if err := m.checkSection("msgbufsize", 28, pageSize, m.availOff); err != nil {
		return nil, err
	}
	if err := m.checkSection("dumpavailsize", 64, m.availOff, m.availOff+int64(h.DumpAvailSize)); err != nil {
		return nil, err
	}
	if err := m.checkSection("bitmapsize", 32, m.bitmapOff, m.bitmapOff+int64(h.BitmapSize)); err != nil {
		return nil, err
	}
	if err := m.checkSection("pmapsize", 36, m.pmapOff, m.pmapOff+int64(h.PmapSize)); err != nil {
		return nil, err
	}

	raw := make([]byte, h.BitmapSize)
	if _, err := file.ReadAt(raw, m.bitmapOff); err != nil {
		return nil, m.formatError(m.bitmapOff, "reading the page bitmap: %v", err)
	}
	m.bitmap = newPageBitmap(raw)

	if h.Version < 3 {
		m.avail = identityDumpAvail(m.bitmap.nbits)
		return m, nil
	}
	raw = make([]byte, h.DumpAvailSize)
	if _, err := file.ReadAt(raw, m.availOff); err != nil {
		return nil, m.formatError(m.availOff, "reading dump_avail: %v", err)
	}
	avail, err := parseDumpAvail(raw, file.path, m.availOff)
	if err != nil {
		return nil, err
	}
	if len(avail.ranges) == 0 {
		return nil, m.formatError(m.availOff, "dump_avail lists no physical memory")
	}
	m.avail = avail
	return m, nil
}

// sizeWarning compares the file's size with the pages its bitmap sets. The
// kernel writes exactly one page per set bit, so a difference means a
// truncated file or a corrupt bitmap, which would shift every later page.
func (m *minidumpAMD64) sizeWarning() string {
	pages := int64(m.bitmap.count())
	want := m.sparseOff + pages*pageSize
	switch {
	case m.file.size < want:
		missing := (want - m.file.size + pageSize - 1) / pageSize
		return fmt.Sprintf("%s is %d bytes, but its bitmap sets %d pages that end at %d: the dump is truncated and its last %d pages are missing", m.file.path, m.file.size, pages, want, missing)
	case m.file.size > want:
		return fmt.Sprintf("%s is %d bytes, %d more than the %d pages its bitmap sets account for (%d): the bitmap may be corrupt, and values read from it may be wrong", m.file.path, m.file.size, m.file.size-want, pages, want)
	}
	return ""
}

// readHeader decodes and checks the header page.
func (m *minidumpAMD64) readHeader() error {
	var b [minidumpAMD64HeaderV3]byte
	n, _ := m.file.ReadAt(b[:], 0)
	if n < minidumpAMD64HeaderV2 {
		return m.formatError(int64(n), "file ends inside the %d-byte minidump header (%d bytes): the dump is truncated", minidumpAMD64HeaderV2, m.file.size)
	}
	le := binary.LittleEndian
	h := &m.hdr
	h.Version = le.Uint32(b[24:])
	if h.Version < 1 || h.Version > minidumpAMD64MaxVersion {
		return m.formatError(24, "unsupported amd64 minidump version %d (versions 1 to %d are supported)", h.Version, minidumpAMD64MaxVersion)
	}
	if h.Version == 3 && n < minidumpAMD64HeaderV3 {
		return m.formatError(int64(n), "file ends inside the %d-byte version 3 minidump header: the dump is truncated", minidumpAMD64HeaderV3)
	}
	h.MsgbufSize = le.Uint32(b[28:])
	h.BitmapSize = le.Uint32(b[32:])
	h.PmapSize = le.Uint32(b[36:])
	h.KernBase = le.Uint64(b[40:])
	h.DmapBase = le.Uint64(b[48:])
	h.DmapEnd = le.Uint64(b[56:])
	if h.Version == 3 {
		h.DumpAvailSize = le.Uint32(b[64:])
	}
	return nil
}

// checkSection rejects a section [start, end) that the file does not hold
// in full. field names the header field that sized it, at fieldOff.
func (m *minidumpAMD64) checkSection(field string, fieldOff, start, end int64) error {
	if end <= m.file.size {
		return nil
	}
	return m.formatError(fieldOff, "header field %s puts its section at file offsets [%#x, %#x), past the end of the file (%d bytes): the dump is truncated or the header is corrupt", field, start, end, m.file.size)
}

func (m *minidumpAMD64) formatError(off int64, format string, args ...any) error {
	return &FormatError{File: m.file.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// format returns the format name, for example "minidump-amd64-v3".
func (m *minidumpAMD64) format() string { return fmt.Sprintf("minidump-amd64-v%d", m.hdr.Version) }

// locate implements physMap through the bitmap and its rank index.
func (m *minidumpAMD64) locate(pa uint64) (int64, int, *fault) {
	bit, ok := m.avail.bit(pa)
	if !ok {
		return 0, 0, notInDump("outside every dump_avail range, so the kernel never dumps it")
	}
	if !m.bitmap.isSet(bit) {
		return 0, 0, notInDump("the minidump bitmap leaves its page out (bit %d clear)", bit)
	}
	off := m.sparseOff + int64(m.bitmap.rank(bit))*pageSize + int64(pa%pageSize)
	if off >= m.file.size {
		return 0, 0, notInDump("its page would be at file offset %#x, past the end of %s (%d bytes): the dump is truncated", off-int64(pa%pageSize), m.file.path, m.file.size)
	}
	return off, pageSize - int(pa%pageSize), nil
}

// toPhys implements vaTranslator as libkvm does for minidumps: addresses
// from kernbase up go through the page-table section, direct-map addresses
// subtract dmapbase, and nothing else is in the dump.
func (m *minidumpAMD64) toPhys(va uint64) (uint64, *fault) {
	h := &m.hdr
	switch {
	case va >= h.KernBase && h.Version == 1:
		return m.toPhysV1(va)
	case va >= h.KernBase:
		return m.toPhysV2(va)
	case va >= h.DmapBase && va < h.DmapEnd:
		return va - h.DmapBase, nil
	}
	return 0, notInDump("a minidump holds only the kernel map (from %#x) and the direct map [%#x, %#x)", h.KernBase, h.DmapBase, h.DmapEnd)
}

// toPhysV1 looks va up in a version 1 page-table section: one PTE per 4 KiB
// page from kernbase.
func (m *minidumpAMD64) toPhysV1(va uint64) (uint64, *fault) {
	pte, f := m.pmapEntry((va - m.hdr.KernBase) / pageSize)
	if f != nil {
		return 0, f
	}
	if pte&pteValid == 0 {
		return 0, notMapped("its PTE %#x is not valid", pte)
	}
	return pte&pteFrame | va%pageSize, nil
}

// toPhysV2 looks va up in a version 2 or 3 page-table section: one PDE per
// 2 MiB from kernbase, each mapping a 2 MiB page or pointing at a page of
// PTEs that the dump holds among its data pages. The kernel writes 1 GiB
// pages as 512 2 MiB PDEs, so they need no case of their own here.
func (m *minidumpAMD64) toPhysV2(va uint64) (uint64, *fault) {
	pde, f := m.pmapEntry((va - m.hdr.KernBase) >> pageShift2M)
	if f != nil {
		return 0, f
	}
	if pde&pteValid == 0 {
		return 0, notMapped("its PDE %#x is not valid", pde)
	}
	if pde&pteLarge != 0 {
		return pde&pteFrame2M | va&(1<<pageShift2M-1), nil
	}

	ptPage := pde & pteFrame
	var b [8]byte
	ptePA := ptPage + 8*((va/pageSize)%entriesPerPT)
	if _, err := (&physReader{file: m.file, m: m}).ReadAt(b[:], Addr(ptePA)); err != nil {
		return 0, tableFault("PTE", ptePA, err)
	}
	pte := binary.LittleEndian.Uint64(b[:])
	if pte&pteValid == 0 {
		return 0, notMapped("its PTE %#x (at physical %#x) is not valid", pte, ptePA)
	}
	return pte&pteFrame | va%pageSize, nil
}

// pmapEntry reads entry i of the page-table section.
func (m *minidumpAMD64) pmapEntry(i uint64) (uint64, *fault) {
	if i >= uint64(m.hdr.PmapSize)/8 {
		return 0, notMapped("past the end of the minidump's page-table section, which covers %d entries from %#x", m.hdr.PmapSize/8, m.hdr.KernBase)
	}
	var b [8]byte
	off := m.pmapOff + int64(i)*8
	if _, err := m.file.ReadAt(b[:], off); err != nil {
		return 0, &fault{reason: fmt.Sprintf("reading page-table entry %d at file offset %#x", i, off), err: err}
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// tableFault reports that a page-table entry could not be read, keeping
// the reason (ErrNotInDump when the table page is missing).
func tableFault(level string, pa uint64, err error) *fault {
	f := &fault{reason: fmt.Sprintf("reading its %s at physical %#x: %v", level, pa, err), err: err}
	var fe *FaultError
	if errors.As(err, &fe) {
		f.err = fe.Err
		f.reason = fmt.Sprintf("reading its %s at physical %#x: %s", level, pa, fe.Reason)
	}
	return f
}
