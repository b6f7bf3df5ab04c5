package vnetwalk

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/symbols"
)

// A Variable is a kernel variable read from one place: a vnet's copy of a
// virtualized variable, the template of one in the kernel image, or a plain
// global.
type Variable struct {
	Name   string // without prefix: "ifnet"
	Symbol string // ELF symbol: "vnet_entry_ifnet" or "hz"
	Addr   uint64 // where the bytes were read
	Size   int64
	Type   godwarf.Type // nil when the kernel has no DWARF for it
	Bytes  []byte       // exactly Size bytes, nil when Err is set
	// Vnet is the instance the bytes belong to; nil for plain globals and
	// for templates.
	Vnet *Vnet
	// Template is true when the bytes are the initial values in the kernel
	// image (the symbol's link address), not any vnet's copy.
	Template bool
	// Module is the file name of the kernel module (.ko) that defines the
	// variable, or "" for the kernel's own.
	Module string
	Err    error
}

// ErrNotVirtualized reports a name with no vnet_entry_ symbol.
var ErrNotVirtualized = errors.New("not a virtualized (VNET) variable")

// VnetName strips the forms users type for a virtualized variable:
// "V_ifnet", "ifnet" and "vnet_entry_ifnet" all name "ifnet".
func VnetName(name string) string {
	name = strings.TrimPrefix(name, "V_")
	return strings.TrimPrefix(name, Prefix)
}

// VnetSymbol returns the vnet_entry_ symbol for a user's name, or false.
// After LoadModules, a name the kernel does not define may name the
// variable of one loaded module, and "if_epair.ko:name" (or
// "if_epair:name") names a module's variable even when the kernel has one
// of the same name. A module variable's symbol has its master address in
// the kernel's set_vnet.
func (k *Kernel) VnetSymbol(name string) (symbols.Symbol, bool) {
	module, short, qualified := splitModuleName(name)
	if !qualified {
		if s, ok := k.Syms.Lookup(Prefix + VnetName(name)); ok {
			return s, true
		}
	}
	if vars := k.modules.named(module, VnetName(short)); len(vars) == 1 {
		return vars[0].KernelSymbol(), true
	}
	return symbols.Symbol{}, false
}

// VnetVariables lists every virtualized variable of the kernel, sorted by
// name, followed by those of the modules LoadModules mapped.
func (k *Kernel) VnetVariables() ([]symbols.Symbol, error) {
	set, err := k.vnetSet()
	if err != nil {
		return nil, err
	}
	// A copy, so that callers may sort or append without changing the cached set.
	entries := slices.Clone(set.Entries)
	for _, v := range k.modules.Vars() {
		entries = append(entries, v.KernelSymbol())
	}
	return entries, nil
}

// ReadVnetVar reads the copy of a virtualized variable that belongs to v:
// the bytes at v.vnet_data_base + &vnet_entry_name.
func (k *Kernel) ReadVnetVar(sym symbols.Symbol, v *Vnet) *Variable {
	if mv := k.modules.lookup(sym); mv != nil {
		return k.readModuleVar(mv, v)
	}
	x := k.newVar(sym)
	x.Vnet = v
	set, err := k.vnetSet()
	if err != nil {
		x.Err = err
		return x
	}
	if sym.Addr < set.Start || sym.Addr >= set.Stop {
		x.Err = fmt.Errorf("%s at %#x lies outside set_vnet [%#x, %#x) and is no variable of a module "+
			"whose file was found", sym.Name, sym.Addr, set.Start, set.Stop)
		return x
	}
	if v.Err != nil {
		x.Err = fmt.Errorf("vnet %#x is not usable: %w", v.Addr, v.Err)
		return x
	}
	x.Addr = v.DataBase + sym.Addr // unsigned wrap-around is what the kernel's _VNET_PTR does
	k.fill(x)
	return x
}

// ReadTemplate reads the initial value of a virtualized variable from the
// kernel image, or for a module's variable from the master copy in kernel
// memory that the module's loader filled. It is never any vnet's value.
func (k *Kernel) ReadTemplate(sym symbols.Symbol) *Variable {
	if mv := k.modules.lookup(sym); mv != nil {
		return k.readModuleTemplate(mv)
	}
	x := k.newVar(sym)
	x.Template = true
	x.Addr = sym.Addr
	if x.Err != nil {
		return x
	}
	x.Bytes = make([]byte, x.Size)
	n, err := k.Syms.ReadImage(x.Bytes, sym.Addr)
	if err == nil && int64(n) < x.Size {
		err = fmt.Errorf("kernel image has %d of %d bytes at %#x", n, x.Size, sym.Addr)
	}
	if err != nil {
		x.Bytes, x.Err = nil, err
	}
	return x
}

// ReadGlobal reads a plain (not virtualized) kernel variable from memory.
func (k *Kernel) ReadGlobal(name string) (*Variable, error) {
	sym, ok := k.Syms.Lookup(name)
	if !ok {
		if err := k.moduleLookupError(name); err != nil {
			return nil, err
		}
		return nil, &symbols.LookupError{Kind: "symbol", Name: name, File: k.Syms.Path()}
	}
	x := k.newVar(sym)
	x.Name = name
	x.Addr = sym.Addr
	if x.Err == nil {
		k.fill(x)
	}
	return x, nil
}

// newVar starts a Variable from a symbol, taking type and size from DWARF
// when the kernel has it and from the symbol's size otherwise.
func (k *Kernel) newVar(sym symbols.Symbol) *Variable {
	var lookup func(string) (godwarf.Type, error)
	if k.Syms.HasDWARF() {
		lookup = k.variableType
	}
	return newVarTyped(sym, lookup)
}

// variableType is Syms.VariableType with its results kept, because reading
// every variable of every vnet looks each name up once per vnet, and the
// DWARF search took a third of the time of a full dump.
func (k *Kernel) variableType(name string) (godwarf.Type, error) {
	k.typesMu.Lock()
	defer k.typesMu.Unlock()
	if r, ok := k.varTypes[name]; ok {
		return r.t, r.err
	}
	t, err := k.Syms.VariableType(name)
	if k.varTypes == nil {
		k.varTypes = map[string]varType{}
	}
	k.varTypes[name] = varType{t, err}
	return t, err
}

// newVarTyped is newVar with the type lookup of the file that defines sym,
// which is a module's for module variables; lookup is nil without DWARF.
func newVarTyped(sym symbols.Symbol, lookup func(string) (godwarf.Type, error)) *Variable {
	x := &Variable{Name: strings.TrimPrefix(sym.Name, Prefix), Symbol: sym.Name, Size: int64(sym.Size)}
	if lookup != nil {
		if t, err := lookup(sym.Name); err == nil {
			x.Type = t
			if sz := t.Size(); sz > 0 {
				x.Size = sz
			}
		}
	}
	switch {
	case x.Size <= 0:
		x.Err = fmt.Errorf("%s has no size in the symbol table or DWARF", sym.Name)
	case x.Size > 64<<20:
		x.Err = fmt.Errorf("%s claims %d bytes, more than the 64 MiB a kernel variable is read up to", sym.Name, x.Size)
	}
	return x
}

// fill reads x.Size bytes at x.Addr from memory.
func (k *Kernel) fill(x *Variable) {
	if x.Err != nil {
		return
	}
	b := make([]byte, x.Size)
	if err := k.read(b, x.Addr); err != nil {
		x.Err = err
		return
	}
	x.Bytes = b
}
