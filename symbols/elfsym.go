package symbols

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
	"sort"
)

// A Symbol is one defined entry of the ELF symbol table.
type Symbol struct {
	Name    string
	Addr    uint64 // st_value: the link address in an executable kernel
	Size    uint64 // st_size in bytes, 0 when unknown
	Type    elf.SymType
	Bind    elf.SymBind
	Section string // section name, "*ABS*" for absolute symbols, "*COM*" for common ones
}

// symbolIndex stores the symbols sorted by address, with the indexes that
// let Lookup and SymbolAt avoid a scan.
type symbolIndex struct {
	sorted []Symbol       // by address, then by preference (see better)
	byName map[string]int // index into sorted of the preferred symbol of each name
	maxEnd []uint64       // maxEnd[i] is the largest Addr+Size among sorted[:i+1]
	source string         // file the symbol table was read from
}

// findSymbols picks the symbol table to read: the kernel's, or the debug
// file's when the kernel has been stripped of it. It checks the table's
// shape without reading it; the symbols themselves are read on first use.
func (t *Table) findSymbols() error {
	src, file := t.kernel, t.path
	if symtabSection(src) == nil && t.debug != t.kernel && symtabSection(t.debug) != nil {
		src, file = t.debug, t.debugPath
	}
	sec := symtabSection(src)
	if sec == nil {
		return fmt.Errorf("%s has no symbol table (.symtab) and no debug file supplies one: "+
			"pass an unstripped kernel or its kernel.debug", t.path)
	}
	entSize := uint64(elf.Sym64Size)
	if src.Class == elf.ELFCLASS32 {
		entSize = elf.Sym32Size
	}
	if sec.Size%entSize != 0 {
		return fmt.Errorf("read symbol table of %s: section %s is %d bytes, not a multiple of the %d-byte entry size: "+
			"the file is damaged", file, sec.Name, sec.Size, entSize)
	}
	if int(sec.Link) <= 0 || int(sec.Link) >= len(src.Sections) {
		return fmt.Errorf("read symbol table of %s: section %s names string table %d, which does not exist: "+
			"the file is damaged", file, sec.Name, sec.Link)
	}
	// SymbolAt and Symbols cannot return an error, so a table that could
	// not be read later must fail Open now.
	f := t.kernelFile
	if src != t.kernel {
		f = t.debugFile
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read symbol table of %s: %w", file, err)
	}
	for _, s := range []*elf.Section{sec, src.Sections[sec.Link]} {
		if s.Type == elf.SHT_NOBITS || s.Offset > uint64(st.Size()) || s.FileSize > uint64(st.Size())-s.Offset {
			return fmt.Errorf("read symbol table of %s: section %s (offset %#x, %d bytes) lies outside the %d-byte file: "+
				"the file is damaged or truncated", file, s.Name, s.Offset, s.FileSize, st.Size())
		}
	}
	t.symSrc, t.symFile = src, file
	return nil
}

// symtabSection returns f's non-empty SHT_SYMTAB section, or nil.
func symtabSection(f *elf.File) *elf.Section {
	for _, s := range f.Sections {
		// debug/elf treats an empty table as none.
		if s.Type == elf.SHT_SYMTAB && s.Size > 0 {
			return s
		}
	}
	return nil
}

// symbols reads and indexes the symbol table on first use.
func (t *Table) symbols() (*symbolIndex, error) {
	if t.symSrc == nil { // a table built by hand, with syms set
		return &t.syms, t.symErr
	}
	t.symOnce.Do(func() {
		raw, err := t.symSrc.Symbols()
		if err != nil {
			t.symErr = fmt.Errorf("read symbol table of %s: %w", t.symFile, err)
			t.syms = symbolIndex{byName: map[string]int{}, source: t.symFile}
			return
		}
		t.syms = buildSymbolIndex(raw, t.symSrc, t.symFile)
		t.symBuilt.Store(true)
	})
	return &t.syms, t.symErr
}

func buildSymbolIndex(raw []elf.Symbol, f *elf.File, file string) symbolIndex {
	idx := symbolIndex{byName: make(map[string]int), source: file}
	for _, s := range raw {
		typ := elf.ST_TYPE(s.Info)
		if s.Name == "" || s.Section == elf.SHN_UNDEF || typ == elf.STT_FILE || typ == elf.STT_SECTION {
			continue
		}
		idx.sorted = append(idx.sorted, Symbol{
			Name:    s.Name,
			Addr:    s.Value,
			Size:    s.Size,
			Type:    typ,
			Bind:    elf.ST_BIND(s.Info),
			Section: sectionName(f, s.Section),
		})
	}
	// Sort by address, then by preference, then by position in the table,
	// through a permutation: moving indexes is cheaper than moving
	// symbols, and a kernel has a few hundred thousand of them.
	order := make([]int32, len(idx.sorted))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &idx.sorted[i], &idx.sorted[j]
		switch {
		case a.Addr != b.Addr:
			return cmp.Compare(a.Addr, b.Addr)
		case better(a, b):
			return -1
		case better(b, a):
			return 1
		}
		return cmp.Compare(i, j)
	})
	sorted := make([]Symbol, len(order))
	for k, i := range order {
		sorted[k] = idx.sorted[i]
	}
	idx.sorted = sorted

	idx.maxEnd = make([]uint64, len(idx.sorted))
	var end uint64
	for i, s := range idx.sorted {
		end = max(end, s.Addr+s.Size)
		idx.maxEnd[i] = end
		if j, ok := idx.byName[s.Name]; !ok || bindRank(s.Bind) < bindRank(idx.sorted[j].Bind) {
			idx.byName[s.Name] = i
		}
	}
	return idx
}

func sectionName(f *elf.File, i elf.SectionIndex) string {
	switch {
	case i == elf.SHN_ABS:
		return "*ABS*"
	case i == elf.SHN_COMMON:
		return "*COM*"
	case int(i) < len(f.Sections):
		return f.Sections[i].Name
	}
	return ""
}

// bindRank orders bindings by preference: global, weak, then local.
func bindRank(b elf.SymBind) int {
	switch b {
	case elf.STB_GLOBAL:
		return 0
	case elf.STB_WEAK:
		return 1
	}
	return 2
}

// better reports whether a names an address better than b does: a global
// before a local, a sized symbol before a zero-sized marker such as
// __start_set_vnet, then the name in byte order so the result is stable.
func better(a, b *Symbol) bool {
	if ra, rb := bindRank(a.Bind), bindRank(b.Bind); ra != rb {
		return ra < rb
	}
	if (a.Size > 0) != (b.Size > 0) {
		return a.Size > 0
	}
	return a.Name < b.Name
}

// Lookup returns the symbol with this exact name. When several symbols
// share the name (static variables in different files), a global one wins
// over a weak one, and a weak one over a local one.
func (t *Table) Lookup(name string) (Symbol, bool) {
	s, err := t.lookup(name)
	return s, err == nil
}

// LookupErr is Lookup with a *LookupError naming the file when the symbol
// is missing, or the error that kept the symbol table from being read.
func (t *Table) LookupErr(name string) (Symbol, error) {
	return t.lookup(name)
}

// rawLookups is how many names lookup finds by scanning the symbol table
// before it builds the index. A command that looks up one or two names
// does not pay for sorting a few hundred thousand symbols.
const rawLookups = 4

func (t *Table) lookup(name string) (Symbol, error) {
	if t.symSrc != nil && !t.symBuilt.Load() && t.rawLookupCount.Add(1) <= rawLookups {
		if s, ok, err := t.scanSymbols(name); err == nil {
			if !ok {
				return Symbol{}, &LookupError{Kind: "symbol", Name: name, File: t.symFile}
			}
			return s, nil
		}
		// A table scanSymbols cannot read goes through debug/elf, whose
		// error names the problem.
	}
	syms, err := t.symbols()
	if err != nil {
		return Symbol{}, err
	}
	i, ok := syms.byName[name]
	if !ok {
		return Symbol{}, &LookupError{Kind: "symbol", Name: name, File: syms.source}
	}
	return syms.sorted[i], nil
}

// Symbols returns every defined symbol sorted by address, without file and
// section symbols. The caller must not modify the slice. It is empty when
// the symbol table cannot be read; LookupErr returns the reason.
func (t *Table) Symbols() []Symbol {
	syms, _ := t.symbols()
	return syms.sorted
}

// SymbolAt returns the symbol that contains addr and addr's offset in it,
// for printing an address as "symbol+0x10". A sized symbol contains
// [Addr, Addr+Size). A zero-sized symbol (an assembler label) contains the
// addresses after it up to the next symbol, but only inside its own section.
// When several symbols contain addr, the one starting closest below it wins.
func (t *Table) SymbolAt(addr uint64) (Symbol, int64, bool) {
	idx, _ := t.symbols()
	syms := idx.sorted
	// i is the last symbol starting at or below addr.
	i := sort.Search(len(syms), func(k int) bool { return syms[k].Addr > addr }) - 1
	if i < 0 {
		return Symbol{}, 0, false
	}

	// Walk down while an earlier symbol could still reach addr, and stop at
	// the first address that has a containing symbol. Within one address the
	// walk meets the worst symbol first, so keep the best one seen.
	found := -1
	for j := i; j >= 0 && idx.maxEnd[j] > addr; j-- {
		s := &syms[j]
		if found >= 0 && s.Addr != syms[found].Addr {
			break
		}
		if s.Size > 0 && addr < s.Addr+s.Size && (found < 0 || better(s, &syms[found])) {
			found = j
		}
	}
	if found >= 0 {
		return syms[found], int64(addr - syms[found].Addr), true
	}
	return t.zeroSizedAt(syms, i, addr)
}

// zeroSizedAt handles addresses that no sized symbol contains: the closest
// symbol below names addr if every symbol at that address is zero-sized and
// addr lies in the same allocated section.
func (t *Table) zeroSizedAt(syms []Symbol, i int, addr uint64) (Symbol, int64, bool) {
	first := i
	for first > 0 && syms[first-1].Addr == syms[i].Addr {
		first--
	}
	for k := first; k <= i; k++ {
		if syms[k].Size > 0 {
			return Symbol{}, 0, false
		}
	}
	s := syms[first]
	sec, ok := t.sectionAt(s.Addr)
	if !ok || addr >= sec.Addr+sec.Size {
		return Symbol{}, 0, false
	}
	return s, int64(addr - s.Addr), true
}
