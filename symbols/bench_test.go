package symbols

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// benchKernel returns the kernel named by $VNETINSPECT_BENCH_KERNEL (with
// its .debug file beside it), or the clang DWARF 5 test kernel, and the type
// to look up in it: $VNETINSPECT_BENCH_TYPE or "struct vnet".
func benchKernel() (path, typ string) {
	path = os.Getenv("VNETINSPECT_BENCH_KERNEL")
	if path == "" {
		path = filepath.Join("testdata", "elf", "amd64-clang-dwarf5")
	}
	typ = os.Getenv("VNETINSPECT_BENCH_TYPE")
	if typ == "" {
		typ = "struct vnet"
	}
	return path, typ
}

// BenchmarkOpenAndIndex measures Open plus the first type lookup, which
// builds the DWARF name index.
func BenchmarkOpenAndIndex(b *testing.B) {
	path, typ := benchKernel()
	for b.Loop() {
		tab, err := Open(path, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tab.Type(typ); err != nil {
			b.Fatal(err)
		}
		tab.Close()
	}
}

// BenchmarkFullIndex measures Open plus a lookup of a type that does not
// exist, which waits for the index of the whole file.
func BenchmarkFullIndex(b *testing.B) {
	path, _ := benchKernel()
	for b.Loop() {
		tab, err := Open(path, "")
		if err != nil {
			b.Fatal(err)
		}
		var lookup *LookupError
		if _, err := tab.Type("struct vnetinspect_no_such_type"); !errors.As(err, &lookup) {
			b.Fatalf("lookup of a missing type: %v", err)
		}
		tab.Close()
	}
}

// BenchmarkTypeAndAddress measures the command-line benchmark's request
// in one process: a type's definition, then where a variable is
// ($VNETINSPECT_BENCH_VAR, or vnet0) and its DWARF entry.
func BenchmarkTypeAndAddress(b *testing.B) {
	path, typ := benchKernel()
	name := os.Getenv("VNETINSPECT_BENCH_VAR")
	if name == "" {
		name = "vnet0"
	}
	for b.Loop() {
		tab, err := Open(path, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tab.Type(typ); err != nil {
			b.Fatal(err)
		}
		sym, err := tab.LookupErr(name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tab.VariableTypeAt(name, sym.Addr); err != nil {
			b.Fatal(err)
		}
		tab.Close()
	}
}

// BenchmarkTypeCached measures a type lookup once the index and the type
// are built.
func BenchmarkTypeCached(b *testing.B) {
	path, typ := benchKernel()
	tab, err := Open(path, "")
	if err != nil {
		b.Fatal(err)
	}
	defer tab.Close()
	if _, err := tab.Type(typ); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tab.Type(typ); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSymbolAt measures address-to-symbol lookups over every symbol.
func BenchmarkSymbolAt(b *testing.B) {
	path, _ := benchKernel()
	tab, err := Open(path, "")
	if err != nil {
		b.Fatal(err)
	}
	defer tab.Close()
	syms := tab.Symbols()
	i := 0
	for b.Loop() {
		tab.SymbolAt(syms[i%len(syms)].Addr + 1)
		i++
	}
}
