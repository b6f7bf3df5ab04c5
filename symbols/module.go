package symbols

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// A Module is a FreeBSD kernel module file (.ko, or its .ko.debug) opened
// with its symbols and DWARF types. Its embedded [Table] works as for a
// kernel, except that [Table.ReadImage] rejects relocatable files and that
// symbol addresses are the file's own: section offsets in an ET_REL module,
// link addresses from 0 in an ET_DYN one. Mapping them to kernel addresses
// needs the load information in the dump's struct elf_file.
type Module struct {
	*Table
	// Type is elf.ET_REL for modules that link_elf_obj.c loads (amd64
	// builds them with ld -r), and elf.ET_DYN or elf.ET_EXEC for those that
	// link_elf.c loads (the other architectures).
	Type elf.Type
}

// OpenModule opens a kernel module file read-only. Like [Open], it uses
// path+".debug" for DWARF when that file exists.
func OpenModule(path string) (*Module, error) {
	t, err := Open(path, "")
	if err != nil {
		return nil, fmt.Errorf("module file: %w", err)
	}
	m := &Module{Table: t, Type: t.kernel.Type}
	switch m.Type {
	case elf.ET_REL, elf.ET_DYN, elf.ET_EXEC:
		return m, nil
	}
	t.Close()
	return nil, fmt.Errorf("%s is an ELF %v file, but a kernel module is ET_REL (amd64) or ET_DYN",
		path, m.Type)
}

// A ModuleVnet is a module's own set_vnet section, as its file describes it.
type ModuleVnet struct {
	// Start and Stop bound the set in the module's own addresses: 0 and the
	// section size in an ET_REL module, whose symbol values are section
	// offsets, and link addresses in an ET_DYN one.
	Start, Stop uint64
	// Section is the index of the set_vnet section header. link_elf_obj.c
	// stores it in Elf_progent.sec, so a dump can be checked against the file.
	Section int
	// Entries are the vnet_entry_ symbols defined in [Start, Stop), sorted
	// by name, then by address.
	Entries []Symbol
}

// VnetSet returns the module's set_vnet section, or false when the module
// has none and so defines no virtualized variables.
func (m *Module) VnetSet() (ModuleVnet, bool, error) {
	var set ModuleVnet
	found := false
	for i, s := range m.kernel.Sections {
		if s.Name == VnetSetName {
			set.Start, set.Stop, set.Section, found = s.Addr, s.Addr+s.Size, i, true
			break
		}
	}
	if !found {
		return ModuleVnet{}, false, nil
	}
	if m.Type != elf.ET_REL {
		// link_elf.c relocates with the linker-made bounds, which may
		// differ from the section header when a linker script pads the set.
		if start, ok := m.Lookup(vnetStartSymbol); ok {
			set.Start = start.Addr
		}
		if stop, ok := m.Lookup(vnetStopSymbol); ok {
			set.Stop = stop.Addr
		}
		if set.Stop < set.Start {
			return ModuleVnet{}, false, fmt.Errorf("%s: %s (%#x) lies below %s (%#x), so the "+
				"symbol table is corrupt", m.path, vnetStopSymbol, set.Stop, vnetStartSymbol, set.Start)
		}
	}

	syms, err := m.symbols()
	if err != nil {
		return ModuleVnet{}, false, err
	}
	for _, s := range syms.sorted {
		if !strings.HasPrefix(s.Name, VnetSymbolPrefix) || s.Addr < set.Start || s.Addr >= set.Stop {
			continue
		}
		// In an ET_REL file every section starts at 0, so only the section
		// name separates set_vnet's offsets from those of other sections.
		if m.Type == elf.ET_REL && s.Section != VnetSetName {
			continue
		}
		set.Entries = append(set.Entries, s)
	}
	sort.SliceStable(set.Entries, func(i, j int) bool {
		a, b := set.Entries[i], set.Entries[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Addr < b.Addr
	})
	return set, true, nil
}

// LoadSize returns the number of bytes the kernel linker maps for the
// module, which it stores in linker_file.size, so that a caller can check
// that a file on disk is the one the dump loaded.
//
// For an ET_REL module this is link_elf_obj.c's layout: the allocated
// PROGBITS, NOBITS and (on amd64) X86_64_UNWIND sections of non-zero size,
// each aligned to its sh_addralign, in section header order. For an ET_DYN
// module it is link_elf.c's span of the PT_LOAD segments, rounded out to
// 4 KiB pages.
func (m *Module) LoadSize() (uint64, error) {
	if m.Type == elf.ET_REL {
		return m.relocatableSize(), nil
	}
	var first, last *elf.Prog
	for _, p := range m.kernel.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if first == nil {
			first = p
		}
		last = p
	}
	if first == nil {
		return 0, fmt.Errorf("%s has no PT_LOAD program header, so it is not a loadable module", m.path)
	}
	// NOTE: 4 KiB is PAGE_SIZE on amd64, i386, riscv and default arm64
	// kernels; an arm64 kernel built for 16 KiB pages rounds differently.
	const page = 4096
	start := first.Vaddr &^ (page - 1)
	end := (last.Vaddr + last.Memsz + page - 1) &^ (page - 1)
	if end < start {
		return 0, fmt.Errorf("%s: PT_LOAD segments end at %#x, below their start %#x", m.path, end, start)
	}
	return end - start, nil
}

// shtX8664Unwind is SHT_X86_64_UNWIND, the section type of amd64 .eh_frame
// that link_elf_obj.c loads along with PROGBITS and NOBITS.
const shtX8664Unwind = elf.SectionType(0x70000001)

// relocatableSize sums the loaded sections the way link_elf_obj.c sizes its
// mapping.
func (m *Module) relocatableSize() uint64 {
	var size uint64
	for _, s := range m.kernel.Sections {
		if s.Size == 0 || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		switch {
		case s.Type == elf.SHT_PROGBITS || s.Type == elf.SHT_NOBITS:
		case s.Type == shtX8664Unwind && m.kernel.Machine == elf.EM_X86_64:
		default:
			continue
		}
		if align := max(s.Addralign, 1); align&(align-1) == 0 {
			size = (size + align - 1) &^ (align - 1)
		}
		size += s.Size
	}
	return size
}

// TypeDefinitions returns every complete DWARF definition of the named
// type, in DIE order. A kernel has several types of one name when files
// declare them privately: link_elf.c and link_elf_obj.c each define their
// own struct elf_file, and callers distinguish them by their members.
func (t *Table) TypeDefinitions(name string) ([]godwarf.Type, error) {
	t.dwarfMu.Lock()
	defer t.dwarfMu.Unlock()
	idx, err := t.dwarfIdx()
	if err != nil {
		return nil, err
	}
	key := strings.Join(strings.Fields(name), " ")
	var out []godwarf.Type
	seen := map[godwarf.Type]bool{}
	refs, err := idx.typeRefs(key, nil)
	if err != nil {
		return nil, t.indexError(err)
	}
	for _, r := range refs {
		if r.decl {
			continue
		}
		typ, err := t.typeAt(r.off)
		if err != nil {
			return nil, err
		}
		if !seen[typ] {
			seen[typ] = true
			out = append(out, typ)
		}
	}
	if len(out) == 0 {
		return nil, &LookupError{Kind: "type", Name: name, File: t.DebugPath()}
	}
	return out, nil
}
