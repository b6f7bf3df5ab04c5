package tui

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/klauspost/compress/zstd"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata")

// The bundled dump of the test kernel and gdb's values read from the same
// stopped machine (testdata/oracle/README.md describes oracle.json).
const fixtureDir = "../testdata/cores/clang-dwarf5"

// unzstd decompresses src into dir and returns the new file's path.
func unzstd(t *testing.T, src, dir string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dec, err := zstd.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".zst"))
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, dec); err != nil {
		t.Fatalf("decompress %s: %v", src, err)
	}
	return dst
}

// fixtureLoader returns a loader for the bundled minidump.
func fixtureLoader(t *testing.T) Loader {
	t.Helper()
	tmp := t.TempDir()
	kernel := unzstd(t, filepath.Join(fixtureDir, "kernel.zst"), tmp)
	core := filepath.Join(fixtureDir, "minidump.zst")
	return func(progress func(string, int64, int64)) (*Source, error) {
		syms, err := symbols.Open(kernel, "")
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { syms.Close() })
		c, err := kvm.Open(core, kvm.Options{CacheDir: tmp, Progress: progress})
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { c.Close() })
		return &Source{
			Kernel:  vnetwalk.New(syms, c.Virtual()),
			Version: "FreeBSD test kernel",
			Format:  c.Format(),
			Path:    "minidump.zst",
			Limits:  value.DefaultLimits(),
		}, nil
	}
}

// oracle reads gdb's values of the bundled dump.
func oracle(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(unzstd(t, filepath.Join(fixtureDir, "oracle.json.zst"), t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// oracleValue returns gdb's value of a variable in the vnet owned by jail.
func oracleValue(t *testing.T, o map[string]any, jail, name string) any {
	t.Helper()
	for _, v := range o["vnets"].([]any) {
		vm := v.(map[string]any)
		for _, j := range vm["jails"].([]any) {
			if j.(map[string]any)["name"] != jail {
				continue
			}
			for _, x := range vm["variables"].([]any) {
				if x.(map[string]any)["name"] == name {
					return x.(map[string]any)["value"]
				}
			}
		}
	}
	t.Fatalf("the oracle has no %s in the vnet of jail %s", name, jail)
	return nil
}

// driver runs a model the way tea.Program does, but synchronously: every
// command runs to its message before the next key.
type driver struct {
	t *testing.T
	m tea.Model
}

func newDriver(t *testing.T, w, h int) *driver {
	d := &driver{t: t, m: New(fixtureLoader(t))}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.run(d.m.Init())
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			d.run(c)
		}
		return
	}
	if msg != nil {
		d.send(msg)
	}
}

func (d *driver) send(msg tea.Msg) {
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	d.run(cmd)
}

// keys sends each key: a name such as "enter", "tab", "down", "esc", or
// text typed one rune at a time.
func (d *driver) keys(keys ...string) {
	named := map[string]rune{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "down": tea.KeyDown, "up": tea.KeyUp,
		"esc": tea.KeyEscape, "backspace": tea.KeyBackspace, "right": tea.KeyRight, "left": tea.KeyLeft,
	}
	for _, k := range keys {
		if code, ok := named[k]; ok {
			d.send(tea.KeyPressMsg{Code: code})
			continue
		}
		for _, r := range k {
			d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
}

func (d *driver) screen() string {
	return ansi.Strip(d.m.(Model).Render())
}

// golden compares the screen with testdata/NAME.golden, or rewrites the
// file under -update.
func (d *driver) golden(name string) string {
	d.t.Helper()
	got := d.screen()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			d.t.Fatal(err)
		}
		return got
	}
	want, err := os.ReadFile(path)
	if err != nil {
		d.t.Fatalf("%v (run go test ./tui -update to write it)", err)
	}
	if got != string(want) {
		d.t.Errorf("screen %s differs from %s\ngot:\n%s\nwant:\n%s", name, path, got, want)
	}
	return got
}

// screenLine returns the first line of screen that contains every part.
func screenLine(screen string, parts ...string) (string, bool) {
	for _, l := range strings.Split(screen, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return l, true
		}
	}
	return "", false
}

// oracleBytes returns gdb's bytes of a variable in the vnet owned by jail,
// as lowercase hex.
func oracleBytes(t *testing.T, o map[string]any, jail, name string) string {
	t.Helper()
	for _, v := range o["vnets"].([]any) {
		vm := v.(map[string]any)
		for _, j := range vm["jails"].([]any) {
			if j.(map[string]any)["name"] != jail {
				continue
			}
			for _, x := range vm["variables"].([]any) {
				if x.(map[string]any)["name"] == name {
					return x.(map[string]any)["bytes"].(string)
				}
			}
		}
	}
	t.Fatalf("the oracle has no %s in the vnet of jail %s", name, jail)
	return ""
}

// rawHex joins the hex columns of the hex dump lines on a screen.
func rawHex(screen string) string {
	var b strings.Builder
	for _, l := range strings.Split(screen, "\n") {
		addr, rest, ok := strings.Cut(l, "  ")
		if !ok || len(addr) != 16 || !strings.Contains(rest, "|") {
			continue
		}
		hex, _, _ := strings.Cut(rest, "|")
		b.WriteString(strings.Join(strings.Fields(hex), ""))
	}
	return b.String()
}

// oracleList returns gdb's element addresses of the list at path in the
// vnet owned by jail.
func oracleList(t *testing.T, o map[string]any, jail, path string) []string {
	t.Helper()
	var vnet any
	for _, v := range o["vnets"].([]any) {
		for _, j := range v.(map[string]any)["jails"].([]any) {
			if j.(map[string]any)["name"] == jail {
				vnet = v.(map[string]any)["address"]
			}
		}
	}
	for _, l := range o["lists"].([]any) {
		lm := l.(map[string]any)
		if lm["vnet"] == vnet && lm["path"] == path {
			var out []string
			for _, e := range lm["elements"].([]any) {
				out = append(out, e.(string))
			}
			return out
		}
	}
	t.Fatalf("the oracle has no list %s in the vnet of jail %s", path, jail)
	return nil
}

// TestListWalkAndFollow walks V_tcbinfo.ipi_listhead of jail mail from the
// value pane and follows its first pointer, checking the elements against
// gdb's walk of the same list.
func TestListWalkAndFollow(t *testing.T) {
	o := oracle(t)
	d := newDriver(t, 160, 48)
	// Jail mail is the sixth line: prison0, web, web.php, web.static, db, mail.
	d.keys("down", "down", "down", "down", "down", "enter", "/", "tcbinfo", "enter", "enter", "down", "w")
	screen := d.screen()
	want := oracleList(t, o, "mail", "tcbinfo.ipi_listhead")
	if _, ok := screenLine(screen, fmt.Sprintf("LIST V_tcbinfo.ipi_listhead: %d × struct inpcb", len(want))); !ok {
		t.Errorf("list title does not count gdb's %d elements:\n%s", len(want), screen)
	}
	for i, addr := range want {
		if _, ok := screenLine(screen, fmt.Sprintf("[%d] %s", i, addr)); !ok {
			t.Errorf("element %d at %s missing:\n%s", i, addr, screen)
		}
	}

	// Back to the variable, then follow ipi_listhead.lh_first.
	d.keys("esc", "right", "down", "enter")
	screen = d.screen()
	if _, ok := screenLine(screen, "*V_tcbinfo.ipi_listhead.lh_first", "struct inpcb"); !ok {
		t.Errorf("following lh_first did not open its struct inpcb:\n%s", screen)
	}
	if _, ok := screenLine(screen, "at "+want[0]); !ok {
		t.Errorf("followed object is not at gdb's first element %s:\n%s", want[0], screen)
	}
}

func TestGoldenScreens(t *testing.T) {
	o := oracle(t)
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			suffix := fmt.Sprintf("-%dx%d", size.w, size.h)
			d := newDriver(t, size.w, size.h)
			vnets := d.golden("vnets" + suffix)
			if !strings.Contains(vnets, "panic: vnetinspect test: dumping on purpose") {
				t.Errorf("header lacks the panic string of oracle.json")
			}

			// Jail db is the fifth line of the tree: prison0, web, web.php,
			// web.static, db.
			d.keys("down", "down", "down", "down", "enter", "/", "ip_defttl", "enter")
			vars := d.golden("vars" + suffix)
			want := fmt.Sprint(oracleValue(t, o, "db", "ip_defttl"))
			if l, ok := screenLine(vars, "> ip_defttl"); !ok || !strings.HasSuffix(strings.TrimSpace(l), " "+want) {
				t.Errorf("ip_defttl line %q, want the value %s", l, want)
			}

			d.keys("esc", "/", "tcp_cfg", "enter", "enter")
			val := d.golden("value" + suffix)
			cfg := oracleValue(t, o, "db", "tcp_cfg").(map[string]any)
			for _, f := range []string{"seq_hi", "drift", "rexmit_slop", "mss_shift"} {
				if _, ok := screenLine(val, f+" = "+fmt.Sprint(cfg[f])); !ok {
					t.Errorf("value pane lacks %s = %v", f, cfg[f])
				}
			}

			d.keys("x")
			raw := d.golden("raw" + suffix)
			if got, want := rawHex(raw), oracleBytes(t, o, "db", "tcp_cfg"); got != want {
				t.Errorf("raw view bytes %s, gdb read %s", got, want)
			}
			d.keys("x", "c")
			cmp := d.golden("compare" + suffix)
			checkCompareRow(t, cmp, o, "tcp_cfg", "drift")
			if size.w >= 160 {
				// 80 columns cut these 10 to 13 digit numbers.
				checkCompareRow(t, cmp, o, "tcp_cfg", "seq_hi")
			}

			d.keys("esc", "p")
			d.golden("panic" + suffix)
			d.keys("s", "65535", "enter")
			search := d.golden("search" + suffix)
			first, ok := screenLine(search, "> ")
			if !ok || !strings.Contains(first, "tcbinfo.ipi_lasthi = 65535") {
				t.Fatalf("first match %q, want a tcbinfo.ipi_lasthi of 65535", first)
			}
			d.keys("enter")
			opened := d.screen()
			if _, ok := screenLine(opened, "> ", "ipi_lasthi = 65535"); !ok {
				t.Errorf("enter on the match did not select ipi_lasthi in V_tcbinfo:\n%s", opened)
			}
			d.keys("?")
			d.golden("help" + suffix)
		})
	}
}

// checkCompareRow checks one row of the compare view against gdb's values:
// each column, named by its jail, must hold that jail's value.
func checkCompareRow(t *testing.T, screen string, o map[string]any, name, field string) {
	t.Helper()
	head, ok := screenLine(screen, "LEAF")
	if !ok {
		t.Fatalf("compare view has no header line:\n%s", screen)
	}
	row, ok := screenLine(screen, name+"."+field+" ")
	if !ok {
		t.Fatalf("compare view has no row %s.%s:\n%s", name, field, screen)
	}
	jails := strings.Fields(head)[1:]
	cells := strings.Fields(strings.TrimPrefix(strings.TrimSpace(row), ">"))[1:]
	if len(cells) != len(jails) {
		t.Fatalf("row %q has %d cells for %d columns", row, len(cells), len(jails))
	}
	if jails[0] != "prison0" {
		t.Fatalf("first column is %s, want the reference, prison0 (vnet0)", jails[0])
	}
	ref := fmt.Sprint(oracleValue(t, o, "0", name).(map[string]any)[field])
	for i, j := range jails {
		if j == "prison0" {
			j = "0" // oracle.json names prison0 by its pr_name, "0"
		}
		want := fmt.Sprint(oracleValue(t, o, j, name).(map[string]any)[field])
		got, marked := strings.CutPrefix(cells[i], "*")
		if got != want {
			t.Errorf("compare %s.%s of jail %s = %s, gdb read %s", name, field, j, got, want)
		}
		if marked != (want != ref) {
			t.Errorf("compare %s.%s of jail %s: marked %v, but gdb read %s here and %s in vnet0", name, field, j, marked, want, ref)
		}
	}
}

// TestRefreshKeepsSelection re-reads memory with r: the walk runs again,
// the cursor stays on the same vnet (by address) and its variables are
// read again, here still jail db's V_ip_defttl as gdb read it.
func TestRefreshKeepsSelection(t *testing.T) {
	d := newDriver(t, 160, 48)
	want := fmt.Sprint(oracleValue(t, oracle(t), "db", "ip_defttl"))

	d.keys("down", "down", "down", "down") // prison0, web, web.php, web.static, db
	m := d.m.(Model)
	before := m.vnets.selected()
	if before == nil || len(before.Jails) == 0 || before.Jails[0].Name != "db" {
		t.Fatalf("cursor on %v, want jail db's vnet", before)
	}
	d.keys("r")
	m = d.m.(Model)
	after := m.vnets.selected()
	if after == before {
		t.Fatal("r did not walk the vnet list again")
	}
	if after == nil || after.Addr != before.Addr {
		t.Errorf("after r the cursor is on %v, want the vnet at %#x", after, before.Addr)
	}
	if l, ok := screenLine(d.screen(), "ip_defttl"); !ok || !strings.HasSuffix(strings.TrimSpace(l), " "+want) {
		t.Errorf("after r the ip_defttl line is %q, want the value %s", l, want)
	}
}
