package eval

import (
	"testing"
)

// BenchmarkWalkList walks a LIST of DefaultMaxList struct inpcb laid out
// in one run of synthetic memory.
func BenchmarkWalkList(b *testing.B) {
	w := newWorld(b)
	size := uint64(w.size("struct inpcb"))
	n := DefaultMaxList
	base := uint64(0xfffff80001000000)
	w.put(base, int64(size)*int64(n))
	next := w.off("struct inpcb", "inp_list.le_next")
	prev := w.off("struct inpcb", "inp_list.le_prev")
	head := w.vaddr("tcbinfo") + w.off("struct inpcbinfo", "ipi_listhead")
	w.put64(head, base)
	link := head
	for i := range n {
		a := base + uint64(i)*size
		if i+1 < n {
			w.put64(a+next, a+size)
		}
		w.put64(a+prev, link)
		link = a + next
	}
	ev := w.evaluator()
	o, err := ev.EvalString("V_tcbinfo.ipi_listhead")
	if err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for b.Loop() {
		l := ev.WalkList(o, ListOptions{})
		if l.Err != nil || len(l.Elements) != n || len(l.Warnings) != 0 {
			b.Fatalf("walk: %d elements, err %v, warnings %v", len(l.Elements), l.Err, l.Warnings)
		}
	}
}
