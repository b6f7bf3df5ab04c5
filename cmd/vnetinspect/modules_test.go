package main

import (
	"debug/elf"
	"fmt"
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
