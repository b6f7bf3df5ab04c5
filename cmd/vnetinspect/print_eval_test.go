package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests run print with expressions on the main test kernel's minidump
// and take the expected values from gdb's oracle of the same machine.

// evalFixture is the main variant's kernel, minidump and gdb oracle.
type evalFixture struct {
	kernel, core, cache string
	oracle              map[string]any
}

func openEvalFixture(t *testing.T) evalFixture {
	t.Helper()
	vdir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel, core, oracle := findFile(vdir, "kernel"), findFile(vdir, "minidump"), findFile(vdir, "oracle.json")
	if kernel == "" || core == "" || oracle == "" {
		t.Fatalf("%s lacks the kernel, minidump or oracle.json; run make fixtures", vdir)
	}
	return evalFixture{
		kernel: unzstd(t, kernel, tmp),
		core:   core,
		cache:  tmp,
		oracle: decodeJSON(t, readAll(t, unzstd(t, oracle, tmp))),
	}
}

// printJSON runs print --format json with args and returns its results.
func (f evalFixture) printJSON(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	full := append([]string{"-N", f.kernel, "-M", f.core, "--cache-dir", f.cache, "print", "--format", "json"}, args...)
	out, _, err := runCLI(t, full...)
	if err != nil {
		t.Fatalf("print %s: %v", strings.Join(args, " "), err)
	}
	var res []map[string]any
	for _, r := range list(decodeJSON(t, []byte(out)), "results") {
		res = append(res, obj(r))
	}
	return res
}

// oracleVar returns gdb's record of a variable in the vnet at addr.
func (f evalFixture) oracleVar(t *testing.T, vnet any, name string) map[string]any {
	t.Helper()
	for _, vx := range list(f.oracle, "vnets") {
		if obj(vx)["address"] != vnet {
			continue
		}
		for _, x := range list(obj(vx), "variables") {
			if obj(x)["name"] == name {
				return obj(x)
			}
		}
	}
	t.Fatalf("gdb's oracle has no %s in vnet %v", name, vnet)
	return nil
}

// oraclePath follows a C member and index path, such as
// "ipstat.ips_frag.ipf_dropped" or "rt_table[2].rt_plen", through gdb's
// JSON value of the variable it starts with.
func (f evalFixture) oraclePath(t *testing.T, vnet any, path string) any {
	t.Helper()
	steps := strings.FieldsFunc(strings.ReplaceAll(path, "]", ""), func(r rune) bool { return r == '.' || r == '[' })
	cur := f.oracleVar(t, vnet, steps[0])["value"]
	for _, s := range steps[1:] {
		if i, err := strconv.Atoi(s); err == nil {
			l, _ := cur.([]any)
			if i >= len(l) {
				t.Fatalf("%s: gdb's list has no element %d", path, i)
			}
			cur = l[i]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: gdb's value at %s is not a struct", path, s)
		}
		cur = m[s]
	}
	return cur
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestPrintExprMatchesOracle evaluates member, index and bit-field
// expressions in every vnet and compares them with gdb's values.
func TestPrintExprMatchesOracle(t *testing.T) {
	f := openEvalFixture(t)
	paths := []string{
		"tcp_cfg.seq_hi",
		"tcp_cfg.rtt_adjust",
		"tcp_cfg.drift",
		"tcp_cfg.cc_bits",
		"ip_hdr_template.ip_ttl_delta",
		"tcbinfo.ipi_count",
		"tcbinfo.ipi_listhead.lh_first",
		"tcbinfo.ipi_lock.lo_flags",
		"tcbinfo.ipi_zone",
		"ipstat.ips_frag.ipf_dropped",
		"ipstat.ips_delivered[3]",
		"ip_rsvp_ports[0]",
		"rt_table[2].rt_plen",
		"rt_table[1].rt_dst.s_bytes",
		"ip_fw_matrix[1]",
		"rt_table[2].rt_ifp",
		"udp_protosw.pr_protocol",
		"ifindex_table[1]",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			res := f.printJSON(t, "--all", "V_"+p)
			if len(res) != len(list(f.oracle, "vnets")) {
				t.Fatalf("%d results, gdb read %d vnets", len(res), len(list(f.oracle, "vnets")))
			}
			for _, r := range res {
				if r["error"] != nil {
					t.Errorf("vnet %v: error %v", r["vnet"], r["error"])
					continue
				}
				want := f.oraclePath(t, r["vnet"], p)
				if !sameJSON(r["value"], want) {
					gb, _ := json.Marshal(r["value"])
					wb, _ := json.Marshal(want)
					t.Errorf("vnet %v: V_%s = %s, gdb read %s", r["vnet"], p, gb, wb)
				}
			}
		})
	}
}

// TestPrintAddressOfMatchesOracle checks &V_x against the address gdb
// read each variable's copy at.
func TestPrintAddressOfMatchesOracle(t *testing.T) {
	f := openEvalFixture(t)
	for _, name := range []string{"ip_defttl", "tcbinfo", "ifnet"} {
		for _, r := range f.printJSON(t, "--all", "&V_"+name) {
			want := f.oracleVar(t, r["vnet"], name)["address"]
			if r["value"] != want {
				t.Errorf("vnet %v: &V_%s = %v, gdb read the variable at %v", r["vnet"], name, r["value"], want)
			}
			if r["address"] != nil {
				t.Errorf("vnet %v: &V_%s has an address %v; a computed pointer has none", r["vnet"], name, r["address"])
			}
		}
	}
}

// TestPrintDerefMatchesOracle follows V_ip_defttl_ptr, which each vnet
// points at its own V_ip_defttl, and compares with gdb's V_ip_defttl.
func TestPrintDerefMatchesOracle(t *testing.T) {
	f := openEvalFixture(t)
	checked := 0
	for _, r := range f.printJSON(t, "--all", "--deref", "V_ip_defttl_ptr") {
		ptr := f.oracleVar(t, r["vnet"], "ip_defttl_ptr")["value"]
		target := f.oracleVar(t, r["vnet"], "ip_defttl")
		if ptr != target["address"] {
			continue // this vnet points elsewhere; gdb has no record of the target
		}
		checked++
		d := list(r, "deref")
		if len(d) != 1 {
			t.Errorf("vnet %v: %d deref records, want 1", r["vnet"], len(d))
			continue
		}
		got := obj(d[0])
		if got["address"] != ptr || got["type"] != "int" || got["path"] != "" {
			t.Errorf("vnet %v: deref = %v, want int at %v", r["vnet"], got, ptr)
		}
		if !sameJSON(got["value"], target["value"]) {
			t.Errorf("vnet %v: *V_ip_defttl_ptr = %v, gdb read V_ip_defttl = %v", r["vnet"], got["value"], target["value"])
		}
	}
	for _, r := range f.printJSON(t, "--all", "*V_ip_defttl_ptr") {
		ptr := f.oracleVar(t, r["vnet"], "ip_defttl_ptr")["value"]
		target := f.oracleVar(t, r["vnet"], "ip_defttl")
		if ptr != target["address"] {
			continue
		}
		if !sameJSON(r["value"], target["value"]) || r["address"] != ptr {
			t.Errorf("vnet %v: *V_ip_defttl_ptr = %v at %v, gdb read %v at %v", r["vnet"], r["value"], r["address"], target["value"], ptr)
		}
	}
	if checked == 0 {
		t.Fatalf("no vnet's V_ip_defttl_ptr points at its V_ip_defttl in gdb's oracle")
	}
}

// TestPrintListEndsMatchOracle walks V_tcbinfo's LIST and V_ifnet's TAILQ
// in every vnet. gdb's oracle gives each head: the first element must be
// lh_first or tqh_first, and for a TAILQ, tqh_last must point at the last
// element's tqe_next.
func TestPrintListEndsMatchOracle(t *testing.T) {
	f := openEvalFixture(t)
	for _, r := range f.printJSON(t, "--all", "--list", "V_tcbinfo.ipi_listhead") {
		l := obj(r["list"])
		if l["kind"] != "LIST" || l["element_type"] != "struct inpcb" || l["link"] != "inp_list" {
			t.Errorf("vnet %v: list = %v %v %v, want LIST struct inpcb inp_list", r["vnet"], l["kind"], l["element_type"], l["link"])
		}
		checkListEnds(t, r, f.oraclePath(t, r["vnet"], "tcbinfo.ipi_listhead.lh_first"), nil, "inp_list", "le_next")
	}
	for _, r := range f.printJSON(t, "--all", "--list", "V_ifnet") {
		l := obj(r["list"])
		if l["kind"] != "TAILQ" || l["element_type"] != "struct ifnet" || l["link"] != "if_link" {
			t.Errorf("vnet %v: list = %v %v %v, want TAILQ struct ifnet if_link", r["vnet"], l["kind"], l["element_type"], l["link"])
		}
		// if_link.tqe_next is the first member of struct ifnet, so
		// tqh_last holds the last element's address.
		checkListEnds(t, r, f.oraclePath(t, r["vnet"], "ifnet.tqh_first"), f.oraclePath(t, r["vnet"], "ifnet.tqh_last"), "if_link", "tqe_next")
	}
}

func checkListEnds(t *testing.T, r map[string]any, first, last any, link, next string) {
	t.Helper()
	l := obj(r["list"])
	elems := list(l, "elements")
	if l["error"] != nil || l["truncated"] != false {
		t.Errorf("vnet %v: list error %v, truncated %v", r["vnet"], l["error"], l["truncated"])
	}
	if l["warnings"] != nil {
		t.Errorf("vnet %v: back pointers disagree on a list the kernel left intact: %v", r["vnet"], l["warnings"])
	}

	if first == "0x0" {
		if len(elems) != 0 {
			t.Errorf("vnet %v: %d elements on a list gdb read as empty", r["vnet"], len(elems))
		}
		return
	}
	if len(elems) == 0 {
		t.Fatalf("vnet %v: no elements, gdb read the first at %v", r["vnet"], first)
	}
	if a := obj(elems[0])["address"]; a != first {
		t.Errorf("vnet %v: first element at %v, gdb read %v", r["vnet"], a, first)
	}

	end := obj(elems[len(elems)-1])
	if last != nil && end["address"] != last {
		t.Errorf("vnet %v: last element at %v, gdb's tail pointer is %v", r["vnet"], end["address"], last)
	}
	if n := obj(obj(end["value"])[link])[next]; n != "0x0" {
		t.Errorf("vnet %v: last element's %s.%s = %v, want NULL", r["vnet"], link, next, n)
	}
	// Each element's next pointer is the next element's address.
	for i := 0; i+1 < len(elems); i++ {
		n := obj(obj(obj(elems[i])["value"])[link])[next]
		if n != obj(elems[i+1])["address"] {
			t.Errorf("vnet %v: element %d's %s = %v, element %d is at %v", r["vnet"], i, next, n, i+1, obj(elems[i+1])["address"])
		}
	}
}

// TestPrintListOracleLists compares list walks with the lists gdb walked,
// when the oracle has them.
func TestPrintListOracleLists(t *testing.T) {
	f := openEvalFixture(t)
	lists := list(f.oracle, "lists")
	if len(lists) == 0 {
		t.Skip("this oracle.json has no \"lists\"; TestPrintListMatchesGdb compares with gdb directly")
	}
	for _, x := range lists {
		w := obj(x)
		name := fmt.Sprintf("%v/%v", w["vnet"], w["path"])
		t.Run(name, func(t *testing.T) {
			if w["link"] == nil {
				// gdb found no unique link, so the inferred walk must fail.
				res := f.printJSON(t, "--vnet", fmt.Sprint(w["vnet"]), "--list", "V_"+fmt.Sprint(w["path"]))
				if l := obj(res[0]["list"]); l["error"] == nil || len(list(l, "elements")) != 0 {
					t.Errorf("walk %v, want an error and no elements: gdb found no unique link", l)
				}
				return
			}
			args := []string{"--vnet", fmt.Sprint(w["vnet"]), "--list"}
			args = append(args, fmt.Sprint(w["element_type"]), "--link", fmt.Sprint(w["link"]), "V_"+fmt.Sprint(w["path"]))
			res := f.printJSON(t, args...)
			if len(res) != 1 {
				t.Fatalf("%d results, want 1", len(res))
			}
			l := obj(res[0]["list"])
			if l["kind"] != w["kind"] {
				t.Errorf("kind %v, gdb walked a %v", l["kind"], w["kind"])
			}
			if res[0]["address"] != w["address"] {
				t.Errorf("head at %v, gdb read it at %v", res[0]["address"], w["address"])
			}
			got := []any{}
			for _, e := range list(l, "elements") {
				got = append(got, obj(e)["address"])
			}
			if !reflect.DeepEqual(got, list(w, "elements")) {
				t.Errorf("elements %v, gdb walked %v", got, list(w, "elements"))
			}
			// Inferred element type and link must agree with the named ones.
			inferred := f.printJSON(t, "--vnet", fmt.Sprint(w["vnet"]), "--list", "V_"+fmt.Sprint(w["path"]))
			if il := obj(inferred[0]["list"]); !reflect.DeepEqual(il, l) {
				t.Errorf("inferred walk %v differs from the named one %v", il, l)
			}
		})
	}
}

// TestPrintExprText checks the text output and the errors print returns.
func TestPrintExprText(t *testing.T) {
	f := openEvalFixture(t)
	base := []string{"-N", f.kernel, "-M", f.core, "--cache-dir", f.cache, "print"}
	run := func(args ...string) (string, string, error) {
		return runCLI(t, append(append([]string{}, base...), args...)...)
	}

	// gdb's record of jail web names the vnet the text must name.
	var web any
	for _, j := range list(f.oracle, "jails") {
		if obj(j)["name"] == "web" {
			web = obj(j)["vnet"]
		}
	}
	if web == nil {
		t.Fatal("gdb's oracle has no jail named web")
	}

	out, _, err := run("--jail", "web", "--list", "V_tcbinfo.ipi_listhead")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, fmt.Sprintf(`V_tcbinfo.ipi_listhead in vnet %v (jail 1 "web") at `, web)) ||
		!strings.Contains(out, ": LIST of struct inpcb linked by inp_list, ") {
		t.Errorf("list header missing:\n%s", out)
	}
	if !strings.Contains(out, "[0] (struct inpcb *) 0x") {
		t.Errorf("element line missing:\n%s", out)
	}

	_, _, err = run("--jail", "web", "*V_pfil_head_ptr")
	if err == nil || !strings.Contains(err.Error(), "*V_pfil_head_ptr: V_pfil_head_ptr is a void pointer") {
		t.Errorf("*V_pfil_head_ptr: error = %v, want the void pointer error", err)
	}

	_, _, err = run("V_tcbinfo.")
	if err == nil || !strings.Contains(err.Error(), "expected a member name") {
		t.Errorf("V_tcbinfo.: error = %v, want a syntax error", err)
	}
	if _, ok := err.(usageError); !ok {
		t.Errorf("V_tcbinfo.: error %T, want a usage error", err)
	}

	_, _, err = run("--link", "inp_list", "V_tcbinfo.ipi_listhead")
	if err == nil || !strings.Contains(err.Error(), "add --list") {
		t.Errorf("--link without --list: error = %v", err)
	}

	out, _, err = run("--jail", "web", "--max-list", "1", "--list", "V_ifnet")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "[1]") || !strings.Contains(out, "[0]") {
		t.Errorf("--max-list 1 printed other than one element:\n%s", out)
	}
	res := f.printJSON(t, "--jail", "web", "--max-list", "1", "--list", "V_ifnet")
	if l := obj(res[0]["list"]); l["truncated"] != true || len(list(l, "elements")) != 1 {
		t.Errorf("--max-list 1: truncated %v with %d elements, want true with 1", l["truncated"], len(list(l, "elements")))
	}

	// Limits reach the decoder: two of the four ports, then "...".
	out, _, err = run("--jail", "web", "--max-array", "2", "V_ip_rsvp_ports")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "...}") {
		t.Errorf("--max-array 2 did not cut V_ip_rsvp_ports:\n%s", out)
	}

	// A quoted bare name prints as the name does.
	quoted, _, err := run("--jail", "web", "'V_ip_defttl'")
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := run("--jail", "web", "V_ip_defttl")
	if err != nil {
		t.Fatal(err)
	}
	if quoted != plain || !strings.Contains(plain, fmt.Sprintf("V_ip_defttl in vnet %v", web)) {
		t.Errorf("'V_ip_defttl' printed %q, V_ip_defttl printed %q", quoted, plain)
	}

	// --deref reads the string a char pointer points to; vnet_vars.c
	// initializes udp_protosw with .pr_name = "udp".
	out, _, err = run("--jail", "web", "--deref", "V_udp_protosw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `  *V_udp_protosw.pr_name at 0x`) || !strings.Contains(out, `(const char [4]) = "udp"`) {
		t.Errorf("--deref V_udp_protosw did not show pr_name's string:\n%s", out)
	}

	// An expression without V_ names reads no vnet and takes no --jail.
	_, _, err = run("--jail", "web", "(unsigned long)&prison0")
	if err == nil || !strings.Contains(err.Error(), "names no virtualized variable") {
		t.Errorf("--jail with a plain expression: error = %v", err)
	}
}

// gdbListScript walks lists in every vnet of a stopped test kernel with
// gdb's own types and memory reads, and writes them as JSON to the file
// named by the convenience variable $out.
const gdbListScript = `
import gdb, json

walks = [
    ("tcbinfo.ipi_listhead", "LIST", "inp_list", "lh_first", "le_next"),
    ("udbinfo.ipi_listhead", "LIST", "inp_list", "lh_first", "le_next"),
    ("ipq", "LIST", "ipq_list", "lh_first", "le_next"),
    ("ifnet", "TAILQ", "if_link", "tqh_first", "tqe_next"),
]

def addr(v):
    return int(v.cast(gdb.lookup_type("unsigned long")))

out = []
v = gdb.parse_and_eval("vnet_head.lh_first")
while addr(v) != 0 and len(out) < 1000:
    base = addr(v["vnet_data_base"])
    for path, kind, link, first, nxt in walks:
        names = path.split(".")
        var = gdb.parse_and_eval("vnet_entry_" + names[0])
        at = (base + addr(var.address)) % (1 << 64)
        head = gdb.Value(at).cast(var.type.pointer()).dereference()
        for m in names[1:]:
            head = head[m]
        elems = []
        e = head[first]
        while addr(e) != 0 and len(elems) < 1000:
            elems.append("0x%x" % addr(e))
            e = e.dereference()[link][nxt]
        out.append({"vnet": "0x%x" % addr(v), "path": path, "kind": kind, "elements": elems})
    v = v["vnet_le"]["le_next"]

with open(str(gdb.parse_and_eval("$out").string()), "w") as f:
    json.dump(out, f)
`

// TestPrintListMatchesGdb boots the committed test kernel under QEMU. The
// kernel writes a minidump, and gdb walks the same lists on the stopped
// machine through QEMU's gdb stub. Every walk of print --list on that
// minidump must list the elements gdb found, in its order.
func TestPrintListMatchesGdb(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU for about 20 s; skipped with -short")
	}
	for _, tool := range []string{"qemu-system-x86_64", "gdb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	vdir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	minidump := filepath.Join(tmp, "minidump")
	console := filepath.Join(tmp, "console.log")
	gdbSocket := filepath.Join(tmp, "gdb.sock")

	// Only the version 3 minidump is written to a file; fulldump=0 and
	// olddumps=0 skip the slow full dump and the old minidump versions.
	qemu := exec.Command("qemu-system-x86_64",
		"-accel", "tcg", "-m", "64", "-kernel", kernel,
		"-display", "none", "-serial", "none", "-monitor", "none", "-no-reboot",
		"-debugcon", "file:"+console,
		"-chardev", "file,id=minidump,path="+minidump, "-device", "isa-debugcon,iobase=0x4e9,chardev=minidump",
		"-chardev", "null,id=full", "-device", "isa-debugcon,iobase=0x4ea,chardev=full",
		"-chardev", "null,id=v1", "-device", "isa-debugcon,iobase=0x4eb,chardev=v1",
		"-chardev", "null,id=v2", "-device", "isa-debugcon,iobase=0x4ec,chardev=v2",
		"-chardev", "socket,id=g,path="+gdbSocket+",server=on,wait=off", "-gdb", "chardev:g",
		"-append", "fulldump=0 olddumps=0")
	var qemuOut strings.Builder
	qemu.Stdout, qemu.Stderr = &qemuOut, &qemuOut
	if err := qemu.Start(); err != nil {
		t.Fatalf("start QEMU: %v", err)
	}
	defer func() {
		_ = qemu.Process.Kill()
		_ = qemu.Wait()
	}()

	deadline := time.Now().Add(3 * time.Minute)
	for {
		b, _ := os.ReadFile(console)
		if strings.Contains(string(b), "dumps written") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kernel did not print \"dumps written\" within 3 minutes; console:\n%s\nQEMU:\n%s", b, qemuOut.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	script := filepath.Join(tmp, "lists.py")
	gdbOut := filepath.Join(tmp, "gdb-lists.json")
	if err := os.WriteFile(script, []byte(gdbListScript), 0o600); err != nil {
		t.Fatal(err)
	}
	// Debian's gdb reads a FreeBSD-tagged kernel with 32-bit addresses
	// unless the OS ABI is set to none before the file loads.
	gdb := exec.Command("gdb", "-nx", "-batch", "-iex", "set osabi none",
		"-ex", "set pagination off", "-ex", "target remote "+gdbSocket,
		"-ex", "set $out = \""+gdbOut+"\"", "-ex", "source "+script, kernel)
	if b, err := gdb.CombinedOutput(); err != nil {
		t.Fatalf("gdb: %v\n%s", err, b)
	}
	var walks []struct {
		Vnet, Path, Kind string
		Elements         []string
	}
	if err := json.Unmarshal(readAll(t, gdbOut), &walks); err != nil {
		t.Fatal(err)
	}
	if len(walks) < 20 {
		t.Fatalf("gdb walked %d lists, want 4 in each of at least 5 vnets", len(walks))
	}

	f := evalFixture{kernel: kernel, core: minidump, cache: tmp}
	total := 0
	for _, w := range walks {
		res := f.printJSON(t, "--vnet", w.Vnet, "--list", "V_"+w.Path)
		l := obj(res[0]["list"])
		got := []string{}
		for _, e := range list(l, "elements") {
			got = append(got, fmt.Sprint(obj(e)["address"]))
		}
		if l["kind"] != w.Kind || l["error"] != nil || !reflect.DeepEqual(got, w.Elements) {
			t.Errorf("vnet %s V_%s: %v %v (error %v), gdb walked %s %v", w.Vnet, w.Path, l["kind"], got, l["error"], w.Kind, w.Elements)
		}
		total += len(got)
	}
	if total == 0 {
		t.Errorf("every list was empty; the test kernel fills them")
	}
	t.Logf("compared %d lists, %d elements, with gdb", len(walks), total)
}

// TestPrintCastRealDumps reads hz and dumptid through casts on the real
// FreeBSD dumps, whose kernels have no DWARF, and compares them with the
// values in the dumps' README.
func TestPrintCastRealDumps(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-amd64.bz2"), dir)
	cases := []struct {
		core, hz, dumptid string
	}{
		{"vmcore-amd64-minidump.bz2", "100", "100670"},
		{"vmcore-amd64-full.bz2", "100", "100659"},
	}
	for _, c := range cases {
		t.Run(c.core, func(t *testing.T) {
			core := unbzip2(t, filepath.Join(lldbFixtures, c.core), dir)
			for expr, want := range map[string]string{
				"*(int *)&hz":                     c.hz,
				"*(unsigned int *)&hz":            c.hz,
				"*(long *)&dumptid":               c.dumptid,
				"*(unsigned long long *)&dumptid": c.dumptid,
			} {
				out, _, err := runCLI(t, "-N", kernel, "-M", core, "print", "--format", "json", expr)
				if err != nil {
					t.Fatalf("print %s: %v", expr, err)
				}
				res := list(decodeJSON(t, []byte(out)), "results")
				if len(res) != 1 {
					t.Fatalf("print %s: %d results, want 1", expr, len(res))
				}
				if got := fmt.Sprint(obj(res[0])["value"]); got != want {
					t.Errorf("print %s = %s, want %s", expr, got, want)
				}
			}
		})
	}
}
