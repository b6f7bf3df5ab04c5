package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The riscv test kernel (testdata/kernel-riscv) runs under QEMU's virt
// machine and writes a riscv minidump version 2 and a version 1 of the same
// state. One fixture ran with Sv39 page tables, the other switched to
// Sv48. Each oracle.json is what gdb-multiarch read from the stopped
// machine, and each satp file is the satp register that gdb read.

// A riscvCase is one minidump of a riscv fixture.
type riscvCase struct {
	fixture  string // folder in testdata/cores
	core     string // minidump file, without .zst
	format   string // format name that info prints
	satpMode uint64 // satp MODE: 8 for Sv39, 9 for Sv48 (RISC-V privileged spec)
}

var riscvCases = []riscvCase{
	{"riscv-clang-dwarf5", "minidump-riscv", "minidump-riscv-v2", 8},
	{"riscv-clang-dwarf5", "minidump-riscv-v1", "minidump-riscv-v1", 8},
	{"riscv-sv48-clang-dwarf5", "minidump-riscv", "minidump-riscv-v2", 9},
	{"riscv-sv48-clang-dwarf5", "minidump-riscv-v1", "minidump-riscv-v1", 9},
}

func (c riscvCase) name() string { return c.fixture + "/" + c.core }

// riscvFixture returns the kernel, the minidump and the oracle of c.
func riscvFixture(t *testing.T, c riscvCase) (kernel, core string, oracle map[string]any) {
	t.Helper()
	dir := filepath.Join(coresDir, c.fixture)
	kernelFile, coreFile, oracleFile := findFile(dir, "kernel"), findFile(dir, c.core), findFile(dir, "oracle.json")
	if kernelFile == "" || coreFile == "" || oracleFile == "" {
		t.Fatalf("%s lacks kernel, %s or oracle.json; make -C testdata/kernel-riscv fixtures writes them", dir, c.core)
	}
	tmp := t.TempDir()
	return unzstd(t, kernelFile, tmp), coreFile, decodeJSON(t, readAll(t, unzstd(t, oracleFile, tmp)))
}

func TestDumpRISCVMatchesOracle(t *testing.T) {
	for _, c := range riscvCases {
		t.Run(c.name(), func(t *testing.T) {
			kernel, core, oracle := riscvFixture(t, c)
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump", "--format", "json")
			if err != nil {
				t.Fatalf("dump: %v", err)
			}
			compareWithOracle(t, decodeJSON(t, []byte(out)), oracle)
		})
	}
}

// riscv counters hold CPU 0's slot address, with the slots PAGE_SIZE
// apart, as on arm64.
func TestCountersRISCVMatchOracle(t *testing.T) {
	for _, c := range riscvCases {
		t.Run(c.name(), func(t *testing.T) {
			kernel, core, oracle := riscvFixture(t, c)
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump")
			if err != nil {
				t.Fatal(err)
			}
			compareCounterSums(t, decodeJSON(t, []byte(out)), list(oracle, "counters"))
		})
	}
}

func TestInfoRISCVFormat(t *testing.T) {
	for _, c := range riscvCases {
		t.Run(c.name(), func(t *testing.T) {
			kernel, core, _ := riscvFixture(t, c)
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "info")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{c.format + " (zstd), riscv)", "dumptid:    100042", "vnetinspect riscv test kernel: dumping on purpose"} {
				if !strings.Contains(out, want) {
					t.Errorf("info output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestRISCVFixturePagingMode checks that each run used the paging mode its
// fixture is named for. gdb read the satp register, whose MODE field (bits
// 63:60) is the mode in use. The kernel's pmap_mode, read from the dump,
// takes FreeBSD's enum pmap_mode values.
func TestRISCVFixturePagingMode(t *testing.T) {
	wantPmapMode := map[uint64]string{8: "PMAP_MODE_SV39", 9: "PMAP_MODE_SV48"}
	for _, c := range riscvCases {
		t.Run(c.name(), func(t *testing.T) {
			text := strings.TrimSpace(string(readAll(t, filepath.Join(coresDir, c.fixture, "satp"))))
			satp, err := strconv.ParseUint(text, 0, 64)
			if err != nil {
				t.Fatalf("satp file: %v", err)
			}
			if mode := satp >> 60; mode != c.satpMode {
				t.Errorf("satp %#x has MODE %d, want %d", satp, mode, c.satpMode)
			}

			kernel, core, _ := riscvFixture(t, c)
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "print", "pmap_mode")
			if err != nil {
				t.Fatalf("print pmap_mode: %v", err)
			}
			if want := "= " + wantPmapMode[c.satpMode]; !strings.HasSuffix(strings.TrimSpace(out), want) {
				t.Errorf("print pmap_mode = %q, want it to end with %q", out, want)
			}
		})
	}
}
