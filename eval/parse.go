package eval

import (
	"fmt"
	"strconv"
	"strings"
)

// An Expr is a parsed C expression. String spells it back in C, which
// errors use to name the step that failed.
type Expr interface {
	String() string
	expr()
}

// An Ident names a variable: "V_tcbinfo", "tcbinfo", "vnet_entry_tcbinfo"
// or a plain global such as "hz".
type Ident struct{ Name string }

// A Number is an integer literal, such as an address.
type Number struct {
	Value uint64
	Text  string // as written, "0xfffff80000409b40"
}

// A Member is X.Name, or X->Name when Arrow is set.
type Member struct {
	X     Expr
	Name  string
	Arrow bool
}

// An Index is X[Index], on an array or a pointer.
type Index struct {
	X, Index Expr
}

// A Deref is *X.
type Deref struct{ X Expr }

// An AddrOf is &X.
type AddrOf struct{ X Expr }

// A Cast is (Type)X.
type Cast struct {
	Type TypeName
	X    Expr
}

// A Paren is (X). It is kept so that String spells the expression as
// written.
type Paren struct{ X Expr }

// A TypeName is the type of a cast: a base type such as "struct inpcb",
// "unsigned long" or a typedef name, followed by Pointers stars.
type TypeName struct {
	Base     string
	Pointers int
}

func (*Ident) expr()  {}
func (*Number) expr() {}
func (*Member) expr() {}
func (*Index) expr()  {}
func (*Deref) expr()  {}
func (*AddrOf) expr() {}
func (*Cast) expr()   {}
func (*Paren) expr()  {}

func (e *Ident) String() string  { return e.Name }
func (e *Number) String() string { return e.Text }
func (e *Index) String() string  { return e.X.String() + "[" + e.Index.String() + "]" }
func (e *Deref) String() string  { return "*" + e.X.String() }
func (e *AddrOf) String() string { return "&" + e.X.String() }
func (e *Cast) String() string   { return "(" + e.Type.String() + ")" + e.X.String() }
func (e *Paren) String() string  { return "(" + e.X.String() + ")" }

func (e *Member) String() string {
	if e.Arrow {
		return e.X.String() + "->" + e.Name
	}
	return e.X.String() + "." + e.Name
}

// String spells the type as C does: "struct inpcb *".
func (t TypeName) String() string {
	if t.Pointers == 0 {
		return t.Base
	}
	return t.Base + " " + strings.Repeat("*", t.Pointers)
}

// A SyntaxError reports an expression that does not parse, with the byte
// offset of the problem.
type SyntaxError struct {
	Input  string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid expression %q at offset %d: %s", e.Input, e.Offset, e.Msg)
}

// maxNesting caps the nesting of parentheses, brackets and unary
// operators, so that hostile input cannot exhaust the stack.
const maxNesting = 200

// typeWords are the words that start a C type name in a cast.
var typeWords = map[string]bool{
	"struct": true, "union": true, "enum": true, "unsigned": true, "signed": true,
	"char": true, "short": true, "int": true, "long": true, "void": true,
	"const": true, "volatile": true, "_Bool": true, "float": true, "double": true,
}

// Parse parses a C expression as kernel developers type it into a
// debugger: identifiers, integer literals, member access with . and ->,
// indexing with [], unary * and &, casts to a type name with pointer stars,
// and parentheses. gdb's quoting of a whole expression in single quotes,
// as in 'V_tcbinfo.ipi_listhead', is accepted too.
func Parse(input string) (Expr, error) {
	text := strings.TrimSpace(input)
	if len(text) >= 2 && text[0] == '\'' && text[len(text)-1] == '\'' {
		text = text[1 : len(text)-1]
	}
	toks, err := lex(text)
	if err != nil {
		err.(*SyntaxError).Input = input
		return nil, err
	}
	p := &parser{input: input, toks: toks}
	e := p.unary(0)
	if p.err == nil && p.peek().kind != tokEOF {
		p.fail(p.peek(), "unexpected %s after the expression", p.peek())
	}
	if p.err != nil {
		return nil, p.err
	}
	return e, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokNumber
	tokPunct
)

type token struct {
	kind tokKind
	text string
	off  int
	num  uint64
}

func (t token) String() string {
	if t.kind == tokEOF {
		return "end of input"
	}
	return strconv.Quote(t.text)
}

// lex splits s into identifiers, numbers and the punctuators . -> [ ] ( ) * &.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j])) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: s[i:j], off: i})
			i = j
		case isDigit(c):
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j])) {
				j++
			}
			n, err := parseNumber(s[i:j])
			if err != nil {
				return nil, &SyntaxError{Offset: i, Msg: err.Error()}
			}
			toks = append(toks, token{kind: tokNumber, text: s[i:j], off: i, num: n})
			i = j
		case c == '-' && i+1 < len(s) && s[i+1] == '>':
			toks = append(toks, token{kind: tokPunct, text: "->", off: i})
			i += 2
		case strings.IndexByte(".[]()*&", c) >= 0:
			toks = append(toks, token{kind: tokPunct, text: s[i : i+1], off: i})
			i++
		default:
			return nil, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected character %q (expressions use names, numbers, ., ->, [], *, & and casts)", c)}
		}
	}
	return append(toks, token{kind: tokEOF, off: len(s)}), nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseNumber reads a C integer literal: decimal, 0x hex or 0 octal, with
// an optional u/l suffix.
func parseNumber(s string) (uint64, error) {
	digits := strings.TrimRight(s, "uUlL")
	base := 10
	switch {
	case strings.HasPrefix(digits, "0x") || strings.HasPrefix(digits, "0X"):
		base, digits = 16, digits[2:]
	case len(digits) > 1 && digits[0] == '0':
		base, digits = 8, digits[1:]
	}
	n, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid integer %q: give a decimal, 0x hex or 0 octal number of at most 64 bits", s)
	}
	return n, nil
}

type parser struct {
	input string
	toks  []token
	pos   int
	err   error
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) peekAt(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) isPunct(text string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == text
}

// fail records the first error. Parsing then unwinds with nil nodes.
func (p *parser) fail(at token, format string, args ...any) {
	if p.err == nil {
		p.err = &SyntaxError{Input: p.input, Offset: at.off, Msg: fmt.Sprintf(format, args...)}
	}
}

func (p *parser) expect(text string) {
	if p.err != nil {
		return
	}
	if !p.isPunct(text) {
		p.fail(p.peek(), "expected %q, found %s", text, p.peek())
		return
	}
	p.next()
}

// unary parses * & casts and postfix expressions.
func (p *parser) unary(depth int) Expr {
	if p.err != nil {
		return nil
	}
	if depth > maxNesting {
		p.fail(p.peek(), "expression nests deeper than %d levels", maxNesting)
		return nil
	}
	switch {
	case p.isPunct("*"):
		p.next()
		return p.ok(&Deref{X: p.unary(depth + 1)})
	case p.isPunct("&"):
		p.next()
		return p.ok(&AddrOf{X: p.unary(depth + 1)})
	case p.isPunct("(") && p.isCast():
		p.next()
		tn := p.typeName()
		p.expect(")")
		return p.ok(&Cast{Type: tn, X: p.unary(depth + 1)})
	}
	return p.postfix(depth)
}

// ok returns e unless parsing failed, so that no half-built node escapes.
func (p *parser) ok(e Expr) Expr {
	if p.err != nil {
		return nil
	}
	return e
}

// isCast decides whether the "(" at the cursor starts a cast. It does when
// the parentheses start with a C type keyword, or hold one name followed
// by stars, or hold one name and are followed by something a cast can
// apply to: (inpcbinfo_p)0x1000 is a cast, (tcbinfo).ipi_count is not.
func (p *parser) isCast() bool {
	first := p.peekAt(1)
	if first.kind != tokIdent {
		return false
	}
	if typeWords[first.text] {
		return true
	}
	i := 2
	stars := 0
	for t := p.peekAt(i); t.kind == tokPunct && t.text == "*"; t = p.peekAt(i) {
		stars++
		i++
	}
	if t := p.peekAt(i); t.kind != tokPunct || t.text != ")" {
		return false
	}
	if stars > 0 {
		return true
	}
	after := p.peekAt(i + 1)
	return after.kind == tokIdent || after.kind == tokNumber ||
		after.kind == tokPunct && (after.text == "(" || after.text == "*" || after.text == "&")
}

// typeName parses the words and stars of a cast's type.
func (p *parser) typeName() TypeName {
	var words []string
	for p.peek().kind == tokIdent {
		w := p.next().text
		words = append(words, w)
		if w == "struct" || w == "union" || w == "enum" {
			if p.peek().kind != tokIdent {
				p.fail(p.peek(), "expected a tag name after %q", w)
				return TypeName{}
			}
			words = append(words, p.next().text)
		}
	}
	tn := TypeName{Base: strings.Join(words, " ")}
	for p.isPunct("*") {
		p.next()
		tn.Pointers++
	}
	if tn.Base == "" {
		p.fail(p.peek(), "expected a type name")
	}
	return tn
}

// postfix parses a primary expression followed by . -> and [].
func (p *parser) postfix(depth int) Expr {
	x := p.primary(depth)
	for p.err == nil {
		switch {
		case p.isPunct(".") || p.isPunct("->"):
			arrow := p.next().text == "->"
			name := p.next()
			if name.kind != tokIdent {
				p.fail(name, "expected a member name, found %s", name)
				return nil
			}
			x = &Member{X: x, Name: name.text, Arrow: arrow}
		case p.isPunct("["):
			p.next()
			i := p.unary(depth + 1)
			p.expect("]")
			x = &Index{X: x, Index: i}
		default:
			return p.ok(x)
		}
	}
	return nil
}

func (p *parser) primary(depth int) Expr {
	t := p.next()
	switch {
	case t.kind == tokIdent && typeWords[t.text]:
		p.fail(t, "type name %q outside a cast; write (TYPE *)ADDRESS", t.text)
	case t.kind == tokIdent:
		return &Ident{Name: t.text}
	case t.kind == tokNumber:
		return &Number{Value: t.num, Text: t.text}
	case t.kind == tokPunct && t.text == "(":
		x := p.unary(depth + 1)
		p.expect(")")
		return p.ok(&Paren{X: x})
	default:
		p.fail(t, "expected a name, a number or \"(\", found %s", t)
	}
	return nil
}
