package eval

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSpelling(t *testing.T) {
	cases := []struct{ in, want string }{
		{"V_tcbinfo", "V_tcbinfo"},
		{"'V_tcbinfo.ipi_listhead'", "V_tcbinfo.ipi_listhead"},
		{"V_tcbinfo.ipi_listhead.lh_first->inp_list", "V_tcbinfo.ipi_listhead.lh_first->inp_list"},
		{"ifindex_table[1]->if_xname", "ifindex_table[1]->if_xname"},
		{"*V_ip_defttl_ptr", "*V_ip_defttl_ptr"},
		{"&V_ip_defttl", "&V_ip_defttl"},
		{"(struct inpcb *)0xfffff8000040c340", "(struct inpcb *)0xfffff8000040c340"},
		{"*(struct inpcb*)0xfffff8000040c340", "*(struct inpcb *)0xfffff8000040c340"},
		{"((struct inpcb *)0x10)->inp_lport", "((struct inpcb *)0x10)->inp_lport"},
		{"(inpcbinfo_p)0x1000", "(inpcbinfo_p)0x1000"},
		{"(unsigned long)&hz", "(unsigned long)&hz"},
		{"(struct ifnet **)V_ifindex_table", "(struct ifnet **)V_ifindex_table"},
		{"(tcbinfo).ipi_count", "(tcbinfo).ipi_count"},
		{"(V_tcbinfo_ptr)->ipi_count", "(V_tcbinfo_ptr)->ipi_count"},
		{"rt_table[ 2 ].rt_ifp->if_xname", "rt_table[2].rt_ifp->if_xname"},
		{"ip_fw_matrix[1][3]", "ip_fw_matrix[1][3]"},
		{"a[*p]", "a[*p]"},
		{"x[010]", "x[010]"},
		{"x[10UL]", "x[10UL]"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			e, err := Parse(c.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			if got := e.String(); got != c.want {
				t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestParseTree(t *testing.T) {
	e, err := Parse("*(struct inpcb *)0x20->inp_list.le_next")
	if err != nil {
		t.Fatal(err)
	}
	// C binds postfix operators before the cast and the cast before *.
	d, ok := e.(*Deref)
	if !ok {
		t.Fatalf("top node is %T, want *Deref", e)
	}
	c, ok := d.X.(*Cast)
	if !ok {
		t.Fatalf("operand of * is %T, want *Cast", d.X)
	}
	if c.Type != (TypeName{Base: "struct inpcb", Pointers: 1}) {
		t.Errorf("cast type = %+v, want struct inpcb with 1 pointer", c.Type)
	}
	m, ok := c.X.(*Member)
	if !ok || m.Name != "le_next" || m.Arrow {
		t.Fatalf("cast operand is %#v, want .le_next", c.X)
	}
	inner, ok := m.X.(*Member)
	if !ok || inner.Name != "inp_list" || !inner.Arrow {
		t.Fatalf("inner member is %#v, want ->inp_list", m.X)
	}
	n, ok := inner.X.(*Number)
	if !ok || n.Value != 0x20 {
		t.Fatalf("innermost is %#v, want the number 0x20", inner.X)
	}
}

func TestParseNumbers(t *testing.T) {
	cases := map[string]uint64{
		"0":                    0,
		"42":                   42,
		"0x2A":                 42,
		"052":                  42,
		"0xffffffffffffffff":   1<<64 - 1,
		"18446744073709551615": 1<<64 - 1,
		"7ul":                  7,
	}
	for in, want := range cases {
		e, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		n, ok := e.(*Number)
		if !ok || n.Value != want {
			t.Errorf("Parse(%q) = %#v, want the number %d", in, e, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		in     string
		offset int
		msg    string
	}{
		{"", 0, "expected a name"},
		{"V_tcbinfo.", 10, "expected a member name"},
		{"V_tcbinfo->", 11, "expected a member name"},
		{"a[1", 3, `expected "]"`},
		{"(a", 2, `expected ")"`},
		{"a b", 2, "unexpected \"b\" after the expression"},
		{"a + 1", 2, "unexpected character '+'"},
		{"0x", 0, "invalid integer"},
		{"0x1ffffffffffffffff", 0, "invalid integer"},
		{"09", 0, "invalid integer"},
		{"(struct)0", 7, "expected a tag name"},
		{"struct inpcb", 0, "type name \"struct\" outside a cast"},
		{"(*)0", 2, "expected a name"},
		{"a.1", 2, "expected a member name"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := Parse(c.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", c.in, err)
			}
			if se.Offset != c.offset {
				t.Errorf("Parse(%q) offset = %d, want %d (%v)", c.in, se.Offset, c.offset, err)
			}
			if !strings.Contains(se.Msg, c.msg) {
				t.Errorf("Parse(%q) message = %q, want it to contain %q", c.in, se.Msg, c.msg)
			}
			if se.Input != c.in {
				t.Errorf("Parse(%q) error input = %q", c.in, se.Input)
			}
		})
	}
}

func TestParseNestingLimit(t *testing.T) {
	deep := strings.Repeat("*", maxNesting+5) + "p"
	if _, err := Parse(deep); err == nil || !strings.Contains(err.Error(), "nests deeper") {
		t.Errorf("Parse of %d stars: error = %v, want a nesting error", maxNesting+5, err)
	}
	ok := strings.Repeat("*", 50) + "p"
	if _, err := Parse(ok); err != nil {
		t.Errorf("Parse of 50 stars: %v", err)
	}
}

// FuzzParse checks that Parse never panics and that what it accepts spells
// back into an expression that parses to the same spelling.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"V_tcbinfo.ipi_listhead.lh_first->inp_list",
		"*(struct inpcb *)0xfffff8000040c340",
		"(inpcbinfo_p)0x1000",
		"&rt_table[2].rt_ifp",
		"((a))[b[c]]->d.e",
		"'V_ifnet'",
		"(unsigned long)&hz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		text := e.String()
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) gave %q, which does not parse: %v", s, text, err)
		}
		if again.String() != text {
			t.Fatalf("Parse(%q) gave %q, which parses to %q", s, text, again.String())
		}
	})
}
