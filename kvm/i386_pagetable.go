package kvm

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// ELF32 sizes and offsets (the System V ABI's Elf32_Ehdr and Elf32_Phdr).
const (
	elfClass32       = 1
	elf32HeaderSize  = 52
	elf32PhdrSize    = 32
	i386PDRShift     = 22 // non-PAE: one PDE maps 4 MiB
	i386PDRShiftPAE  = 21 // PAE: one PDE maps 2 MiB
	i386PTELarge     = 1 << 7
	i386PDPTEntries  = 4 // a PAE PDPT has 4 entries, each pointing at one page directory
	i386EntriesNoPAE = 1024
	i386EntriesPAE   = 512
)

// parseELF32Core reads the ELF header and the PT_LOAD segments of an i386
// full dump, which FreeBSD's dumpsys_generic writes as ELF32 with one
// PT_LOAD per dump_avail range and p_paddr set to the physical address.
func parseELF32Core(file *dumpFile) (*elfCore, error) {
	var h [elf32HeaderSize]byte
	if n, _ := file.ReadAt(h[:], 0); n < elf32HeaderSize {
		return nil, elfError(file, int64(n), "file ends inside the %d-byte ELF32 header", elf32HeaderSize)
	}
	le := binary.LittleEndian
	switch {
	case h[5] != elfDataLSB:
		return nil, elfError(file, 5, "ELF data encoding %d is not supported: only little-endian (1) cores are read", h[5])
	case le.Uint16(h[16:]) != elfTypeCore:
		return nil, elfError(file, 16, "ELF type %d is not a core (4): if this is the kernel file, pass the vmcore instead", le.Uint16(h[16:]))
	case le.Uint16(h[18:]) != elfMachine386:
		return nil, elfError(file, 18, "ELF class 1 (32-bit) core of machine %d is not supported: only i386 (machine 3) full dumps are 32-bit", le.Uint16(h[18:]))
	}
	c := &elfCore{file: file, osabi: h[7], machine: le.Uint16(h[18:])}

	phoff := uint64(le.Uint32(h[28:]))
	phentsize := uint64(le.Uint16(h[42:]))
	phnum := uint64(le.Uint16(h[44:]))
	if phentsize < elf32PhdrSize {
		return nil, elfError(file, 42, "e_phentsize %d is smaller than an ELF32 program header (%d bytes)", phentsize, elf32PhdrSize)
	}
	if end := phoff + phnum*phentsize; end > uint64(file.size) {
		return nil, elfError(file, 28, "program headers at e_phoff %#x (%d of %d bytes) run past the end of the file (%d bytes)", phoff, phnum, phentsize, file.size)
	}
	raw := make([]byte, phnum*phentsize)
	if _, err := file.ReadAt(raw, int64(phoff)); err != nil {
		return nil, elfError(file, int64(phoff), "reading program headers: %v", err)
	}
	for i := uint64(0); i < phnum; i++ {
		p := raw[i*phentsize:]
		if le.Uint32(p) != elfPTLoad {
			continue
		}
		seg := elfSegment{
			off:    int64(le.Uint32(p[4:])),
			paddr:  uint64(le.Uint32(p[12:])),
			filesz: uint64(le.Uint32(p[16:])),
			memsz:  uint64(le.Uint32(p[20:])),
		}
		if err := c.checkSegment(seg, int64(phoff+i*phentsize)); err != nil {
			return nil, err
		}
		if seg.memsz > 0 {
			c.segs = append(c.segs, seg)
		}
	}

	sort.Slice(c.segs, func(i, j int) bool { return c.segs[i].paddr < c.segs[j].paddr })
	for i := 1; i < len(c.segs); i++ {
		a, b := c.segs[i-1], c.segs[i]
		if b.paddr < a.paddr+a.memsz {
			return nil, elfError(file, int64(phoff), "PT_LOAD segments [%#x, %#x) and [%#x, %#x) overlap in physical memory", a.paddr, a.paddr+a.memsz, b.paddr, b.paddr+b.memsz)
		}
	}
	if len(c.segs) == 0 {
		return nil, elfError(file, int64(phoff), "the core has no PT_LOAD segment, so it contains no memory")
	}
	return c, nil
}

// openELF32 opens an i386 full dump: an ELF32 core with OSABI 255.
func openELF32(file *dumpFile, opts Options) (*core, error) {
	ec, err := parseELF32Core(file)
	if err != nil {
		return nil, err
	}
	if ec.osabi != elfOSABIStand {
		return nil, elfError(file, 7, "ELF32 i386 core has OSABI %d, but only FreeBSD full dumps (OSABI 255) are read", ec.osabi)
	}
	if k := opts.Kernel.Arch; k != "" && k != "i386" {
		return nil, &FormatError{File: file.path, Msg: fmt.Sprintf("the dump is for i386 but the kernel file is for %s: pass the kernel that wrote this dump", k)}
	}
	phys := &physReader{file: file, m: ec}
	c := &core{format: "full-elf", arch: "i386", phys: phys}
	k := opts.Kernel
	if k.IdlePTDAddr == 0 && k.IdlePDPTAddr == 0 {
		c.virt = failingReader{
			reason: "an i386 full dump holds only physical memory: pass Options.Kernel with kernbase and IdlePTD or IdlePDPT from the kernel file to read virtual addresses",
			err:    ErrNoKernelInfo,
		}
		return c, nil
	}
	w, err := findPageTablesI386(phys, k)
	if err != nil {
		return nil, fmt.Errorf("%s: finding the kernel page tables: %w", file.path, err)
	}
	c.virt = &virtReader{phys: phys, tr: w}
	return c, nil
}

// A pageTableI386 walks i386 page tables. Without PAE it has one page
// directory of 1024 4-byte PDEs (4 MiB each) and page tables of 1024
// 4-byte PTEs. With PAE the four page directories that the PDPT points at
// hold 2048 8-byte PDEs (2 MiB each) and page tables hold 512 8-byte PTEs.
// The directories are read once, as libkvm does.
type pageTableI386 struct {
	phys Reader
	pae  bool
	pd   []byte // the page directory, or the four PAE directories one after the other
}

// findPageTablesI386 locates the kernel's page directory as libkvm's i386
// full-dump backend does (lib/libkvm/kvm_i386.c): a kernel with the symbol
// IdlePDPT runs in PAE mode, otherwise IdlePTD is used. Either variable
// contains a 32-bit physical address and is itself read at physical
// (symbol - kernbase). k.KernBase may be 0, for a kernel whose image is
// mapped at its physical address.
//
// NOTE: FreeBSD 13 and later build both pmaps into one kernel
// (IdlePTD_pae, IdlePTD_nopae, and pae_mode to choose at boot). Like
// libkvm, this reads such kernels as PAE whenever IdlePDPT exists.
func findPageTablesI386(phys Reader, k KernelInfo) (*pageTableI386, error) {
	if k.Arch != "" && k.Arch != "i386" {
		return nil, fmt.Errorf("the kernel is for %s but the page-table walk is for i386", k.Arch)
	}
	name, sym := "IdlePTD", k.IdlePTDAddr
	w := &pageTableI386{phys: phys}
	if k.IdlePDPTAddr != 0 {
		name, sym, w.pae = "IdlePDPT", k.IdlePDPTAddr, true
	}
	if sym < k.KernBase {
		return nil, fmt.Errorf("symbol %s at %#x lies below kernbase %#x: check the kernel file", name, sym, k.KernBase)
	}

	var b [8]byte
	varPA := sym - k.KernBase
	if _, err := phys.ReadAt(b[:4], Addr(varPA)); err != nil {
		return nil, fmt.Errorf("reading %s at physical %#x: %w", name, varPA, err)
	}
	root := uint64(binary.LittleEndian.Uint32(b[:]))
	if root == 0 {
		return nil, fmt.Errorf("%s at physical %#x contains 0: is the kernel file the one that wrote this dump?", name, varPA)
	}

	if !w.pae {
		if root%pageSize != 0 {
			return nil, fmt.Errorf("IdlePTD at physical %#x contains %#x, which is not the address of a page: is the kernel file the one that wrote this dump?", varPA, root)
		}
		w.pd = make([]byte, pageSize)
		if _, err := phys.ReadAt(w.pd, Addr(root)); err != nil {
			return nil, fmt.Errorf("reading the page directory at physical %#x: %w", root, err)
		}
		return w, nil
	}

	// The PDPT is 32 bytes and 32-byte aligned, not page aligned.
	if root%32 != 0 {
		return nil, fmt.Errorf("IdlePDPT at physical %#x contains %#x, which is not 32-byte aligned: is the kernel file the one that wrote this dump?", varPA, root)
	}
	w.pd = make([]byte, i386PDPTEntries*pageSize)
	for i := range uint64(i386PDPTEntries) {
		if _, err := phys.ReadAt(b[:], Addr(root+8*i)); err != nil {
			return nil, fmt.Errorf("reading PDPT entry %d at physical %#x: %w", i, root+8*i, err)
		}
		dir := binary.LittleEndian.Uint64(b[:]) & i386FramePAE
		if _, err := phys.ReadAt(w.pd[i*pageSize:(i+1)*pageSize], Addr(dir)); err != nil {
			return nil, fmt.Errorf("reading page directory %d at physical %#x: %w", i, dir, err)
		}
	}
	return w, nil
}

// toPhys implements vaTranslator.
func (w *pageTableI386) toPhys(va uint64) (uint64, *fault) {
	if va > i386MaxKernBase {
		return 0, notMapped("above 4 GiB, so not an i386 virtual address")
	}
	entrySize, shift, ptEntries := uint64(4), uint(i386PDRShift), uint64(i386EntriesNoPAE)
	frame := uint64(i386FrameNoPAE)
	if w.pae {
		entrySize, shift, ptEntries = 8, i386PDRShiftPAE, i386EntriesPAE
		frame = i386FramePAE
	}

	i := va >> shift
	pde := readEntry(w.pd[i*entrySize:], entrySize)
	if pde&i386PTEValid == 0 {
		return 0, notMapped("its PDE %#x (entry %d) is not valid", pde, i)
	}
	if pde&i386PTELarge != 0 {
		large := uint64(1)<<shift - 1
		return pde&frame&^large | va&large, nil
	}

	ptePA := pde&frame + entrySize*((va/pageSize)%ptEntries)
	var b [8]byte
	if _, err := w.phys.ReadAt(b[:entrySize], Addr(ptePA)); err != nil {
		return 0, tableFault("PTE", ptePA, err)
	}
	pte := readEntry(b[:], entrySize)
	if pte&i386PTEValid == 0 {
		return 0, notMapped("its PTE %#x (at physical %#x) is not valid", pte, ptePA)
	}
	return pte&frame | va%pageSize, nil
}

// readEntry decodes a little-endian page-table entry of 4 or 8 bytes.
func readEntry(b []byte, size uint64) uint64 {
	if size == 4 {
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}
