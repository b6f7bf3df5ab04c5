package symbols

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds damaged kernels to Open and to every lookup, which must
// return errors, never panic.
func FuzzOpen(f *testing.F) {
	for _, v := range variants[:7] {
		data, err := os.ReadFile(filepath.Join("testdata", "elf", v.kernel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "kernel")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tab, err := Open(path, "")
		if err != nil {
			return
		}
		defer tab.Close()
		exercise(tab)
	})
}

// exercise calls every lookup on tab and discards the results.
func exercise(tab *Table) {
	tab.Vnet()
	for _, s := range tab.Symbols() {
		tab.SymbolAt(s.Addr + 1)
		tab.ReadImage(make([]byte, min(s.Size, 64)), s.Addr)
		if typ, err := tab.VariableTypeAt(s.Name, s.Addr); err == nil {
			TypeName(typ)
			Sizeof(typ)
			IsSigned(typ)
			_ = typ.String()
			for _, name := range []string{"a", "c", "sport", "lval", "parts"} {
				if f, ok := Member(typ, name); ok {
					BitfieldLocation(f)
				}
			}
		}
	}
	for _, name := range []string{"struct flags", "union word", "struct packet", "struct ops", "enum color"} {
		if typ, err := tab.Type(name); err == nil {
			TypeName(typ)
			_ = typ.String()
		}
	}
}
