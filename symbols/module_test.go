package symbols

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// These tests build small kernel modules with clang and ld.lld, the tools
// FreeBSD builds modules with, and take the expected section indices,
// sizes and symbol values from llvm-readelf and llvm-nm.

// moduleSource defines virtualized variables the way sys/net/vnet.h does
// (VNET_DEFINE puts vnet_entry_NAME in section set_vnet), one of them
// static, plus code and data outside the set.
const moduleSource = `
#define VNET_DEFINE(t, n) t vnet_entry_##n __attribute__((section("set_vnet"), used))
struct pair { int a; long b; };
VNET_DEFINE(int, modcount) = 42;
VNET_DEFINE(struct pair, modpair) = {3, 4};
static VNET_DEFINE(short, modstatic) = 9;
int plain = 1;
static char bss[100] __attribute__((used));
int fn(void) { return vnet_entry_modcount + vnet_entry_modstatic; }
#ifdef SHARED
extern char __start_set_vnet[], __stop_set_vnet[];
void *bounds[2] = { __start_set_vnet, __stop_set_vnet };
#endif
`

// requireTools skips the test when a build tool is missing.
func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed, so the module files cannot be built", tool)
		}
	}
}

// run runs a command and returns its standard output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
	}
	return string(out)
}

// buildModules writes an amd64 ET_REL module (rel.ko, linked with ld -r
// as kmod.mk does on amd64) and an ET_DYN one (dyn.ko) into a new
// directory.
func buildModules(t *testing.T) (rel, dyn string) {
	t.Helper()
	requireTools(t, "clang", "ld.lld", "llvm-readelf", "llvm-nm")
	dir := t.TempDir()
	src := filepath.Join(dir, "mod.c")
	if err := os.WriteFile(src, []byte(moduleSource), 0o644); err != nil {
		t.Fatal(err)
	}
	target := "--target=x86_64-unknown-freebsd14"
	obj := filepath.Join(dir, "mod.o")
	run(t, "clang", target, "-ffreestanding", "-fno-pic", "-mcmodel=kernel", "-g", "-O0", "-c", "-o", obj, src)
	rel = filepath.Join(dir, "rel.ko")
	run(t, "ld.lld", "-r", "-o", rel, obj)
	dyn = filepath.Join(dir, "dyn.ko")
	run(t, "clang", target, "-DSHARED", "-ffreestanding", "-fPIC", "-shared", "-nostdlib", "-g", "-O0", "-o", dyn, src)
	return rel, dyn
}

// A readelfSection is one line of llvm-readelf -S.
type readelfSection struct {
	index       int
	name, typ   string
	size, align uint64
	flags       string
}

var sectionLine = regexp.MustCompile(`^\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)\s+\d+\s+\d+\s+(\d+)\s*$`)

func readelfSections(t *testing.T, path string) []readelfSection {
	t.Helper()
	var out []readelfSection
	for _, line := range strings.Split(run(t, "llvm-readelf", "-S", "--wide", path), "\n") {
		m := sectionLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		size, _ := strconv.ParseUint(m[4], 16, 64)
		align, _ := strconv.ParseUint(m[6], 10, 64)
		out = append(out, readelfSection{index: i, name: m[2], typ: m[3], size: size, flags: m[5], align: align})
	}
	if len(out) == 0 {
		t.Fatalf("no sections parsed from llvm-readelf -S %s", path)
	}
	return out
}

// nmValues returns llvm-nm's symbol values by name.
func nmValues(t *testing.T, path string) map[string]uint64 {
	t.Helper()
	vals := map[string]uint64{}
	for _, line := range strings.Split(run(t, "llvm-nm", path), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		v, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			t.Fatalf("llvm-nm line %q: %v", line, err)
		}
		vals[f[2]] = v
	}
	return vals
}

func openModule(t *testing.T, path string) *Module {
	t.Helper()
	m, err := OpenModule(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestModuleRelocatableVnetSet(t *testing.T) {
	rel, _ := buildModules(t)
	m := openModule(t, rel)
	if m.Type != elf.ET_REL {
		t.Fatalf("type %v, want ET_REL", m.Type)
	}
	set, ok, err := m.VnetSet()
	if err != nil || !ok {
		t.Fatalf("VnetSet: %v, found %v", err, ok)
	}
	var want readelfSection
	for _, s := range readelfSections(t, rel) {
		if s.name == VnetSetName {
			want = s
		}
	}
	if set.Section != want.index {
		t.Errorf("set_vnet section index %d, llvm-readelf says %d", set.Section, want.index)
	}
	if set.Start != 0 || set.Stop != want.size {
		t.Errorf("set bounds [%#x, %#x), want [0, %#x) (section offsets)", set.Start, set.Stop, want.size)
	}

	nm := nmValues(t, rel)
	var names []string
	for _, e := range set.Entries {
		names = append(names, e.Name)
		if e.Addr != nm[e.Name] {
			t.Errorf("%s at offset %#x, llvm-nm says %#x", e.Name, e.Addr, nm[e.Name])
		}
	}
	wantNames := "vnet_entry_modcount,vnet_entry_modpair,vnet_entry_modstatic"
	if got := strings.Join(names, ","); got != wantNames {
		t.Errorf("entries %s, want %s (plain and fn are outside set_vnet)", got, wantNames)
	}
}

func TestModuleRelocatableTypes(t *testing.T) {
	rel, _ := buildModules(t)
	m := openModule(t, rel)
	for _, c := range []struct {
		sym, typ string
		size     int64
	}{
		{"vnet_entry_modcount", "int", 4},
		{"vnet_entry_modpair", "struct pair", 16},
		{"vnet_entry_modstatic", "short", 2},
	} {
		typ, err := m.VariableType(c.sym)
		if err != nil {
			t.Errorf("%s: %v", c.sym, err)
			continue
		}
		if got := TypeName(typ); got != c.typ {
			t.Errorf("%s has type %q, want %q", c.sym, got, c.typ)
		}
		if typ.Size() != c.size {
			t.Errorf("%s has size %d, want %d", c.sym, typ.Size(), c.size)
		}
	}
}

func TestModuleSharedVnetSet(t *testing.T) {
	_, dyn := buildModules(t)
	m := openModule(t, dyn)
	if m.Type != elf.ET_DYN {
		t.Fatalf("type %v, want ET_DYN", m.Type)
	}
	set, ok, err := m.VnetSet()
	if err != nil || !ok {
		t.Fatalf("VnetSet: %v, found %v", err, ok)
	}
	nm := nmValues(t, dyn)
	if set.Start != nm["__start_set_vnet"] || set.Stop != nm["__stop_set_vnet"] {
		t.Errorf("set [%#x, %#x), llvm-nm has __start_set_vnet %#x and __stop_set_vnet %#x",
			set.Start, set.Stop, nm["__start_set_vnet"], nm["__stop_set_vnet"])
	}
	if len(set.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(set.Entries))
	}
	for _, e := range set.Entries {
		if e.Addr != nm[e.Name] {
			t.Errorf("%s at %#x, llvm-nm says %#x", e.Name, e.Addr, nm[e.Name])
		}
	}
}

// TestModuleLoadSizeRelocatable checks link_elf_obj.c's mapping size: the
// allocated PROGBITS and NOBITS sections of non-zero size, each aligned,
// summed in llvm-readelf's order.
func TestModuleLoadSizeRelocatable(t *testing.T) {
	rel, _ := buildModules(t)
	var want uint64
	for _, s := range readelfSections(t, rel) {
		if s.size == 0 || !strings.Contains(s.flags, "A") || (s.typ != "PROGBITS" && s.typ != "NOBITS" &&
			s.typ != "X86_64_UNWIND") {
			continue
		}
		a := max(s.align, 1)
		want = (want+a-1)/a*a + s.size
	}
	got, err := openModule(t, rel).LoadSize()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("LoadSize %d, want %d from llvm-readelf's sections", got, want)
	}
}

// TestModuleLoadSizeShared checks link_elf.c's mapping size against
// llvm-readelf's program headers.
func TestModuleLoadSizeShared(t *testing.T) {
	_, dyn := buildModules(t)
	var first, end uint64
	seen := false
	for _, line := range strings.Split(run(t, "llvm-readelf", "-l", "--wide", dyn), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] != "LOAD" {
			continue
		}
		vaddr, _ := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 64)
		memsz, _ := strconv.ParseUint(strings.TrimPrefix(f[5], "0x"), 16, 64)
		if !seen {
			first, seen = vaddr, true
		}
		end = vaddr + memsz
	}
	want := (end+4095)&^4095 - first&^4095
	got, err := openModule(t, dyn).LoadSize()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("LoadSize %#x, want %#x from llvm-readelf's PT_LOAD headers", got, want)
	}
}

func TestModuleWithoutVnetSet(t *testing.T) {
	requireTools(t, "clang")
	dir := t.TempDir()
	src := filepath.Join(dir, "novnet.c")
	if err := os.WriteFile(src, []byte("int x = 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ko := filepath.Join(dir, "novnet.ko")
	run(t, "clang", "--target=x86_64-unknown-freebsd14", "-ffreestanding", "-c", "-o", ko, src)
	set, ok, err := openModule(t, ko).VnetSet()
	if err != nil || ok || len(set.Entries) != 0 {
		t.Errorf("VnetSet of a module without set_vnet = %+v, %v, %v; want nothing, false, nil", set, ok, err)
	}
}

func TestOpenModuleNotELF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.ko")
	if err := os.WriteFile(path, []byte("not an ELF file at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenModule(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("OpenModule(junk) error = %v, want one naming %s", err, path)
	}
}

// TestTypeDefinitionsTwoStructs builds two files that each define their
// own struct elf_file, as link_elf.c and link_elf_obj.c do.
func TestTypeDefinitionsTwoStructs(t *testing.T) {
	requireTools(t, "clang", "ld.lld")
	dir := t.TempDir()
	var objs []string
	for name, body := range map[string]string{
		"a": "struct elf_file { long lf; unsigned long vnet_base; } a_file;",
		"b": "struct elf_file { long lf; void *progtab; unsigned int nprogtab; } b_file;",
	} {
		src := filepath.Join(dir, name+".c")
		if err := os.WriteFile(src, []byte(body+"\nvoid _start_"+name+"(void) {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		obj := filepath.Join(dir, name+".o")
		run(t, "clang", "--target=x86_64-unknown-freebsd14", "-ffreestanding", "-g", "-c", "-o", obj, src)
		objs = append(objs, obj)
	}
	out := filepath.Join(dir, "kernel")
	run(t, "ld.lld", append([]string{"-e", "0", "-o", out}, objs...)...)
	tab, err := Open(out, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	defs, err := tab.TypeDefinitions("struct elf_file")
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 2 {
		t.Fatalf("%d definitions of struct elf_file, want 2", len(defs))
	}

	var members []string
	for _, d := range defs {
		_, dyn := Member(d, "vnet_base")
		_, obj := Member(d, "progtab")
		members = append(members, strconv.FormatBool(dyn)+"/"+strconv.FormatBool(obj))
	}
	if got := strings.Join(members, ","); got != "true/false,false/true" && got != "false/true,true/false" {
		t.Errorf("definitions have vnet_base/progtab %s, want one of each", got)
	}
	if _, err := tab.TypeDefinitions("struct no_such_type"); err == nil {
		t.Error("TypeDefinitions of a missing type gave no error")
	}
}
