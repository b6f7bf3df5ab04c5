package main

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// kernelSpan returns _end - btext from the kernel file's symbol table: the
// size the test kernel's linker_init stores in its linker_file.
func kernelSpan(t *testing.T, kernel string) uint64 {
	t.Helper()
	f, err := elf.Open(kernel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]uint64{}
	for _, s := range syms {
		vals[s.Name] = s.Value
	}
	if vals["btext"] == 0 || vals["_end"] == 0 {
		t.Fatalf("%s has no btext or _end symbol", kernel)
	}
	return vals["_end"] - vals["btext"]
}

// TestModulesKernelEntry checks the kernel's own linker file in the test
// kernel: KERNSTART and the pathname from its README and kern_linker.c, the
// size from the kernel's symbols and the variable count from gdb's oracle.
func TestModulesKernelEntry(t *testing.T) {
	kernel, core, oracle := mainFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "modules", "--format", "json")
	if err != nil {
		t.Fatalf("modules: %v", err)
	}
	got := decodeJSON(t, []byte(out))
	mods := list(got, "modules")
	if len(mods) == 0 {
		t.Fatal("no linker files listed")
	}
	k := obj(mods[0])
	// decodeJSON keeps numbers as json.Number, so compare printed forms.
	want := map[string]string{
		"id":           "1",
		"filename":     "kernel",
		"pathname":     "/boot/kernel/kernel",
		"address_base": "0xffffffff80200000",
		"size":         fmt.Sprint(kernelSpan(t, kernel)),
		"kernel":       "true",
		"file":         kernel,
		"variables":    fmt.Sprint(len(list(oracle, "templates"))),
	}
	for key, w := range want {
		if fmt.Sprint(k[key]) != w {
			t.Errorf("kernel entry %s = %v, want %v", key, k[key], w)
		}
	}

	text, _, err := runCLI(t, "-N", kernel, "-M", core, "modules")
	if err != nil {
		t.Fatalf("modules: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != len(mods)+1 {
		t.Fatalf("text output has %d lines for %d linker files:\n%s", len(lines), len(mods), text)
	}
	fields := strings.Fields(lines[1])
	wantFields := []string{"1", "0xffffffff80200000", fmt.Sprint(kernelSpan(t, kernel)), "kernel"}
	for i, w := range wantFields {
		if i >= len(fields) || fields[i] != w {
			t.Errorf("kernel line %q: field %d is not %s", lines[1], i, w)
		}
	}
}

func TestModulesBadFormat(t *testing.T) {
	_, _, err := runCLI(t, "-N", "k", "-M", "c", "modules", "--format", "ndjson")
	if err == nil || !strings.Contains(err.Error(), "ndjson") {
		t.Errorf("modules --format ndjson error = %v, want an invalid --format", err)
	}
}

// TestModulesMatchOracle compares the linker files and every module
// variable in every vnet with what gdb read after add-symbol-file placed
// the module's sections where the test kernel's linker put them. The module
// file is decompressed next to the kernel, where vnetinspect looks first.
func TestModulesMatchOracle(t *testing.T) {
	variants, _ := filepath.Glob(filepath.Join(coresDir, "*"))
	checked := 0
	for _, vdir := range variants {
		oracleFile, kernelFile := findFile(vdir, "oracle.json"), findFile(vdir, "kernel")
		if oracleFile == "" || kernelFile == "" {
			continue
		}
		tmp := t.TempDir()
		want := obj(decodeJSON(t, readAll(t, unzstd(t, oracleFile, tmp)))["modules"])
		if len(list(want, "variables")) == 0 {
			if filepath.Base(vdir) == mainVariant && want != nil {
				t.Errorf("%s: the oracle's modules section has no variables", vdir)
			}
			continue
		}
		checked++
		t.Run(filepath.Base(vdir), func(t *testing.T) {
			kernel := unzstd(t, kernelFile, tmp)
			for _, lf := range list(want, "linker_files") {
				name := fmt.Sprint(obj(lf)["filename"])
				if ko := findFile(vdir, name); ko != "" && name != "kernel" {
					unzstd(t, ko, tmp)
				}
			}
			core := findFile(vdir, "minidump")
			compareLinkerFiles(t, kernel, core, tmp, list(want, "linker_files"))
			compareModuleVars(t, kernel, core, tmp, list(want, "variables"))
		})
	}
	if checked == 0 {
		t.Skip("no oracle.json under " + coresDir + " has module variables yet; make fixtures writes them")
	}
}

// compareLinkerFiles checks the modules command against gdb's linker_files.
func compareLinkerFiles(t *testing.T, kernel, core, cache string, want []any) {
	t.Helper()
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", cache, "modules", "--format", "json")
	if err != nil {
		t.Fatalf("modules: %v", err)
	}
	doc := decodeJSON(t, []byte(out))
	if w := list(doc, "warnings"); len(w) != 0 {
		t.Errorf("modules warned with every module file present: %v", w)
	}
	got := list(doc, "modules")
	if len(got) != len(want) {
		t.Fatalf("%d linker files, gdb read %d", len(got), len(want))
	}
	for i := range want {
		g, w := obj(got[i]), obj(want[i])
		for _, k := range []string{"address", "filename", "pathname", "address_base", "size", "class"} {
			if fmt.Sprint(g[k]) != fmt.Sprint(w[k]) {
				t.Errorf("linker file %d: %s = %v, gdb read %v", i, k, g[k], w[k])
			}
		}
		if g["error"] != nil {
			t.Errorf("linker file %d (%v): error %v", i, w["filename"], g["error"])
		}
	}
}

// compareModuleVars checks dump's module variables, matched by vnet, module
// and name, against gdb's.
func compareModuleVars(t *testing.T, kernel, core, cache string, want []any) {
	t.Helper()
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", cache, "dump", "--format", "json")
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	got := map[string]map[string]any{}
	for _, v := range list(decodeJSON(t, []byte(out)), "vnets") {
		for _, x := range list(obj(v), "variables") {
			if m := obj(x); m["module"] != nil {
				got[fmt.Sprint(obj(v)["address"], " ", m["module"], " ", m["name"])] = m
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("dump has %d module variables, gdb read %d", len(got), len(want))
	}
	for _, x := range want {
		w := obj(x)
		key := fmt.Sprint(w["vnet"], " ", w["module"], " ", w["name"])
		g, ok := got[key]
		if !ok {
			t.Errorf("%s: missing from dump", key)
			continue
		}
		if g["error"] != nil {
			t.Errorf("%s: error %v", key, g["error"])
			continue
		}
		for _, k := range []string{"symbol", "address", "size", "type", "bytes", "value"} {
			if !reflect.DeepEqual(g[k], w[k]) {
				gb, _ := json.Marshal(g[k])
				wb, _ := json.Marshal(w[k])
				t.Errorf("%s: %s = %s, gdb read %s", key, k, gb, wb)
			}
		}
	}
}
