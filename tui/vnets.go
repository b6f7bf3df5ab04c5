package tui

import (
	"fmt"
	"strings"

	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// A vnetRow is one line of the vnet list: a jail in the jail tree, or a
// vnet that no jail owns.
type vnetRow struct {
	depth  int
	jail   *vnetwalk.Jail // nil for a vnet without a jail
	vnet   *vnetwalk.Vnet // the vnet the jail owns or shares; nil if not walked
	shares bool           // the jail has no vnet of its own (no PR_VNET)
}

// vnetPane is the vnet list with the jail tree.
type vnetPane struct {
	rows   []vnetRow
	cursor int
	offset int
}

// newVnetPane builds the tree: prison0 (vnet0) first, each jail under its
// parent, and last the vnets that no walked jail owns.
func newVnetPane(w *vnetwalk.Walk) vnetPane {
	byAddr := map[uint64]*vnetwalk.Vnet{}
	for _, v := range w.Vnets {
		byAddr[v.Addr] = v
	}
	children := map[*vnetwalk.Jail][]*vnetwalk.Jail{}
	var roots []*vnetwalk.Jail
	for _, j := range w.Jails {
		if j.Parent == nil {
			roots = append(roots, j)
		} else {
			children[j.Parent] = append(children[j.Parent], j)
		}
	}

	var p vnetPane
	seen := map[*vnetwalk.Vnet]bool{}
	var add func(j *vnetwalk.Jail, depth int)
	add = func(j *vnetwalk.Jail, depth int) {
		v := byAddr[j.VnetAddr]
		p.rows = append(p.rows, vnetRow{depth: depth, jail: j, vnet: v, shares: !j.OwnsVnet})
		if j.OwnsVnet && v != nil {
			seen[v] = true
		}
		for _, c := range children[j] {
			add(c, depth+1)
		}
	}
	for _, r := range roots {
		add(r, 0)
	}
	// A vnet whose jail was not walked, such as one still being torn down
	// after its jail was removed, gets a line of its own.
	for _, v := range w.Vnets {
		if !seen[v] {
			p.rows = append(p.rows, vnetRow{vnet: v})
		}
	}
	return p
}

// selected returns the vnet under the cursor, or nil.
func (p *vnetPane) selected() *vnetwalk.Vnet {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return nil
	}
	return p.rows[p.cursor].vnet
}

// selectVnet moves the cursor to the first line of v.
func (p *vnetPane) selectVnet(v *vnetwalk.Vnet) bool {
	for i, r := range p.rows {
		if r.vnet == v && !r.shares {
			p.cursor = i
			return true
		}
	}
	return false
}

// jailName returns the jail's name for display, prison0 for JID 0.
func jailName(j *vnetwalk.Jail) string {
	if j.JID == 0 && j.Parent == nil {
		return "prison0"
	}
	return printable(j.Name)
}

// vnetLabel names a vnet by its owning jails, for titles.
func vnetLabel(v *vnetwalk.Vnet) string {
	if v == nil {
		return "no vnet"
	}
	var names []string
	for _, j := range v.Jails {
		names = append(names, jailName(j))
	}
	if len(names) == 0 {
		names = []string{"no jail"}
	}
	label := strings.Join(names, ",")
	if v.Vnet0 {
		label = "vnet0 " + label
	}
	return fmt.Sprintf("%s %#x", label, v.Addr)
}

// vnetState describes a vnet's life: done when every constructor ran,
// dying when vnet_shutdown is set, init while constructors still run.
func vnetState(v *vnetwalk.Vnet) string {
	switch {
	case v == nil:
		return "-"
	case v.Err != nil:
		return "error"
	case v.Shutdown:
		return "dying"
	case !v.HasState:
		return "-"
	case v.State == vnetwalk.SISubVnetDone:
		return "done"
	}
	return "init"
}

// dying reports whether the vnet is being destroyed or not fully built.
func dying(v *vnetwalk.Vnet) bool {
	s := vnetState(v)
	return s == "dying" || s == "init"
}

// view renders the pane in w columns and h lines.
func (p *vnetPane) view(st Styles, focused bool, w, h int) []string {
	title := st.PaneBlur
	if focused {
		title = st.PaneTitle
	}
	nameW := max(w-22, 8)
	lines := []string{
		title.Render("VNETS AND JAILS"),
		st.Dim.Render(fmt.Sprintf("  %-*s %4s %3s %4s %-5s", nameW, "JAIL", "JID", "IF", "SOCK", "STATE")),
	}
	body := h - len(lines)
	p.offset = scroll(p.cursor, p.offset, len(p.rows), body)
	for i := p.offset; i < len(p.rows) && i < p.offset+body; i++ {
		lines = append(lines, p.rowText(st, p.rows[i], i == p.cursor, focused, nameW, w))
	}
	return lines
}

func (p *vnetPane) rowText(st Styles, r vnetRow, cur, focused bool, nameW, w int) string {
	name := strings.Repeat("  ", r.depth)
	jid := "-"
	if r.jail != nil {
		name += jailName(r.jail)
		jid = fmt.Sprint(r.jail.JID)
	} else {
		name += fmt.Sprintf("%#x", r.vnet.Addr)
	}
	var text string
	switch {
	case r.shares:
		text = fmt.Sprintf("%-*s %4s %s", nameW, fit(name, nameW), jid, "shares")
	case r.vnet == nil:
		text = fmt.Sprintf("%-*s %4s %s", nameW, fit(name, nameW), jid, "vnet not walked")
	default:
		v := r.vnet
		text = fmt.Sprintf("%-*s %4s %3d %4d %-5s", nameW, fit(name, nameW), jid, v.Ifcnt, v.Sockcnt, vnetState(v))
	}
	marker := "  "
	if cur {
		marker = "> "
	}
	text = fit(marker+text, w)
	switch {
	case cur && focused:
		return st.Selected.Render(text)
	case cur:
		return st.SelectBlur.Render(text)
	case r.shares:
		return st.Dim.Render(text)
	case r.vnet != nil && (dying(r.vnet) || r.vnet.Err != nil):
		return st.Dying.Render(text)
	}
	return text
}
