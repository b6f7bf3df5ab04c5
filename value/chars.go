package value

import (
	"fmt"
	"strings"
)

// formatChars writes a char array as gdb does. Text is written up to its
// NUL. Other arrays are written whole, except for one final NUL, and runs
// of more than repeats identical bytes become "'c' <repeats N times>"
// (with repeats < 0, never).
func formatChars(v *Value, repeats int) string {
	if v.Text {
		text := `"` + escapeString(v.Str) + `"`
		if v.Truncated {
			text += "..."
		}
		return text
	}

	p := v.StrBytes
	if !v.Truncated && len(p) > 0 && p[len(p)-1] == 0 {
		p = p[:len(p)-1] // gdb takes a final NUL for the terminator
	}
	var segments []string
	var quoted strings.Builder
	flush := func() {
		if quoted.Len() > 0 {
			segments = append(segments, `"`+quoted.String()+`"`)
			quoted.Reset()
		}
	}
	for i := 0; i < len(p); {
		j := i + 1
		for j < len(p) && p[j] == p[i] {
			j++
		}
		if repeats > 0 && j-i > repeats {
			flush()
			segments = append(segments, fmt.Sprintf("%s <repeats %d times>", charLiteral(p[i]), j-i))
		} else {
			for k := i; k < j; k++ {
				quoted.WriteString(escapeByte(p[k], '"'))
			}
		}
		i = j
	}
	flush()

	text := strings.Join(segments, ", ")
	if text == "" {
		text = `""`
	}
	if v.Truncated {
		text += "..."
	}
	return text
}

// charLiteral writes c as a C character literal, such as 'A' or '\000'.
func charLiteral(c byte) string {
	return "'" + escapeByte(c, '\'') + "'"
}

func escapeString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString(escapeByte(s[i], '"'))
	}
	return b.String()
}

// escapeByte writes c as it appears inside a C literal delimited by quote,
// using gdb's escapes: the named ones (\n, \t, ...) and three-digit octal
// for other bytes outside printable ASCII.
func escapeByte(c byte, quote byte) string {
	switch c {
	case quote, '\\':
		return `\` + string(c)
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\v':
		return `\v`
	}
	if c < 0x20 || c > 0x7e {
		return fmt.Sprintf(`\%03o`, c)
	}
	return string(c)
}
