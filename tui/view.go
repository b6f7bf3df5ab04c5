package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// View implements tea.Model.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "vnetinspect"
	return v
}

// Render returns the screen as styled text, width by height cells.
func (m Model) Render() string {
	w, h := max(m.width, 20), max(m.height, 6)
	lines := m.header(w)
	body := m.bodyHeight()
	lines = append(lines, block(m.body(w, body), w, body)...)
	lines = append(lines, fit(m.styles.Status.Render(printable(m.statusLine())), w))
	m.help.SetWidth(w)
	lines = append(lines, fit(m.help.ShortHelpView(m.keys.ShortHelp()), w))
	return strings.Join(block(lines, w, h), "\n")
}

// bodyHeight is the height of the panes: the screen less the two header
// lines, the status line and the help line.
func (m Model) bodyHeight() int {
	return max(m.height, 6) - 4
}

// leftWidth is the width of the vnet list, the separator included.
func (m Model) leftWidth() int {
	return min(max(m.width*2/5, 36), 56)
}

func (m Model) header(w int) []string {
	st := m.styles
	if m.src == nil {
		return []string{fit(st.Header.Render("vnetinspect"), w), ""}
	}
	version, _, _ := strings.Cut(m.src.Version, "\n")
	first := st.Header.Render("vnetinspect ") + printable(version)
	second := st.HeaderDim.Render(m.src.Format + "  ")
	switch {
	case m.panicCx == nil:
		second += st.HeaderDim.Render("panic: reading...")
	case m.panicCx.HasPanicstr:
		second += st.Panic.Render("panic: " + printable(m.panicCx.Panicstr))
	default:
		second += st.HeaderDim.Render("no panic string")
	}
	return []string{fit(first, w), fit(second, w)}
}

func (m Model) body(w, h int) []string {
	st := m.styles
	switch {
	case m.loadErr != nil:
		return []string{st.Error.Render("error: " + printable(m.loadErr.Error())), "", "q quits."}
	case m.walk == nil:
		return m.progressLines(w)
	case m.showHelp:
		return append([]string{st.PaneTitle.Render("KEYS"), ""}, strings.Split(m.help.FullHelpView(m.keys.FullHelp()), "\n")...)
	case m.right == viewCompare:
		return m.cmp.view(st, w, h)
	case m.right == viewSearch:
		return m.search.view(st, w, h)
	case m.right == viewValue && m.value.top().raw:
		// A hex dump line is 84 columns wide, so it takes the whole width.
		return m.value.view(st, true, w, h)
	}

	lw := m.leftWidth()
	rw := w - lw - 1
	left := block(m.vnets.view(st, !m.focusRight, lw, h), lw, h)

	var right []string
	switch m.right {
	case viewValue:
		right = m.value.view(st, m.focusRight, rw, h)
	case viewPanic:
		right = panicLines(st, m.panicCx)
	default:
		right = m.vars.view(st, m.focusRight, rw, h)
	}
	right = block(right, rw, h)

	sep := st.Dim.Render("│")
	out := make([]string, h)
	for i := range out {
		out[i] = left[i] + sep + right[i]
	}
	return out
}

// progressLines shows what the loader is doing while the core opens.
func (m Model) progressLines(w int) []string {
	p := m.progress
	if p.Stage == "" {
		return []string{"opening the kernel and the core..."}
	}
	if p.Total <= 0 {
		return []string{fmt.Sprintf("%s: %d MiB", p.Stage, p.Done>>20)}
	}
	barW := max(min(w-20, 60), 10)
	filled := int(int64(barW) * p.Done / p.Total)
	bar := strings.Repeat("█", filled) + strings.Repeat("░", barW-filled)
	return []string{
		fmt.Sprintf("%s: %d of %d MiB (%d%%)", p.Stage, p.Done>>20, p.Total>>20, p.Done*100/p.Total),
		bar,
	}
}

func (m Model) statusLine() string {
	if m.status != "" {
		return m.status
	}
	if m.src != nil && len(m.src.Warnings) > 0 {
		return warningStatus(m.src.Warnings)
	}
	if m.src != nil {
		return m.src.Path
	}
	return ""
}

// warningStatus summarizes warnings for the status line.
func warningStatus(warnings []string) string {
	if len(warnings) == 1 {
		return "warning: " + warnings[0]
	}
	return fmt.Sprintf("%d warnings, the first: %s", len(warnings), warnings[0])
}
