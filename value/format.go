package value

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// FormatOptions controls [Value.Format].
type FormatOptions struct {
	// Width is the line width in bytes. A struct, union or array of them
	// whose one-line form, indentation included, is wider is written one
	// member or element per line. Zero means 80.
	Width int
	// Repeats is gdb's "set print repeats": a run of more than Repeats
	// identical array elements is written once with "<repeats N times>".
	// Zero means gdb's default of 10, and a negative value turns it off.
	Repeats int
	// Symbolize returns the symbol for an address, which pointers show as
	// "0x401000 <handler_add>". Nil leaves addresses bare.
	Symbolize func(addr uint64) (string, bool)
}

const indentStep = "  "

// Format writes v as gdb's print command does, with four differences.
// A char array that holds a NUL-padded string is written up to the NUL, as
// with gdb's "set print null-stop on". The members of anonymous structs and
// unions are merged into their parent. Pointers never show the string they
// point to. Long values are split over lines with two-space indentation.
//
// Format ignores write errors of w; wrap w to detect them.
func (v *Value) Format(w io.Writer, opts FormatOptions) {
	if opts.Width <= 0 {
		opts.Width = 80
	}
	if opts.Repeats == 0 {
		opts.Repeats = 10
	}
	f := &formatter{opts: opts, oneLine: make(map[*Value]string)}
	text := f.value(v, "")
	if v != nil && v.Err == nil && (v.Kind == Pointer || v.Kind == FuncPointer) {
		text = "(" + v.TypeName + ") " + text // gdb names the type of a pointer
	}
	_, _ = io.WriteString(w, text)
}

// String returns v formatted with default options.
func (v *Value) String() string {
	var b strings.Builder
	v.Format(&b, FormatOptions{})
	return b.String()
}

type formatter struct {
	opts    FormatOptions
	oneLine map[*Value]string // one-line forms already built
}

// value writes v starting at a line indented by indent.
func (f *formatter) value(v *Value, indent string) string {
	line := f.line(v)
	if len(indent)+len(line) <= f.opts.Width || !isComposite(v) {
		return line
	}
	inner := indent + indentStep
	var parts []string
	if v.Kind == Struct || v.Kind == Union {
		for _, field := range v.Fields {
			parts = append(parts, inner+field.Name+" = "+f.value(field.Value, inner))
		}
	} else {
		for _, run := range f.runs(v.Elems) {
			parts = append(parts, inner+f.repeat(run, f.value(run.first, inner)))
		}
		if v.Truncated {
			parts[len(parts)-1] += "..."
		}
	}
	return "{\n" + strings.Join(parts, ",\n") + "\n" + indent + "}"
}

// isComposite reports whether v is written over several lines when long:
// structs, unions, and arrays whose elements are structs, unions or arrays.
func isComposite(v *Value) bool {
	if v == nil || v.Err != nil || v.Truncated && v.Fields == nil && v.Elems == nil {
		return false
	}
	switch v.Kind {
	case Struct, Union:
		return len(v.Fields) > 0
	case Array:
		return len(v.Elems) > 0 && v.Elems[0] != nil &&
			(v.Elems[0].Kind == Struct || v.Elems[0].Kind == Union || v.Elems[0].Kind == Array)
	}
	return false
}

// line writes v on one line.
func (f *formatter) line(v *Value) string {
	if text, ok := f.oneLine[v]; ok {
		return text
	}
	text := f.buildLine(v)
	f.oneLine[v] = text
	return text
}

func (f *formatter) buildLine(v *Value) string {
	switch {
	case v == nil:
		return "<nil>"
	case v.Err != nil:
		return "<error: " + v.Err.Error() + ">"
	case v.Truncated && v.Fields == nil && v.Elems == nil && v.Kind != String:
		return "{...}" // past MaxDepth, as gdb writes values past "set print max-depth"
	}
	switch v.Kind {
	case Int, Uint:
		return formatInteger(v)
	case Bool:
		return formatBool(v)
	case Enum:
		if v.HasEnumerator {
			return v.Enumerator
		}
		return bigString(v)
	case Pointer, FuncPointer:
		return f.pointer(v.Ptr)
	case Float:
		return formatFloat(v)
	case Struct, Union:
		parts := make([]string, len(v.Fields))
		for i, field := range v.Fields {
			parts[i] = field.Name + " = " + f.line(field.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case Array:
		return f.arrayLine(v)
	case String:
		return formatChars(v, f.opts.Repeats)
	}
	return "<" + v.Kind.String() + " value>"
}

func (f *formatter) pointer(addr uint64) string {
	text := "0x" + strconv.FormatUint(addr, 16)
	if f.opts.Symbolize != nil && addr != 0 {
		if name, ok := f.opts.Symbolize(addr); ok {
			text += " <" + name + ">"
		}
	}
	return text
}

func (f *formatter) arrayLine(v *Value) string {
	var parts []string
	for _, run := range f.runs(v.Elems) {
		parts = append(parts, f.repeat(run, f.line(run.first)))
	}
	text := "{" + strings.Join(parts, ", ")
	if v.Truncated {
		text += "..."
	}
	return text + "}"
}

// An elementRun is a run of consecutive array elements with the same text.
type elementRun struct {
	first *Value
	count int
}

// runs groups elems into runs of identical text. Runs no longer than
// opts.Repeats are split back into single elements.
func (f *formatter) runs(elems []*Value) []elementRun {
	var out []elementRun
	for i := 0; i < len(elems); {
		j := i + 1
		for j < len(elems) && f.line(elems[j]) == f.line(elems[i]) {
			j++
		}
		if f.opts.Repeats > 0 && j-i > f.opts.Repeats {
			out = append(out, elementRun{first: elems[i], count: j - i})
		} else {
			for k := i; k < j; k++ {
				out = append(out, elementRun{first: elems[k], count: 1})
			}
		}
		i = j
	}
	return out
}

func (f *formatter) repeat(run elementRun, text string) string {
	if run.count == 1 {
		return text
	}
	return fmt.Sprintf("%s <repeats %d times>", text, run.count)
}

func bigString(v *Value) string {
	if v.Int == nil {
		return "<no value>"
	}
	return v.Int.String()
}

// formatInteger writes an integer in decimal, followed for a char by the
// character literal, as gdb writes 65 'A'.
func formatInteger(v *Value) string {
	text := bigString(v)
	if isChar, _ := isCharType(v.Type); isChar && v.Int != nil {
		text += " " + charLiteral(byte(v.Int.Int64()))
	}
	return text
}

func formatBool(v *Value) string {
	if v.Int != nil && v.Int.IsInt64() {
		switch v.Int.Int64() {
		case 0:
			return "false"
		case 1:
			return "true"
		}
	}
	return bigString(v) // gdb writes other _Bool contents as numbers
}

// formatFloat writes with the significant digits gdb uses: 9 for float and
// 17 for double, trailing zeros dropped as C's %g does.
func formatFloat(v *Value) string {
	digits := 17
	if v.Size == 4 {
		digits = 9
	}
	return strconv.FormatFloat(v.Float, 'g', digits, 64)
}
