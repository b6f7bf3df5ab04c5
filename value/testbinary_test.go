package value

import (
	"debug/elf"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// A testBinary reads global variables, with their DWARF types and the
// bytes of their initializers, from one of the executables in testdata.
type testBinary struct {
	path  string
	table *symbols.Table
	file  *elf.File // for the symbol names gdb prints after pointers
	vars  []string  // every global object in the symbol table
}

func openTestBinary(t *testing.T, path string) *testBinary {
	t.Helper()
	table, err := symbols.Open(path, "")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { table.Close() })
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() })

	b := &testBinary{path: path, table: table, file: f}
	for _, s := range table.Symbols() {
		if s.Type == elf.STT_OBJECT && s.Bind == elf.STB_GLOBAL {
			b.vars = append(b.vars, s.Name)
		}
	}
	return b
}

// variable returns the type of the global variable name and the bytes of
// its initializer in the file.
func (b *testBinary) variable(t *testing.T, name string) (godwarf.Type, []byte) {
	t.Helper()
	typ, err := b.table.VariableType(name)
	if err != nil {
		t.Fatalf("%s: type of %s: %v", b.path, name, err)
	}
	sym, ok := b.table.Lookup(name)
	if !ok {
		t.Fatalf("%s: no symbol %s", b.path, name)
	}
	raw := make([]byte, sym.Size)
	if _, err := b.table.ReadImage(raw, sym.Addr); err != nil {
		t.Fatalf("%s: read %s at %#x: %v", b.path, name, sym.Addr, err)
	}
	return typ, raw
}
