package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The i386 test kernel (testdata/kernel-i386) runs under qemu-system-i386
// in two builds: without PAE (4-byte page-table entries, 4 MiB pages) and
// with PAE (8-byte entries, a 4-entry PDPT, 2 MiB pages). Each run writes
// an i386 minidump version 2, a version 1 minidump and a full dump (ELF32)
// of the same state, and its oracle.json is what gdb read from the stopped
// machine. The kernel is ILP32, so these tests cover 4-byte pointers in
// struct vnet and prison, and counter(9) handles of 4 bytes.

// An i386Core is one dump file of an i386 fixture and the format name
// vnetinspect must report for it.
type i386Core struct {
	file, format string
}

// i386Fixtures lists the fixture folders and their dump files.
var i386Fixtures = []struct {
	dir   string
	cores []i386Core
}{
	{"i386-clang-dwarf5", []i386Core{
		{"minidump-i386", "minidump-i386-v2"},
		{"minidump-i386-v1", "minidump-i386-v1"},
		{"full-i386.elf", "full-elf"},
	}},
	{"i386-pae-clang-dwarf5", []i386Core{
		{"minidump-i386", "minidump-i386-pae-v2"},
		{"minidump-i386-v1", "minidump-i386-pae-v1"},
		{"full-i386.elf", "full-elf"},
	}},
}

// i386Fixture returns the kernel of an i386 fixture folder, decompressed
// into a temporary folder, the paths of its dump files by base name, and
// its oracle.
func i386Fixture(t *testing.T, name string, cores []i386Core) (kernel string, paths map[string]string, oracle map[string]any) {
	t.Helper()
	dir := filepath.Join(coresDir, name)
	kernelFile, oracleFile := findFile(dir, "kernel"), findFile(dir, "oracle.json")
	if kernelFile == "" || oracleFile == "" {
		t.Fatalf("%s lacks kernel or oracle.json; make -C testdata/kernel-i386 fixtures writes them", dir)
	}
	paths = map[string]string{}
	for _, c := range cores {
		p := findFile(dir, c.file)
		if p == "" {
			t.Fatalf("%s lacks %s; make -C testdata/kernel-i386 fixtures writes it", dir, c.file)
		}
		paths[c.file] = p
	}
	tmp := t.TempDir()
	return unzstd(t, kernelFile, tmp), paths, decodeJSON(t, readAll(t, unzstd(t, oracleFile, tmp)))
}

// TestDumpI386MatchesOracle reads every dump of both i386 kernels once and
// compares every vnet, jail, variable and counter sum with gdb's reading.
// The counter sums check both widths: a counter_u64_t is a 4-byte pointer
// to CPU 0's slot, the slots are 8 bytes, PAGE_SIZE apart, and
// ip_fwd_drops has a slot of -1.
func TestDumpI386MatchesOracle(t *testing.T) {
	for _, fx := range i386Fixtures {
		t.Run(fx.dir, func(t *testing.T) {
			kernel, paths, oracle := i386Fixture(t, fx.dir, fx.cores)
			cache := t.TempDir()
			reports := map[string]map[string]any{}
			for _, c := range fx.cores {
				t.Run(c.file, func(t *testing.T) {
					out, _, err := runCLI(t, "-N", kernel, "-M", paths[c.file], "--cache-dir", cache, "dump", "--format", "json")
					if err != nil {
						t.Fatalf("dump: %v", err)
					}
					got := decodeJSON(t, []byte(out))
					compareWithOracle(t, got, oracle)
					compareCounterSums(t, got, list(oracle, "counters"))
					reports[c.file] = got
				})
			}

			// Every format of the same run must give the same vnets and bytes.
			first := fx.cores[0].file
			for _, c := range fx.cores[1:] {
				if reports[first] == nil || reports[c.file] == nil {
					continue
				}
				if !reflect.DeepEqual(reports[first]["vnets"], reports[c.file]["vnets"]) {
					t.Errorf("the vnets read from %s differ from those read from %s", c.file, first)
				}
			}
		})
	}
}

func TestInfoI386Format(t *testing.T) {
	for _, fx := range i386Fixtures {
		t.Run(fx.dir, func(t *testing.T) {
			kernel, paths, _ := i386Fixture(t, fx.dir, fx.cores)
			cache := t.TempDir()
			for _, c := range fx.cores {
				out, _, err := runCLI(t, "-N", kernel, "-M", paths[c.file], "--cache-dir", cache, "info")
				if err != nil {
					t.Fatalf("info %s: %v", c.file, err)
				}
				for _, want := range []string{"(" + c.format + " (zstd), i386)", "dumptid:    100042", "vnetinspect i386 test kernel: dumping on purpose"} {
					if !strings.Contains(out, want) {
						t.Errorf("info of %s lacks %q:\n%s", c.file, want, out)
					}
				}
			}
		})
	}
}
