package eval

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
)

// evalInt evaluates s and returns its value as an int64.
func evalInt(t *testing.T, ev *Evaluator, s string) int64 {
	t.Helper()
	o, err := ev.EvalString(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	v, err := ev.Value(o)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	if v.Err != nil || v.Int == nil {
		t.Fatalf("%s: decoded %v (kind %v, err %v), want an integer", s, v, v.Kind, v.Err)
	}
	return v.Int.Int64()
}

func TestEvalMemberPointerIndex(t *testing.T) {
	w := newWorld(t)
	tcb := w.vaddr("tcbinfo")
	w.put32(tcb+w.off("struct inpcbinfo", "ipi_count"), 7)
	w.put64(tcb+w.off("struct inpcbinfo", "ipi_hashmask"), 511)
	w.put64(w.vaddr("tcbinfo_ptr"), tcb)
	w.put32(w.vaddr("ip_rsvp_ports")+8, 3455)

	// Two interfaces outside the vnet, reached through ifindex_table[1].
	ifp := uint64(0xfffff80000500000)
	w.put(ifp, w.size("struct ifnet"))
	w.put32(ifp+w.off("struct ifnet", "if_mtu"), 1500)
	copy(w.at(ifp+w.off("struct ifnet", "if_xname")), "em0\x00")
	w.put64(w.vaddr("ifindex_table")+8, ifp)

	ev := w.evaluator()
	cases := []struct {
		expr string
		want int64
	}{
		{"V_tcbinfo.ipi_count", 7},
		{"tcbinfo.ipi_count", 7},
		{"'V_tcbinfo.ipi_hashmask'", 511},
		{"V_tcbinfo_ptr->ipi_count", 7},
		{"(*V_tcbinfo_ptr).ipi_count", 7},
		{"V_tcbinfo_ptr.ipi_count", 7}, // gdb accepts . on a pointer
		{"V_tcbinfo_ptr[0].ipi_hashmask", 511},
		{"V_ip_rsvp_ports[2]", 3455},
		{"*&V_ip_rsvp_ports[2]", 3455},
		{"V_ifindex_table[1]->if_mtu", 1500},
		{"(*V_ifindex_table[1]).if_xname[1]", 'm'},
		{"((struct ifnet *)0xfffff80000500000)->if_mtu", 1500},
		{"(*(struct ifnet *)0xfffff80000500000).if_mtu", 1500},
		{"((inpcbinfo_p)V_tcbinfo_ptr)->ipi_count", 7},
	}
	for _, c := range cases {
		if got := evalInt(t, ev, c.expr); got != c.want {
			t.Errorf("%s = %d, want %d", c.expr, got, c.want)
		}
	}

	// &V_x is the vnet's copy, at data base plus the symbol's address.
	if got := uint64(evalInt(t, ev, "(unsigned long)&V_tcbinfo")); got != tcb {
		t.Errorf("&V_tcbinfo = %#x, want %#x", got, tcb)
	}
	if got := uint64(evalInt(t, ev, "(unsigned long)&V_tcbinfo.ipi_count")); got != tcb+w.off("struct inpcbinfo", "ipi_count") {
		t.Errorf("&V_tcbinfo.ipi_count = %#x", got)
	}
	o, err := ev.EvalString("V_ifindex_table[1]->if_xname")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ev.Value(o)
	if err != nil || v.Kind != value.String || v.Str != "em0" {
		t.Errorf("if_xname = %v (%v), want \"em0\"", v, err)
	}
	if got := symbols.TypeName(o.Type); got != "char [16]" {
		t.Errorf("type of if_xname = %q, want char [16]", got)
	}
}

// TestEvalBitfields uses a vnet's bytes of V_tcp_cfg and the values gdb
// printed for them (the web.php vnet of testdata/cores/clang-dwarf5).
func TestEvalBitfields(t *testing.T) {
	w := newWorld(t)
	raw, _ := hex.DecodeString("07248c330f000000ffffffff7fcf2bbf")
	copy(w.at(w.vaddr("tcp_cfg")), raw)
	ev := w.evaluator()
	for expr, want := range map[string]int64{
		"V_tcp_cfg.sack_enable": 1,
		"V_tcp_cfg.ecn_mode":    3,
		"V_tcp_cfg.mss_shift":   777,
		"V_tcp_cfg.rtt_adjust":  -100,
		"V_tcp_cfg.flags8":      15,
		"V_tcp_cfg.seq_hi":      549755813887,
		"V_tcp_cfg.drift":       -54321,
		"V_tcp_cfg.cc_bits":     5,
	} {
		if got := evalInt(t, ev, expr); got != want {
			t.Errorf("%s = %d, want %d", expr, got, want)
		}
	}
	_, err := ev.EvalString("&V_tcp_cfg.seq_hi")
	if err == nil || !strings.Contains(err.Error(), "has no address") {
		t.Errorf("&V_tcp_cfg.seq_hi: error = %v, want 'has no address'", err)
	}
}

func TestEvalErrorsNameStep(t *testing.T) {
	w := newWorld(t)
	tcb := w.vaddr("tcbinfo")
	w.put64(tcb, 0xfffff80000600000) // ipi_listhead.lh_first, unmapped
	ev := w.evaluator()

	cases := []struct {
		expr, step, msg string
	}{
		{"V_tcbinfo_ptr->ipi_count", "V_tcbinfo_ptr->ipi_count", "V_tcbinfo_ptr is NULL"},
		{"*V_tcbinfo_ptr", "*V_tcbinfo_ptr", "V_tcbinfo_ptr is NULL"},
		{"V_tcbinfo.nope", "V_tcbinfo.nope", "struct inpcbinfo has no member nope"},
		{"V_tcbinfo.ipi_count.x", "V_tcbinfo.ipi_count.x", "not a struct or union"},
		{"V_ip_rsvp_ports[4]", "V_ip_rsvp_ports[4]", "index 4 is outside the 4 elements"},
		{"V_ip_defttl[0]", "V_ip_defttl[0]", "not an array or a pointer"},
		{"*V_pfil_head_ptr", "*V_pfil_head_ptr", "void pointer"},
		{"*V_ip_defttl", "*V_ip_defttl", "not a pointer"},
		{"V_no_such_var", "V_no_such_var", "no symbol vnet_entry_no_such_var"},
		{"no_such_global", "no_such_global", "no_such_global"},
		{"(struct no_such *)0", "(struct no_such *)0", "no_such"},
		{"(struct inpcb)0", "(struct inpcb)0", "only pointer and integer casts"},
		{"&(unsigned long)1", "&(unsigned long)1", "has no address"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := ev.EvalString(c.expr)
			var stepErr *Error
			if !errors.As(err, &stepErr) {
				t.Fatalf("error = %v, want an *Error", err)
			}
			if stepErr.Expr != c.step {
				t.Errorf("failed step = %q, want %q", stepErr.Expr, c.step)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error = %q, want it to contain %q", err, c.msg)
			}
		})
	}

	// A read fault surfaces when the value is read, naming the step and
	// the address.
	o, err := ev.EvalString("V_tcbinfo.ipi_listhead.lh_first->inp_list")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ev.Value(o)
	if !errors.Is(err, kvm.ErrNotMapped) {
		t.Fatalf("error = %v, want kvm.ErrNotMapped", err)
	}
	want := "V_tcbinfo.ipi_listhead.lh_first->inp_list: read virtual address 0xfffff80000600000: address not mapped"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestEvalNeedsVnet(t *testing.T) {
	w := newWorld(t)
	ev := w.evaluator()
	ev.Vnet = nil
	_, err := ev.EvalString("V_ip_defttl")
	if !errors.Is(err, ErrNoVnet) {
		t.Errorf("V_ip_defttl without a vnet: error = %v, want ErrNoVnet", err)
	}
	e, _ := Parse("(struct inpcb *)&V_ifnet")
	if !Virtualized(ev.Kernel, e) {
		t.Errorf("Virtualized(%s) = false, want true", e)
	}
	e, _ = Parse("((struct inpcb *)0x10)->inp_lport")
	if Virtualized(ev.Kernel, e) {
		t.Errorf("Virtualized(%s) = true, want false", e)
	}
}

func TestFollowPointers(t *testing.T) {
	w := newWorld(t)
	w.put32(w.vaddr("ip_defttl"), 64)
	w.put64(w.vaddr("ip_defttl_ptr"), w.vaddr("ip_defttl"))
	rt := w.vaddr("rt_table")
	stride := uint64(w.size("struct rt_entry"))
	ifp := uint64(0xfffff80000500000)
	w.put(ifp, w.size("struct ifnet"))
	w.put32(ifp+w.off("struct ifnet", "if_mtu"), 9000)
	w.put64(rt+2*stride+w.off("struct rt_entry", "rt_ifp"), ifp)
	w.put64(rt+0*stride+w.off("struct rt_entry", "rt_ifp"), 0xfffff80000700000) // unmapped
	ev := w.evaluator()

	o, err := ev.EvalString("V_ip_defttl_ptr")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ev.Value(o)
	targets, cut := ev.FollowPointers(v, 0)
	if cut || len(targets) != 1 {
		t.Fatalf("targets of V_ip_defttl_ptr = %d (cut %v), want 1", len(targets), cut)
	}
	if tg := targets[0]; tg.Path != "" || tg.Addr != w.vaddr("ip_defttl") || tg.Value == nil || tg.Value.Int.Int64() != 64 {
		t.Errorf("target = %+v, want V_ip_defttl = 64", tg)
	}

	o, err = ev.EvalString("V_rt_table")
	if err != nil {
		t.Fatal(err)
	}
	v, _ = ev.Value(o)
	targets, _ = ev.FollowPointers(v, 0)
	if len(targets) != 2 {
		t.Fatalf("targets of V_rt_table = %d, want 2 (NULL pointers are skipped)", len(targets))
	}
	if targets[0].Path != "[0].rt_ifp" || !errors.Is(targets[0].Err, kvm.ErrNotMapped) {
		t.Errorf("first target = %q err %v, want [0].rt_ifp with ErrNotMapped", targets[0].Path, targets[0].Err)
	}
	if targets[1].Path != "[2].rt_ifp" || targets[1].Value == nil {
		t.Fatalf("second target = %+v, want [2].rt_ifp with a value", targets[1])
	}
	mtu := fieldInt(t, targets[1].Value, "if_mtu")
	if mtu != 9000 {
		t.Errorf("[2].rt_ifp->if_mtu = %d, want 9000", mtu)
	}
	if _, cut := ev.FollowPointers(v, 1); !cut {
		t.Errorf("FollowPointers with max 1 did not report the cut")
	}
}

func fieldInt(t *testing.T, v *value.Value, name string) int64 {
	t.Helper()
	for _, f := range v.Fields {
		if f.Name == name && f.Value.Int != nil {
			return f.Value.Int.Int64()
		}
	}
	t.Fatalf("no integer member %s in %v", name, v)
	return 0
}

func TestCIntegerSize(t *testing.T) {
	cases := []struct {
		name string
		lp64 int64 // 0 when the name is not a C integer type
		ilp  int64
	}{
		{"char", 1, 1},
		{"unsigned char", 1, 1},
		{"signed char", 1, 1},
		{"short", 2, 2},
		{"unsigned short int", 2, 2},
		{"int", 4, 4},
		{"unsigned", 4, 4},
		{"signed int", 4, 4},
		{"long", 8, 4},
		{"unsigned long", 8, 4},
		{"long int", 8, 4},
		{"long long", 8, 8},
		{"unsigned long long int", 8, 8},
		{"struct inpcb", 0, 0},
		{"u_int", 0, 0},
		{"char int", 0, 0},
		{"", 0, 0},
	}
	for _, c := range cases {
		for _, ptr := range []int64{8, 4} {
			want := c.lp64
			if ptr == 4 {
				want = c.ilp
			}
			got, ok := cIntegerSize(c.name, ptr)
			if ok != (want != 0) || got != want {
				t.Errorf("cIntegerSize(%q, %d) = %d, %v; want %d", c.name, ptr, got, ok, want)
			}
		}
	}
}

// FuzzEval evaluates arbitrary expressions, and walks them as lists, over
// a vnet with pointers that lead into and out of the synthetic memory. It
// checks that evaluation returns errors and never panics.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"V_tcbinfo.ipi_listhead.lh_first->inp_list.le_next",
		"*(struct inpcb *)0xfffff80000409200",
		"V_ifindex_table[7]->if_vnet",
		"(struct ifnet **)V_ifindex_table",
		"&V_tcp_cfg",
		"V_rt_table[2].rt_ifp[3]",
		"*(int *)&hz",
		"(char)V_ip_defttl",
	} {
		f.Add(s)
	}
	w := newWorld(f)
	w.inpcbs(3)
	w.put64(w.vaddr("ifindex_table")+8, 0xfffff80000409200)
	w.put64(w.vaddr("tcbinfo_ptr"), w.vaddr("tcbinfo"))
	ev := w.evaluator()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		o, err := ev.Eval(e)
		if err != nil {
			return
		}
		if v, err := ev.Value(o); err == nil && v == nil {
			t.Fatalf("%s: Value returned neither a value nor an error", s)
		}
		l := ev.WalkList(o, ListOptions{Max: 50})
		if len(l.Elements) > 50 {
			t.Fatalf("%s: %d elements past the bound of 50", s, len(l.Elements))
		}
	})
}

func TestFollowCharPointers(t *testing.T) {
	w := newWorld(t)
	str := uint64(0xfffff80000a00000)
	// cString reads to the end of a page, because a dump holds or lacks
	// whole pages.
	copy(w.put(str, 4096), "FreeBSD\x00junk")
	w.put64(w.vaddr("ostype_ptr"), str)
	ev := w.evaluator()
	o, err := ev.EvalString("V_ostype_ptr")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ev.Value(o)
	targets, _ := ev.FollowPointers(v, 0)
	if len(targets) != 1 || targets[0].Value == nil {
		t.Fatalf("targets = %+v, want one string", targets)
	}
	if got := targets[0].Value; got.Kind != value.String || got.Str != "FreeBSD" {
		t.Errorf("*V_ostype_ptr = %v, want \"FreeBSD\"", got)
	}
	if got := symbols.TypeName(targets[0].Type); got != "const char [8]" {
		t.Errorf("type = %q, want const char [8]", got)
	}

	// A string that runs into an unreadable page keeps the bytes before
	// it: here the 8 bytes up to the page end at 0xfffff80000b01000.
	tail := uint64(0xfffff80000b00ff8)
	copy(w.put(tail, 8), "ABCDEFGH")
	w.put64(w.vaddr("ostype_ptr"), tail)
	o, _ = ev.EvalString("V_ostype_ptr")
	v, _ = ev.Value(o)
	targets, _ = ev.FollowPointers(v, 0)
	if len(targets) != 1 || targets[0].Value == nil || targets[0].Value.Str != "ABCDEFGH" {
		t.Errorf("string cut by an unmapped page = %+v, want ABCDEFGH", targets)
	}

	// A pointer to an unreadable string is an error.
	w.put64(w.vaddr("ostype_ptr"), 0xfffff80000c00000)
	o, _ = ev.EvalString("V_ostype_ptr")
	v, _ = ev.Value(o)
	targets, _ = ev.FollowPointers(v, 0)
	if len(targets) != 1 || !errors.Is(targets[0].Err, kvm.ErrNotMapped) {
		t.Errorf("unreadable string = %+v, want ErrNotMapped", targets)
	}
}
