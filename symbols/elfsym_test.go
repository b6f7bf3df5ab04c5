package symbols

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestArchAndPointerSize(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			tab := openVariant(t, v)
			if tab.Arch() != v.arch || tab.PtrSize() != v.ptr {
				t.Errorf("Arch, PtrSize = %q, %d; want %q, %d", tab.Arch(), tab.PtrSize(), v.arch, v.ptr)
			}
			if tab.ByteOrder() != binary.LittleEndian {
				t.Errorf("ByteOrder = %v, want little-endian", tab.ByteOrder())
			}
		})
	}
	t.Run("riscv64", func(t *testing.T) {
		tab := openVariant(t, variant{kernel: "riscv64-clang-dwarf4"})
		if tab.Arch() != "riscv" || tab.PtrSize() != 8 {
			t.Errorf("Arch, PtrSize = %q, %d; want riscv, 8", tab.Arch(), tab.PtrSize())
		}
	})
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run("freebsd-"+arch, func(t *testing.T) {
			tab, err := Open(unpackFixture(t, "kernel-"+arch), "")
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Close()
			if tab.Arch() != arch || tab.PtrSize() != 8 {
				t.Errorf("Arch, PtrSize = %q, %d; want %q, 8", tab.Arch(), tab.PtrSize(), arch)
			}
		})
	}
}

// checkAgainstNM compares Lookup and Symbols with llvm-nm's listing.
func checkAgainstNM(t *testing.T, tab *Table, nm []nmSymbol) {
	t.Helper()
	if len(tab.Symbols()) != len(nm) {
		t.Errorf("Symbols() has %d entries, llvm-nm lists %d", len(tab.Symbols()), len(nm))
	}
	if !sort.SliceIsSorted(tab.Symbols(), func(i, j int) bool { return tab.Symbols()[i].Addr < tab.Symbols()[j].Addr }) {
		t.Error("Symbols() is not sorted by address")
	}
	count := map[string]int{}
	for _, s := range nm {
		count[s.name]++
	}
	for _, s := range nm {
		got, ok := tab.Lookup(s.name)
		if !ok {
			t.Errorf("Lookup(%q) failed; llvm-nm lists it at %#x", s.name, s.addr)
			continue
		}
		// A name listed twice is a global and a local: Lookup picks the global.
		if count[s.name] > 1 && s.kind >= 'a' {
			continue
		}
		if got.Addr != s.addr || got.Size != s.size {
			t.Errorf("Lookup(%q) = %#x size %d, llvm-nm says %#x size %d", s.name, got.Addr, got.Size, s.addr, s.size)
		}
		if global := s.kind < 'a'; global != (got.Bind == elf.STB_GLOBAL) {
			t.Errorf("Lookup(%q).Bind = %v, llvm-nm letter %c", s.name, got.Bind, s.kind)
		}
	}
}

func TestSymbolsMatchNM(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		checkAgainstNM(t, tab, g.nm)
	})
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run("freebsd-"+arch, func(t *testing.T) {
			tab, err := Open(unpackFixture(t, "kernel-"+arch), "")
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Close()
			checkAgainstNM(t, tab, loadNM(t, filepath.Join("testdata", "golden", "kernel-"+arch+".nm")))
		})
	}
}

func TestLookupPrefersGlobal(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		s, ok := tab.Lookup("shared")
		if !ok {
			t.Fatal("Lookup(shared) failed")
		}
		if want := nmAddr(t, g, "shared", 'D'); s.Addr != want || s.Bind != elf.STB_GLOBAL {
			t.Errorf("Lookup(shared) = %#x %v, want the global at %#x", s.Addr, s.Bind, want)
		}
	})
}

// infoSymbol matches gdb's "NAME + OFF in section SEC" and "NAME in section SEC".
var infoSymbol = regexp.MustCompile(`^(\S+)(?: \+ (\d+))? in section (\S+)$`)

func TestSymbolAtMatchesInfoSymbol(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		for _, expr := range g.keys(t, "address") {
			addr := uint64(g.number(t, "address", expr))
			info := g.result(t, "infosymbol", expr)
			sym, off, ok := tab.SymbolAt(addr)
			if strings.HasPrefix(info, "No symbol matches") {
				if ok {
					t.Errorf("SymbolAt(%s = %#x) = %s+%d, gdb finds no symbol", expr, addr, sym.Name, off)
				}
				continue
			}
			m := infoSymbol.FindStringSubmatch(info)
			if m == nil {
				t.Fatalf("cannot parse gdb's info symbol output %q", info)
			}
			wantOff, _ := strconv.ParseInt(m[2], 10, 64)
			if !ok || sym.Name != m[1] || off != wantOff || sym.Section != m[3] {
				t.Errorf("SymbolAt(%s = %#x) = %s+%d in %s (found %v), gdb says %q",
					expr, addr, sym.Name, off, sym.Section, ok, info)
			}
		}
	})
}

func TestSymbolAtZeroSizedLabel(t *testing.T) {
	// A hand-made table: a label without size followed by a sized symbol.
	tab := &Table{
		syms: indexOf([]Symbol{
			{Name: "btext", Addr: 0x1000, Bind: elf.STB_GLOBAL},
			{Name: "func", Addr: 0x1040, Size: 0x10, Bind: elf.STB_GLOBAL},
		}),
		allocs: []elf.SectionHeader{
			{Name: ".text", Addr: 0x1000, Size: 0x100, Flags: elf.SHF_ALLOC},
		},
	}
	cases := []struct {
		addr uint64
		name string
		off  int64
		ok   bool
	}{
		{0x1000, "btext", 0, true},
		{0x1020, "btext", 0x20, true},
		{0x1044, "func", 4, true},
		{0x1050, "", 0, false}, // past func, which has a size
		{0x1100, "", 0, false}, // past the end of .text
		{0x0fff, "", 0, false}, // below every symbol
	}
	for _, c := range cases {
		s, off, ok := tab.SymbolAt(c.addr)
		if ok != c.ok || s.Name != c.name || off != c.off {
			t.Errorf("SymbolAt(%#x) = %q+%d, %v; want %q+%d, %v", c.addr, s.Name, off, ok, c.name, c.off, c.ok)
		}
	}
}

// indexOf builds a symbolIndex from symbols already sorted by address.
func indexOf(syms []Symbol) symbolIndex {
	idx := symbolIndex{byName: map[string]int{}, sorted: syms}
	var end uint64
	for i, s := range syms {
		end = max(end, s.Addr+s.Size)
		idx.maxEnd = append(idx.maxEnd, end)
		idx.byName[s.Name] = i
	}
	return idx
}

func TestVnetMatchesNM(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		set, err := tab.Vnet()
		if err != nil {
			t.Fatal(err)
		}
		if want := nmAddr(t, g, "__start_set_vnet", 'D'); set.Start != want {
			t.Errorf("Start = %#x, llvm-nm says %#x", set.Start, want)
		}
		if want := nmAddr(t, g, "__stop_set_vnet", 'D'); set.Stop != want {
			t.Errorf("Stop = %#x, llvm-nm says %#x", set.Stop, want)
		}
		var want []nmSymbol
		for _, s := range g.nm {
			if strings.HasPrefix(s.name, "vnet_entry_") {
				want = append(want, s)
			}
		}
		sort.Slice(want, func(i, j int) bool { return want[i].name < want[j].name })
		if len(set.Entries) != len(want) {
			t.Fatalf("Vnet has %d entries, llvm-nm lists %d vnet_entry_ symbols", len(set.Entries), len(want))
		}
		for i, e := range set.Entries {
			if e.Name != want[i].name || e.Addr != want[i].addr || e.Size != want[i].size {
				t.Errorf("entry %d = %s %#x size %d, llvm-nm: %s %#x size %d",
					i, e.Name, e.Addr, e.Size, want[i].name, want[i].addr, want[i].size)
			}
			if e.Section != VnetSetName {
				t.Errorf("entry %s is in section %q, want %s", e.Name, e.Section, VnetSetName)
			}
		}
	})
}

func TestVnetFromSectionBounds(t *testing.T) {
	// Without the linker's bound symbols, the section header gives the bounds.
	tab := openVariant(t, variants[0])
	start, _ := tab.Lookup("__start_set_vnet")
	stop, _ := tab.Lookup("__stop_set_vnet")
	tab.Symbols() // build the index, which the deletion below edits
	delete(tab.syms.byName, "__start_set_vnet")
	set, err := tab.Vnet()
	if err != nil {
		t.Fatal(err)
	}
	if set.Start != start.Addr || set.Stop != stop.Addr {
		t.Errorf("bounds from section = [%#x, %#x), symbols say [%#x, %#x)", set.Start, set.Stop, start.Addr, stop.Addr)
	}
}

func TestNonVIMAGEKernel(t *testing.T) {
	tab, err := Open(unpackFixture(t, "kernel-amd64"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	_, err = tab.Vnet()
	if !errors.Is(err, ErrNotVIMAGE) {
		t.Fatalf("Vnet() error = %v, want ErrNotVIMAGE", err)
	}
	if !strings.Contains(err.Error(), "__start_set_vnet") || !strings.Contains(err.Error(), tab.Path()) {
		t.Errorf("Vnet() error %q does not name __start_set_vnet and the file", err)
	}
	if tab.HasDWARF() {
		t.Error("HasDWARF() = true for a kernel without .debug_info")
	}
	if _, err := tab.Type("struct vnet"); !errors.Is(err, ErrNoDebugInfo) {
		t.Errorf("Type() error = %v, want ErrNoDebugInfo", err)
	}
	if _, err := tab.VariableType("hz"); !errors.Is(err, ErrNoDebugInfo) {
		t.Errorf("VariableType() error = %v, want ErrNoDebugInfo", err)
	}
}

func TestMissingSymbol(t *testing.T) {
	tab := openVariant(t, variants[0])
	if _, ok := tab.Lookup("no_such_symbol"); ok {
		t.Error("Lookup(no_such_symbol) succeeded")
	}
	_, err := tab.LookupErr("no_such_symbol")
	var le *LookupError
	if !errors.As(err, &le) || le.Kind != "symbol" || le.Name != "no_such_symbol" || le.File != tab.Path() {
		t.Fatalf("LookupErr error = %#v, want a symbol *LookupError for %s", err, tab.Path())
	}
	if !strings.Contains(err.Error(), "no_such_symbol") || !strings.Contains(err.Error(), tab.Path()) {
		t.Errorf("error %q does not name the symbol and the file", err)
	}
}

func TestDebugFileDiscovery(t *testing.T) {
	dir := filepath.Join("testdata", "elf")
	cases := []struct {
		name, kernel, debug, wantDebug string
	}{
		{"beside kernel", "split/kernel", "", "split/kernel.debug"},
		{"explicit", "split/kernel", "split/kernel.debug", "split/kernel.debug"},
		{"kernel's own", "amd64-gcc-dwarf4", "", "amd64-gcc-dwarf4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			debug := ""
			if c.debug != "" {
				debug = filepath.Join(dir, c.debug)
			}
			tab, err := Open(filepath.Join(dir, c.kernel), debug)
			if err != nil {
				t.Fatal(err)
			}
			defer tab.Close()
			if want := filepath.Join(dir, c.wantDebug); tab.DebugPath() != want {
				t.Errorf("DebugPath() = %q, want %q", tab.DebugPath(), want)
			}
			if !tab.HasDWARF() {
				t.Error("HasDWARF() = false")
			}
		})
	}
	t.Run("stripped kernel alone", func(t *testing.T) {
		tmp := filepath.Join(t.TempDir(), "kernel")
		copyFile(t, filepath.Join(dir, "split", "kernel"), tmp)
		tab, err := Open(tmp, "")
		if err != nil {
			t.Fatal(err)
		}
		defer tab.Close()
		if tab.HasDWARF() {
			t.Error("HasDWARF() = true for a kernel stripped of debug sections")
		}
		if _, err := tab.Type("struct vnet"); !errors.Is(err, ErrNoDebugInfo) || !strings.Contains(err.Error(), tmp) {
			t.Errorf("Type() error = %v, want ErrNoDebugInfo naming %s", err, tmp)
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := filepath.Join("testdata", "elf")
	noSymtab := filepath.Join(t.TempDir(), "kernel")
	copyFile(t, filepath.Join(dir, "nosyms", "kernel"), noSymtab)
	cases := []struct {
		name, kernel, debug string
		want                []string // substrings of the error
	}{
		{"missing kernel", filepath.Join(dir, "no-such-kernel"), "", []string{"no-such-kernel"}},
		{"not ELF", filepath.Join("testdata", "kern.c"), "", []string{"kern.c", "not a readable ELF file"}},
		{"missing debug file", filepath.Join(dir, "split/kernel"), filepath.Join(dir, "no-such.debug"),
			[]string{"no-such.debug"}},
		{"debug file of another machine", filepath.Join(dir, "amd64-gcc-dwarf5"),
			filepath.Join(dir, "i386-clang-dwarf4"), []string{"i386-clang-dwarf4", "EM_386", "EM_X86_64"}},
		{"no symbol table anywhere", noSymtab, "", []string{noSymtab, "no symbol table"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := Open(c.kernel, c.debug)
			if err == nil {
				tab.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReadImage(t *testing.T) {
	tab := openVariant(t, variants[0])
	bss, _ := tab.Lookup("bss_buf")
	buf := []byte{1, 2, 3, 4}
	if n, err := tab.ReadImage(buf, bss.Addr); err != nil || n != 4 || string(buf) != "\x00\x00\x00\x00" {
		t.Errorf("ReadImage(.bss) = %d, %v, %q; want 4 zero bytes", n, err, buf)
	}

	// Reads that run off the end of the last section stop there.
	var last Section
	for _, s := range tab.Sections() {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Addr+s.Size > last.Addr+last.Size {
			last = s
		}
	}
	n, err := tab.ReadImage(make([]byte, 16), last.Addr+last.Size-4)
	if n != 4 || !errors.Is(err, ErrNotInImage) {
		t.Errorf("ReadImage past %s = %d, %v; want 4, ErrNotInImage", last.Name, n, err)
	}
	if err != nil && !strings.Contains(err.Error(), strconv.FormatUint(last.Addr+last.Size, 16)) {
		t.Errorf("error %q does not name address %#x", err, last.Addr+last.Size)
	}
	if n, err := tab.ReadImage(make([]byte, 1), 0); n != 0 || !errors.Is(err, ErrNotInImage) {
		t.Errorf("ReadImage(0) = %d, %v; want 0, ErrNotInImage", n, err)
	}
}

func TestReadImageAcrossSections(t *testing.T) {
	// In the clang builds .data ends where set_vnet starts, so a read across
	// the boundary must join the two sections' bytes. The expected bytes come
	// from debug/elf's own section reader.
	v := variants[0]
	tab := openVariant(t, v)
	ef, err := elf.Open(filepath.Join("testdata", "elf", v.kernel))
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	first, second := ef.Section(".data"), ef.Section(VnetSetName)
	if first == nil || second == nil || first.Addr+first.Size != second.Addr {
		t.Fatalf("%s: .data and set_vnet are not adjacent; testdata/build.sh changed?", v.kernel)
	}
	a, err := first.Data()
	if err != nil {
		t.Fatal(err)
	}
	b, err := second.Data()
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{}, a[len(a)-8:]...), b[:8]...)

	got := make([]byte, 16)
	if n, err := tab.ReadImage(got, second.Addr-8); err != nil || n != 16 {
		t.Fatalf("ReadImage across .data and set_vnet = %d, %v", n, err)
	}
	if string(got) != string(want) {
		t.Errorf("bytes across .data and set_vnet = %x, debug/elf gives %x", got, want)
	}
}

func TestScanSymbolsAgreesWithIndex(t *testing.T) {
	// scanSymbols resolves the first few lookups without the index, so it
	// must pick the same symbol as the index for every name, including
	// names that several static symbols share.
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			tab := openVariant(t, v)
			names := map[string]int{}
			for _, s := range tab.Symbols() {
				names[s.Name]++
			}
			shared := 0
			for name, n := range names {
				if n > 1 {
					shared++
				}
				want, _ := tab.Lookup(name)
				got, ok, err := tab.scanSymbols(name)
				if err != nil || !ok || got != want {
					t.Errorf("scanSymbols(%q) = %+v, %v, %v; index has %+v", name, got, ok, err, want)
				}
			}
			if shared == 0 {
				t.Error("no name has several symbols, so the tie rules are not exercised")
			}
			if _, ok, err := tab.scanSymbols("no_such_symbol_here"); ok || err != nil {
				t.Errorf("scanSymbols of a missing name: %v, %v", ok, err)
			}
		})
	}
}

func TestOpenDamagedSymtab(t *testing.T) {
	// A symbol table that debug/elf cannot read fails Open, because
	// SymbolAt and Symbols return no error and would see an empty table.
	src := filepath.Join("testdata", "elf", "amd64-clang-dwarf5")
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()

	symtab := symtabSection(ef)
	strtab := ef.Sections[symtab.Link]
	// header returns where section s's header starts in the file.
	header := func(s *elf.Section) int {
		for i, x := range ef.Sections {
			if x == s {
				return int(binary.LittleEndian.Uint64(orig[0x28:])) + i*64
			}
		}
		t.Fatalf("section %s not found", s.Name)
		return 0
	}
	const shOffset, shSize = 24, 32 // fields of an Elf64_Shdr
	cases := []struct {
		name  string
		field int
		sec   *elf.Section
		value uint64
	}{
		{".symtab past the end of the file", shOffset, symtab, uint64(len(orig)) + 4096},
		{"empty .symtab", shSize, symtab, 0},
		{".strtab past the end of the file", shOffset, strtab, uint64(len(orig)) + 4096},
		{".strtab longer than the file", shSize, strtab, uint64(len(orig))},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := slices.Clone(orig)
			binary.LittleEndian.PutUint64(b[header(c.sec)+c.field:], c.value)
			path := filepath.Join(t.TempDir(), "kernel")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			damaged, err := elf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			_, symErr := damaged.Symbols()
			damaged.Close()
			if symErr == nil {
				t.Fatal("debug/elf reads the damaged symbol table, so the case tests nothing")
			}

			tab, err := Open(path, "")
			if err == nil {
				_, _, found := tab.SymbolAt(0xffffffff80200000)
				tab.Close()
				t.Fatalf("Open succeeded (debug/elf: %v); SymbolAt found a symbol: %v", symErr, found)
			}
			for _, w := range []string{path, "symbol table"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
