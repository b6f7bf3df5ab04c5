package symbols

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSkimIndexMatchesDebugDWARF builds the name index of every test
// kernel twice, with the skimmer and with debug/dwarf's reader, and
// expects the same DIEs in the same order for every name.
func TestSkimIndexMatchesDebugDWARF(t *testing.T) {
	kernels := []string{"amd64-clang-dwarf4", "amd64-clang-dwarf5", "amd64-clang-dwarf5-lldb",
		"amd64-gcc-dwarf4", "amd64-gcc-dwarf5", "i386-clang-dwarf4", "riscv64-clang-dwarf4"}
	for i := range kernels {
		kernels[i] = filepath.Join("testdata", "elf", kernels[i])
	}
	// A large kernel, such as the benchmark's, can be added by hand.
	if p := os.Getenv("VNETINSPECT_BENCH_KERNEL"); p != "" {
		kernels = append(kernels, p)
	}
	for _, k := range kernels {
		t.Run(filepath.Base(k), func(t *testing.T) {
			tab, err := Open(k, "")
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Close()
			if tab.raw == nil {
				t.Fatal("the kernel's DWARF was not mapped, so the skimmer is not used")
			}
			skimmed, err := skimIndex(tab.raw)
			if err != nil {
				t.Fatalf("skimIndex: %v", err)
			}
			d, err := tab.debug.DWARF()
			if err != nil {
				t.Fatal(err)
			}
			reference, err := buildIndex(d, tab.debugInfoSize())
			if err != nil {
				t.Fatalf("buildIndex: %v", err)
			}
			if len(reference.types) < 10 || len(reference.vars) < 10 {
				t.Fatalf("debug/dwarf found only %d type and %d variable names", len(reference.types), len(reference.vars))
			}
			total := 0
			for name, want := range reference.types {
				if got, err := skimmed.typeRefs(name, nil); err != nil || !slices.Equal(got, want) {
					t.Errorf("type %q: skimmer found %v, debug/dwarf %v", name, got, want)
				}
				total += len(want)
			}
			for name, want := range reference.vars {
				if got, err := skimmed.varRefs(name, nil); err != nil || !slices.Equal(got, want) {
					t.Errorf("variable %q: skimmer found %v, debug/dwarf %v", name, got, want)
				}
			}
			// A lookup that stops at its first match returns the start
			// of the full list.
			definition := func(r typeRef) bool { return !r.decl }
			for name, want := range reference.types {
				if got, err := skimmed.typeRefs(name, definition); err != nil || !slices.Equal(got, upTo(want, definition)) {
					t.Errorf("type %q up to its first definition: skimmer found %v, debug/dwarf %v", name, got, want)
				}
			}
			global := func(r varRef) bool { return r.rank() == 0 }
			for name, want := range reference.vars {
				if got, err := skimmed.varRefs(name, global); err != nil || !slices.Equal(got, upTo(want, global)) {
					t.Errorf("variable %q up to its first global definition: skimmer found %v, debug/dwarf %v", name, got, want)
				}
			}
			skimmedTotal := 0
			for _, run := range skimmed.runs {
				skimmedTotal += len(run.types)
			}
			if skimmedTotal != total {
				t.Errorf("skimmer indexed %d type DIEs, debug/dwarf %d", skimmedTotal, total)
			}
			if got, err := skimmed.typeRefs("struct no_such_type", nil); err != nil || len(got) != 0 {
				t.Errorf("unknown type: skimmer found %v", got)
			}
		})
	}
}

func TestCloseWhileIndexing(t *testing.T) {
	// Close stops the index workers before it removes the mapping they
	// read, so closing at once after the first lookup starts is safe.
	kernel := filepath.Join("testdata", "elf", "amd64-gcc-dwarf5")
	for range 50 {
		tab, err := Open(kernel, "")
		if err != nil {
			t.Fatal(err)
		}
		tab.dwarfMu.Lock()
		_, err = tab.dwarfIdx()
		tab.dwarfMu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := tab.Type("struct vnet"); err == nil {
			t.Fatal("Type after Close succeeded")
		}
	}
}
