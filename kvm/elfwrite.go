package kvm

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// A Range is a run of kernel virtual addresses that a memory source can read.
type Range struct {
	Addr Addr
	Size uint64
}

// End returns the first address after r.
func (r Range) End() Addr { return r.Addr + Addr(r.Size) }

// rangeBuilder merges pages added in increasing address order into ranges.
type rangeBuilder struct {
	ranges []Range
}

func (b *rangeBuilder) add(va, size uint64) {
	if n := len(b.ranges); n > 0 && b.ranges[n-1].End() == Addr(va) {
		b.ranges[n-1].Size += size
		return
	}
	b.ranges = append(b.ranges, Range{Addr: Addr(va), Size: size})
}

// KernelRanges lists the kernel virtual addresses c can read, in increasing
// order with adjacent pages merged. A page counts only if the dump holds it.
// For a minidump it walks the page-table section (the kernel map from the
// header's kernbase up) and the bitmap (the direct map). For a dump of
// physical memory it walks the kernel half of the kernel's 4-level page
// tables and skips a recursive self-mapping.
func KernelRanges(c Core) ([]Range, error) {
	if d, ok := c.(*deviceCore); ok {
		c = d.core
	}
	cc, ok := c.(*core)
	if !ok {
		return nil, fmt.Errorf("%s: listing the mapped addresses of a %s source is not supported: convert a dump file instead", c.Path(), c.Format())
	}
	phys, ok := cc.phys.(*physReader)
	if !ok {
		return nil, fmt.Errorf("%s: the %s source has no physical memory map", cc.path, cc.format)
	}
	vr, ok := cc.virt.(*virtReader)
	if !ok {
		return nil, fmt.Errorf("%s: the %s source cannot translate virtual addresses: pass the kernel file", cc.path, cc.format)
	}
	var b rangeBuilder
	var err error
	switch tr := vr.tr.(type) {
	case *minidumpAMD64:
		err = tr.walkKernel(&b)
	case *pageTable4:
		err = tr.walkKernel(&b, phys.m)
	default:
		err = fmt.Errorf("%s: the %s source's page tables cannot be listed", cc.path, cc.format)
	}
	return b.ranges, err
}

// walkKernel adds the direct map, then the kernel map, of a minidump.
// The direct map lies below kernbase in the amd64 layout.
func (m *minidumpAMD64) walkKernel(b *rangeBuilder) error {
	h := &m.hdr
	if h.DmapBase >= h.KernBase {
		return fmt.Errorf("%s: minidump direct map %#x is not below kernbase %#x, so its pages cannot be listed in address order", m.file.path, h.DmapBase, h.KernBase)
	}
	for i, w := range m.bitmap.words {
		for ; w != 0; w &= w - 1 {
			bit := uint64(i)*64 + uint64(bits.TrailingZeros64(w))
			if bit >= m.bitmap.nbits {
				break
			}
			pa, ok := m.avail.physAddr(bit)
			if ok && pa < h.DmapEnd-h.DmapBase {
				b.add(h.DmapBase+pa, pageSize)
			}
		}
	}

	n := uint64(h.PmapSize) / 8
	for i := range n {
		e, f := m.pmapEntry(i)
		if f != nil {
			return fmt.Errorf("%s: %s", m.file.path, f.reason)
		}
		if e&pteValid == 0 {
			continue
		}
		if h.Version == 1 {
			m.addIfDumped(b, h.KernBase+i*pageSize, e&pteFrame)
			continue
		}
		va := h.KernBase + i<<pageShift2M
		if e&pteLarge != 0 {
			for p := uint64(0); p < 1<<pageShift2M; p += pageSize {
				m.addIfDumped(b, va+p, e&pteFrame2M+p)
			}
			continue
		}
		pt, err := readTable(&physReader{file: m.file, m: m}, e&pteFrame)
		if err != nil {
			// The page of PTEs is missing from the dump, so none of its
			// pages can be read either.
			continue
		}
		for j, pte := range pt {
			if pte&pteValid != 0 {
				m.addIfDumped(b, va+uint64(j)*pageSize, pte&pteFrame)
			}
		}
	}
	return nil
}

func (m *minidumpAMD64) addIfDumped(b *rangeBuilder, va, pa uint64) {
	if _, _, f := m.locate(pa); f == nil {
		b.add(va, pageSize)
	}
}

// readTable reads a page of 512 page-table entries at physical address pa.
func readTable(phys Reader, pa uint64) ([entriesPerPT]uint64, error) {
	var raw [pageSize]byte
	var t [entriesPerPT]uint64
	if _, err := phys.ReadAt(raw[:], Addr(pa)); err != nil {
		return t, err
	}
	for i := range t {
		t[i] = binary.LittleEndian.Uint64(raw[i*8:])
	}
	return t, nil
}

// walkKernel adds every dumped page that the upper (kernel) half of the
// 4-level page tables maps. m locates the physical pages the dump holds.
func (w *pageTable4) walkKernel(b *rangeBuilder, m physMap) error {
	pml4, err := readTable(w.phys, w.root)
	if err != nil {
		return fmt.Errorf("reading the PML4 at physical %#x: %w", w.root, err)
	}
	for i := entriesPerPT / 2; i < entriesPerPT; i++ {
		e := pml4[i]
		// A PML4 entry that points at the PML4 itself is the recursive
		// mapping of the page tables, which would list them again.
		if e&pteValid == 0 || e&pteFrame == w.root {
			continue
		}
		// Sign-extend bit 47 to form a canonical kernel address.
		va := uint64(0xffff)<<48 | uint64(i)<<39
		w.walkLevel(b, m, e&pteFrame, va, 2)
	}
	return nil
}

// walkLevel walks a PDPT (level 2), PD (level 1) or PT (level 0) page.
// Unreadable table pages are skipped, because their pages are not in the
// dump.
func (w *pageTable4) walkLevel(b *rangeBuilder, m physMap, table, base uint64, level int) {
	t, err := readTable(w.phys, table)
	if err != nil {
		return
	}
	shift := uint(12 + 9*level)
	for i, e := range t {
		if e&pteValid == 0 {
			continue
		}
		va := base + uint64(i)<<shift
		switch {
		case level == 0:
			addIfLocated(b, m, va, e&pteFrame, pageSize)
		case e&pteLarge != 0 && level == 2:
			addIfLocated(b, m, va, e&pteFrame1G, 1<<pageShift1G)
		case e&pteLarge != 0 && level == 1:
			addIfLocated(b, m, va, e&pteFrame2M, 1<<pageShift2M)
		default:
			w.walkLevel(b, m, e&pteFrame, va, level-1)
		}
	}
}

// addIfLocated adds the pages of a size-byte mapping that m holds.
func addIfLocated(b *rangeBuilder, m physMap, va, pa, size uint64) {
	for p := uint64(0); p < size; p += pageSize {
		if _, _, f := m.locate(pa + p); f == nil {
			b.add(va+p, pageSize)
		}
	}
}

// ELF constants of the writer beyond those elfcore.go reads.
const (
	elfFlagR      = 4
	elfFlagW      = 2
	elfVersion    = 1
	elfSegAlign   = pageSize
	elfCopyBuffer = 1 << 20
)

// WriteELFCore writes an ELF core (ET_CORE, EM_X86_64) with one PT_LOAD
// segment per range, whose p_vaddr is the kernel virtual address and whose
// bytes are read from r. With more than 65534 segments it uses extended
// numbering: e_phnum is PN_XNUM and section header 0's sh_info holds the
// count. gdb (with "set osabi GNU/Linux" for its amd64 core support) reads
// kernel variables from the result together with the kernel file.
func WriteELFCore(w io.Writer, r Reader, ranges []Range) error {
	if len(ranges) > maxELFSegments {
		return fmt.Errorf("%d ranges exceed the limit of %d ELF segments", len(ranges), maxELFSegments)
	}
	bw := bufio.NewWriterSize(w, elfCopyBuffer)
	headers := elfCoreHeaders(ranges)
	if _, err := bw.Write(headers); err != nil {
		return err
	}
	buf := make([]byte, elfCopyBuffer)
	for _, rg := range ranges {
		for done := uint64(0); done < rg.Size; {
			chunk := buf[:min(rg.Size-done, uint64(len(buf)))]
			addr := rg.Addr + Addr(done)
			if n, err := r.ReadAt(chunk, addr); err != nil {
				return fmt.Errorf("reading %d bytes at %v for the segment at %v: %w", len(chunk), addr+Addr(n), rg.Addr, err)
			}
			if _, err := bw.Write(chunk); err != nil {
				return err
			}
			done += uint64(len(chunk))
		}
	}
	return bw.Flush()
}

// elfCoreHeaders returns the ELF header, program headers and, for
// extended numbering, section header 0, padded to the first segment's
// file offset.
func elfCoreHeaders(ranges []Range) []byte {
	phnum := uint64(len(ranges))
	extended := phnum >= elfPNXNum
	shoff := uint64(elfHeaderSize) + phnum*elfPhdrSize
	dataOff := shoff
	if extended {
		dataOff += elfShdrSize
	}
	dataOff = (dataOff + elfSegAlign - 1) &^ (elfSegAlign - 1)

	h := make([]byte, dataOff)
	le := binary.LittleEndian
	copy(h, "\x7fELF")
	h[4], h[5], h[6], h[7] = elfClass64, elfDataLSB, elfVersion, elfOSABISysV
	le.PutUint16(h[16:], elfTypeCore)
	le.PutUint16(h[18:], elfMachineAMD)
	le.PutUint32(h[20:], elfVersion)
	le.PutUint64(h[32:], elfHeaderSize) // e_phoff
	le.PutUint16(h[52:], elfHeaderSize)
	le.PutUint16(h[54:], elfPhdrSize)
	le.PutUint16(h[56:], uint16(min(phnum, elfPNXNum)))
	if extended {
		le.PutUint64(h[40:], shoff) // e_shoff
		le.PutUint16(h[58:], elfShdrSize)
		le.PutUint16(h[60:], 1) // e_shnum; e_shstrndx stays SHN_UNDEF
		le.PutUint32(h[shoff+44:], uint32(phnum))
	}

	off := dataOff
	for i, rg := range ranges {
		p := h[elfHeaderSize+uint64(i)*elfPhdrSize:]
		le.PutUint32(p[0:], elfPTLoad)
		le.PutUint32(p[4:], elfFlagR|elfFlagW)
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], uint64(rg.Addr))
		le.PutUint64(p[32:], rg.Size) // p_filesz
		le.PutUint64(p[40:], rg.Size) // p_memsz
		// ELF requires p_offset and p_vaddr to agree modulo p_align.
		align := uint64(elfSegAlign)
		if (off-uint64(rg.Addr))%align != 0 {
			align = 1
		}
		le.PutUint64(p[48:], align)
		off += rg.Size
	}
	return h
}
