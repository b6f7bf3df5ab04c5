package vnetwalk

import (
	"errors"
	"fmt"
)

// A Vnet is one struct vnet: vnet0 or the network stack of a vnet jail.
type Vnet struct {
	Addr     uint64
	Vnet0    bool // the host's vnet, the one prison0 uses
	Magic    uint32
	Ifcnt    uint32
	Sockcnt  uint32
	State    uint32 // last SI_SUB_* constructor run; HasState false on kernels without vnet_state
	HasState bool
	// HeaderRead is false when not even vnet_magic_n could be read, so the
	// counts, state and data pointers below are unknown.
	HeaderRead bool
	Shutdown   bool
	DataMem    uint64
	DataBase   uint64 // vnet_data_mem - __start_set_vnet
	Jails      []*Jail
	// Sharers are the jails without PR_VNET that use this vnet, such as a
	// jail nested in a vnet jail without its own network stack.
	Sharers []*Jail
	// Err is set when this vnet could not be read or is not a valid vnet;
	// the other fields hold what was read before the problem.
	Err error
}

// Name returns the jail names of the vnet for display: "prison0" style
// names are left to the caller; this is the first owning jail's name.
func (v *Vnet) Name() string {
	if len(v.Jails) == 0 {
		return ""
	}
	return v.Jails[0].Name
}

// SISubVnetDone is SI_SUB_VNET_DONE from sys/sys/kernel.h: the state of a
// vnet whose constructors have all run.
const SISubVnetDone = 0x0dc00000

// A Walk is the result of walking the vnet and jail lists.
type Walk struct {
	Vnets    []*Vnet  // vnet_head order
	Jails    []*Jail  // prison0 first, then allprison order
	Warnings []string // problems that did not stop the walk
}

// Vnet0 returns the host vnet, or nil.
func (w *Walk) Vnet0() *Vnet {
	for _, v := range w.Vnets {
		if v.Vnet0 {
			return v
		}
	}
	return nil
}

// Walk reads vnet_head and allprison and joins vnets to their jails.
func (k *Kernel) Walk() (*Walk, error) {
	w := &Walk{Warnings: append([]string{}, k.Warnings...)}
	vnets, err := k.walkVnets(w)
	if err != nil {
		return nil, err
	}
	w.Vnets = vnets

	jails, err := k.walkJails(w)
	if err != nil {
		w.Warnings = append(w.Warnings, fmt.Sprintf("jails not read: %v", err))
	}
	w.Jails = jails
	joinJails(w)
	return w, nil
}

// walkVnets follows vnet_head (a LIST_HEAD of struct vnet linked by vnet_le).
func (k *Kernel) walkVnets(w *Walk) ([]*Vnet, error) {
	head, ok := k.Syms.Lookup("vnet_head")
	if !ok {
		return nil, fmt.Errorf("symbol vnet_head not found in %s: the kernel was not built with options VIMAGE", k.Syms.Path())
	}
	l, err := k.layoutOf("struct vnet")
	if err != nil {
		return nil, fmt.Errorf("%w; struct offsets come from DWARF, so name a kernel.debug that is not beside the kernel with --debug-file", err)
	}
	// The 2009-era struct vnet had neither member, and readVnet leaves
	// State and Shutdown unset without them.
	for _, m := range []string{"vnet_state", "vnet_shutdown"} {
		if _, _, err := memberPath(l.typ, m); errors.Is(err, errNoMember) {
			w.Warnings = append(w.Warnings, fmt.Sprintf("struct vnet in the kernel's DWARF has no member %s (older kernels lack it), so it is not shown", m))
		}
	}
	var vnet0 uint64
	if s, ok := k.Syms.Lookup("vnet0"); ok {
		p, err := k.readPtr(s.Addr)
		if err != nil {
			w.Warnings = append(w.Warnings, fmt.Sprintf("vnet0 at %#x not read: %v", s.Addr, err))
		}
		vnet0 = p
	} else {
		w.Warnings = append(w.Warnings, "symbol vnet0 not found, so no vnet is marked as the host's")
	}

	first, err := k.readPtr(head.Addr) // lh_first is the head's only member
	if err != nil {
		return nil, fmt.Errorf("vnet_head at %#x: %w", head.Addr, err)
	}
	var vnets []*Vnet
	seen := map[uint64]bool{}
	for p := first; p != 0; {
		if len(vnets) >= k.Limits.MaxVnets {
			w.Warnings = append(w.Warnings, fmt.Sprintf("vnet_head: stopped after %d vnets (the limit); the list may be corrupt or longer", len(vnets)))
			break
		}
		if seen[p] {
			w.Warnings = append(w.Warnings, fmt.Sprintf("vnet_head: cycle detected, vnet %#x appears twice; stopped after %d vnets", p, len(vnets)))
			break
		}
		seen[p] = true
		v, next := k.readVnet(p)
		v.Vnet0 = p == vnet0
		vnets = append(vnets, v)
		if v.Err != nil {
			w.Warnings = append(w.Warnings, fmt.Sprintf("vnet %#x: %v", p, v.Err))
			if next == 0 && errors.Is(v.Err, errUnreadable) {
				w.Warnings = append(w.Warnings, fmt.Sprintf("vnet_head: list ends early at unreadable vnet %#x", p))
			}
		}
		p = next
	}
	if vnet0 != 0 && !seen[vnet0] {
		w.Warnings = append(w.Warnings, fmt.Sprintf("vnet0 (%#x) is not on vnet_head", vnet0))
	}
	return vnets, nil
}

var errUnreadable = errors.New("unreadable")

// readVnet reads one struct vnet and returns it with the next list pointer.
func (k *Kernel) readVnet(addr uint64) (*Vnet, uint64) {
	v := &Vnet{Addr: addr}
	r, err := k.readRecord("struct vnet", addr)
	if err != nil {
		v.Err = fmt.Errorf("%w: %w", errUnreadable, err)
		return v, 0
	}
	next, err := r.uint("vnet_le.le_next")
	if err != nil {
		v.Err = err
		return v, 0
	}
	magic, err := r.uint("vnet_magic_n")
	if err != nil {
		v.Err = err
		return v, next
	}
	v.Magic = uint32(magic)
	v.HeaderRead = true
	var ifcnt, sockcnt, state, mem, base, shutdown uint64
	for _, f := range []struct {
		path string
		dst  *uint64
	}{
		{"vnet_ifcnt", &ifcnt},
		{"vnet_sockcnt", &sockcnt},
		{"vnet_data_mem", &mem},
		{"vnet_data_base", &base},
	} {
		x, err := r.uint(f.path)
		if err != nil {
			v.Err = err
			return v, next
		}
		*f.dst = x
	}
	v.Ifcnt, v.Sockcnt, v.DataMem, v.DataBase = uint32(ifcnt), uint32(sockcnt), mem, base

	// vnet_state and vnet_shutdown are missing from older kernels' struct vnet.
	if state, err = r.uint("vnet_state"); err == nil {
		v.State, v.HasState = uint32(state), true
	}
	if shutdown, err = r.uint("vnet_shutdown"); err == nil {
		v.Shutdown = shutdown != 0
	}

	if v.Magic != VnetMagic && v.Magic != VnetMagicOld {
		v.Err = fmt.Errorf("bad magic %#x (expected %#x or %#x): not a live struct vnet", v.Magic, VnetMagic, VnetMagicOld)
		return v, next
	}
	// vnet_alloc sets vnet_data_base = vnet_data_mem - __start_set_vnet
	// (sys/net/vnet.c); anything else would misplace every variable.
	if set, err := k.vnetSet(); err == nil && v.DataBase != v.DataMem-set.Start {
		v.Err = fmt.Errorf("vnet_data_base %#x is not vnet_data_mem %#x - __start_set_vnet %#x (= %#x): the struct vnet is corrupt",
			v.DataBase, v.DataMem, set.Start, v.DataMem-set.Start)
	}
	return v, next
}
