package vnetwalk

import "fmt"

// A Jail is one struct prison: prison0 or a jail on allprison.
type Jail struct {
	Addr       uint64
	JID        int32
	Name       string // pr_name, the full dotted name ("web.php")
	Flags      uint32
	ParentAddr uint64 // pr_parent; 0 for prison0
	Parent     *Jail
	VnetAddr   uint64 // pr_vnet
	// OwnsVnet is true when the jail has its own network stack (PR_VNET),
	// and for prison0, which owns vnet0.
	OwnsVnet bool
	// NameUnterminated is true when pr_name has no NUL, so Name is the
	// whole array and may run into garbage.
	NameUnterminated bool
	Err              error
}

// walkJails reads prison0 and then the allprison list.
func (k *Kernel) walkJails(w *Walk) ([]*Jail, error) {
	p0, ok := k.Syms.Lookup("prison0")
	if !ok {
		return nil, fmt.Errorf("symbol prison0 not found in %s", k.Syms.Path())
	}
	prison0, _ := k.readJail(p0.Addr)
	jails := []*Jail{prison0}

	head, ok := k.Syms.Lookup("allprison")
	if !ok {
		w.Warnings = append(w.Warnings, "symbol allprison not found, so only prison0 is listed")
		return jails, nil
	}
	first, err := k.readPtr(head.Addr) // tqh_first
	if err != nil {
		return jails, fmt.Errorf("allprison at %#x: %w", head.Addr, err)
	}
	seen := map[uint64]bool{p0.Addr: true}
	for p := first; p != 0; {
		if len(jails) > k.Limits.MaxJails {
			w.Warnings = append(w.Warnings, fmt.Sprintf("allprison: stopped after %d jails (the limit)", len(jails)-1))
			break
		}
		if seen[p] {
			w.Warnings = append(w.Warnings, fmt.Sprintf("allprison: cycle detected at prison %#x; stopped after %d jails", p, len(jails)-1))
			break
		}
		seen[p] = true
		j, next := k.readJail(p)
		jails = append(jails, j)
		if j.Err != nil {
			w.Warnings = append(w.Warnings, fmt.Sprintf("prison %#x: %v", p, j.Err))
		}
		if j.NameUnterminated {
			w.Warnings = append(w.Warnings, fmt.Sprintf("prison %#x (jail %d): pr_name has no NUL in its %d bytes, so the name shown is the whole array and may be garbage", p, j.JID, len(j.Name)))
		}
		p = next
	}
	return jails, nil
}

// readJail reads the members of one struct prison that the walker uses,
// and returns it with its pr_list.tqe_next (0 when that cannot be read).
func (k *Kernel) readJail(addr uint64) (*Jail, uint64) {
	j := &Jail{Addr: addr}
	r, err := k.readRecord("struct prison", addr)
	if err != nil {
		j.Err = err
		return j, 0
	}
	next, err := r.uint("pr_list.tqe_next")
	if err != nil {
		j.Err = err
		return j, 0
	}
	var id, flags uint64
	for _, f := range []struct {
		path string
		dst  *uint64
	}{
		{"pr_id", &id},
		{"pr_flags", &flags},
		{"pr_parent", &j.ParentAddr},
		{"pr_vnet", &j.VnetAddr},
	} {
		x, err := r.uint(f.path)
		if err != nil {
			j.Err = err
			return j, next
		}
		*f.dst = x
	}
	j.JID, j.Flags = int32(id), uint32(flags)
	j.OwnsVnet = j.Flags&PRVnet != 0
	if j.Name, err = r.cstring("pr_name"); err != nil {
		j.Err = err
	} else if _, size, _ := r.member("pr_name"); int64(len(j.Name)) == size {
		j.NameUnterminated = true
	}
	return j, next
}

// joinJails links jails to their parents and vnets to their owners:
// prison0 owns vnet0, and a jail with PR_VNET owns its pr_vnet.
func joinJails(w *Walk) {
	byAddr := map[uint64]*Jail{}
	for _, j := range w.Jails {
		byAddr[j.Addr] = j
	}
	for _, j := range w.Jails {
		j.Parent = byAddr[j.ParentAddr]
	}
	vnets := map[uint64]*Vnet{}
	for _, v := range w.Vnets {
		vnets[v.Addr] = v
	}
	for i, j := range w.Jails {
		if i == 0 {
			j.OwnsVnet = true // prison0
		}
		if j.Err != nil {
			continue
		}
		if !j.OwnsVnet {
			if v := vnets[j.VnetAddr]; v != nil {
				v.Sharers = append(v.Sharers, j)
			}
			continue
		}
		if v := vnets[j.VnetAddr]; v != nil {
			v.Jails = append(v.Jails, j)
		} else if j.VnetAddr != 0 {
			w.Warnings = append(w.Warnings, fmt.Sprintf("jail %d (%s) has pr_vnet %#x, which is not on vnet_head", j.JID, j.Name, j.VnetAddr))
		}
	}
}
