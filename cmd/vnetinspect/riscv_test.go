package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The riscv test kernel (testdata/kernel-riscv) runs under QEMU's virt
// machine with Sv39 and writes a riscv minidump version 2 of itself. Its
// oracle.json is what gdb-multiarch read from the stopped machine.

// riscvFixture returns the riscv test kernel, its minidump and its oracle.
func riscvFixture(t *testing.T) (kernel, core string, oracle map[string]any) {
	t.Helper()
	dir := filepath.Join(coresDir, "riscv-clang-dwarf5")
	kernelFile, coreFile, oracleFile := findFile(dir, "kernel"), findFile(dir, "minidump-riscv"), findFile(dir, "oracle.json")
	if kernelFile == "" || coreFile == "" || oracleFile == "" {
		t.Fatalf("%s lacks kernel, minidump-riscv or oracle.json; make -C testdata/kernel-riscv fixtures writes them", dir)
	}
	tmp := t.TempDir()
	return unzstd(t, kernelFile, tmp), coreFile, decodeJSON(t, readAll(t, unzstd(t, oracleFile, tmp)))
}

func TestDumpRISCVMatchesOracle(t *testing.T) {
	kernel, core, oracle := riscvFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump", "--format", "json")
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	compareWithOracle(t, decodeJSON(t, []byte(out)), oracle)
}

// riscv counters hold CPU 0's slot address, with the slots PAGE_SIZE
// apart, as on arm64.
func TestCountersRISCVMatchOracle(t *testing.T) {
	kernel, core, oracle := riscvFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump")
	if err != nil {
		t.Fatal(err)
	}
	compareCounterSums(t, decodeJSON(t, []byte(out)), list(oracle, "counters"))
}

func TestInfoRISCVFormat(t *testing.T) {
	kernel, core, _ := riscvFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "info")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"minidump-riscv-v2", "riscv)", "dumptid:    100042", "vnetinspect riscv test kernel: dumping on purpose"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
}
