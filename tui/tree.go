package tui

import (
	"fmt"
	"strings"

	"github.com/vnetinspect/vnetinspect/eval"
	"github.com/vnetinspect/vnetinspect/value"
)

// maxChildren bounds the elements of one array listed in the tree, so that
// a large array does not make every redraw slow. The raw view shows all bytes.
const maxChildren = 1024

// A Frame is one object shown in the value pane: a variable, the target of a
// followed pointer or a walked list. The pane keeps a stack of them.
type Frame struct {
	Title string // the object as C spells it, for the pane's title
	Expr  string // the expression eval reads it with, "" when it has none
	Addr  uint64
	Value *value.Value
	Bytes []byte
	List  *eval.List // set for a walked list, whose elements are the children

	expanded map[string]bool // by node path; the root is always expanded
	cursor   int
	offset   int
	raw      bool // show Bytes as a hex dump
}

// A node is one line of the value tree.
type node struct {
	path  string // relative to the frame: "", ".ifnet", "[2].rt_dst", "#3" for a list element
	expr  string // C expression reading this node, "" when unknown
	label string
	v     *value.Value
	depth int
	more  int // elements left out after this node by maxChildren
}

func (n node) expandable() bool {
	if n.v == nil {
		return false
	}
	switch n.v.Kind {
	case value.Struct, value.Union:
		return len(n.v.Fields) > 0
	case value.Array:
		return len(n.v.Elems) > 0
	}
	return false
}

func listFrame(expr string, l *eval.List) Frame {
	elem := "elements"
	if l.ElementType != nil {
		elem = l.ElementType.String()
	}
	title := fmt.Sprintf("%s %s: %d × %s", l.Kind, expr, len(l.Elements), elem)
	if l.Truncated {
		title += " (cut at the list limit)"
	}
	if l.Err != nil {
		title += " (stopped: " + l.Err.Error() + ")"
	}
	return Frame{Title: title, List: l}
}

// nodes lists the visible lines of the frame's tree.
func (f *Frame) nodes() []node {
	if f.expanded == nil {
		f.expanded = map[string]bool{}
	}
	var out []node
	if f.List != nil {
		for i, el := range f.List.Elements {
			n := node{path: fmt.Sprintf("#%d", i), label: fmt.Sprintf("[%d] %#x", i, el.Addr), v: el.Value}
			if el.Value != nil {
				n.expr = fmt.Sprintf("(*(%s *)%#x)", el.Value.TypeName, el.Addr)
			}
			out = f.appendNode(out, n)
		}
		return out
	}
	root := node{expr: f.Expr, label: f.Title, v: f.Value}
	out = append(out, root)
	return f.appendChildren(out, root)
}

func (f *Frame) appendNode(out []node, n node) []node {
	out = append(out, n)
	if f.expanded[n.path] {
		out = f.appendChildren(out, n)
	}
	return out
}

func (f *Frame) appendChildren(out []node, n node) []node {
	if !n.expandable() {
		return out
	}
	child := func(suffix, label string, v *value.Value) node {
		c := node{path: n.path + suffix, label: label, v: v, depth: n.depth + 1}
		if n.expr != "" {
			c.expr = n.expr + suffix
		}
		return c
	}
	switch n.v.Kind {
	case value.Struct, value.Union:
		for _, fl := range n.v.Fields {
			out = f.appendNode(out, child("."+fl.Name, fl.Name, fl.Value))
		}
	case value.Array:
		for i, e := range n.v.Elems {
			if i == maxChildren {
				out[len(out)-1].more = len(n.v.Elems) - i
				break
			}
			s := fmt.Sprintf("[%d]", i)
			out = f.appendNode(out, child(s, s, e))
		}
	}
	return out
}

// oneLineValue formats v on one line, as print does for short values.
func oneLineValue(v *value.Value) string {
	if v == nil {
		return ""
	}
	var b strings.Builder
	v.Format(&b, value.FormatOptions{Width: 1 << 30})
	return strings.ReplaceAll(b.String(), "\n", " ")
}

// oneLine returns a variable's value on one line, or its error.
func oneLine(e VarEntry) string {
	switch {
	case e.Var.Err != nil:
		return "error: " + e.Var.Err.Error()
	case e.Value == nil:
		return fmt.Sprintf("%d bytes (no DWARF type)", len(e.Var.Bytes))
	}
	return oneLineValue(e.Value)
}

// hexDump writes b as lines of perLine bytes, each with the address of its
// first byte and the bytes as ASCII.
func hexDump(addr uint64, b []byte, perLine int) []string {
	var lines []string
	for off := 0; off < len(b); off += perLine {
		end := min(off+perLine, len(b))
		var hex, text strings.Builder
		for i := off; i < off+perLine; i++ {
			if i < end {
				fmt.Fprintf(&hex, "%02x ", b[i])
			} else {
				hex.WriteString("   ")
			}
			if i == off+7 && perLine > 8 {
				hex.WriteByte(' ')
			}
		}
		for _, c := range b[off:end] {
			if c >= 0x20 && c < 0x7f {
				text.WriteByte(c)
			} else {
				text.WriteByte('.')
			}
		}
		lines = append(lines, fmt.Sprintf("%016x  %s |%s|", addr+uint64(off), hex.String(), text.String()))
	}
	return lines
}

// hexLineBytes returns the bytes per hex dump line that fit in w columns:
// 16 take 84 columns, 8 take 51.
func hexLineBytes(w int) int {
	if w >= 84 {
		return 16
	}
	return 8
}
