package symbols

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// findMember finds name in t directly, through anonymous members, or one
// level down in a named struct member (gdb's ptype /o lists the members of
// union word's "parts" under the union).
func findMember(t godwarf.Type, name string) (godwarf.StructField, bool) {
	if f, ok := Member(t, name); ok {
		return f, true
	}
	st, ok := Resolve(t).(*godwarf.StructType)
	if !ok {
		return godwarf.StructField{}, false
	}
	for _, outer := range st.Field {
		if f, ok := Member(outer.Type, name); ok {
			f.ByteOffset += outer.ByteOffset
			return f, true
		}
	}
	return godwarf.StructField{}, false
}

// memberPath follows "a.b.c" from type t and returns the last member with
// its offset counted from the start of t.
func memberPath(t testing.TB, typ godwarf.Type, path string) godwarf.StructField {
	t.Helper()
	f := godwarf.StructField{Type: typ}
	for _, name := range strings.Split(path, ".") {
		inner, ok := Member(f.Type, name)
		if !ok {
			t.Fatalf("Member(%s, %q) not found", TypeName(f.Type), name)
		}
		inner.ByteOffset += f.ByteOffset
		f = inner
	}
	return f
}

func TestTypeSizes(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		for _, name := range g.keys(t, "ptype") {
			typ, err := tab.Type(name)
			if err != nil {
				t.Errorf("Type(%q): %v", name, err)
				continue
			}
			if got, want := Sizeof(typ), g.number(t, "sizeof", name); got != want {
				t.Errorf("Sizeof(%s) = %d, gdb says %d", name, got, want)
			}
		}
	})
}

func TestMemberOffsets(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		for _, key := range g.keys(t, "offset") {
			typeName, member, _ := strings.Cut(key, ":")
			typ, err := tab.Type(typeName)
			if err != nil {
				t.Fatalf("Type(%q): %v", typeName, err)
			}
			f, ok := Member(typ, member)
			if !ok {
				t.Errorf("Member(%s, %q) not found", typeName, member)
				continue
			}
			if want := g.number(t, "offset", key); f.ByteOffset != want {
				t.Errorf("%s.%s at byte %d, gdb says %d", typeName, member, f.ByteOffset, want)
			}
			if f.BitSize != 0 {
				t.Errorf("%s.%s has BitSize %d, want 0 for a whole member", typeName, member, f.BitSize)
			}
		}
	})
}

// ptypeBitfield matches a bitfield line of gdb's ptype /o:
// "/*      1: 2   |       4 */    int c : 5;".
var ptypeBitfield = regexp.MustCompile(`^/\*\s+(\d+):\s*(\d+)\s+\|\s+\d+ \*/\s+.*?(\w+) : (\d+);$`)

func TestBitfieldLocations(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		seen := 0
		for _, typeName := range []string{"struct flags", "union word"} {
			typ, err := tab.Type(typeName)
			if err != nil {
				t.Fatalf("Type(%q): %v", typeName, err)
			}
			for _, line := range g.blocks["ptype "+typeName] {
				m := ptypeBitfield.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				seen++
				f, ok := findMember(typ, m[3])
				if !ok {
					t.Errorf("bitfield %s.%s not found", typeName, m[3])
					continue
				}
				byteOff, bitOff, bitSize := BitfieldLocation(f)
				wantByte, _ := strconv.ParseInt(m[1], 10, 64)
				wantBit, _ := strconv.ParseInt(m[2], 10, 64)
				wantSize, _ := strconv.ParseInt(m[4], 10, 64)
				if byteOff != wantByte || bitOff != wantBit || bitSize != wantSize {
					t.Errorf("BitfieldLocation(%s.%s) = (%d, %d, %d), gdb says (%d, %d, %d)",
						typeName, m[3], byteOff, bitOff, bitSize, wantByte, wantBit, wantSize)
				}
				if want := (bitOff + bitSize + 7) / 8; f.ByteSize != want {
					t.Errorf("%s.%s ByteSize = %d, want %d bytes spanned", typeName, m[3], f.ByteSize, want)
				}
			}
		}
		// struct flags has 9 bitfields and union word's parts has 2.
		if seen != 11 {
			t.Errorf("found %d bitfield lines in gdb's ptype output, want 11", seen)
		}
	})
}

func TestTypeNamesMatchWhatis(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		for _, expr := range g.keys(t, "whatis") {
			typ := exprType(t, tab, g, expr)
			if got, want := TypeName(typ), g.result(t, "whatis", expr); got != want {
				t.Errorf("TypeName(type of %s) = %q, gdb whatis says %q", expr, got, want)
			}
			if got, want := Sizeof(typ), g.number(t, "sizeof", expr); got != want {
				t.Errorf("Sizeof(type of %s) = %d, gdb says %d", expr, got, want)
			}
		}
	})
}

func TestTypedefTargets(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		for _, name := range g.keys(t, "typedef") {
			typ, err := tab.Type(name)
			if err != nil {
				t.Fatalf("Type(%q): %v", name, err)
			}
			td, ok := typ.(*godwarf.TypedefType)
			if !ok {
				t.Fatalf("Type(%q) is %T, want *godwarf.TypedefType", name, typ)
			}
			if got, want := TypeName(td.Type), g.result(t, "typedef", name); got != want {
				t.Errorf("TypeName(target of %s) = %q, gdb says %q", name, got, want)
			}
		}
	})
}

// exprType returns the type of a gdb expression of the forms "var",
// "var.member.member" and "'file.c'::var" (the static variable of that
// file, found through its address in llvm-nm's listing).
func exprType(t testing.TB, tab *Table, g *golden, expr string) godwarf.Type {
	t.Helper()
	if _, static, ok := strings.Cut(expr, "'::"); ok {
		addr := nmAddr(t, g, static, 'd')
		typ, err := tab.VariableTypeAt(static, addr)
		if err != nil {
			t.Fatalf("VariableTypeAt(%q, %#x): %v", static, addr, err)
		}
		return typ
	}
	name, path, _ := strings.Cut(expr, ".")
	typ, err := tab.VariableType(name)
	if err != nil {
		t.Fatalf("VariableType(%q): %v", name, err)
	}
	if path == "" {
		return typ
	}
	return memberPath(t, typ, path).Type
}

// nmAddr returns the address llvm-nm lists for name with the given letter.
func nmAddr(t testing.TB, g *golden, name string, kind byte) uint64 {
	t.Helper()
	for _, s := range g.nm {
		if s.name == name && s.kind == kind {
			return s.addr
		}
	}
	t.Fatalf("llvm-nm lists no %c symbol %s", kind, name)
	return 0
}

// readVariable reads expr ("var" or "var.member...") from the kernel image
// and formats it as gdb's print does for integers, enums and doubles.
func readVariable(t testing.TB, tab *Table, expr string) string {
	t.Helper()
	name, path, _ := strings.Cut(expr, ".")
	sym, ok := tab.Lookup(name)
	if !ok {
		t.Fatalf("Lookup(%q) failed", name)
	}
	typ, err := tab.VariableTypeAt(name, sym.Addr)
	if err != nil {
		t.Fatalf("VariableTypeAt(%q): %v", name, err)
	}
	f := godwarf.StructField{Type: typ, ByteSize: Sizeof(typ)}
	if path != "" {
		f = memberPath(t, typ, path)
	}

	byteOff, bitOff, bitSize := BitfieldLocation(f)
	buf := make([]byte, f.ByteSize)
	if n, err := tab.ReadImage(buf, sym.Addr+uint64(byteOff)); err != nil || n != len(buf) {
		t.Fatalf("ReadImage(%d bytes at %s+%d) = %d, %v", len(buf), name, byteOff, n, err)
	}
	var raw uint64
	for i := len(buf) - 1; i >= 0; i-- {
		raw = raw<<8 | uint64(buf[i])
	}
	if bitSize == 0 {
		bitSize = int64(len(buf)) * 8
	}
	raw = raw >> bitOff
	if bitSize < 64 {
		raw &= 1<<bitSize - 1
	}

	switch rt := Resolve(f.Type).(type) {
	case *godwarf.FloatType:
		return strconv.FormatFloat(math.Float64frombits(raw), 'g', -1, 64)
	case *godwarf.EnumType:
		for _, v := range rt.Val {
			if uint64(v.Val)&(1<<bitSize-1) == raw {
				return v.Name
			}
		}
	}
	if IsSigned(f.Type) && bitSize < 64 && raw&(1<<(bitSize-1)) != 0 {
		raw |= ^uint64(0) << bitSize
	}
	if IsSigned(f.Type) {
		return strconv.FormatInt(int64(raw), 10)
	}
	return strconv.FormatUint(raw, 10)
}

func TestValuesMatchGDB(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		for _, expr := range g.keys(t, "value") {
			if strings.HasPrefix(expr, "(") {
				continue // a cast, checked by TestStringsMatchGDB
			}
			want, _, _ := strings.Cut(g.result(t, "value", expr), " ")
			if got := readVariable(t, tab, expr); got != want {
				t.Errorf("%s = %s in the image, gdb prints %s", expr, got, want)
			}
		}
	})
}

func TestStringsMatchGDB(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		// gdb prints: 0xffffffff80200158 "kern 1.0"
		ptrText, quoted, _ := strings.Cut(g.result(t, "string", "version"), " ")
		wantPtr, err := strconv.ParseUint(ptrText, 0, 64)
		if err != nil {
			t.Fatalf("gdb's version line %q has no pointer", ptrText)
		}
		sym, _ := tab.Lookup("version")
		ptr := make([]byte, tab.PtrSize())
		if _, err := tab.ReadImage(ptr, sym.Addr); err != nil {
			t.Fatal(err)
		}
		var got uint64
		if tab.PtrSize() == 8 {
			got = tab.ByteOrder().Uint64(ptr)
		} else {
			got = uint64(tab.ByteOrder().Uint32(ptr))
		}
		if got != wantPtr {
			t.Fatalf("version points to %#x, gdb says %#x", got, wantPtr)
		}
		str := make([]byte, 8)
		if _, err := tab.ReadImage(str, got); err != nil {
			t.Fatal(err)
		}
		if want, _ := strconv.Unquote(quoted); string(str) != want {
			t.Errorf("*version = %q, gdb says %s", str, quoted)
		}

		// gdb prints a char array as "vnet0\000\000..." and leaves out the
		// last NUL, which it takes for the terminator.
		want, err := strconv.Unquote(strings.ReplaceAll(g.result(t, "string", "vnet_entry_vname"), `\000`, `\x00`))
		if err != nil {
			t.Fatal(err)
		}
		want += "\x00"
		sym, _ = tab.Lookup("vnet_entry_vname")
		name := make([]byte, sym.Size)
		if _, err := tab.ReadImage(name, sym.Addr); err != nil {
			t.Fatal(err)
		}
		if string(name) != want {
			t.Errorf("vnet_entry_vname = %q, gdb says %q", name, want)
		}
	})
}

func TestArrayCounts(t *testing.T) {
	// Counts as written in testdata/kern.c; TestTypeNamesMatchWhatis checks
	// the same arrays against gdb.
	cases := []struct {
		path  string
		count []int64
	}{
		{"row", []int64{4}},
		{"grid", []int64{3, 5}},
		{"big", []int64{300}},
		{"zero", []int64{0}},
	}
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		arrays, err := tab.Type("struct arrays")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			typ := memberPath(t, arrays, c.path).Type
			for depth, want := range c.count {
				at, ok := typ.(*godwarf.ArrayType)
				if !ok {
					t.Fatalf("%s dimension %d is %T, want *godwarf.ArrayType", c.path, depth, typ)
				}
				if at.Count != want {
					t.Errorf("%s dimension %d has Count %d, want %d", c.path, depth, at.Count, want)
				}
				typ = at.Type
			}
		}
		packet, err := tab.Type("struct packet")
		if err != nil {
			t.Fatal(err)
		}
		payload := memberPath(t, packet, "payload").Type.(*godwarf.ArrayType)
		if payload.Count != -1 || Sizeof(payload) != 0 {
			t.Errorf("flexible payload[]: Count %d, Sizeof %d; want -1, 0", payload.Count, Sizeof(payload))
		}
	})
}

func TestIsSigned(t *testing.T) {
	tab := openVariant(t, variants[0])
	cases := map[string]bool{
		"int": true, "u_int": false, "enum color": true, "enum big": false,
		"signed char": true, "unsigned char": false, "uintptr_t": false, "long long": true,
	}
	for name, want := range cases {
		typ, err := tab.Type(name)
		if err != nil {
			t.Fatalf("Type(%q): %v", name, err)
		}
		if got := IsSigned(typ); got != want {
			t.Errorf("IsSigned(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestTypeNameSpelling(t *testing.T) {
	// Both compilers' spellings of one base type resolve to the same name.
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		want := g.result(t, "typedef", "uintptr_t")
		for _, name := range []string{"unsigned long", "long unsigned int", "  unsigned   long "} {
			typ, err := tab.Type(name)
			if err != nil {
				t.Errorf("Type(%q): %v", name, err)
				continue
			}
			if got := TypeName(typ); got != want {
				t.Errorf("TypeName(Type(%q)) = %q, gdb names uintptr_t's target %q", name, got, want)
			}
		}
	})
}

func TestMissingTypesAndVariables(t *testing.T) {
	tab := openVariant(t, variants[0])
	var le *LookupError
	_, err := tab.Type("struct no_such_type")
	if !errors.As(err, &le) || le.Kind != "type" || le.Name != "struct no_such_type" {
		t.Errorf("Type(struct no_such_type) error = %v, want a type *LookupError", err)
	}
	if err != nil && !strings.Contains(err.Error(), tab.DebugPath()) {
		t.Errorf("error %q does not name the file %s", err, tab.DebugPath())
	}
	_, err = tab.VariableType("no_such_variable")
	if !errors.As(err, &le) || le.Kind != "variable" {
		t.Errorf("VariableType(no_such_variable) error = %v, want a variable *LookupError", err)
	}
	// A struct tag is not a typedef name.
	if _, err := tab.Type("flags"); err == nil {
		t.Error("Type(\"flags\") found a type, but flags is only a struct tag")
	}
}

func TestVariableTypeAtTellsStaticsApart(t *testing.T) {
	forEachVariant(t, func(t *testing.T, tab *Table, g *golden) {
		global := nmAddr(t, g, "shared", 'D')
		typ, err := tab.VariableTypeAt("shared", global)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := TypeName(typ), g.result(t, "whatis", "shared"); got != want {
			t.Errorf("global shared is %q, gdb says %q", got, want)
		}
		typ, err = tab.VariableType("shared")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := TypeName(typ), g.result(t, "whatis", "shared"); got != want {
			t.Errorf("VariableType(shared) = %q, want the global's %q", got, want)
		}
		if _, err := tab.VariableTypeAt("shared", 0x1234); err == nil {
			t.Error("VariableTypeAt(shared, 0x1234) found a variable at an address that has none")
		}
	})
}

func TestBitfieldExample(t *testing.T) {
	// The worked example in BitfieldLocation's doc comment, checked on the
	// bytes of flags_init = {.a = 5, .b = 100, .c = -3, .d = 0x1abcd}.
	tab := openVariant(t, variants[4])
	sym, _ := tab.Lookup("flags_init")
	p := make([]byte, 4)
	if _, err := tab.ReadImage(p, sym.Addr); err != nil {
		t.Fatal(err)
	}
	c := int8(p[1]>>2&0x1f<<3) >> 3
	if c != -3 {
		t.Errorf("c decoded as in the doc example = %d, want -3", c)
	}
	d := (uint32(p[1]) | uint32(p[2])<<8 | uint32(p[3])<<16) >> 7 & 0x1ffff
	if d != 0x1abcd {
		t.Errorf("d decoded as in the doc example = %#x, want 0x1abcd", d)
	}
}

func TestConcurrentLookups(t *testing.T) {
	// Run with -race: lookups from several goroutines share one Table.
	tab := openVariant(t, variants[1])
	names := []string{"struct flags", "struct packet", "union word", "struct ops", "stat_t"}
	vars := []string{"flags_init", "vnet_entry_vpacket", "ops", "version"}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var err error
			for i := range 50 {
				if _, e := tab.Type(names[(g+i)%len(names)]); e != nil {
					err = e
				}
				v := vars[(g+i)%len(vars)]
				s, _ := tab.Lookup(v)
				if _, e := tab.VariableTypeAt(v, s.Addr); e != nil {
					err = e
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
