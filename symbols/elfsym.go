package symbols

import (
	"cmp"
	"debug/elf"
	"errors"
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

// loadSymbols reads the kernel's symbol table, falling back to the debug
// file's when the kernel has been stripped of it.
func (t *Table) loadSymbols() error {
	raw, err := t.kernel.Symbols()
	file, src := t.path, t.kernel
	if errors.Is(err, elf.ErrNoSymbols) && t.debug != t.kernel {
		raw, err = t.debug.Symbols()
		file, src = t.debugPath, t.debug
	}
	if errors.Is(err, elf.ErrNoSymbols) {
		return fmt.Errorf("%s has no symbol table (.symtab) and no debug file supplies one: "+
			"pass an unstripped kernel or its kernel.debug", t.path)
	}
	if err != nil {
		return fmt.Errorf("read symbol table of %s: %w", file, err)
	}
	t.syms = buildSymbolIndex(raw, src, file)
	return nil
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
	i, ok := t.syms.byName[name]
	if !ok {
		return Symbol{}, false
	}
	return t.syms.sorted[i], true
}

// LookupErr is Lookup with a *LookupError naming the file when the symbol
// is missing.
func (t *Table) LookupErr(name string) (Symbol, error) {
	if s, ok := t.Lookup(name); ok {
		return s, nil
	}
	return Symbol{}, &LookupError{Kind: "symbol", Name: name, File: t.syms.source}
}

// Symbols returns every defined symbol sorted by address, without file and
// section symbols. The caller must not modify the slice.
func (t *Table) Symbols() []Symbol { return t.syms.sorted }

// SymbolAt returns the symbol that contains addr and addr's offset in it,
// for printing an address as "symbol+0x10". A sized symbol contains
// [Addr, Addr+Size). A zero-sized symbol (an assembler label) contains the
// addresses after it up to the next symbol, but only inside its own section.
// When several symbols contain addr, the one starting closest below it wins.
func (t *Table) SymbolAt(addr uint64) (Symbol, int64, bool) {
	syms := t.syms.sorted
	// i is the last symbol starting at or below addr.
	i := sort.Search(len(syms), func(k int) bool { return syms[k].Addr > addr }) - 1
	if i < 0 {
		return Symbol{}, 0, false
	}

	// Walk down while an earlier symbol could still reach addr, and stop at
	// the first address that has a containing symbol. Within one address the
	// walk meets the worst symbol first, so keep the best one seen.
	found := -1
	for j := i; j >= 0 && t.syms.maxEnd[j] > addr; j-- {
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
	return t.zeroSizedAt(i, addr)
}

// zeroSizedAt handles addresses that no sized symbol contains: the closest
// symbol below names addr if every symbol at that address is zero-sized and
// addr lies in the same allocated section.
func (t *Table) zeroSizedAt(i int, addr uint64) (Symbol, int64, bool) {
	syms := t.syms.sorted
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
