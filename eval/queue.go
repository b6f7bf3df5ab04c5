package eval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
)

// A ListKind is one of the queue(3) list flavours.
type ListKind string

// The queue(3) list kinds, named after their FreeBSD macros.
const (
	LIST   ListKind = "LIST"
	TAILQ  ListKind = "TAILQ"
	STAILQ ListKind = "STAILQ"
	SLIST  ListKind = "SLIST"
)

// queueShape is the member naming of one kind in sys/sys/queue.h: the
// head's pointer to the first element and the entry's pointer to the next.
type queueShape struct {
	kind       ListKind
	headFirst  string
	headOther  string // a second member every head of this kind has, "" if none
	entryNext  string
	entryOther string // a second member every entry of this kind has, "" if none
}

// queueShapes lists one shape per kind. Member names alone separate them,
// because each kind prefixes its members differently (lh_, tqh_, stqh_, slh_).
var queueShapes = []queueShape{
	{LIST, "lh_first", "", "le_next", "le_prev"},
	{TAILQ, "tqh_first", "tqh_last", "tqe_next", "tqe_prev"},
	{STAILQ, "stqh_first", "stqh_last", "stqe_next", ""},
	{SLIST, "slh_first", "", "sle_next", ""},
}

// DefaultMaxList is the default bound on the elements of one list walk.
const DefaultMaxList = 10000

// ListOptions controls [Evaluator.WalkList].
type ListOptions struct {
	// ElementType names the element type, as "struct inpcb". Empty infers
	// it from the head's first-element pointer or the entry's next pointer.
	ElementType string
	// Link is the element's entry member, a dotted path such as
	// "inp_list". Empty picks the one member whose type is an entry of the
	// list's kind pointing to the element type. When there are several, a
	// LIST or TAILQ walked from its head takes the one whose prev pointer
	// in the first element points back at the head.
	Link string
	// Max bounds the number of elements read. Zero or less means
	// DefaultMaxList.
	Max int
}

// A List is the result of walking a queue(3) list.
type List struct {
	Expr        string
	Kind        ListKind
	ElementType godwarf.Type
	Link        string
	Elements    []Element
	// Truncated is set when the walk stopped at ListOptions.Max with
	// elements left.
	Truncated bool
	// Err is the reason the walk stopped early: an unreadable element or
	// next pointer, or a cycle. Elements read before it are kept.
	Err error
	// Warnings report back pointers (le_prev, tqe_prev, tqh_last,
	// stqh_last) that do not point where the forward links say. A list
	// changed while the kernel dumped, or a corrupt one, shows them.
	Warnings []string
}

// maxListWarnings caps List.Warnings, so that a corrupt list of many
// elements does not bury the output.
const maxListWarnings = 10

// An Element is one list element.
type Element struct {
	Addr  uint64
	Value *value.Value
}

// ErrCycle means a list leads back to an element already walked.
var ErrCycle = errors.New("list has a cycle")

// A listPlan is how to walk one list: where the first element is and how
// to get from one element to the next.
type listPlan struct {
	kind     ListKind
	elem     godwarf.Type
	link     string
	nextOff  int64  // offset of the next pointer from the element start
	first    uint64 // address of the first element, 0 for an empty list
	elemSize int64

	// Back pointers, checked when known. prevOff is the offset of
	// le_prev or tqe_prev from the element start, -1 for STAILQ and SLIST.
	// headFirst is the address of the head's first-element pointer, which
	// the first element's prev must hold, 0 when the walk did not start at
	// a head. headLast is the value of tqh_last or stqh_last, which must
	// be the address of the last next pointer (or headFirst for an empty
	// list), and hasLast says whether it was read.
	prevOff   int64
	headFirst uint64
	headLast  uint64
	hasLast   bool
}

// WalkList walks the list that o names. o may be a list head, a struct with
// lh_first, tqh_first, stqh_first or slh_first. It may be an entry inside
// an element (le_next, tqe_next, stqe_next or sle_next), and the walk then
// starts at the element containing it. Or it may be a pointer to the first
// element, whose struct type names the element type unless
// opts.ElementType does.
func (ev *Evaluator) WalkList(o *Object, opts ListOptions) *List {
	l := &List{Expr: o.Expr}
	p, err := ev.planList(o, opts)
	if err != nil {
		l.Err = err
		return l
	}
	l.Kind, l.ElementType, l.Link = p.kind, p.elem, p.link
	max := opts.Max
	if max <= 0 {
		max = DefaultMaxList
	}
	ev.walk(l, p, max)
	return l
}

// walk reads elements from p.first until NULL, max, a cycle or an error.
func (ev *Evaluator) walk(l *List, p *listPlan, max int) {
	seen := map[uint64]int{}
	prevLink := p.headFirst // where the link to the next element lies
	for addr := p.first; addr != 0; {
		if len(l.Elements) == max {
			l.Truncated = true
			return
		}
		if i, ok := seen[addr]; ok {
			l.Err = fmt.Errorf("%w: element %d at %#x links back to element %d at %#x, so the walk stopped after %d elements", ErrCycle, len(l.Elements)-1, l.Elements[len(l.Elements)-1].Addr, i, addr, len(l.Elements))
			return
		}
		seen[addr] = len(l.Elements)
		where := fmt.Sprintf("%s: element %d", l.Expr, len(l.Elements))
		b := make([]byte, p.elemSize)
		if err := ev.read(b, addr); err != nil {
			l.Err = &Error{where, err}
			return
		}
		v := value.Decode(p.elem, b, ev.order(), ev.ptrSize(), ev.Limits)
		l.Elements = append(l.Elements, Element{Addr: addr, Value: v})
		if p.prevOff >= 0 && prevLink != 0 {
			if got := ev.word(b[p.prevOff : p.prevOff+int64(ev.ptrSize())]); got != prevLink {
				l.warn("element %d at %#x: its prev pointer is %#x, but the link that points to it is at %#x", len(l.Elements)-1, addr, got, prevLink)
			}
		}
		prevLink = addr + uint64(p.nextOff)
		addr = ev.word(b[p.nextOff : p.nextOff+int64(ev.ptrSize())])
	}
	if p.hasLast && prevLink != 0 && p.headLast != prevLink {
		l.warn("the head's last pointer is %#x, but the last element's next pointer is at %#x", p.headLast, prevLink)
	}
}

// warn adds a warning unless maxListWarnings were added already.
func (l *List) warn(format string, args ...any) {
	switch {
	case len(l.Warnings) < maxListWarnings:
		l.Warnings = append(l.Warnings, fmt.Sprintf(format, args...))
	case len(l.Warnings) == maxListWarnings:
		l.Warnings = append(l.Warnings, "more back pointers disagree; only the first were listed")
	}
}

// word decodes a pointer-sized unsigned integer.
func (ev *Evaluator) word(b []byte) uint64 {
	if len(b) == 4 {
		return uint64(ev.order().Uint32(b))
	}
	return ev.order().Uint64(b)
}

// planList works out the kind, element type, link member and first element.
func (ev *Evaluator) planList(o *Object, opts ListOptions) (*listPlan, error) {
	var explicit godwarf.Type
	if opts.ElementType != "" {
		t, err := ev.Kernel.Syms.Type(opts.ElementType)
		if err != nil {
			return nil, &Error{o.Expr, fmt.Errorf("element type: %w", err)}
		}
		explicit = t
	}
	switch t := symbols.Resolve(o.Type).(type) {
	case *godwarf.StructType:
		if sh, ok := headShape(t); ok {
			return ev.planFromHead(o, sh, explicit, opts.Link)
		}
		if sh, ok := entryShape(t); ok {
			return ev.planFromEntry(o, sh, explicit, opts.Link)
		}
		return nil, &Error{o.Expr, fmt.Errorf("%s is neither a queue(3) list head (lh_first, tqh_first, stqh_first, slh_first) nor an entry (le_next, tqe_next, stqe_next, sle_next)", symbols.TypeName(o.Type))}
	case *godwarf.PtrType:
		return ev.planFromPointer(o, t, explicit, opts.Link)
	}
	return nil, &Error{o.Expr, fmt.Errorf("%s is of type %s: give a list head, an entry, or a pointer to the first element", o.Expr, symbols.TypeName(o.Type))}
}

// headShape recognises a list head by its member names.
func headShape(st *godwarf.StructType) (queueShape, bool) {
	for _, sh := range queueShapes {
		if hasPointer(st, sh.headFirst) && (sh.headOther == "" || hasMember(st, sh.headOther)) {
			return sh, true
		}
	}
	return queueShape{}, false
}

// entryShape recognises a list entry by its member names.
func entryShape(st *godwarf.StructType) (queueShape, bool) {
	for _, sh := range queueShapes {
		if !hasPointer(st, sh.entryNext) {
			continue
		}
		if sh.entryOther != "" && !hasMember(st, sh.entryOther) {
			continue
		}
		return sh, true
	}
	return queueShape{}, false
}

func hasMember(st *godwarf.StructType, name string) bool {
	_, ok := symbols.Member(st, name)
	return ok
}

func hasPointer(st *godwarf.StructType, name string) bool {
	f, ok := symbols.Member(st, name)
	if !ok {
		return false
	}
	_, isPtr := symbols.Resolve(f.Type).(*godwarf.PtrType)
	return isPtr
}

func (ev *Evaluator) planFromHead(o *Object, sh queueShape, explicit godwarf.Type, link string) (*listPlan, error) {
	f, _ := symbols.Member(o.Type, sh.headFirst)
	elem := explicit
	if elem == nil {
		elem = symbols.Resolve(f.Type).(*godwarf.PtrType).Type
	}
	first, err := ev.Member(o, sh.headFirst)
	if err != nil {
		return nil, err
	}
	addr, err := ev.pointer(first)
	if err != nil {
		return nil, &Error{first.Expr, err}
	}
	if link == "" && first.Addressable {
		link = ev.linkByBackPointer(sh, elem, addr, first.Addr)
	}
	p, err := ev.plan(o.Expr, sh, elem, link, addr)
	if err != nil {
		return nil, err
	}
	if !first.Addressable {
		return p, nil
	}
	p.headFirst = first.Addr
	if sh.headOther != "" {
		last, err := ev.Member(o, sh.headOther)
		if err != nil {
			return nil, err
		}
		if p.headLast, err = ev.pointer(last); err != nil {
			return nil, &Error{last.Expr, err}
		}
		p.hasLast = true
	}
	return p, nil
}

// linkByBackPointer picks the link of a LIST or TAILQ whose element has
// several entries of that kind, as FreeBSD's struct inpcb does: the one
// whose prev pointer in the first element holds headFirst, the address of
// the head's first-element pointer. It returns "" when that does not name
// exactly one, and plan then reports the candidates.
func (ev *Evaluator) linkByBackPointer(sh queueShape, elem godwarf.Type, first, headFirst uint64) string {
	st, ok := symbols.Resolve(elem).(*godwarf.StructType)
	if !ok || sh.entryOther == "" || first == 0 {
		return ""
	}
	links := linkCandidates(st, sh, elem)
	if len(links) < 2 {
		return ""
	}
	var match []string
	for _, link := range links {
		f, err := memberPath(st, link+"."+sh.entryOther)
		if err != nil {
			continue
		}
		b := make([]byte, ev.ptrSize())
		if ev.read(b, first+uint64(f.ByteOffset)) == nil && ev.word(b) == headFirst {
			match = append(match, link)
		}
	}
	if len(match) != 1 {
		return ""
	}
	return match[0]
}

func (ev *Evaluator) planFromEntry(o *Object, sh queueShape, explicit godwarf.Type, link string) (*listPlan, error) {
	f, _ := symbols.Member(o.Type, sh.entryNext)
	elem := explicit
	if elem == nil {
		elem = symbols.Resolve(f.Type).(*godwarf.PtrType).Type
	}
	if !o.Addressable {
		return nil, &Error{o.Expr, fmt.Errorf("the entry is a computed value, so the element holding it has no address")}
	}
	p, err := ev.plan(o.Expr, sh, elem, link, 0)
	if err != nil {
		return nil, err
	}
	p.first = o.Addr - uint64(p.nextOff-f.ByteOffset)
	return p, nil
}

func (ev *Evaluator) planFromPointer(o *Object, pt *godwarf.PtrType, explicit godwarf.Type, link string) (*listPlan, error) {
	elem := explicit
	if elem == nil {
		elem = pt.Type
	}
	st, ok := symbols.Resolve(elem).(*godwarf.StructType)
	if !ok {
		return nil, &Error{o.Expr, fmt.Errorf("%s does not point to a struct, so name the element type with --list 'struct TYPE'", o.Expr)}
	}
	addr, err := ev.pointer(o)
	if err != nil {
		return nil, &Error{o.Expr, err}
	}
	// The kind comes from the link member, which must be named or unique
	// over all kinds.
	for _, sh := range queueShapes {
		if link != "" {
			if f, err := memberPath(st, link); err == nil {
				if est, ok := symbols.Resolve(f.Type).(*godwarf.StructType); ok {
					if got, ok := entryShape(est); ok && got.kind == sh.kind {
						return ev.plan(o.Expr, sh, elem, link, addr)
					}
				}
			}
			continue
		}
		if links := linkCandidates(st, sh, elem); len(links) == 1 {
			return ev.plan(o.Expr, sh, elem, links[0], addr)
		}
	}
	return nil, &Error{o.Expr, fmt.Errorf("cannot tell the link member of %s: name it with --link", symbols.TypeName(elem))}
}

// plan finds the link member of elem for a list of shape sh.
func (ev *Evaluator) plan(expr string, sh queueShape, elem godwarf.Type, link string, first uint64) (*listPlan, error) {
	st, ok := symbols.Resolve(elem).(*godwarf.StructType)
	if !ok || st.Incomplete {
		return nil, &Error{expr, fmt.Errorf("element type %s is not a defined struct or union", symbols.TypeName(elem))}
	}
	if link == "" {
		links := linkCandidates(st, sh, elem)
		switch len(links) {
		case 0:
			return nil, &Error{expr, fmt.Errorf("%s has no %s entry member pointing to %s, so name the element type and link with --list and --link", symbols.TypeName(elem), sh.kind, symbols.TypeName(elem))}
		case 1:
			link = links[0]
		default:
			return nil, &Error{expr, fmt.Errorf("%s has several %s entries (%s), so choose one with --link", symbols.TypeName(elem), sh.kind, strings.Join(links, ", "))}
		}
	}
	f, err := memberPath(st, link)
	if err != nil {
		return nil, &Error{expr, fmt.Errorf("link: %s: %w", symbols.TypeName(elem), err)}
	}
	est, ok := symbols.Resolve(f.Type).(*godwarf.StructType)
	if !ok {
		return nil, &Error{expr, fmt.Errorf("link member %s of %s is not a queue(3) entry", link, symbols.TypeName(elem))}
	}
	next, ok := symbols.Member(est, sh.entryNext)
	if !ok {
		return nil, &Error{expr, fmt.Errorf("link member %s of %s has no %s, so it is not a %s entry", link, symbols.TypeName(elem), sh.entryNext, sh.kind)}
	}
	size := symbols.Sizeof(elem)
	nextOff := f.ByteOffset + next.ByteOffset
	if size <= 0 || size > maxObjectSize || nextOff < 0 || nextOff+int64(ev.ptrSize()) > size {
		return nil, &Error{expr, fmt.Errorf("element type %s of %d bytes cannot hold its link %s at offset %d", symbols.TypeName(elem), size, link, nextOff)}
	}
	p := &listPlan{kind: sh.kind, elem: elem, link: link, nextOff: nextOff, first: first, elemSize: size, prevOff: -1}
	if sh.kind == LIST || sh.kind == TAILQ {
		if prev, ok := symbols.Member(est, sh.entryOther); ok && f.ByteOffset+prev.ByteOffset+int64(ev.ptrSize()) <= size {
			p.prevOff = f.ByteOffset + prev.ByteOffset
		}
	}
	return p, nil
}

// linkCandidates lists the members of st, anonymous members searched too,
// that are entries of shape sh whose next pointer points to elem.
func linkCandidates(st *godwarf.StructType, sh queueShape, elem godwarf.Type) []string {
	var out []string
	var visit func(st *godwarf.StructType, prefix string, depth int)
	visit = func(st *godwarf.StructType, prefix string, depth int) {
		if depth > 8 {
			return
		}
		for _, f := range st.Field {
			fst, ok := symbols.Resolve(f.Type).(*godwarf.StructType)
			if !ok {
				continue
			}
			if f.Name == "" {
				visit(fst, prefix, depth+1)
				continue
			}
			got, ok := entryShape(fst)
			if !ok || got.kind != sh.kind {
				continue
			}
			next, _ := symbols.Member(fst, sh.entryNext)
			if sameType(symbols.Resolve(next.Type).(*godwarf.PtrType).Type, elem) {
				out = append(out, prefix+f.Name)
			}
		}
	}
	visit(st, "", 0)
	return out
}

// sameType compares two types by their resolved C spelling, because the
// same struct may be built from several DWARF units.
func sameType(a, b godwarf.Type) bool {
	return symbols.TypeName(symbols.Resolve(a)) == symbols.TypeName(symbols.Resolve(b))
}

// memberPath resolves a dotted member path, such as "inp_list" or
// "inp_u.list", with the offset counted from the start of st.
func memberPath(st godwarf.Type, path string) (godwarf.StructField, error) {
	var off int64
	cur := st
	var f godwarf.StructField
	for _, name := range strings.Split(path, ".") {
		var ok bool
		f, ok = symbols.Member(cur, name)
		if !ok {
			return f, fmt.Errorf("no member %s in %s", name, symbols.TypeName(cur))
		}
		off += f.ByteOffset
		cur = f.Type
	}
	f.ByteOffset = off
	return f, nil
}

// Member returns o.name, as the expression o.name would.
func (ev *Evaluator) Member(o *Object, name string) (*Object, error) {
	e := &Member{X: &objectExpr{o}, Name: name}
	return ev.member(e)
}

// objectExpr is an already evaluated object inside an expression.
type objectExpr struct{ o *Object }

func (*objectExpr) expr()            {}
func (e *objectExpr) String() string { return e.o.Expr }
