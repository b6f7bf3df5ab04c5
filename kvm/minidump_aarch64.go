package kvm

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// The arm64 minidump header, as written by the kernel's cpu_minidumpsys
// (sys/arm64/arm64/minidump_machdep.c) and declared in
// sys/arm64/include/minidump.h. All fields are little-endian. Version 1 has
// no dump_avail section, version 2 adds dumpavailsize, and version 3 adds
// flags, whose low two bits give the kernel's page size.
const (
	minidumpARM64Magic      = "minidump FreeBSD/arm64"
	minidumpARM64HeaderV1   = 72
	minidumpARM64HeaderV2   = 76 // dumpavailsize ends here; the C struct pads to 80
	minidumpARM64HeaderV3   = 80
	minidumpARM64MaxVersion = 3

	arm64FlagPageSizeMask = 3 // MINIDUMP_FLAG_PS_MASK
	arm64FlagPage4K       = 0 // MINIDUMP_FLAG_PS_4K
	arm64FlagPage16K      = 1 // MINIDUMP_FLAG_PS_16K
	arm64FlagPage64K      = 2 // reserved in minidump.h, never written
)

// arm64 translation-table descriptor bits (sys/arm64/include/pte.h, as
// lib/libkvm/kvm_aarch64.h copies them).
const (
	arm64DescrMask = 3                  // ATTR_DESCR_MASK: the descriptor's type bits
	arm64L3Page    = 3                  // L3_PAGE: a valid level-3 page descriptor
	arm64AttrMask  = 0xfffc000000000fff // ATTR_MASK: every bit that is not the output address
)

// A minidumpARM64Header is the decoded header of an arm64 minidump.
type minidumpARM64Header struct {
	Version       uint32
	MsgbufSize    uint32 // bytes of the kernel message buffer, before rounding
	BitmapSize    uint32 // bytes of the page bitmap
	PmapSize      uint32 // bytes of the L3 descriptor section
	KernBase      uint64 // virtual address that entry 0 of the L3 section maps (VM_MIN_KERNEL_ADDRESS)
	DmapPhys      uint64 // physical address at DmapBase (DMAP_MIN_PHYSADDR)
	DmapBase      uint64 // first address of the direct map
	DmapEnd       uint64 // end of the direct map, exclusive
	DumpAvailSize uint32 // bytes of the dump_avail section, versions 2 and 3
	Flags         uint32 // page-size flags, version 3 only
}

// A minidumpARM64 reads an arm64 minidump. Its sections are those of an
// amd64 minidump (header page, message buffer, dump_avail from version 2,
// bitmap, page-table section, then the dumped pages in bitmap order). Every
// page, including the header page, has the kernel's page size, 4 KiB or
// 16 KiB. The page-table section is a flat array of L3 descriptors,
// entry i mapping the page at kernbase + i*pageSize: the kernel writes a
// synthetic L3 page for every L1 or L2 block mapping.
type minidumpARM64 struct {
	file      *dumpFile
	hdr       minidumpARM64Header
	pageSize  uint64 // 4096 or 16384
	pageShift uint   // log2(pageSize), which is also the L3 index shift
	// ranges number the bitmap's bits, with firstBit counted in pages of
	// pageSize. Without a dump_avail section there is one range from
	// physical address 0, so that bit i is physical page i.
	ranges    []physRange
	bitmap    *pageBitmap
	availOff  int64
	bitmapOff int64
	pmapOff   int64
	sparseOff int64 // file offset of the first dumped page
}

// openMinidumpARM64Core opens an arm64 minidump as a core.
func openMinidumpARM64Core(file *dumpFile, opts Options) (*core, error) {
	if k := opts.Kernel.Arch; k != "" && k != "arm64" {
		return nil, &FormatError{File: file.path, Msg: fmt.Sprintf("the dump is for arm64 but the kernel file is for %s: pass the kernel that wrote this dump", k)}
	}
	m, err := openMinidumpARM64(file)
	if err != nil {
		return nil, err
	}
	phys := &physReader{file: file, m: m}
	c := &core{format: m.format(), arch: "arm64", phys: phys, virt: &virtReader{phys: phys, tr: m}}
	if w := m.sizeWarning(); w != "" {
		c.warnings = append(c.warnings, w)
	}
	return c, nil
}

// openMinidumpARM64 parses the header and the sections before the data.
func openMinidumpARM64(file *dumpFile) (*minidumpARM64, error) {
	m := &minidumpARM64{file: file}
	if err := m.readHeader(); err != nil {
		return nil, err
	}
	h := &m.hdr

	m.availOff = int64(m.pageSize) + m.roundPage(uint64(h.MsgbufSize))
	m.bitmapOff = m.availOff + m.roundPage(uint64(h.DumpAvailSize))
	m.pmapOff = m.bitmapOff + m.roundPage(uint64(h.BitmapSize))
	m.sparseOff = m.pmapOff + m.roundPage(uint64(h.PmapSize))

	if h.BitmapSize > maxBitmapSize {
		return nil, m.formatError(32, "bitmapsize %d bytes exceeds the limit of %d bytes: the header is corrupt", h.BitmapSize, maxBitmapSize)
	}
	if h.DumpAvailSize > maxDumpAvailSize {
		return nil, m.formatError(72, "dumpavailsize %d bytes exceeds the limit of %d bytes (the kernel writes one page): the header is corrupt", h.DumpAvailSize, maxDumpAvailSize)
	}
	sections := []struct {
		field      string
		fieldOff   int64
		start, end int64
	}{
		{"msgbufsize", 28, int64(m.pageSize), m.availOff},
		{"dumpavailsize", 72, m.availOff, m.availOff + int64(h.DumpAvailSize)},
		{"bitmapsize", 32, m.bitmapOff, m.bitmapOff + int64(h.BitmapSize)},
		{"pmapsize", 36, m.pmapOff, m.pmapOff + int64(h.PmapSize)},
	}
	for _, s := range sections {
		if s.end > file.size {
			return nil, m.formatError(s.fieldOff, "header field %s puts its section at file offsets [%#x, %#x), past the end of the file (%d bytes): the dump is truncated or the header is corrupt", s.field, s.start, s.end, file.size)
		}
	}

	raw := make([]byte, h.BitmapSize)
	if _, err := file.ReadAt(raw, m.bitmapOff); err != nil {
		return nil, m.formatError(m.bitmapOff, "reading the page bitmap: %v", err)
	}
	m.bitmap = newPageBitmap(raw)

	if h.Version < 2 {
		m.ranges = []physRange{{Start: 0, End: m.bitmap.nbits * m.pageSize}}
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
	// parseDumpAvail numbers bits in 4 KiB pages. Renumber them in the
	// dump's own page size, counting partial pages at both ends of a
	// range as parseDumpAvail does.
	var bit uint64
	for _, r := range avail.ranges {
		r.firstBit = bit
		m.ranges = append(m.ranges, r)
		bit += (r.End+m.pageSize-1)>>m.pageShift - r.Start>>m.pageShift
	}
	return m, nil
}

// readHeader decodes and checks the header.
func (m *minidumpARM64) readHeader() error {
	var b [minidumpARM64HeaderV3]byte
	n, _ := m.file.ReadAt(b[:], 0)
	if n < minidumpARM64HeaderV1 {
		return m.formatError(int64(n), "file ends inside the %d-byte minidump header (%d bytes): the dump is truncated", minidumpARM64HeaderV1, m.file.size)
	}
	le := binary.LittleEndian
	h := &m.hdr
	h.Version = le.Uint32(b[24:])
	if h.Version < 1 || h.Version > minidumpARM64MaxVersion {
		return m.formatError(24, "unsupported arm64 minidump version %d (versions 1 to %d are supported)", h.Version, minidumpARM64MaxVersion)
	}
	need := map[uint32]int{1: minidumpARM64HeaderV1, 2: minidumpARM64HeaderV2, 3: minidumpARM64HeaderV3}[h.Version]
	if n < need {
		return m.formatError(int64(n), "file ends inside the %d-byte version %d minidump header: the dump is truncated", need, h.Version)
	}
	h.MsgbufSize = le.Uint32(b[28:])
	h.BitmapSize = le.Uint32(b[32:])
	h.PmapSize = le.Uint32(b[36:])
	h.KernBase = le.Uint64(b[40:])
	h.DmapPhys = le.Uint64(b[48:])
	h.DmapBase = le.Uint64(b[56:])
	h.DmapEnd = le.Uint64(b[64:])
	if h.Version >= 2 {
		h.DumpAvailSize = le.Uint32(b[72:])
	}
	if h.Version >= 3 {
		h.Flags = le.Uint32(b[76:])
	}

	switch h.Flags & arm64FlagPageSizeMask {
	case arm64FlagPage4K:
		m.pageSize, m.pageShift = 4096, 12
	case arm64FlagPage16K:
		m.pageSize, m.pageShift = 16384, 14
	case arm64FlagPage64K:
		return m.formatError(76, "flags %#x give a 64 KiB page size, which FreeBSD reserves but no kernel writes: the header is corrupt or from a newer FreeBSD", h.Flags)
	default:
		return m.formatError(76, "flags %#x give an unknown page size (page-size bits %d): the header is corrupt", h.Flags, h.Flags&arm64FlagPageSizeMask)
	}

	if h.DmapEnd < h.DmapBase {
		return m.formatError(64, "dmapend %#x is below dmapbase %#x: the header is corrupt", h.DmapEnd, h.DmapBase)
	}
	if h.DmapPhys+(h.DmapEnd-h.DmapBase) < h.DmapPhys {
		return m.formatError(48, "dmapphys %#x plus the direct map's size %#x overflows 64 bits: the header is corrupt", h.DmapPhys, h.DmapEnd-h.DmapBase)
	}
	return nil
}

// roundPage rounds n up to the dump's page size.
func (m *minidumpARM64) roundPage(n uint64) int64 {
	return int64((n + m.pageSize - 1) &^ (m.pageSize - 1))
}

func (m *minidumpARM64) formatError(off int64, format string, args ...any) error {
	return &FormatError{File: m.file.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// format returns the format name, "minidump-arm64-v2" for example, with
// "-16k" appended for a dump of a kernel with 16 KiB pages.
func (m *minidumpARM64) format() string {
	name := fmt.Sprintf("minidump-arm64-v%d", m.hdr.Version)
	if m.pageSize == 16384 {
		name += "-16k"
	}
	return name
}

// sizeWarning compares the file's size with the pages its bitmap sets, as
// minidumpAMD64.sizeWarning does.
func (m *minidumpARM64) sizeWarning() string {
	pages := int64(m.bitmap.count())
	page := int64(m.pageSize)
	want := m.sparseOff + pages*page
	switch {
	case m.file.size < want:
		missing := (want - m.file.size + page - 1) / page
		return fmt.Sprintf("%s is %d bytes, but its bitmap sets %d pages that end at %d: the dump is truncated and its last %d pages are missing", m.file.path, m.file.size, pages, want, missing)
	case m.file.size > want:
		return fmt.Sprintf("%s is %d bytes, %d more than the %d pages its bitmap sets account for (%d): the bitmap may be corrupt, and values read from it may be wrong", m.file.path, m.file.size, m.file.size-want, pages, want)
	}
	return ""
}

// bit returns the bitmap bit of the page holding pa, or false when pa lies
// outside every dump_avail range.
func (m *minidumpARM64) bit(pa uint64) (uint64, bool) {
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].End > pa })
	if i == len(m.ranges) || pa < m.ranges[i].Start {
		return 0, false
	}
	r := m.ranges[i]
	return r.firstBit + pa>>m.pageShift - r.Start>>m.pageShift, true
}

// physAddr returns the physical address of the page of bitmap bit b.
func (m *minidumpARM64) physAddr(b uint64) (uint64, bool) {
	for _, r := range m.ranges {
		n := (r.End+m.pageSize-1)>>m.pageShift - r.Start>>m.pageShift
		if b < r.firstBit+n {
			return (r.Start>>m.pageShift + b - r.firstBit) << m.pageShift, true
		}
	}
	return 0, false
}

// locate implements physMap through the bitmap and its rank index.
func (m *minidumpARM64) locate(pa uint64) (int64, int, *fault) {
	bit, ok := m.bit(pa)
	if !ok {
		return 0, 0, notInDump("outside every dump_avail range, so the kernel never dumps it")
	}
	if !m.bitmap.isSet(bit) {
		return 0, 0, notInDump("the minidump bitmap leaves its page out (bit %d clear)", bit)
	}
	within := pa & (m.pageSize - 1)
	pageOff := m.sparseOff + int64(m.bitmap.rank(bit)<<m.pageShift)
	if pageOff >= m.file.size {
		return 0, 0, notInDump("its page would be at file offset %#x, past the end of %s (%d bytes): the dump is truncated", pageOff, m.file.path, m.file.size)
	}
	return pageOff + int64(within), int(m.pageSize - within), nil
}

// toPhys implements vaTranslator as libkvm does for arm64 minidumps. The
// direct map is checked first because it lies above kernbase: an address
// in [dmapbase, dmapend) is dmapphys plus its distance from dmapbase.
// Other addresses from kernbase up go through the L3 section, and nothing
// else is in the dump.
func (m *minidumpARM64) toPhys(va uint64) (uint64, *fault) {
	h := &m.hdr
	switch {
	case va >= h.DmapBase && va < h.DmapEnd:
		return va - h.DmapBase + h.DmapPhys, nil
	case va >= h.KernBase:
		return m.toPhysL3(va)
	}
	return 0, notInDump("an arm64 minidump holds only the kernel map (from %#x) and the direct map [%#x, %#x)", h.KernBase, h.DmapBase, h.DmapEnd)
}

// toPhysL3 looks va up in the L3 descriptor section.
func (m *minidumpARM64) toPhysL3(va uint64) (uint64, *fault) {
	i := (va - m.hdr.KernBase) >> m.pageShift
	count := uint64(m.hdr.PmapSize) / 8
	if i >= count {
		return 0, notMapped("past the end of the minidump's L3 section, which maps %d pages of %d bytes from %#x", count, m.pageSize, m.hdr.KernBase)
	}
	var b [8]byte
	off := m.pmapOff + int64(i)*8
	if _, err := m.file.ReadAt(b[:], off); err != nil {
		return 0, &fault{reason: fmt.Sprintf("reading L3 descriptor %d at file offset %#x", i, off), err: err}
	}
	desc := binary.LittleEndian.Uint64(b[:])
	if desc&arm64DescrMask != arm64L3Page {
		return 0, notMapped("its L3 descriptor %#x (entry %d) is not a valid page descriptor", desc, i)
	}
	// libkvm finds the page from the output address and adds va's offset
	// in the page, so address bits below the page size are ignored.
	page := desc &^ arm64AttrMask &^ (m.pageSize - 1)
	return page | va&(m.pageSize-1), nil
}
