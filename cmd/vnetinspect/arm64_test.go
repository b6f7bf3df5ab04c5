package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The expected values of the real arm64 minidump come from the fixtures'
// README, which records what an independent libkvm port read from it.

func TestPrintARM64RealDump(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-arm64.bz2"), dir)
	core := filepath.Join(lldbFixtures, "vmcore-arm64-minidump.bz2") // read compressed, directly

	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "hz")
	if err != nil {
		t.Fatalf("print hz: %v", err)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "= 1000") {
		t.Errorf("print hz = %q, want it to end with %q", out, "= 1000")
	}

	out, _, err = runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "--format", "json", "dumptid")
	if err != nil {
		t.Fatalf("print dumptid: %v", err)
	}
	var res struct {
		Variables []struct {
			Value json.RawMessage `json:"value"`
		} `json:"variables"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("print dumptid: output is not JSON: %v\n%s", err, out)
	}
	if len(res.Variables) != 1 {
		t.Fatalf("print dumptid: %d variables, want 1", len(res.Variables))
	}
	if got := string(res.Variables[0].Value); got != "100137" {
		t.Errorf("print dumptid = %s, want 100137", got)
	}
}

func TestInfoARM64RealDump(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-arm64.bz2"), dir)
	core := unbzip2(t, filepath.Join(lldbFixtures, "vmcore-arm64-minidump.bz2"), dir)

	out, _, err := runCLI(t, "-N", kernel, "-M", core, "info", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, []byte(out))
	if got["dumptid"] != json.Number("100137") {
		t.Errorf("dumptid = %v, want 100137", got["dumptid"])
	}
	th := obj(got["thread"])
	if th == nil {
		t.Fatalf("no thread; errors %v", got["errors"])
	}
	if th["tid"] != json.Number("100137") {
		t.Errorf("thread tid = %v, want 100137", th["tid"])
	}
	p := obj(th["proc"])
	if p["pid"] != json.Number("939") {
		t.Errorf("pid = %v, want 939", p["pid"])
	}
	if p["comm"] != "sysctl" {
		t.Errorf("comm = %v, want sysctl", p["comm"])
	}
	if p["address"] != "0xffffa00009f0f000" {
		t.Errorf("proc address = %v, want 0xffffa00009f0f000", p["address"])
	}

	text, _, err := runCLI(t, "-N", kernel, "-M", core, "info")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"minidump-arm64-v2, arm64", "dumptid:    100137"} {
		if !strings.Contains(text, want) {
			t.Errorf("info output lacks %q:\n%s", want, text)
		}
	}
}

// arm64TestKernels are the arm64 test kernel's fixture folders under
// coresDir (testdata/kernel-arm64), with 4 KiB and with 16 KiB pages.
var arm64TestKernels = []string{"arm64-clang-dwarf5", "arm64-16k-clang-dwarf5"}

// arm64Fixture returns an arm64 test kernel, its minidump and the oracle
// that gdb-multiarch wrote from the stopped machine.
func arm64Fixture(t *testing.T, name string) (kernel, core string, oracle map[string]any) {
	t.Helper()
	dir := filepath.Join(coresDir, name)
	kernelFile, coreFile, oracleFile := findFile(dir, "kernel"), findFile(dir, "minidump-arm64"), findFile(dir, "oracle.json")
	if kernelFile == "" || coreFile == "" || oracleFile == "" {
		t.Fatalf("%s lacks kernel, minidump-arm64 or oracle.json; make -C testdata/kernel-arm64 fixtures writes them", dir)
	}
	tmp := t.TempDir()
	return unzstd(t, kernelFile, tmp), coreFile, decodeJSON(t, readAll(t, unzstd(t, oracleFile, tmp)))
}

// TestDumpARM64MatchesOracle compares dump's vnets, jails and variables
// with gdb's, as TestDumpMatchesOracle does for the amd64 kernels.
func TestDumpARM64MatchesOracle(t *testing.T) {
	for _, name := range arm64TestKernels {
		t.Run(name, func(t *testing.T) {
			kernel, core, oracle := arm64Fixture(t, name)
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump", "--format", "json")
			if err != nil {
				t.Fatalf("dump: %v", err)
			}
			compareWithOracle(t, decodeJSON(t, []byte(out)), oracle)
		})
	}
}

// TestCountersARM64MatchOracle checks counter sums, which on arm64 add the
// slots at the counter's own address plus UMA_PCPU_ALLOC_SIZE (PAGE_SIZE)
// per CPU, against the sums of the slots that gdb read.
func TestCountersARM64MatchOracle(t *testing.T) {
	for _, name := range arm64TestKernels {
		t.Run(name, func(t *testing.T) {
			kernel, core, oracle := arm64Fixture(t, name)
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir(), "dump")
			if err != nil {
				t.Fatal(err)
			}
			compareCounterSums(t, decodeJSON(t, []byte(out)), list(oracle, "counters"))
		})
	}
}

// compareCounterSums checks the "counters" sums of dump's variable records
// against the oracle's counter records.
func compareCounterSums(t *testing.T, dump map[string]any, want []any) {
	t.Helper()
	sums := map[string][]any{} // "vnet name" -> sums
	for _, v := range list(dump, "vnets") {
		for _, x := range list(obj(v), "variables") {
			if c := obj(obj(x)["counters"]); c != nil {
				sums[fmt.Sprint(obj(v)["address"], " ", obj(x)["name"])] = list(c, "sums")
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("oracle.json has no counters")
	}
	for _, x := range want {
		o := obj(x)
		key := fmt.Sprint(o["vnet"], " ", o["name"])
		index := 0
		if n, ok := o["index"].(json.Number); ok {
			i, _ := n.Int64()
			index = int(i)
		}
		s := sums[key]
		if index >= len(s) {
			t.Errorf("%s[%d]: dump has %d sums", key, index, len(s))
			continue
		}
		if s[index] != o["sum"] {
			t.Errorf("%s[%d]: sum %v, gdb's slots sum to %v", key, index, s[index], o["sum"])
		}
	}
}
