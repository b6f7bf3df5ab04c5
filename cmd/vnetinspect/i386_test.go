package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The i386 test kernel (testdata/kernel-i386) runs under qemu-system-i386
// without PAE and writes an i386 minidump version 2 of itself. Its
// oracle.json is what gdb read from the stopped machine. The kernel is
// ILP32, so these tests cover 4-byte pointers in struct vnet and prison.

// i386Fixture returns the i386 test kernel, its minidump and its oracle.
func i386Fixture(t *testing.T) (kernel, core string, oracle map[string]any) {
	t.Helper()
	dir := filepath.Join(coresDir, "i386-clang-dwarf5")
	kernelFile, coreFile, oracleFile := findFile(dir, "kernel"), findFile(dir, "minidump-i386"), findFile(dir, "oracle.json")
	if kernelFile == "" || coreFile == "" || oracleFile == "" {
		t.Fatalf("%s lacks kernel, minidump-i386 or oracle.json; make -C testdata/kernel-i386 fixtures writes them", dir)
	}
	tmp := t.TempDir()
	return unzstd(t, kernelFile, tmp), coreFile, decodeJSON(t, readAll(t, unzstd(t, oracleFile, tmp)))
}

func TestDumpI386MatchesOracle(t *testing.T) {
	kernel, core, oracle := i386Fixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump", "--format", "json")
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	compareWithOracle(t, decodeJSON(t, []byte(out)), oracle)
}

// On i386 a counter_u64_t is a 4-byte pointer to CPU 0's slot, and the
// slots are 8 bytes, PAGE_SIZE apart. ip_fwd_drops has a slot of -1, so
// its sum only matches when both widths are right.
func TestCountersI386MatchOracle(t *testing.T) {
	kernel, core, oracle := i386Fixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	compareCounterSums(t, decodeJSON(t, []byte(out)), list(oracle, "counters"))
}

func TestInfoI386Format(t *testing.T) {
	kernel, core, _ := i386Fixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "info")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"minidump-i386-v2", "i386)", "dumptid:    100042", "vnetinspect i386 test kernel: dumping on purpose"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
}
