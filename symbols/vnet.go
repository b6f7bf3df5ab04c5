package symbols

import (
	"fmt"
	"sort"
	"strings"
)

// Names that FreeBSD's sys/net/vnet.h fixes for the VNET linker set.
const (
	// VnetSetName is the ELF section holding the master copy of every
	// virtualized global variable (VNET_SETNAME).
	VnetSetName = "set_vnet"
	// VnetSymbolPrefix starts the ELF symbol name of a virtualized variable:
	// V_ifnet in C source is the symbol vnet_entry_ifnet (VNET_SYMPREFIX).
	VnetSymbolPrefix = "vnet_entry_"

	vnetStartSymbol = "__start_set_vnet"
	vnetStopSymbol  = "__stop_set_vnet"
)

// A VnetSet describes the kernel's set_vnet linker set.
type VnetSet struct {
	Start, Stop uint64   // link addresses of the set's first byte and of the byte after it
	Entries     []Symbol // every vnet_entry_ symbol, sorted by name, then by address
}

// Vnet returns the bounds of the set_vnet linker set and its entries. The
// bounds come from the linker-made symbols __start_set_vnet and
// __stop_set_vnet, or from the set_vnet section header when a symbol is
// missing. A kernel built without options VIMAGE has neither, and the error
// wraps [ErrNotVIMAGE].
//
// Entries lists vnet_entry_ symbols as the symbol table has them; static
// variables (VNET_DEFINE_STATIC) of different files may share a name. Each
// entry's address normally lies in [Start, Stop); callers that rely on it
// must check.
func (t *Table) Vnet() (VnetSet, error) {
	var set VnetSet
	start, okStart := t.Lookup(vnetStartSymbol)
	stop, okStop := t.Lookup(vnetStopSymbol)
	switch {
	case okStart && okStop:
		set.Start, set.Stop = start.Addr, stop.Addr
	default:
		sec := t.kernel.Section(VnetSetName)
		if sec == nil {
			missing := vnetStartSymbol
			if okStart {
				missing = vnetStopSymbol
			}
			return VnetSet{}, fmt.Errorf("%s has no symbol %s and no %s section: %w",
				t.symFile, missing, VnetSetName, ErrNotVIMAGE)
		}
		set.Start, set.Stop = sec.Addr, sec.Addr+sec.Size
	}
	if set.Stop < set.Start {
		return VnetSet{}, fmt.Errorf("%s: %s (%#x) lies below %s (%#x), so the symbol table is corrupt",
			t.symFile, vnetStopSymbol, set.Stop, vnetStartSymbol, set.Start)
	}

	syms, err := t.symbols()
	if err != nil {
		return VnetSet{}, err
	}
	for _, s := range syms.sorted {
		if strings.HasPrefix(s.Name, VnetSymbolPrefix) {
			set.Entries = append(set.Entries, s)
		}
	}
	sort.SliceStable(set.Entries, func(i, j int) bool {
		a, b := set.Entries[i], set.Entries[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Addr < b.Addr
	})
	return set, nil
}
