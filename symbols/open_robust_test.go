package symbols

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// patchedKernel copies the amd64 clang DWARF 5 test kernel, lets patch
// change its bytes, and opens the copy.
func patchedKernel(t *testing.T, patch func(f *elf.File, b []byte)) *Table {
	t.Helper()
	src := filepath.Join("testdata", "elf", "amd64-clang-dwarf5")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patch(f, b)
	path := filepath.Join(t.TempDir(), "kernel")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	tab, err := Open(path, "")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { tab.Close() })
	return tab
}

// checkSymbols checks what needs only the ELF symbol table: hz and the
// set_vnet entry ifindex of testdata/kern.c.
func checkSymbols(t *testing.T, tab *Table) {
	t.Helper()
	if _, ok := tab.Lookup("hz"); !ok {
		t.Error("symbol hz not found")
	}
	set, err := tab.Vnet()
	if err != nil {
		t.Fatalf("Vnet: %v", err)
	}
	found := false
	for _, s := range set.Entries {
		if s.Name == VnetSymbolPrefix+"ifindex" {
			found = true
		}
	}
	if !found {
		t.Errorf("set_vnet entries %v lack vnet_entry_ifindex", set.Entries)
	}
}

// TestUnknownSectionType gives .comment a section type from the
// OS-specific range that no tool defines: loading goes on.
func TestUnknownSectionType(t *testing.T) {
	tab := patchedKernel(t, func(f *elf.File, b []byte) {
		shoff := binary.LittleEndian.Uint64(b[40:])
		for i, s := range f.Sections {
			if s.Name == ".comment" {
				// sh_type is the second word of a 64-byte ELF64 section header.
				binary.LittleEndian.PutUint32(b[shoff+uint64(i)*64+4:], 0x6fff1234)
				return
			}
		}
		t.Fatal("test kernel has no .comment section")
	})
	checkSymbols(t, tab)
	if _, err := tab.VariableType("hz"); err != nil {
		t.Errorf("type of hz: %v", err)
	}
}

// TestUnknownDWARFForm replaces the first attribute form in .debug_abbrev
// with 0x7e, which no DWARF version defines (DWARF 5 ends at 0x2c).
// Symbols still load, and type lookups fail with an error.
func TestUnknownDWARFForm(t *testing.T) {
	tab := patchedKernel(t, func(f *elf.File, b []byte) {
		s := f.Section(".debug_abbrev")
		if s == nil {
			t.Fatal("test kernel has no .debug_abbrev")
		}
		// An abbreviation is code and tag (ULEB128), a children byte,
		// then attribute and form pairs (ULEB128).
		p := s.Offset
		skipULEB := func() {
			for b[p]&0x80 != 0 {
				p++
			}
			p++
		}
		skipULEB() // code
		skipULEB() // tag
		p++        // children
		skipULEB() // first attribute
		b[p] = 0x7e
	})
	checkSymbols(t, tab)
	_, err := tab.VariableType("hz")
	if err == nil {
		t.Fatal("type of hz found through a unit whose abbreviations are invalid")
	}
	if !strings.Contains(err.Error(), "DWARF of "+tab.Path()) {
		t.Errorf("error %q does not name the DWARF of %s", err, tab.Path())
	}
	if _, err := tab.Type("struct flags"); err == nil {
		t.Error("struct flags found through a unit whose abbreviations are invalid")
	}
}

func TestOpenCompressedKernel(t *testing.T) {
	// A compressed kernel file gets an error naming its compressor. The
	// magic numbers are the formats' own (RFC 8878, RFC 1952, bzip2's "BZh").
	for how, magic := range map[string][]byte{
		"zstd":  {0x28, 0xb5, 0x2f, 0xfd, 0},
		"gzip":  {0x1f, 0x8b, 8, 0, 0},
		"bzip2": []byte("BZh91AY&SY"),
	} {
		path := filepath.Join(t.TempDir(), "kernel."+how)
		if err := os.WriteFile(path, append(magic, make([]byte, 64)...), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path, "")
		if err == nil || !strings.Contains(err.Error(), how+"-compressed") || !strings.Contains(err.Error(), path) {
			t.Errorf("Open of a %s file: %v, want an error naming the file and %s", how, err, how)
		}
	}
}
