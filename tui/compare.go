package tui

import (
	"fmt"
	"strings"

	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// comparePane shows one variable in every vnet side by side.
type comparePane struct {
	cmp    *vnetwalk.Comparison
	name   string
	cursor int
	offset int
	left   int // first vnet column shown, for terminals too narrow for all
}

func (p *comparePane) view(st Styles, w, h int) []string {
	lines := []string{st.PaneTitle.Render("COMPARE V_" + p.name + " across vnets")}
	c := p.cmp
	if c == nil {
		return append(lines, st.Dim.Render("reading..."))
	}
	ref := "none"
	if c.Reference >= 0 && c.Reference < len(c.Vnets) {
		ref = vnetLabel(c.Vnets[c.Reference])
	}
	lines = append(lines, st.Dim.Render(fmt.Sprintf("%s, %d leaves; cells marked * differ from %s", c.Type, len(c.Rows), ref)))
	pathW := min(max(w/4, 14), 36)
	colW := max((w-pathW)/max(len(c.Vnets), 1)-1, 8)
	cols := max((w-pathW)/(colW+1), 1)
	p.left = max(0, min(p.left, len(c.Vnets)-cols))
	end := min(len(c.Vnets), p.left+cols)
	order := compareOrder(c)

	var head strings.Builder
	head.WriteString(fit("  LEAF", pathW))
	for _, i := range order[p.left:end] {
		head.WriteString(" " + fit(compareColumnName(c.Vnets[i]), colW))
	}
	lines = append(lines, st.Dim.Render(head.String()))
	for _, i := range order[p.left:end] {
		if err := c.Variables[i].Err; err != nil {
			lines = append(lines, st.Error.Render(fmt.Sprintf("%s: %v", compareColumnName(c.Vnets[i]), err)))
		}
	}
	body := h - len(lines)
	p.cursor = max(0, min(p.cursor, len(c.Rows)-1))
	p.offset = scroll(p.cursor, p.offset, len(c.Rows), body)
	for r := p.offset; r < len(c.Rows) && r < p.offset+body; r++ {
		row := c.Rows[r]
		marker := "  "
		if r == p.cursor {
			marker = "> "
		}
		var b strings.Builder
		b.WriteString(fit(marker+row.Path, pathW))
		for _, i := range order[p.left:end] {
			text := row.Texts[i]
			if row.Values[i] == nil {
				text = "-"
			}
			// The star marks a difference on terminals without colour.
			if row.Differs[i] {
				text = "*" + text
			}
			cell := fit(text, colW)
			if row.Differs[i] {
				cell = st.Differs.Render(cell)
			}
			b.WriteString(" " + cell)
		}
		text := b.String()
		if r == p.cursor {
			text = st.SelectBlur.Render(text)
		}
		lines = append(lines, text)
	}
	return lines
}

// compareColumnName names a vnet in a narrow column header.
func compareColumnName(v *vnetwalk.Vnet) string {
	var names []string
	for _, j := range v.Jails {
		names = append(names, jailName(j))
	}
	if len(names) == 0 {
		return fmt.Sprintf("%#x", v.Addr)
	}
	return strings.Join(names, ",")
}

// compareOrder lists the vnet indexes of c with the reference first, then
// the others in vnet_head order.
func compareOrder(c *vnetwalk.Comparison) []int {
	order := make([]int, 0, len(c.Vnets))
	if c.Reference >= 0 && c.Reference < len(c.Vnets) {
		order = append(order, c.Reference)
	}
	for i := range c.Vnets {
		if i != c.Reference {
			order = append(order, i)
		}
	}
	return order
}
