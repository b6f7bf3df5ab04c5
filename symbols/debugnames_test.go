package symbols

import (
	"bufio"
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// namesKernel is the test kernel that clang built with -gpubnames, so it
// carries a .debug_names section.
var namesKernel = filepath.Join("testdata", "elf", "amd64-clang-dwarf5-names")

// dwarfdumpNames lists, per name, the tags and DIE offsets that
// llvm-dwarfdump --debug-names prints. It prints offsets relative to the
// unit, which the index's list of units locates.
func dwarfdumpNames(t *testing.T, kernel string) map[string][]namesEntry {
	t.Helper()
	out, err := exec.Command("llvm-dwarfdump", "--debug-names", kernel).Output()
	if err != nil {
		t.Fatalf("llvm-dwarfdump (Debian package llvm; scripts/install-deps.sh installs it): %v", err)
	}
	str := regexp.MustCompile(`^\s+String: 0x[0-9a-f]+ "(.*)"$`)
	tag := regexp.MustCompile(`^\s+Tag: (DW_TAG_\w+)$`)
	die := regexp.MustCompile(`^\s+DW_IDX_die_offset: 0x([0-9a-f]+)$`)
	index := regexp.MustCompile(`^Name Index @ 0x[0-9a-f]+ \{$`)
	unit := regexp.MustCompile(`^\s+CU\[\d+\]: 0x([0-9a-f]+)$`)
	unitNumber := regexp.MustCompile(`^\s+DW_IDX_compile_unit: 0x([0-9a-f]+)$`)
	tags := map[string]dwarf.Tag{
		"DW_TAG_variable": dwarf.TagVariable, "DW_TAG_structure_type": dwarf.TagStructType,
		"DW_TAG_union_type": dwarf.TagUnionType, "DW_TAG_enumeration_type": dwarf.TagEnumerationType,
		"DW_TAG_typedef": dwarf.TagTypedef, "DW_TAG_base_type": dwarf.TagBaseType,
		"DW_TAG_subprogram": dwarf.TagSubprogram,
	}
	names := map[string][]namesEntry{}
	var name string
	var cur dwarf.Tag
	var units []uint64 // the current index's units
	cu := 0            // the current entry's unit
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if index.MatchString(line) {
			units = nil
		} else if m := unit.FindStringSubmatch(line); m != nil {
			off, _ := strconv.ParseUint(m[1], 16, 64)
			units = append(units, off)
		} else if m := unitNumber.FindStringSubmatch(line); m != nil {
			n, _ := strconv.ParseUint(m[1], 16, 64)
			cu = int(n)
		} else if m := str.FindStringSubmatch(line); m != nil {
			name = m[1]
		} else if m := tag.FindStringSubmatch(line); m != nil {
			var ok bool
			cu = 0
			if cur, ok = tags[m[1]]; !ok {
				t.Fatalf("llvm-dwarfdump lists tag %s, which this test does not map", m[1])
			}
		} else if m := die.FindStringSubmatch(line); m != nil {
			off, _ := strconv.ParseUint(m[1], 16, 64)
			if cu >= len(units) {
				t.Fatalf("llvm-dwarfdump lists an entry of %q in unit %d of %d", name, cu, len(units))
			}
			names[name] = append(names[name], namesEntry{cur, dwarf.Offset(units[cu] + off)})
		}
	}
	return names
}

func TestDebugNamesMatchesDwarfdump(t *testing.T) {
	tab, err := Open(namesKernel, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	sec := tab.rawSections[".debug_names"]
	if len(sec) == 0 {
		t.Fatal("the test kernel has no .debug_names section")
	}
	names, err := parseDebugNames(sec, tab.raw.str)
	if err != nil {
		t.Fatal(err)
	}
	want := dwarfdumpNames(t, namesKernel)
	if len(want) < 30 {
		t.Fatalf("llvm-dwarfdump listed only %d names", len(want))
	}
	for name, entries := range want {
		slices.SortFunc(entries, func(a, b namesEntry) int { return int(a.off) - int(b.off) })
		got, err := names.lookup(name)
		if err != nil {
			t.Errorf("lookup(%q): %v", name, err)
			continue
		}
		if !slices.Equal(got, entries) {
			t.Errorf("lookup(%q) = %v, llvm-dwarfdump lists %v", name, got, entries)
		}
	}
	if got, err := names.lookup("no_such_name_here"); err != nil || len(got) != 0 {
		t.Errorf("lookup of a missing name = %v, %v", got, err)
	}
}

func TestNamesHash(t *testing.T) {
	// Hashes as llvm-dwarfdump prints them for the test kernel's names.
	for name, want := range map[string]uint32{"llval": 0x0FDE9260, "double": 0xF93D5B20,
		"unsigned char": 0xF9CBA7A0, "vnet_entry_vpacket": 0xD7597500} {
		if got := namesHash(name); got != want {
			t.Errorf("namesHash(%q) = %#x, want %#x", name, got, want)
		}
	}
}

func TestDebugNamesMatchesSkimmer(t *testing.T) {
	// Every name debug/dwarf finds directly below a unit resolves to the
	// same definition through .debug_names as through the full index.
	tab, err := Open(namesKernel, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	tab.dwarfMu.Lock()
	defer tab.dwarfMu.Unlock()
	idx, err := tab.dwarfIdx()
	if err != nil {
		t.Fatal(err)
	}
	if idx.names == nil {
		t.Fatal(".debug_names was not read")
	}
	d, err := tab.debug.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	reference, err := buildIndex(d, tab.debugInfoSize())
	if err != nil {
		t.Fatal(err)
	}
	answered := 0
	for key, refs := range reference.types {
		var defs []typeRef
		for _, r := range refs {
			if !r.decl {
				defs = append(defs, r)
			}
		}
		got, err := idx.namesTypeRefs(key, nil)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if len(got) > 0 {
			answered++
			if !slices.Equal(got, defs) {
				t.Errorf("%s: .debug_names gives %v, debug/dwarf's definitions are %v", key, got, defs)
			}
		}
	}
	for name, refs := range reference.vars {
		var defs []varRef
		for _, r := range refs {
			if !r.decl {
				defs = append(defs, r)
			}
		}
		got, err := idx.namesVarRefs(name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) > 0 {
			answered++
			if !slices.Equal(got, defs) {
				t.Errorf("%s: .debug_names gives %v, debug/dwarf's definitions are %v", name, got, defs)
			}
		}
	}
	if answered < len(reference.types)/2 {
		t.Errorf(".debug_names answered only %d of %d names", answered, len(reference.types)+len(reference.vars))
	}
}

func TestDebugNamesSparesSkimmer(t *testing.T) {
	// Names that .debug_names lists are found without skimming the file.
	tab, err := Open(namesKernel, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if _, err := tab.Type("struct vnet"); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.VariableType("vnet0"); err != nil {
		t.Fatal(err)
	}
	if tab.index.skim != nil {
		t.Error("the skimmer started although .debug_names lists both names")
	}
}

func TestDamagedDebugNamesFallsBack(t *testing.T) {
	// A .debug_names cut short is ignored, and lookups go to the skimmer.
	tab, err := Open(namesKernel, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	sec := tab.rawSections[".debug_names"]
	if _, err := parseDebugNames(sec[:len(sec)-7], tab.raw.str); err == nil {
		t.Error("a truncated .debug_names parsed without error")
	}
	tab.rawSections[".debug_names"] = sec[:len(sec)-7]
	typ, err := tab.Type("struct vnet")
	if err != nil {
		t.Fatal(err)
	}
	if typ.Size() == 0 {
		t.Error("struct vnet has size 0")
	}
	if tab.index.names != nil || tab.index.skim == nil {
		t.Error("the damaged .debug_names was used")
	}
}

// FuzzDebugNames replaces the .debug_names section of the test kernel with
// random bytes. Lookups must return errors or the skimmer's results, never
// panic.
func FuzzDebugNames(f *testing.F) {
	kernel, err := os.ReadFile(namesKernel)
	if err != nil {
		f.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(kernel))
	if err != nil {
		f.Fatal(err)
	}
	sec := ef.Section(".debug_names")
	if sec == nil {
		f.Fatal("the test kernel has no .debug_names section")
	}
	start, size := int(sec.Offset), int(sec.Size)
	f.Add(kernel[start : start+size])
	f.Fuzz(func(t *testing.T, names []byte) {
		patched := slices.Clone(kernel)
		copy(patched[start:start+size], names)
		path := filepath.Join(t.TempDir(), "kernel")
		if err := os.WriteFile(path, patched, 0o644); err != nil {
			t.Fatal(err)
		}
		tab, err := Open(path, "")
		if err != nil {
			t.Fatalf("Open: %v (only .debug_names changed)", err)
		}
		defer tab.Close()
		for _, name := range []string{"struct vnet", "struct packet", "u_int", "int", "enum color"} {
			if _, err := tab.Type(name); err != nil {
				t.Errorf("Type(%q): %v", name, err)
			}
		}
		for _, name := range []string{"vnet0", "hz", "shared", "llval"} {
			if _, err := tab.VariableType(name); err != nil {
				t.Errorf("VariableType(%q): %v", name, err)
			}
		}
	})
}

func TestDebugNamesStaticWithoutLocation(t *testing.T) {
	// statics1.c's dead (an int) has no DW_AT_location, so .debug_names
	// lists only statics2.c's dead (a long). llvm-dwarfdump shows the int's
	// DIE first in .debug_info and llvm-nm puts the long at
	// 0xffffffff80202188. Lookups must see both DIEs, as a full scan does.
	tab, err := Open(filepath.Join("testdata", "statics", "kernel"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if typ, err := tab.VariableType("dead"); err != nil {
		t.Errorf("VariableType(dead): %v", err)
	} else if typ.String() != "int" {
		t.Errorf("VariableType(dead) = %s, want int: the first static definition in the file", typ)
	}
	if typ, err := tab.VariableTypeAt("dead", 0xffffffff80202188); err != nil {
		t.Errorf("VariableTypeAt(dead, its address): %v", err)
	} else if typ.String() != "long" {
		t.Errorf("VariableTypeAt(dead, its address) = %s, want long", typ)
	}
	// statics1_set's address holds neither definition.
	if typ, err := tab.VariableTypeAt("dead", 0xffffffff80201160); err == nil {
		t.Errorf("VariableTypeAt(dead, an address neither definition has) = %s, want an error", typ)
	}
}

func TestDebugNamesHugeUnitCount(t *testing.T) {
	// A header that claims 2^32-1 units in a 1 MiB index must be rejected
	// without allocating for every unit it claims.
	sec := make([]byte, 1<<20)
	binary.LittleEndian.PutUint32(sec[0:], uint32(len(sec)-4)) // unit length
	binary.LittleEndian.PutUint16(sec[4:], 5)                  // version
	binary.LittleEndian.PutUint32(sec[8:], 0xffffffff)         // comp_unit_count
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := parseDebugNames(sec, nil)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Error("an index claiming 2^32-1 units in 1 MiB parsed without error")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > uint64(len(sec)) {
		t.Errorf("parsing allocated %d bytes for a %d-byte index", n, len(sec))
	}
}

func TestDebugNamesUnitsItDoesNotCover(t *testing.T) {
	// .debug_names covers only gap2.c's unit (llvm-dwarfdump lists one
	// CU, at 0x3d), but gap1.c's unit comes first and defines struct
	// shape in 4 bytes, gap2.c in 16. The first definition in the file
	// wins, as in a full scan.
	tab, err := Open(filepath.Join("testdata", "namesgap", "kernel"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	typ, err := tab.Type("struct shape")
	if err != nil {
		t.Fatal(err)
	}
	if typ.Size() != 4 {
		t.Errorf("struct shape is %d bytes, want 4: the definition in the first unit", typ.Size())
	}
	defs, err := tab.TypeDefinitions("struct shape")
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 2 {
		t.Errorf("TypeDefinitions(struct shape) found %d definitions, want 2", len(defs))
	}
	if typ, err := tab.VariableType("gap2_shape"); err != nil {
		t.Error(err)
	} else if typ.Size() != 16 {
		t.Errorf("gap2_shape is %d bytes, want 16", typ.Size())
	}
}

func TestDebugNamesSkipsAssemblerUnits(t *testing.T) {
	// kernel-asm links entry.S, whose unit no index lists but which has
	// only a label (llvm-dwarfdump), before gap2.c. The index still
	// resolves gap2.c's names, without the skimmer.
	tab, err := Open(filepath.Join("testdata", "namesgap", "kernel-asm"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	typ, err := tab.Type("struct shape")
	if err != nil {
		t.Fatal(err)
	}
	if typ.Size() != 16 {
		t.Errorf("struct shape is %d bytes, want 16", typ.Size())
	}
	if typ, err := tab.VariableType("gap2_shape"); err != nil {
		t.Error(err)
	} else if typ.Size() != 16 {
		t.Errorf("gap2_shape is %d bytes, want 16", typ.Size())
	}
	if tab.index.skim != nil {
		t.Error("the skimmer started although .debug_names lists both names")
	}
}

func TestDebugNamesEntryOffByOne(t *testing.T) {
	// The first .debug_names entry for int is moved one byte into its DIE,
	// where no DIE starts. The index is then damaged, so the lookup must
	// find debug/dwarf's first definition of int, not the next entry.
	tab, err := Open(namesKernel, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	sec := slices.Clone(tab.rawSections[".debug_names"])
	names, err := parseDebugNames(sec, tab.raw.str)
	if err != nil {
		t.Fatal(err)
	}
	patched := false
	for k := 0; k < len(names.indexes) && !patched; k++ {
		ix := &names.indexes[k]
		for i := uint32(0); i < ix.nameCount && !patched; i++ {
			strOff, _ := ix.offsetAt(ix.strOffsets, i)
			if s, _ := cString(tab.raw.str, strOff); string(s) != "int" {
				continue
			}
			entryOff, _ := ix.offsetAt(ix.entryOffs, i)
			r := namesReader{b: ix.pool, p: int(entryOff)}
			a := ix.abbrevs[r.uleb()]
			for _, at := range a.attrs {
				if at.idx == idxDieOffset {
					if at.form != formRef4 {
						t.Fatalf("DW_IDX_die_offset has form %#x, the test expects DW_FORM_ref4", at.form)
					}
					v := binary.LittleEndian.Uint32(ix.pool[r.p:])
					binary.LittleEndian.PutUint32(ix.pool[r.p:], v+1) // ix.pool aliases sec
					patched = true
					break
				}
				r.form(at.form, ix.offSize)
			}
		}
	}
	if !patched {
		t.Fatal("no entry for int found in .debug_names")
	}
	tab.rawSections[".debug_names"] = sec

	d, err := tab.debug.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	reference, err := buildIndex(d, tab.debugInfoSize())
	if err != nil {
		t.Fatal(err)
	}
	want := reference.types["int"]
	if len(want) < 2 {
		t.Fatalf("debug/dwarf finds %d definitions of int, the test needs two", len(want))
	}
	tab.dwarfMu.Lock()
	defer tab.dwarfMu.Unlock()
	idx, err := tab.dwarfIdx()
	if err != nil {
		t.Fatal(err)
	}
	got, err := idx.typeRefs("int", func(r typeRef) bool { return !r.decl })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0] != want[0] {
		t.Errorf("int resolves to %v, debug/dwarf's first definition is %v", got, want[0])
	}
}
