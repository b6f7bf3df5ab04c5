package tui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestFitCutsAndPads checks fit against widths counted by hand: a CJK
// character takes two columns, an SGR escape none.
func TestFitCutsAndPads(t *testing.T) {
	cases := []struct {
		in    string
		w     int
		plain string // the result without escapes
	}{
		{"ab", 4, "ab  "},
		{"abcd", 4, "abcd"},
		{"abcdef", 4, "abc…"},
		{"\x1b[1mab\x1b[0m", 4, "ab  "},
		{"\x1b[1mabcdef\x1b[0m", 4, "abc…"},
		{"日本語", 6, "日本語"},
		{"日本語", 5, "日本…"},
		{"日本語", 8, "日本語  "},
		{"", 3, "   "},
		{"abc", 0, ""},
	}
	for _, c := range cases {
		got := fit(c.in, c.w)
		if plain := ansi.Strip(got); plain != c.plain {
			t.Errorf("fit(%q, %d) = %q, want %q", c.in, c.w, plain, c.plain)
		}
		if width := ansi.StringWidth(got); width != c.w {
			t.Errorf("fit(%q, %d) is %d columns wide, want %d", c.in, c.w, width, c.w)
		}
	}
}
