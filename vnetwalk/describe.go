package vnetwalk

import (
	"fmt"
	"strings"
)

// Describe names what a kernel address points to: "V_ifnet+0x8 of vnet
// 0xfffff80000409b40 (web)" inside a vnet's data area, "symbol+0x10" inside
// a kernel variable or function, or false when neither is known. A pointer
// into the template range is named with the symbol, as "vnet_entry_x".
func (k *Kernel) Describe(addr uint64, w *Walk) (string, bool) {
	if w != nil {
		if s, ok := k.describeVnetData(addr, w); ok {
			return s, true
		}
	}
	sym, off, ok := k.Syms.SymbolAt(addr)
	if !ok || (sym.Size != 0 && uint64(off) >= sym.Size) {
		return "", false
	}
	if off == 0 {
		return sym.Name, true
	}
	return fmt.Sprintf("%s+%#x", sym.Name, off), true
}

// vnetVarAt names the virtualized variable, of the kernel or of a loaded
// module, that contains a template address, with the offset into it.
func (k *Kernel) vnetVarAt(master uint64) (string, int64, bool) {
	for _, mv := range k.modules.Vars() {
		size := mv.Symbol.Size
		if master >= mv.Master && master-mv.Master < max(size, 1) {
			return "V_" + strings.TrimPrefix(mv.Symbol.Name, Prefix) + " (" + mv.File.Filename + ")", int64(master - mv.Master), true
		}
	}
	sym, off, ok := k.Syms.SymbolAt(master)
	if !ok || !strings.HasPrefix(sym.Name, Prefix) || (sym.Size != 0 && uint64(off) >= sym.Size) {
		return "", 0, false
	}
	return "V_" + strings.TrimPrefix(sym.Name, Prefix), off, true
}

// describeVnetData names an address inside some vnet's copy of set_vnet.
func (k *Kernel) describeVnetData(addr uint64, w *Walk) (string, bool) {
	set, err := k.vnetSet()
	if err != nil {
		return "", false
	}
	for _, v := range w.Vnets {
		if v.Err != nil || v.DataMem == 0 {
			continue
		}
		if addr < v.DataMem || addr-v.DataMem >= set.Stop-set.Start {
			continue
		}
		master := addr - v.DataBase // the template address of the same byte
		who := fmt.Sprintf("vnet %#x", v.Addr)
		if v.Vnet0 {
			who = "vnet0"
		} else if len(v.Jails) > 0 {
			who += " (" + v.Jails[0].Name + ")"
		}
		name, off, ok := k.vnetVarAt(master)
		if !ok {
			return fmt.Sprintf("set_vnet+%#x of %s", master-set.Start, who), true
		}
		if off != 0 {
			name += fmt.Sprintf("+%#x", off)
		}
		return name + " of " + who, true
	}
	return "", false
}
