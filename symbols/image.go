package symbols

import (
	"debug/elf"
	"fmt"
	"sort"
)

// A Section is one section header of the kernel file.
type Section struct {
	Name  string
	Addr  uint64 // link address, 0 for sections that are not loaded
	Size  uint64 // size in memory, in bytes
	Type  elf.SectionType
	Flags elf.SectionFlag
}

// loadSections records the allocated sections that ReadImage and SymbolAt
// use. Thread-local sections are left out because their addresses overlap
// the sections that follow them.
func (t *Table) loadSections() {
	for _, s := range t.kernel.Sections {
		h := s.SectionHeader
		if h.Flags&elf.SHF_ALLOC == 0 || h.Flags&elf.SHF_TLS != 0 || h.Size == 0 {
			continue
		}
		t.allocs = append(t.allocs, h)
	}
	sort.SliceStable(t.allocs, func(i, j int) bool { return t.allocs[i].Addr < t.allocs[j].Addr })
}

// Sections returns the kernel file's section headers in file order, without
// the null header at index 0.
func (t *Table) Sections() []Section {
	var out []Section
	for _, s := range t.kernel.Sections {
		if s.Type == elf.SHT_NULL {
			continue
		}
		out = append(out, Section{Name: s.Name, Addr: s.Addr, Size: s.Size, Type: s.Type, Flags: s.Flags})
	}
	return out
}

// sectionAt returns the allocated section whose addresses contain addr.
func (t *Table) sectionAt(addr uint64) (elf.SectionHeader, bool) {
	i := sort.Search(len(t.allocs), func(k int) bool { return t.allocs[k].Addr > addr }) - 1
	if i < 0 || addr-t.allocs[i].Addr >= t.allocs[i].Size {
		return elf.SectionHeader{}, false
	}
	return t.allocs[i], true
}

// ReadImage reads len(p) bytes of the kernel file's image at link address
// addr: the initial contents of its loaded sections, which for set_vnet is
// the template every vnet's copy starts from. NOBITS sections such as .bss
// read as zeros. ReadImage follows the io.ReaderAt contract: when it returns
// n < len(p), the error gives the reason, and it wraps [ErrNotInImage] when the
// bytes at addr+n belong to no section.
func (t *Table) ReadImage(p []byte, addr uint64) (int, error) {
	if t.kernel.Type == elf.ET_REL {
		return 0, fmt.Errorf("read image of %s at %#x: a relocatable object (.ko) has no link "+
			"addresses, so only executable kernels can be read", t.path, addr)
	}
	n := 0
	for n < len(p) {
		at := addr + uint64(n)
		sec, ok := t.sectionAt(at)
		if !ok {
			return n, fmt.Errorf("read image of %s at %#x: %w", t.path, at, ErrNotInImage)
		}
		off := at - sec.Addr
		chunk := p[n:min(uint64(len(p)), uint64(n)+sec.Size-off)]
		if err := t.readSection(chunk, sec, off); err != nil {
			return n, err
		}
		n += len(chunk)
	}
	return n, nil
}

// readSection fills chunk from section sec at offset off within it.
func (t *Table) readSection(chunk []byte, sec elf.SectionHeader, off uint64) error {
	if sec.Type == elf.SHT_NOBITS {
		clear(chunk)
		return nil
	}
	if sec.Flags&elf.SHF_COMPRESSED != 0 {
		return fmt.Errorf("read image of %s: loaded section %s is marked compressed, "+
			"which is invalid for a loaded section", t.path, sec.Name)
	}
	if _, err := t.kernelFile.ReadAt(chunk, int64(sec.Offset+off)); err != nil {
		return fmt.Errorf("read image of %s at %#x: section %s at file offset %#x: %w",
			t.path, sec.Addr+off, sec.Name, sec.Offset+off, err)
	}
	return nil
}
