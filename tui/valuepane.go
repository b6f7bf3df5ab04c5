package tui

import (
	"fmt"
	"strings"

	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// valuePane shows one variable as an expandable tree, with a stack of the
// objects reached from it by following pointers and walking lists.
type valuePane struct {
	vnet  *vnetwalk.Vnet
	entry VarEntry
	stack []Frame
}

// open starts the pane on a variable read in vnet v.
func (p *valuePane) open(v *vnetwalk.Vnet, e VarEntry) {
	p.vnet, p.entry = v, e
	f := Frame{Title: "V_" + e.Name(), Expr: "V_" + e.Name(), Addr: e.Var.Addr, Value: e.Value, Bytes: e.Var.Bytes}
	p.stack = []Frame{f}
}

func (p *valuePane) top() *Frame {
	if len(p.stack) == 0 {
		return nil
	}
	return &p.stack[len(p.stack)-1]
}

// current returns the node under the cursor.
func (p *valuePane) current() (node, bool) {
	f := p.top()
	if f == nil {
		return node{}, false
	}
	ns := f.nodes()
	if f.cursor >= len(ns) {
		return node{}, false
	}
	return ns[f.cursor], true
}

// toggle expands or collapses the node under the cursor.
func (p *valuePane) toggle(expand bool) {
	n, ok := p.current()
	if !ok || !n.expandable() || n.path == "" {
		return
	}
	p.top().expanded[n.path] = expand
}

// expandTo expands every node above the leaf at path (relative to the top
// frame, as ".tcp_cfg.seq_hi" or "[1].rt_dst") and puts the cursor on it.
func (p *valuePane) expandTo(path string) {
	f := p.top()
	if f == nil {
		return
	}
	f.nodes()
	for i := 1; i < len(path); i++ {
		if path[i] == '.' || path[i] == '[' {
			f.expanded[path[:i]] = true
		}
	}
	for i, n := range f.nodes() {
		if n.path == path {
			f.cursor = i
		}
	}
}

func (p *valuePane) view(st Styles, focused bool, w, h int) []string {
	f := p.top()
	if f == nil {
		return nil
	}
	title := st.PaneBlur
	if focused {
		title = st.PaneTitle
	}
	crumbs := make([]string, len(p.stack))
	for i, fr := range p.stack {
		crumbs[i] = fr.Title
	}
	lines := []string{
		title.Render(strings.Join(crumbs, " › ")),
		st.Dim.Render(p.location(f)),
	}
	body := h - len(lines)
	if f.raw {
		return append(lines, p.rawLines(st, f, body, hexLineBytes(w))...)
	}
	ns := f.nodes()
	f.offset = scroll(f.cursor, f.offset, len(ns), body)
	for i := f.offset; i < len(ns) && i < f.offset+body; i++ {
		lines = append(lines, p.nodeText(st, ns[i], i == f.cursor, focused, w))
	}
	return lines
}

func (p *valuePane) rawLines(st Styles, f *Frame, body, perLine int) []string {
	if len(f.Bytes) == 0 {
		return []string{st.Dim.Render("no bytes read for this object (x returns to the tree)")}
	}
	dump := hexDump(f.Addr, f.Bytes, perLine)
	f.offset = scroll(f.cursor, f.offset, len(dump), body)
	f.cursor = min(f.cursor, len(dump)-1)
	return dump[f.offset:min(len(dump), f.offset+body)]
}

func (p *valuePane) nodeText(st Styles, n node, cur, focused bool, w int) string {
	marker := "  "
	if cur {
		marker = "> "
	}
	fold := "  "
	if n.expandable() {
		fold = "▸ "
		if f := p.top(); n.path == "" || f.expanded[n.path] {
			fold = "▾ "
		}
	}
	text := marker + strings.Repeat("  ", n.depth) + fold + n.label
	switch {
	case n.v == nil:
		text += " = <not read>"
	case n.v.Kind == value.Pointer && n.v.Ptr != 0 && !strings.HasPrefix(n.v.TypeName, "void *"):
		text += " = " + oneLineValue(n.v) + st.Dim.Render(" (enter follows)")
	case n.expandable() && n.path != "" && !p.top().expanded[n.path]:
		text += " = " + oneLineValue(n.v)
	case !n.expandable():
		text += " = " + oneLineValue(n.v)
	default:
		text += "  " + st.TypeName.Render(n.v.TypeName)
	}
	if n.more > 0 {
		text += st.Dim.Render(fmt.Sprintf(" (and %d more elements; x shows every byte)", n.more))
	}
	text = fit(text, w)
	switch {
	case cur && focused:
		return st.Selected.Render(text)
	case cur:
		return st.SelectBlur.Render(text)
	case n.v != nil && n.v.Err != nil:
		return st.Error.Render(text)
	}
	return text
}

// location names the vnet and address the frame was read from.
func (p *valuePane) location(f *Frame) string {
	where := "in " + vnetLabel(p.vnet)
	if f.List == nil {
		where += fmt.Sprintf(" at %#x", f.Addr)
	}
	if f.raw {
		where += fmt.Sprintf(", %d bytes", len(f.Bytes))
	}
	return where
}
