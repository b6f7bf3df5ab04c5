package tui

import (
	"fmt"

	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// varPane is the variable list of one vnet with its fuzzy filter.
type varPane struct {
	vnet      *vnetwalk.Vnet
	vars      []VarEntry
	err       error
	filter    string
	filtering bool  // keys go to the filter
	matching  []int // indexes into vars that match the filter, best first
	cursor    int
	offset    int
}

func (p *varPane) setVars(v *vnetwalk.Vnet, vars []VarEntry, err error) {
	keep := ""
	if e, ok := p.selected(); ok {
		keep = e.Name()
	}
	p.vnet, p.vars, p.err = v, vars, err
	p.refilter()
	// Keep the same variable selected when another vnet is chosen.
	for i, idx := range p.matching {
		if vars[idx].Name() == keep {
			p.cursor = i
		}
	}
}

func (p *varPane) refilter() {
	p.matching = filterVars(p.filter, p.vars)
	p.cursor = max(0, min(p.cursor, len(p.matching)-1))
}

func (p *varPane) selected() (VarEntry, bool) {
	if p.cursor < 0 || p.cursor >= len(p.matching) {
		return VarEntry{}, false
	}
	return p.vars[p.matching[p.cursor]], true
}

// selectName moves the cursor to the variable called name, clearing the
// filter when it hides it.
func (p *varPane) selectName(name string) bool {
	for pass := 0; pass < 2; pass++ {
		for i, idx := range p.matching {
			if p.vars[idx].Name() == name {
				p.cursor = i
				return true
			}
		}
		p.filter = ""
		p.refilter()
	}
	return false
}

func (p *varPane) view(st Styles, focused bool, w, h int) []string {
	title := st.PaneBlur
	if focused {
		title = st.PaneTitle
	}
	lines := []string{title.Render("VARIABLES of " + vnetLabel(p.vnet))}
	switch {
	case p.filtering:
		lines = append(lines, st.Filter.Render("filter: "+p.filter+"█"))
	case p.filter != "":
		lines = append(lines, st.Filter.Render(fmt.Sprintf("filter: %s (%d of %d)", p.filter, len(p.matching), len(p.vars))))
	default:
		lines = append(lines, st.Dim.Render(fmt.Sprintf("%d variables, / to filter", len(p.vars))))
	}
	if p.err != nil {
		return append(lines, st.Error.Render("error: "+p.err.Error()))
	}
	if p.vars == nil {
		return append(lines, st.Dim.Render("reading..."))
	}

	nameW := min(max(w/3, 14), 28)
	typeW := min(max(w/5, 10), 24)
	body := h - len(lines)
	p.offset = scroll(p.cursor, p.offset, len(p.matching), body)
	for i := p.offset; i < len(p.matching) && i < p.offset+body; i++ {
		e := p.vars[p.matching[i]]
		typ := ""
		if e.Value != nil {
			typ = e.Value.TypeName
		}
		marker := "  "
		if i == p.cursor {
			marker = "> "
		}

		val := oneLine(e)
		text := fmt.Sprintf("%s%s %s %s", marker, fit(e.Name(), nameW), fit(typ, typeW), val)
		text = fit(text, w)
		switch {
		case i == p.cursor && focused:
			text = st.Selected.Render(text)
		case i == p.cursor:
			text = st.SelectBlur.Render(text)
		case e.Var.Err != nil:
			text = st.Error.Render(text)
		}
		lines = append(lines, text)
	}
	return lines
}
