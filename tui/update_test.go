package tui

import (
	"errors"
	"image/color"
	"math/big"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// testWalk builds a walk by hand: vnet0 with prison0, a vnet jail "web"
// with a nested vnet jail "web.php" and a nested jail "web.static" that
// shares web's vnet, and a dying vnet whose jail is gone.
func testWalk() *vnetwalk.Walk {
	v0 := &vnetwalk.Vnet{Addr: 0x1000, Vnet0: true, Ifcnt: 4, Sockcnt: 5, HasState: true, State: vnetwalk.SISubVnetDone}
	vweb := &vnetwalk.Vnet{Addr: 0x2000, Ifcnt: 2, Sockcnt: 4, HasState: true, State: vnetwalk.SISubVnetDone}
	vphp := &vnetwalk.Vnet{Addr: 0x3000, Ifcnt: 1, Sockcnt: 0, HasState: true, State: vnetwalk.SISubVnetDone}
	vgone := &vnetwalk.Vnet{Addr: 0x4000, Shutdown: true, HasState: true, State: 0x1000000}
	p0 := &vnetwalk.Jail{JID: 0, Name: "0", VnetAddr: v0.Addr, OwnsVnet: true}
	web := &vnetwalk.Jail{JID: 1, Name: "web", Parent: p0, VnetAddr: vweb.Addr, OwnsVnet: true}
	php := &vnetwalk.Jail{JID: 5, Name: "web.php", Parent: web, VnetAddr: vphp.Addr, OwnsVnet: true}
	static := &vnetwalk.Jail{JID: 6, Name: "web.static", Parent: web, VnetAddr: vweb.Addr}
	v0.Jails = []*vnetwalk.Jail{p0}
	vweb.Jails = []*vnetwalk.Jail{web}
	vweb.Sharers = []*vnetwalk.Jail{static}
	vphp.Jails = []*vnetwalk.Jail{php}
	return &vnetwalk.Walk{
		Vnets: []*vnetwalk.Vnet{vgone, vphp, vweb, v0},
		Jails: []*vnetwalk.Jail{p0, web, php, static},
	}
}

func TestVnetTreeOrder(t *testing.T) {
	w := testWalk()
	p := newVnetPane(w)
	want := []struct {
		depth  int
		jid    int32
		vnet   uint64
		shares bool
	}{
		{0, 0, 0x1000, false},
		{1, 1, 0x2000, false},
		{2, 5, 0x3000, false},
		{2, 6, 0x2000, true},
		{0, -1, 0x4000, false},
	}
	if len(p.rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(p.rows), len(want))
	}
	for i, r := range p.rows {
		jid := int32(-1)
		if r.jail != nil {
			jid = r.jail.JID
		}
		if r.depth != want[i].depth || jid != want[i].jid || r.vnet.Addr != want[i].vnet || r.shares != want[i].shares {
			t.Errorf("row %d: depth %d jid %d vnet %#x shares %v, want %+v", i, r.depth, jid, r.vnet.Addr, r.shares, want[i])
		}
	}
}

func TestVnetTreeMarksDying(t *testing.T) {
	p := newVnetPane(testWalk())
	lines := p.view(NewStyles(true), false, 40, 10)
	last := ansi.Strip(lines[len(lines)-1])
	if !strings.Contains(last, "0x4000") || !strings.Contains(last, "dying") {
		t.Errorf("orphan vnet line %q lacks its address or the dying mark", last)
	}
	shares := ansi.Strip(lines[5])
	if !strings.Contains(shares, "web.static") || !strings.Contains(shares, "shares") {
		t.Errorf("line %q does not show web.static sharing its parent's vnet", shares)
	}
}

func TestVnetStateNames(t *testing.T) {
	cases := []struct {
		v    *vnetwalk.Vnet
		want string
	}{
		{&vnetwalk.Vnet{HasState: true, State: vnetwalk.SISubVnetDone}, "done"},
		{&vnetwalk.Vnet{HasState: true, State: 0x1000000}, "init"},
		{&vnetwalk.Vnet{HasState: true, State: vnetwalk.SISubVnetDone, Shutdown: true}, "dying"},
		{&vnetwalk.Vnet{}, "-"},
		{&vnetwalk.Vnet{Err: errors.New("bad magic")}, "error"},
	}
	for _, c := range cases {
		if got := vnetState(c.v); got != c.want {
			t.Errorf("vnetState(%+v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestFuzzyScore(t *testing.T) {
	cases := []struct {
		pattern, name string
		ok            bool
	}{
		{"", "ip_defttl", true},
		{"defttl", "ip_defttl", true},
		{"idt", "ip_defttl", true},
		{"IDT", "ip_defttl", true},
		{"ttld", "ip_defttl", false},
		{"tcbinfox", "tcbinfo", false},
	}
	for _, c := range cases {
		if _, ok := fuzzyScore(c.pattern, c.name); ok != c.ok {
			t.Errorf("fuzzyScore(%q, %q) matched %v, want %v", c.pattern, c.name, ok, c.ok)
		}
	}
}

func TestFilterVarsRanksAdjacentFirst(t *testing.T) {
	vars := []VarEntry{entry("tcp_sendspace_adj"), entry("tcbinfo"), entry("tcbinfo_ptr"), entry("udbinfo")}
	got := filterVars("tcbinfo", vars)
	if len(got) != 2 || vars[got[0]].Name() != "tcbinfo" || vars[got[1]].Name() != "tcbinfo_ptr" {
		names := []string{}
		for _, i := range got {
			names = append(names, vars[i].Name())
		}
		t.Errorf("filter tcbinfo = %v, want [tcbinfo tcbinfo_ptr]", names)
	}
	if got := filterVars("", vars); len(got) != len(vars) || got[0] != 0 {
		t.Errorf("empty filter = %v, want every variable in order", got)
	}
}

func entry(name string) VarEntry {
	return VarEntry{Var: &vnetwalk.Variable{Name: name}}
}

func intValue(n int64) *value.Value {
	return &value.Value{Kind: value.Int, TypeName: "int", Size: 4, Int: big.NewInt(n)}
}

// structValue is struct s { int a; struct { int b; } inner; int c[2]; }.
func structValue() *value.Value {
	inner := &value.Value{Kind: value.Struct, TypeName: "struct inner", Fields: []value.Field{{Name: "b", Value: intValue(2)}}}
	arr := &value.Value{Kind: value.Array, TypeName: "int [2]", Elems: []*value.Value{intValue(3), intValue(4)}}
	return &value.Value{Kind: value.Struct, TypeName: "struct s", Fields: []value.Field{
		{Name: "a", Value: intValue(1)}, {Name: "inner", Value: inner}, {Name: "c", Value: arr},
	}}
}

func nodePaths(f *Frame) []string {
	var out []string
	for _, n := range f.nodes() {
		out = append(out, n.path)
	}
	return out
}

func TestValueTreeExpand(t *testing.T) {
	var p valuePane
	p.open(nil, VarEntry{Var: &vnetwalk.Variable{Name: "s"}, Value: structValue()})
	if got := strings.Join(nodePaths(p.top()), " "); got != " .a .inner .c" {
		t.Errorf("collapsed tree %q, want the root and its three members", got)
	}
	p.top().cursor = 3
	p.toggle(true)
	if got := strings.Join(nodePaths(p.top()), " "); got != " .a .inner .c .c[0] .c[1]" {
		t.Errorf("tree after expanding .c = %q", got)
	}
	p.toggle(false)
	if n := len(p.top().nodes()); n != 4 {
		t.Errorf("%d lines after collapsing .c, want 4", n)
	}
	p.expandTo(".inner.b")
	n, _ := p.current()
	if n.path != ".inner.b" || n.expr != "V_s.inner.b" {
		t.Errorf("expandTo put the cursor on %q (expression %q), want .inner.b", n.path, n.expr)
	}
}

func TestHexDump(t *testing.T) {
	got := hexDump(0x1000, []byte("ABCDEFGHIJKLMNOPQ"), 16)
	want := []string{
		"0000000000001000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
		"0000000000001010  51                                                |Q|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hexDump =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	got = hexDump(0x1000, []byte("ABCDEFGHI"), 8)
	want = []string{
		"0000000000001000  41 42 43 44 45 46 47 48  |ABCDEFGH|",
		"0000000000001008  49                       |I|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hexDump by 8 =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// loadedModel returns a model that has walked testWalk, with variables
// for every vnet, without a dump: commands are not run.
func loadedModel(w, h int) Model {
	m := New(nil)
	m.width, m.height = w, h
	m.src = &Source{Version: "test", Format: "test"}
	m.walk = testWalk()
	m.vnets = newVnetPane(m.walk)
	vars := []VarEntry{
		{Var: &vnetwalk.Variable{Name: "ip_defttl"}, Value: intValue(64)},
		{Var: &vnetwalk.Variable{Name: "tcp_cfg"}, Value: structValue()},
	}
	for _, v := range m.walk.Vnets {
		m.cache[v] = VarsMsg{Vnet: v, Vars: vars}
	}
	m.vars.setVars(m.vnets.selected(), vars, nil)
	return m
}

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		default:
			msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
		}
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

func TestFilterTypingAndClearing(t *testing.T) {
	m := press(loadedModel(80, 24), "tab", "/", "t", "c", "p")
	if m.vars.filter != "tcp" || len(m.vars.matching) != 1 {
		t.Fatalf("filter %q shows %d variables, want tcp showing 1", m.vars.filter, len(m.vars.matching))
	}
	// q is typed into the filter, not taken as quit.
	m = press(m, "backspace", "q")
	if m.vars.filter != "tcq" {
		t.Errorf("filter %q after backspace and q, want tcq", m.vars.filter)
	}
	m = press(m, "esc")
	if m.vars.filtering || m.vars.filter != "" || len(m.vars.matching) != 2 {
		t.Errorf("esc left filter %q (editing %v, %d shown)", m.vars.filter, m.vars.filtering, len(m.vars.matching))
	}
}

func TestBackStack(t *testing.T) {
	m := press(loadedModel(80, 24), "tab", "down", "enter")
	if m.right != viewValue || m.value.entry.Name() != "tcp_cfg" {
		t.Fatalf("enter on tcp_cfg opened view %d with %q", m.right, m.value.entry.Name())
	}
	next, _ := m.Update(FollowMsg{Frame: Frame{Title: "*p", Value: intValue(7)}})
	m = next.(Model)
	if len(m.value.stack) != 2 {
		t.Fatalf("stack has %d frames after a followed pointer, want 2", len(m.value.stack))
	}
	m = press(m, "esc")
	if len(m.value.stack) != 1 || m.right != viewValue {
		t.Errorf("esc left %d frames in view %d, want 1 in the value pane", len(m.value.stack), m.right)
	}
	m = press(m, "esc")
	if m.right != viewVars {
		t.Errorf("esc on the last frame left view %d, want the variable list", m.right)
	}
}

func TestFollowErrorShownInStatus(t *testing.T) {
	m := loadedModel(80, 24)
	next, _ := m.Update(FollowMsg{Err: errors.New("read 0xdead: page not in the dump")})
	if s := ansi.Strip(next.(Model).Render()); !strings.Contains(s, "page not in the dump") {
		t.Errorf("status line lacks the follow error:\n%s", s)
	}
}

func TestMouseWheelMovesCursor(t *testing.T) {
	m := loadedModel(80, 24)
	next, _ := m.Update(tea.MouseWheelMsg{X: 2, Y: 5, Button: tea.MouseWheelDown})
	m = next.(Model)
	if m.vnets.cursor != 1 || m.focusRight {
		t.Errorf("wheel over the vnet list: cursor %d focusRight %v, want 1 false", m.vnets.cursor, m.focusRight)
	}
	next, _ = m.Update(tea.MouseWheelMsg{X: 60, Y: 5, Button: tea.MouseWheelDown})
	m = next.(Model)
	if m.vars.cursor != 1 || !m.focusRight {
		t.Errorf("wheel over the variables: cursor %d focusRight %v, want 1 true", m.vars.cursor, m.focusRight)
	}
}

func TestRenderFillsEverySize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {81, 25}, {120, 30}, {160, 48}, {250, 70}, {10, 3}} {
		m := loadedModel(size[0], size[1])
		for _, keys := range [][]string{nil, {"tab", "down", "enter"}, {"c"}, {"?"}} {
			s := ansi.Strip(press(m, keys...).Render())
			lines := strings.Split(s, "\n")
			w, h := max(size[0], 20), max(size[1], 6)
			if len(lines) != h {
				t.Errorf("%dx%d after %v: %d lines, want %d", size[0], size[1], keys, len(lines), h)
			}
			for i, l := range lines {
				if n := ansi.StringWidth(l); n != w {
					t.Errorf("%dx%d after %v: line %d is %d wide, want %d", size[0], size[1], keys, i, n, w)
					break
				}
			}
		}
	}
}

func TestLoadErrorShown(t *testing.T) {
	m := New(nil)
	next, _ := m.Update(LoadedMsg{Err: errors.New("open vmcore.0: no such file")})
	m = next.(Model)
	if m.Err() == nil || !strings.Contains(ansi.Strip(m.Render()), "no such file") {
		t.Errorf("load error not kept or not shown: %v", m.Err())
	}
}

func TestProgressShown(t *testing.T) {
	m := New(nil)
	m.loadCh = make(chan tea.Msg, 1)
	next, _ := m.Update(ProgressMsg{Stage: "decompressing vmcore.0.zst", Done: 50 << 20, Total: 200 << 20})
	if s := ansi.Strip(next.(Model).Render()); !strings.Contains(s, "decompressing vmcore.0.zst: 50 of 200 MiB (25%)") {
		t.Errorf("progress not shown:\n%s", s)
	}
}

func TestQuitKeys(t *testing.T) {
	m := loadedModel(80, 24)
	for _, k := range []tea.KeyPressMsg{{Code: 'q', Text: "q"}, {Code: 'c', Mod: tea.ModCtrl}} {
		_, cmd := m.Update(k)
		if cmd == nil {
			t.Errorf("%s returned no command", k)
			continue
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s did not quit", k)
		}
	}
}

func TestPrintableEscapesControls(t *testing.T) {
	cases := map[string]string{
		"web.php":         "web.php",
		"evil\x1b[2Jjail": `evil\x1b[2Jjail`,
		"tab\there":       `tab\x09here`,
		"bad\xffbyte":     `bad\ufffdbyte`,
		"naïve":           "naïve",
	}
	for in, want := range cases {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLoaderProgressThenResult runs a loader through the real commands: its
// progress report reaches the screen while it still runs, and its result
// follows.
func TestLoaderProgressThenResult(t *testing.T) {
	release := make(chan struct{})
	load := func(progress func(string, int64, int64)) (*Source, error) {
		progress("decompressing vmcore.1.zst", 1<<20, 4<<20)
		<-release
		return nil, errors.New("vmcore.1.zst: invalid zstd frame")
	}
	m := New(load)
	batch, ok := m.Init()().(tea.BatchMsg)
	if !ok || len(batch) < 2 {
		t.Fatalf("Init returned %T, want a batch of the load and wait commands", batch)
	}
	if msg := batch[0](); msg != nil {
		t.Fatalf("the load command returned %T, want nil while the loader runs", msg)
	}
	msg := batch[1]()
	next, wait := m.Update(msg)
	m = next.(Model)
	if s := ansi.Strip(m.Render()); !strings.Contains(s, "decompressing vmcore.1.zst: 1 of 4 MiB (25%)") {
		t.Errorf("screen while loading lacks the progress:\n%s", s)
	}
	if wait == nil {
		t.Fatal("a progress report returned no command to wait for the next")
	}
	close(release)
	next, _ = m.Update(wait())
	m = next.(Model)
	if m.Err() == nil || !strings.Contains(ansi.Strip(m.Render()), "invalid zstd frame") {
		t.Errorf("the loader's error is not kept or not shown: %v", m.Err())
	}
}

func TestBackgroundPicksPalette(t *testing.T) {
	m := loadedModel(80, 24)
	next, _ := m.Update(tea.BackgroundColorMsg{Color: color.White})
	if got, want := next.(Model).styles.Border, NewStyles(false).Border; got != want {
		t.Errorf("white background: border colour %v, want the light palette's %v", got, want)
	}
	next, _ = next.Update(tea.BackgroundColorMsg{Color: color.Black})
	if got, want := next.(Model).styles.Border, NewStyles(true).Border; got != want {
		t.Errorf("black background: border colour %v, want the dark palette's %v", got, want)
	}
	if NewStyles(false).Border == NewStyles(true).Border {
		t.Error("the light and dark palettes have the same dim colour")
	}
}
