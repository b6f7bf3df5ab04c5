package kvm

import (
	"encoding/binary"
	"fmt"
)

const (
	// kernLoad is KERNLOAD, the physical address where the legacy loader
	// puts the kernel's KERNSTART.
	kernLoad = 0x200000
	// kernStartOffset is KERNSTART - KERNBASE: the kernel is linked 2 MiB
	// above KERNBASE.
	kernStartOffset = 0x200000
	// maxKernLoad bounds the search for a relocated kernel: the UEFI
	// loader places the staging area below 4 GiB.
	maxKernLoad = 1 << 32
)

// A pageTable4 walks amd64 4-level page tables (PML4, PDPT, PD, PT) whose
// entries it reads from physical memory. It maps 4 KiB, 2 MiB and 1 GiB
// pages.
//
// NOTE: kernels running with 5-level paging (LA57) are not handled, because
// the walk always starts at a PML4.
type pageTable4 struct {
	phys Reader
	root uint64 // physical address of the PML4 page
}

// toPhys implements vaTranslator.
func (w *pageTable4) toPhys(va uint64) (uint64, *fault) {
	// Bits 63..48 must copy bit 47 (a canonical address) under 4-level paging.
	if top := va >> 47; top != 0 && top != 1<<17-1 {
		return 0, notMapped("not a canonical amd64 address (bits 63 to 48 must equal bit 47)")
	}

	table := w.root
	levels := [...]struct {
		name  string
		shift uint
	}{{"PML4E", 39}, {"PDPE", pageShift1G}, {"PDE", pageShift2M}, {"PTE", 12}}
	for _, l := range levels {
		entryPA := table + 8*((va>>l.shift)%entriesPerPT)
		var b [8]byte
		if _, err := w.phys.ReadAt(b[:], Addr(entryPA)); err != nil {
			return 0, tableFault(l.name, entryPA, err)
		}
		e := binary.LittleEndian.Uint64(b[:])
		if e&pteValid == 0 {
			return 0, notMapped("its %s %#x (at physical %#x) is not valid", l.name, e, entryPA)
		}
		switch {
		case l.name == "PDPE" && e&pteLarge != 0:
			return e&pteFrame1G | va&(1<<pageShift1G-1), nil
		case l.name == "PDE" && e&pteLarge != 0:
			return e&pteFrame2M | va&(1<<pageShift2M-1), nil
		}
		table = e & pteFrame
	}
	return table | va%pageSize, nil
}

// findPageTables returns the page-table walker of a dump that contains only
// physical memory, as libkvm's amd64 full-dump backend finds it. The kernel
// variable KPML4phys contains the physical address of the kernel's PML4.
// The variable itself is read at its physical address in the loaded image.
func findPageTables(phys Reader, k KernelInfo) (*pageTable4, error) {
	if k.Arch != "" && k.Arch != "amd64" {
		return nil, fmt.Errorf("the kernel is for %s but the page-table walk is for amd64", k.Arch)
	}
	if k.KernBase == 0 || k.KPML4physAddr == 0 {
		return nil, fmt.Errorf("%w: need the addresses of kernbase and KPML4phys from the kernel file", ErrNoKernelInfo)
	}
	for _, s := range []struct {
		name string
		addr uint64
	}{{"KPML4phys", k.KPML4physAddr}, {"kernphys", k.KernPhysAddr}} {
		if s.addr != 0 && s.addr < k.KernBase+kernStartOffset {
			return nil, fmt.Errorf("symbol %s at %#x lies below KERNSTART (kernbase %#x + 2 MiB), so it is not a kernel image variable: check the kernel file", s.name, s.addr, k.KernBase)
		}
	}

	// Physical address of a kernel image variable: VA - KERNSTART + load
	// address. Older kernels are always loaded at KERNLOAD, which is the
	// same as VA - KERNBASE.
	load := uint64(kernLoad)
	if k.KernPhysAddr != 0 {
		p, err := findKernelLoad(phys, k)
		if err != nil {
			return nil, err
		}
		load = p
	}
	imagePA := func(va uint64) uint64 { return va - (k.KernBase + kernStartOffset) + load }

	var b [8]byte
	varPA := imagePA(k.KPML4physAddr)
	if _, err := phys.ReadAt(b[:], Addr(varPA)); err != nil {
		return nil, fmt.Errorf("reading KPML4phys at physical %#x (kernel loaded at %#x): %w", varPA, load, err)
	}
	root := binary.LittleEndian.Uint64(b[:])
	if root == 0 || root&^pteFrame != 0 {
		return nil, fmt.Errorf("KPML4phys at physical %#x contains %#x, which is not the address of a page: is the kernel file the one that wrote this dump?", varPA, root)
	}
	w := &pageTable4{phys: phys, root: root}
	if err := w.checkSelfMapping(k.KPML4physAddr, varPA); err != nil {
		return nil, err
	}
	return w, nil
}

// checkSelfMapping checks that the page tables map the virtual address of
// KPML4phys to the physical address it was read from. A dump too sparse to
// translate the address is accepted, because only a different result
// proves the tables or the load address wrong.
func (w *pageTable4) checkSelfMapping(va, wantPA uint64) error {
	got, f := w.toPhys(va)
	if f != nil || got == wantPA {
		return nil
	}
	return fmt.Errorf("the page tables at physical %#x map KPML4phys (%#x) to physical %#x, not %#x where it was read: is the kernel file the one that wrote this dump?", w.root, va, got, wantPA)
}

// findKernelLoad finds the physical load address P of a kernel that exports
// kernphys (FreeBSD 13.1 and later, which the UEFI loader may place at any
// 2 MiB boundary below 4 GiB). kernphys holds P itself, so P is the
// candidate at which the variable reads back as the candidate.
func findKernelLoad(phys Reader, k KernelInfo) (uint64, error) {
	offset := k.KernPhysAddr - (k.KernBase + kernStartOffset)
	var b [8]byte
	for p := uint64(kernLoad); p < maxKernLoad; p += 1 << pageShift2M {
		if _, err := phys.ReadAt(b[:], Addr(p+offset)); err != nil {
			continue
		}
		if binary.LittleEndian.Uint64(b[:]) == p {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no 2 MiB boundary below 4 GiB contains a kernphys variable equal to itself (kernphys is at %#x, %#x bytes into the image): is the kernel file the one that wrote this dump?", k.KernPhysAddr, offset)
}
