package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// fit cuts or pads a styled line to exactly w columns.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	// Measuring walks every grapheme, and Render fits each line more than
	// once, so the width is measured again only after a cut.
	n := lipgloss.Width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = lipgloss.Width(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// block fits lines to a w by h rectangle, padding with blank lines.
func block(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fit(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", max(w, 0))
		}
	}
	return out
}

// scroll returns the first visible line for a list of n lines shown in h
// lines that keeps cursor visible.
func scroll(cursor, offset, n, h int) int {
	if h <= 0 {
		return 0
	}
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+h {
		offset = cursor - h + 1
	}
	return max(0, min(offset, max(n-h, 0)))
}

// moveCursor applies a movement key to a cursor over n lines with a page of
// h lines. It returns false when msg is not a movement key.
func moveCursor(k KeyMap, msg tea.KeyPressMsg, cursor, n, h int) (int, bool) {
	switch {
	case key.Matches(msg, k.Up):
		cursor--
	case key.Matches(msg, k.Down):
		cursor++
	case key.Matches(msg, k.PageUp):
		cursor -= max(h-1, 1)
	case key.Matches(msg, k.PageDown):
		cursor += max(h-1, 1)
	case key.Matches(msg, k.Home):
		cursor = 0
	case key.Matches(msg, k.End):
		cursor = n - 1
	default:
		return cursor, false
	}
	return max(0, min(cursor, n-1)), true
}

// printable escapes the control characters of a string read from the dump
// (a jail name, the panic string), so that it cannot drive the terminal.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
