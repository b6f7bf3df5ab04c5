package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// The test kernel's fixtures: testdata/cores/VARIANT holds the kernel, its
// dumps in several formats, and oracle.json, written by gdb through QEMU's
// gdbstub while the machine was stopped (testdata/oracle/oracle.py).
const coresDir = "../../testdata/cores"

// mainVariant is the variant whose four dump formats must all be present.
const mainVariant = "clang-dwarf5"

// coreFormats are the dump files of one run, by base name without .zst.
var coreFormats = []string{"minidump", "minidump-v1", "minidump-v2", "full.elf", "qemu.elf", "raw.mem"}

// kernelMapMissing lists formats that cannot hold the kernel map below
// KERNBASE, where the vnet data areas live. A version 1 amd64 minidump maps
// only from its header's kernbase up (FreeBSD 7 placed all kernel memory
// there), so on a FreeBSD 14 layout every V_ variable must be an error.
var kernelMapMissing = map[string]bool{"minidump-v1": true}

// unzstd decompresses src into dir, or returns src when it is not a .zst.
func unzstd(t *testing.T, src, dir string) string {
	t.Helper()
	if !strings.HasSuffix(src, ".zst") {
		return src
	}
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

// findFile returns dir/name or dir/name.zst, whichever exists.
func findFile(dir, name string) string {
	for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+".zst")} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// decodeJSON parses JSON keeping numbers exact.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("invalid JSON: %v\n%.400s", err, b)
	}
	return m
}

func list(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

func obj(x any) map[string]any {
	m, _ := x.(map[string]any)
	return m
}

// TestDumpMatchesOracle compares vnetinspect's dump of every format of every
// test kernel run with what gdb read from the same stopped machine.
func TestDumpMatchesOracle(t *testing.T) {
	variants, _ := filepath.Glob(filepath.Join(coresDir, "*"))
	found := false
	for _, vdir := range variants {
		oracle := findFile(vdir, "oracle.json")
		kernel := findFile(vdir, "kernel")
		if oracle == "" || kernel == "" {
			continue
		}
		variant := filepath.Base(vdir)
		if variant == mainVariant {
			found = true
		}
		t.Run(variant, func(t *testing.T) {
			tmp := t.TempDir()
			kernelPath := unzstd(t, kernel, tmp)
			want := decodeJSON(t, readAll(t, unzstd(t, oracle, tmp)))
			var reports []map[string]any
			for _, f := range coreFormats {
				core := findFile(vdir, f)
				if core == "" {
					if variant == mainVariant {
						t.Errorf("%s: %s is missing; make fixtures writes it", vdir, f)
					}
					continue
				}
				t.Run(f, func(t *testing.T) {
					out, _, err := runCLI(t, "-N", kernelPath, "-M", core, "--cache-dir", tmp, "dump", "--format", "json")
					if err != nil {
						t.Fatalf("dump: %v", err)
					}
					got := decodeJSON(t, []byte(out))
					if kernelMapMissing[f] {
						compareHeadersOnly(t, got, want)
						return
					}
					compareWithOracle(t, got, want)
					reports = append(reports, got)
				})
			}
			// Every format of the same run must give the same vnets and bytes.
			for i := 1; i < len(reports); i++ {
				if !reflect.DeepEqual(reports[0]["vnets"], reports[i]["vnets"]) {
					t.Errorf("format %d's vnets differ from format 0's", i)
				}
			}
		})
	}
	if !found {
		t.Fatalf("no fixtures of the %s test kernel under %s; run make fixtures", mainVariant, coresDir)
	}
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compareHeadersOnly checks the vnets against gdb's and requires every
// variable to carry an error naming its address, never a value.
func compareHeadersOnly(t *testing.T, got, want map[string]any) {
	t.Helper()
	gv, wv := list(got, "vnets"), list(want, "vnets")
	if len(gv) != len(wv) {
		t.Fatalf("%d vnets, gdb read %d", len(gv), len(wv))
	}
	for i := range wv {
		g, w := obj(gv[i]), obj(wv[i])
		for _, k := range []string{"address", "vnet0", "magic", "ifcnt", "sockcnt", "state", "data_base", "jails"} {
			if !reflect.DeepEqual(g[k], w[k]) {
				t.Errorf("vnet %d: %s = %v, gdb read %v", i, k, g[k], w[k])
			}
		}
		for _, x := range list(g, "variables") {
			v := obj(x)
			e, _ := v["error"].(string)
			if !strings.Contains(e, fmt.Sprint(v["address"])) || !strings.Contains(e, "not in dump") {
				t.Errorf("vnet %d: V_%v: error %q, want one naming %v as not in the dump", i, v["name"], e, v["address"])
			}
			if _, ok := v["value"]; ok {
				t.Errorf("vnet %d: V_%v has a value from a page the dump does not hold", i, v["name"])
			}
		}
	}
}

// compareWithOracle checks every vnet, jail and variable against gdb's.
func compareWithOracle(t *testing.T, got, want map[string]any) {
	t.Helper()
	gv, wv := list(got, "vnets"), list(want, "vnets")
	if len(gv) != len(wv) {
		t.Fatalf("%d vnets, gdb read %d", len(gv), len(wv))
	}
	if len(wv) < 5 {
		t.Errorf("gdb read only %d vnets; the test kernel builds at least 5", len(wv))
	}
	for i := range wv {
		g, w := obj(gv[i]), obj(wv[i])
		where := fmt.Sprintf("vnet %d (%v)", i, w["address"])
		for _, k := range []string{"address", "vnet0", "magic", "ifcnt", "sockcnt", "state", "shutdown", "data_mem", "data_base", "jails"} {
			if !reflect.DeepEqual(g[k], w[k]) {
				t.Errorf("%s: %s = %v, gdb read %v", where, k, g[k], w[k])
			}
		}
		compareVariables(t, where, list(g, "variables"), list(w, "variables"))

		// Jails without PR_VNET that gdb saw pointing at this vnet share it.
		var wantSharers []string
		for _, j := range list(want, "jails") {
			if jm := obj(j); jm["vnet_owner"] == false && jm["vnet"] == w["address"] {
				wantSharers = append(wantSharers, fmt.Sprint(jm["name"]))
			}
		}
		var gotSharers []string
		for _, j := range list(g, "sharing_jails") {
			gotSharers = append(gotSharers, fmt.Sprint(obj(j)["name"]))
		}
		if !reflect.DeepEqual(gotSharers, wantSharers) {
			t.Errorf("%s: sharing_jails = %v, gdb saw %v", where, gotSharers, wantSharers)
		}
	}

	gj, wj := list(got, "jails"), list(want, "jails")
	if len(gj) != len(wj) {
		t.Errorf("%d jails, gdb read %d", len(gj), len(wj))
	} else {
		for i := range wj {
			for _, k := range []string{"address", "jid", "name", "flags", "parent_jid", "vnet", "vnet_owner"} {
				if g, w := obj(gj[i])[k], obj(wj[i])[k]; !reflect.DeepEqual(g, w) {
					t.Errorf("jail %d: %s = %v, gdb read %v", i, k, g, w)
				}
			}
		}
	}
}

// compareVariables checks one vnet's variables, matched by name.
func compareVariables(t *testing.T, where string, got, want []any) {
	t.Helper()
	byName := map[string]map[string]any{}
	for _, x := range got {
		byName[fmt.Sprint(obj(x)["name"])] = obj(x)
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d variables, gdb read %d", where, len(got), len(want))
	}
	if len(want) < 40 {
		t.Errorf("%s: gdb read only %d variables; the test kernel defines at least 40", where, len(want))
	}
	for _, x := range want {
		w := obj(x)
		name := fmt.Sprint(w["name"])
		g, ok := byName[name]
		if !ok {
			t.Errorf("%s: variable %s missing", where, name)
			continue
		}
		if e, ok := g["error"]; ok {
			t.Errorf("%s: V_%s: error %v", where, name, e)
			continue
		}
		for _, k := range []string{"symbol", "address", "size", "type", "bytes", "value"} {
			if !reflect.DeepEqual(g[k], w[k]) {
				gb, _ := json.Marshal(g[k])
				wb, _ := json.Marshal(w[k])
				t.Errorf("%s: V_%s: %s = %s, gdb read %s", where, name, k, gb, wb)
			}
		}
	}
}

// TestPrintNamesVnetPointers checks that print names a pointer into a vnet's
// data area after the variable it points to. The pairs come from gdb's
// oracle: pointer variables whose value is another variable's address in
// the same vnet.
func TestPrintNamesVnetPointers(t *testing.T) {
	vdir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	core := findFile(vdir, "minidump")
	want := decodeJSON(t, readAll(t, unzstd(t, findFile(vdir, "oracle.json"), tmp)))

	checked := 0
	for _, vx := range list(want, "vnets") {
		v := obj(vx)
		byAddr := map[string]string{}
		for _, x := range list(v, "variables") {
			byAddr[fmt.Sprint(obj(x)["address"])] = fmt.Sprint(obj(x)["name"])
		}
		for _, x := range list(v, "variables") {
			p, _ := obj(x)["value"].(string)
			target, ok := byAddr[p]
			if !ok {
				continue
			}
			name := fmt.Sprint(obj(x)["name"])
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", tmp, "print", "--vnet", fmt.Sprint(v["address"]), name)
			if err != nil {
				t.Fatalf("print %s: %v", name, err)
			}
			if !strings.Contains(out, "<V_"+target+" of ") {
				t.Errorf("print --vnet %v %s = %q, want the pointer named <V_%s of ...>", v["address"], name, out, target)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("the oracle has no pointer between variables of one vnet to check")
	}
}
