package eval

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// inpcbs lays out n struct inpcb at base, 0x100 apart, linked on
// V_tcbinfo's LIST by inp_list as LIST_INSERT_HEAD leaves them, with
// inp_lport 8000+i. It returns their addresses in list order.
func (w *world) inpcbs(n int) []uint64 {
	base := uint64(0xfffff80000409200)
	link := w.off("struct inpcb", "inp_list")
	head := w.vaddr("tcbinfo") + w.off("struct inpcbinfo", "ipi_listhead")
	var addrs []uint64
	for i := range n {
		a := base + uint64(i)*0x100
		w.put(a, w.size("struct inpcb"))
		w.put16(a+w.off("struct inpcb", "inp_lport"), uint16(8000+i))
		addrs = append(addrs, a)
	}
	prev := head
	for i, a := range addrs {
		w.put64(a+w.off("struct inpcb", "inp_list.le_prev"), prev)
		if i+1 < n {
			w.put64(a+w.off("struct inpcb", "inp_list.le_next"), addrs[i+1])
		}
		prev = a + link
	}
	if n > 0 {
		w.put64(head, addrs[0])
	}
	return addrs
}

func (w *world) walk(expr string, opts ListOptions) *List {
	w.t.Helper()
	ev := w.evaluator()
	o, err := ev.EvalString(expr)
	if err != nil {
		w.t.Fatalf("%s: %v", expr, err)
	}
	return ev.WalkList(o, opts)
}

func checkAddrs(t *testing.T, l *List, want []uint64) {
	t.Helper()
	if len(l.Elements) != len(want) {
		t.Fatalf("%d elements, want %d (err %v)", len(l.Elements), len(want), l.Err)
	}
	for i, e := range l.Elements {
		if e.Addr != want[i] {
			t.Errorf("element %d at %#x, want %#x", i, e.Addr, want[i])
		}
	}
}

func TestWalkListInferred(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(3)
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	if l.Kind != LIST || l.Link != "inp_list" || symbols.TypeName(l.ElementType) != "struct inpcb" {
		t.Errorf("walk = %s of %s by %s, want LIST of struct inpcb by inp_list", l.Kind, symbols.TypeName(l.ElementType), l.Link)
	}
	checkAddrs(t, l, addrs)
	for i, e := range l.Elements {
		if got := fieldInt(t, e.Value, "inp_lport"); got != int64(8000+i) {
			t.Errorf("element %d inp_lport = %d, want %d", i, got, 8000+i)
		}
	}
	if l.Truncated {
		t.Errorf("a list of 3 reported as truncated")
	}
	if len(l.Warnings) != 0 {
		t.Errorf("consistent list: warnings %q", l.Warnings)
	}
}

func TestWalkListEmpty(t *testing.T) {
	w := newWorld(t)
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	if l.Err != nil || len(l.Elements) != 0 || l.Kind != LIST {
		t.Errorf("empty list: %d elements, kind %q, err %v", len(l.Elements), l.Kind, l.Err)
	}
}

func TestWalkListExplicit(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(2)
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{ElementType: "struct inpcb", Link: "inp_list"})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	checkAddrs(t, l, addrs)

	bad := w.walk("V_tcbinfo.ipi_listhead", ListOptions{Link: "inp_lport"})
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), "not a queue(3) entry") {
		t.Errorf("--link inp_lport: error = %v, want 'not a queue(3) entry'", bad.Err)
	}
	bad = w.walk("V_tcbinfo.ipi_listhead", ListOptions{Link: "nope"})
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), "no member nope") {
		t.Errorf("--link nope: error = %v, want 'no member nope'", bad.Err)
	}
	bad = w.walk("V_tcbinfo.ipi_listhead", ListOptions{ElementType: "struct no_such"})
	if bad.Err == nil || !strings.Contains(bad.Err.Error(), "no_such") {
		t.Errorf("element type struct no_such: error = %v", bad.Err)
	}
}

func TestWalkListFromEntryAndPointer(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(3)

	// An entry inside element 0 walks from element 0.
	l := w.walk("V_tcbinfo.ipi_listhead.lh_first->inp_list", ListOptions{})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	checkAddrs(t, l, addrs)

	// A pointer to element 1 walks from element 1.
	l = w.walk("V_tcbinfo.ipi_listhead.lh_first->inp_list.le_next", ListOptions{})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	checkAddrs(t, l, addrs[1:])
	if l.Kind != LIST || l.Link != "inp_list" {
		t.Errorf("from a pointer: kind %s link %s, want LIST inp_list", l.Kind, l.Link)
	}

	// A cast address needs no variable at all.
	l = w.walk("(struct inpcb *)0xfffff80000409300", ListOptions{})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	checkAddrs(t, l, addrs[1:])
}

func TestWalkListCycle(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(3)
	w.put64(addrs[2]+w.off("struct inpcb", "inp_list.le_next"), addrs[0])
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	if !errors.Is(l.Err, ErrCycle) {
		t.Fatalf("error = %v, want ErrCycle", l.Err)
	}
	checkAddrs(t, l, addrs)
	if !strings.Contains(l.Err.Error(), "element 2 at 0xfffff80000409400 links back to element 0 at 0xfffff80000409200") {
		t.Errorf("cycle error = %q, want it to name both elements", l.Err)
	}

	// A self-loop is a cycle of one.
	w.put64(addrs[0]+w.off("struct inpcb", "inp_list.le_next"), addrs[0])
	l = w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	if !errors.Is(l.Err, ErrCycle) {
		t.Fatalf("self-loop: error = %v, want ErrCycle", l.Err)
	}
	checkAddrs(t, l, addrs[:1])
}

func TestWalkListBound(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(5)
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{Max: 3})
	if l.Err != nil || !l.Truncated {
		t.Fatalf("max 3 of 5: truncated %v, err %v; want truncated", l.Truncated, l.Err)
	}
	checkAddrs(t, l, addrs[:3])

	l = w.walk("V_tcbinfo.ipi_listhead", ListOptions{Max: 5})
	if l.Err != nil || l.Truncated {
		t.Errorf("max 5 of 5: truncated %v, err %v; want neither", l.Truncated, l.Err)
	}
	checkAddrs(t, l, addrs)
}

func TestWalkListUnreadable(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(3)
	w.put64(addrs[1]+w.off("struct inpcb", "inp_list.le_next"), 0xfffff80000900000)
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	if !errors.Is(l.Err, kvm.ErrNotMapped) {
		t.Fatalf("error = %v, want ErrNotMapped", l.Err)
	}
	checkAddrs(t, l, addrs[:2])
	want := "V_tcbinfo.ipi_listhead: element 2: read virtual address 0xfffff80000900000"
	if !strings.HasPrefix(l.Err.Error(), want) {
		t.Errorf("error = %q, want it to start with %q", l.Err, want)
	}
}

func TestWalkTailq(t *testing.T) {
	w := newWorld(t)
	head := w.vaddr("ifnet")
	link := w.off("struct ifnet", "if_link")
	a, b := uint64(0xfffff8000040c2c0), uint64(0xfffff8000040c300)
	for i, ifp := range []uint64{a, b} {
		w.put(ifp, w.size("struct ifnet"))
		w.put16(ifp+w.off("struct ifnet", "if_index"), uint16(i+1))
	}
	w.put64(head+w.off("struct ifnethead", "tqh_first"), a)
	w.put64(head+w.off("struct ifnethead", "tqh_last"), b+w.off("struct ifnet", "if_link.tqe_next"))
	w.put64(a+w.off("struct ifnet", "if_link.tqe_next"), b)
	w.put64(a+w.off("struct ifnet", "if_link.tqe_prev"), head)
	w.put64(b+w.off("struct ifnet", "if_link.tqe_prev"), a+link)

	l := w.walk("V_ifnet", ListOptions{})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	if l.Kind != TAILQ || l.Link != "if_link" || symbols.TypeName(l.ElementType) != "struct ifnet" {
		t.Errorf("walk = %s of %s by %s, want TAILQ of struct ifnet by if_link", l.Kind, symbols.TypeName(l.ElementType), l.Link)
	}
	checkAddrs(t, l, []uint64{a, b})
	if got := fieldInt(t, l.Elements[1].Value, "if_index"); got != 2 {
		t.Errorf("element 1 if_index = %d, want 2", got)
	}
	if len(l.Warnings) != 0 {
		t.Errorf("consistent TAILQ: warnings %q", l.Warnings)
	}

	// A tqh_last that misses the last element's tqe_next is reported.
	w.put64(head+w.off("struct ifnethead", "tqh_last"), a+w.off("struct ifnet", "if_link.tqe_next"))
	l = w.walk("V_ifnet", ListOptions{})
	want := "the head's last pointer is 0xfffff8000040c2c0, but the last element's next pointer is at 0xfffff8000040c300"
	if len(l.Warnings) != 1 || l.Warnings[0] != want {
		t.Errorf("bad tqh_last: warnings %q, want [%q]", l.Warnings, want)
	}
}

func TestWalkListBackPointers(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(3)
	w.put64(addrs[1]+w.off("struct inpcb", "inp_list.le_prev"), 0xdead0000)
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	checkAddrs(t, l, addrs)
	want := "element 1 at 0xfffff80000409300: its prev pointer is 0xdead0000, but the link that points to it is at 0xfffff80000409200"
	if len(l.Warnings) != 1 || l.Warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", l.Warnings, want)
	}

	// Element 0's le_prev must point at the head's lh_first.
	w.put64(addrs[0]+w.off("struct inpcb", "inp_list.le_prev"), 0)
	l = w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	if len(l.Warnings) != 2 || !strings.HasPrefix(l.Warnings[0], "element 0 at 0xfffff80000409200: its prev pointer is 0x0") {
		t.Errorf("warnings %q, want element 0's first", l.Warnings)
	}
}

func TestWalkListWarningCap(t *testing.T) {
	w := newWorld(t)
	addrs := w.inpcbs(20)
	for _, a := range addrs {
		w.put64(a+w.off("struct inpcb", "inp_list.le_prev"), 1)
	}
	l := w.walk("V_tcbinfo.ipi_listhead", ListOptions{})
	checkAddrs(t, l, addrs)
	if len(l.Warnings) != maxListWarnings+1 || !strings.HasPrefix(l.Warnings[maxListWarnings], "more back pointers") {
		t.Errorf("%d warnings ending %q, want %d and a closing line", len(l.Warnings), l.Warnings[len(l.Warnings)-1], maxListWarnings+1)
	}
}

func TestWalkListNotAList(t *testing.T) {
	w := newWorld(t)
	for _, expr := range []string{"V_ip_defttl", "V_tcbinfo", "V_ipstat"} {
		l := w.walk(expr, ListOptions{})
		if l.Err == nil || l.Kind != "" {
			t.Errorf("%s: kind %q err %v, want an error", expr, l.Kind, l.Err)
		}
	}
}

// handmadeList builds the DWARF shape of sys/sys/queue.h's STAILQ or SLIST
// around "struct item { int id; ENTRY(item) link; }", because the test
// kernel has neither kind.
func handmadeList(kind ListKind) (head *godwarf.StructType, item *godwarf.StructType) {
	ptr := func(t godwarf.Type) *godwarf.PtrType {
		return &godwarf.PtrType{CommonType: godwarf.CommonType{ByteSize: 8}, Type: t}
	}
	intType := &godwarf.IntType{BasicType: godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: 4, Name: "int"}}}
	item = &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 16, Name: "item"}, StructName: "item", Kind: "struct"}
	next, first, last := "sle_next", "slh_first", ""
	if kind == STAILQ {
		next, first, last = "stqe_next", "stqh_first", "stqh_last"
	}
	entry := &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 8}, Kind: "struct",
		Field: []*godwarf.StructField{{Name: next, Type: ptr(item), ByteOffset: 0}}}
	item.Field = []*godwarf.StructField{
		{Name: "id", Type: intType, ByteOffset: 0},
		{Name: "link", Type: entry, ByteOffset: 8},
	}
	head = &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 8, Name: "itemhead"}, StructName: "itemhead", Kind: "struct",
		Field: []*godwarf.StructField{{Name: first, Type: ptr(item), ByteOffset: 0}}}
	if last != "" {
		head.ByteSize = 16
		head.Field = append(head.Field, &godwarf.StructField{Name: last, Type: ptr(ptr(item)), ByteOffset: 8})
	}
	return head, item
}

func TestWalkStailqAndSlist(t *testing.T) {
	for _, kind := range []ListKind{STAILQ, SLIST} {
		t.Run(string(kind), func(t *testing.T) {
			w := newWorld(t)
			head, _ := handmadeList(kind)
			headAddr := uint64(0xfffff80000800000)
			w.put(headAddr, 16)
			addrs := []uint64{0xfffff80000800100, 0xfffff80000800200, 0xfffff80000800300}
			for i, a := range addrs {
				w.put(a, 16)
				w.put32(a, uint32(10+i))
				if i+1 < len(addrs) {
					w.put64(a+8, addrs[i+1])
				}
			}
			w.put64(headAddr, addrs[0])
			if kind == STAILQ {
				w.put64(headAddr+8, addrs[2]+8) // stqh_last: &last->link.stqe_next
			}
			ev := w.evaluator()
			l := ev.WalkList(&Object{Expr: "head", Type: head, Addr: headAddr, Addressable: true}, ListOptions{})
			if l.Err != nil {
				t.Fatal(l.Err)
			}
			if l.Kind != kind || l.Link != "link" {
				t.Errorf("kind %s link %q, want %s link", l.Kind, l.Link, kind)
			}
			checkAddrs(t, l, addrs)
			for i, e := range l.Elements {
				if got := fieldInt(t, e.Value, "id"); got != int64(10+i) {
					t.Errorf("element %d id = %d, want %d", i, got, 10+i)
				}
			}
			if len(l.Warnings) != 0 {
				t.Errorf("consistent %s: warnings %q", kind, l.Warnings)
			}
		})
	}
}

// twoLinkItem builds "struct item { int id; LIST_ENTRY(item) a; LIST_ENTRY(item) b; }"
// and a LIST_HEAD of it, as FreeBSD's struct inpcb sits on several lists.
func twoLinkItem() (head, item *godwarf.StructType) {
	ptr := func(t godwarf.Type) *godwarf.PtrType {
		return &godwarf.PtrType{CommonType: godwarf.CommonType{ByteSize: 8}, Type: t}
	}
	intType := &godwarf.IntType{BasicType: godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: 4, Name: "int"}}}
	item = &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 40, Name: "item"}, StructName: "item", Kind: "struct"}
	entry := func() *godwarf.StructType {
		return &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 16}, Kind: "struct", Field: []*godwarf.StructField{
			{Name: "le_next", Type: ptr(item), ByteOffset: 0},
			{Name: "le_prev", Type: ptr(ptr(item)), ByteOffset: 8},
		}}
	}
	item.Field = []*godwarf.StructField{
		{Name: "id", Type: intType, ByteOffset: 0},
		{Name: "a", Type: entry(), ByteOffset: 8},
		{Name: "b", Type: entry(), ByteOffset: 24},
	}
	head = &godwarf.StructType{CommonType: godwarf.CommonType{ByteSize: 8, Name: "itemhead"}, StructName: "itemhead", Kind: "struct",
		Field: []*godwarf.StructField{{Name: "lh_first", Type: ptr(item), ByteOffset: 0}}}
	return head, item
}

func TestWalkListLinkByBackPointer(t *testing.T) {
	w := newWorld(t)
	head, _ := twoLinkItem()
	headAddr := uint64(0xfffff80000800000)
	w.put(headAddr, 8)
	x, y := uint64(0xfffff80000800100), uint64(0xfffff80000800200)
	w.put(x, 40)
	w.put(y, 40)
	// Both items are on the list through member b; member a is unused.
	w.put64(headAddr, x)
	w.put64(x+24, y)        // x.b.le_next
	w.put64(x+32, headAddr) // x.b.le_prev = &head.lh_first
	w.put64(y+32, x+24)     // y.b.le_prev = &x.b.le_next
	ev := w.evaluator()
	o := &Object{Expr: "head", Type: head, Addr: headAddr, Addressable: true}

	l := ev.WalkList(o, ListOptions{})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	if l.Link != "b" {
		t.Errorf("link = %q, want b, the entry whose le_prev points at the head", l.Link)
	}
	checkAddrs(t, l, []uint64{x, y})

	// Without a telling back pointer the walk names the candidates.
	w.put64(x+32, 0)
	l = ev.WalkList(o, ListOptions{})
	if l.Err == nil || !strings.Contains(l.Err.Error(), "several LIST entries (a, b)") {
		t.Errorf("error = %v, want the candidates a and b", l.Err)
	}
	l = ev.WalkList(o, ListOptions{Link: "b"})
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	checkAddrs(t, l, []uint64{x, y})
}
