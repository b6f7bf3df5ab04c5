package tui

import (
	"fmt"

	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// searchPane holds the query typed for a search over every vnet and its
// matches.
type searchPane struct {
	query   string
	editing bool // keys go to the query
	running bool
	done    string // the query of Matches
	matches []Match
	err     error
	cursor  int
	offset  int
}

func (p *searchPane) selected() (Match, bool) {
	if p.cursor < 0 || p.cursor >= len(p.matches) {
		return Match{}, false
	}
	return p.matches[p.cursor], true
}

func (p *searchPane) view(st Styles, w, h int) []string {
	lines := []string{st.PaneTitle.Render("SEARCH every variable of every vnet (name, field or value)")}
	switch {
	case p.editing:
		lines = append(lines, st.Filter.Render("search: "+p.query+"█"))
	case p.running:
		lines = append(lines, st.Dim.Render("searching for "+p.query+"..."))
	case p.err != nil:
		lines = append(lines, st.Error.Render("error: "+p.err.Error()))
	default:
		lines = append(lines, st.Filter.Render(fmt.Sprintf("search: %s (%d matches, enter opens, s searches again)", p.done, len(p.matches))))
	}
	vnetW := min(max(w/5, 12), 24)
	body := h - len(lines)
	p.offset = scroll(p.cursor, p.offset, len(p.matches), body)
	for i := p.offset; i < len(p.matches) && i < p.offset+body; i++ {
		m := p.matches[i]
		marker := "  "
		if i == p.cursor {
			marker = "> "
		}
		where := "V_" + m.Var
		if m.Path != "" {
			where = m.Path
		}
		text := fit(fmt.Sprintf("%s%s %s = %s", marker, fit(compareColumnName(m.Vnet), vnetW), where, m.Text), w)
		if i == p.cursor {
			text = st.Selected.Render(text)
		}
		lines = append(lines, text)
	}
	return lines
}

// panicLines describes the crash: the panic string, the thread and its vnet.
func panicLines(st Styles, pc *vnetwalk.PanicContext) []string {
	lines := []string{st.PaneTitle.Render("PANIC CONTEXT")}
	if pc == nil {
		return append(lines, st.Dim.Render("reading..."))
	}
	switch {
	case pc.PanicErr != nil:
		lines = append(lines, st.Error.Render("panic string: "+pc.PanicErr.Error()))
	case !pc.HasPanicstr:
		lines = append(lines, "panic string: none (panicstr is NULL: the dump was taken without a panic)")
	default:
		lines = append(lines, st.Panic.Render("panic: "+printable(pc.Panicstr)))
	}
	if pc.TIDErr != nil {
		lines = append(lines, st.Error.Render("dumptid: "+pc.TIDErr.Error()))
	} else {
		lines = append(lines, fmt.Sprintf("dumptid: %d", pc.DumpTID))
	}
	if t := pc.Thread; t != nil {
		lines = append(lines, fmt.Sprintf("thread:  %#x tid %d %q", t.Addr, t.TID, t.Name))
		if t.Proc != nil {
			lines = append(lines, fmt.Sprintf("process: %#x pid %d %q", t.Proc.Addr, t.Proc.PID, t.Proc.Comm))
		}
	} else if pc.ThreadErr != nil {
		lines = append(lines, st.Error.Render("thread: "+pc.ThreadErr.Error()))
	}
	switch {
	case pc.Vnet != nil:
		lines = append(lines, fmt.Sprintf("vnet:    %s from %s", vnetLabel(pc.Vnet), pc.VnetFrom))
	case pc.VnetErr != nil:
		lines = append(lines, st.Error.Render("vnet: "+pc.VnetErr.Error()))
	case pc.VnetAddr != 0:
		lines = append(lines, fmt.Sprintf("vnet:    %#x from %s (not on vnet_head)", pc.VnetAddr, pc.VnetFrom))
	}
	if j := pc.Jail; j != nil {
		lines = append(lines, fmt.Sprintf("jail:    %d %s (prison %#x)", j.JID, jailName(j), j.Addr))
	}
	if pc.Vnet != nil {
		lines = append(lines, "", st.Dim.Render("The vnet list now selects the crashing thread's vnet; enter lists its variables."))
	}
	return lines
}
