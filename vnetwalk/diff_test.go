package vnetwalk

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/value"
)

// The diff tests compare vnetinspect's comparisons with gdb's reading of
// the same stopped test kernel (testdata/cores/*/oracle.json).

const testCores = "../testdata/cores/clang-dwarf5"

// unzstdFile decompresses a test fixture into a temporary file.
func unzstdFile(t *testing.T, src string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatalf("fixture missing: %v (make fixtures writes it)", err)
	}
	defer in.Close()
	dec, err := zstd.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	dst := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(src), ".zst"))
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

// openTestDump opens the test kernel with one of its dumps.
func openTestDump(t *testing.T, dump string) *Kernel {
	t.Helper()
	syms := openTestKernel(t)
	core, err := kvm.Open(unzstdFile(t, filepath.Join(testCores, dump+".zst")), kvm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return New(syms, core.Virtual())
}

// loadOracle reads gdb's oracle.json, keeping numbers exact.
func loadOracle(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(unzstdFile(t, filepath.Join(testCores, "oracle.json.zst")))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// oracleVnet is one vnet of the oracle with its variables by name.
type oracleVnet struct {
	addr  uint64
	vnet0 bool
	jails []string
	vars  map[string]map[string]any
}

func oracleVnets(t *testing.T, o map[string]any) []oracleVnet {
	t.Helper()
	var out []oracleVnet
	for _, x := range o["vnets"].([]any) {
		m := x.(map[string]any)
		v := oracleVnet{addr: hexValue(t, m["address"]), vnet0: m["vnet0"] == true, vars: map[string]map[string]any{}}
		for _, j := range m["jails"].([]any) {
			v.jails = append(v.jails, j.(map[string]any)["name"].(string))
		}
		for _, y := range m["variables"].([]any) {
			r := y.(map[string]any)
			v.vars[r["name"].(string)] = r
		}
		out = append(out, v)
	}
	return out
}

func hexValue(t *testing.T, x any) uint64 {
	t.Helper()
	s, _ := x.(string)
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("oracle address %v: %v", x, err)
	}
	return n
}

// flattenJSON lists the scalar leaves of an oracle value by path. An enum,
// {"name": N, "value": V}, is one leaf.
func flattenJSON(path string, x any, out map[string]string) {
	switch v := x.(type) {
	case map[string]any:
		if _, ok := v["value"]; ok && len(v) == 2 {
			if _, ok := v["name"]; ok {
				b, _ := json.Marshal(v)
				out[path] = string(b)
				return
			}
		}
		for k, e := range v {
			flattenJSON(path+"."+k, e, out)
		}
	case []any:
		for i, e := range v {
			flattenJSON(path+"["+strconv.Itoa(i)+"]", e, out)
		}
	default:
		b, _ := json.Marshal(v)
		out[path] = string(b)
	}
}

// ownPath maps an oracle leaf path to the row of ours that holds it: a char
// array is one leaf for us but may be a list of numbers for the oracle.
func ownPath(p string, rows map[string]bool) string {
	for q := p; ; {
		if rows[q] {
			return q
		}
		i := strings.LastIndexByte(q, '[')
		if i < 0 {
			return p
		}
		q = q[:i]
	}
}

func TestCompareVarMatchesOracle(t *testing.T) {
	k := openTestDump(t, "minidump")
	want := oracleVnets(t, loadOracle(t))
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Vnets) != len(want) {
		t.Fatalf("walk found %d vnets, the oracle %d", len(w.Vnets), len(want))
	}
	ref := -1
	for i, v := range want {
		if v.vnet0 {
			ref = i
		}
	}
	syms, err := k.VnetVariables()
	if err != nil {
		t.Fatal(err)
	}
	for _, sym := range syms {
		c := k.CompareVar(sym, w.Vnets, value.DefaultLimits())
		if c.Reference != ref {
			t.Fatalf("%s: reference vnet %d, want vnet0 at %d", c.Name, c.Reference, ref)
		}
		rows := map[string]bool{}
		got := map[int][]string{}
		for _, r := range c.Rows {
			rows[r.Path] = true
			for i, d := range r.Differs {
				if d {
					got[i] = append(got[i], r.Path)
				}
			}
		}
		refLeaves := map[string]string{}
		flattenJSON(c.Name, want[ref].vars[c.Name]["value"], refLeaves)
		for i, v := range want {
			leaves := map[string]string{}
			flattenJSON(c.Name, v.vars[c.Name]["value"], leaves)
			set := map[string]bool{}
			for p, text := range leaves {
				if refLeaves[p] != text {
					set[ownPath(p, rows)] = true
				}
			}
			var expected []string
			for p := range set {
				expected = append(expected, p)
			}
			sort.Strings(expected)
			sort.Strings(got[i])
			if strings.Join(got[i], " ") != strings.Join(expected, " ") {
				t.Errorf("%s in vnet %#x: members differing from vnet0 %q, gdb's values give %q", c.Name, v.addr, got[i], expected)
			}
		}
	}
}

func TestCompareVnetsMatchesOracle(t *testing.T) {
	k := openTestDump(t, "minidump")
	want := oracleVnets(t, loadOracle(t))
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]int{{0, 1}, {1, len(want) - 1}, {2, 3}} {
		a, b := w.Vnets[pair[0]], w.Vnets[pair[1]]
		wa, wb := want[pair[0]], want[pair[1]]
		if a.Addr != wa.addr || b.Addr != wb.addr {
			t.Fatalf("vnet order differs from the oracle's: %#x %#x, want %#x %#x", a.Addr, b.Addr, wa.addr, wb.addr)
		}
		diffs, err := k.CompareVnets(a, b, value.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		var got, expected []string
		for _, d := range diffs {
			got = append(got, d.Name)
		}
		for name, x := range wa.vars {
			if x["bytes"] != wb.vars[name]["bytes"] {
				expected = append(expected, name)
			}
		}
		sort.Strings(got)
		sort.Strings(expected)
		if strings.Join(got, " ") != strings.Join(expected, " ") {
			t.Errorf("vnets %v and %v: differing variables %q, gdb's bytes give %q", wa.jails, wb.jails, got, expected)
		}
		if len(expected) == 0 {
			t.Errorf("vnets %v and %v: the oracle has no difference, so the case proves nothing", wa.jails, wb.jails)
		}
	}
}

func TestCompareVnetsSameVnet(t *testing.T) {
	k := openTestDump(t, "minidump")
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := k.CompareVnets(w.Vnets[0], w.Vnets[0], value.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 0 {
		t.Errorf("a vnet compared with itself has %d differing variables, first %s", len(diffs), diffs[0].Name)
	}
}

func TestFlattenPaths(t *testing.T) {
	k := openTestDump(t, "minidump")
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	sym, ok := k.VnetSymbol("rt_table")
	if !ok {
		t.Fatal("test kernel has no V_rt_table")
	}
	x := k.ReadVnetVar(sym, w.Vnet0())
	if x.Err != nil {
		t.Fatal(x.Err)
	}
	var paths []string
	for _, l := range k.leaves(x, value.DefaultLimits()) {
		paths = append(paths, l.Path)
	}
	// struct rt_entry {struct in_addr_u rt_dst; ... } with the union's three
	// members, in testdata/kernel/vnet_vars.c.
	for _, p := range []string{"rt_table[0].rt_dst.s_addr", "rt_table[0].rt_dst.s_half[1]", "rt_table[2].rt_ifp"} {
		found := false
		for _, q := range paths {
			found = found || q == p
		}
		if !found {
			t.Errorf("no leaf %s among %q", p, paths)
		}
	}
}
