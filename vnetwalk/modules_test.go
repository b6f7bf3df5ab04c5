package vnetwalk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// These tests build a small kernel and two modules with clang and ld.lld,
// then lay out linker_files, the kernel linkers' struct elf_file and two
// vnets in a fakeMemory as FreeBSD 14's link_elf.c and link_elf_obj.c
// leave them. Symbol values and section indices come from llvm-nm and
// llvm-readelf; the values read back are the ones the test stores.

// linkerHeader declares what kern_linker.c and kobj.h declare, with
// FreeBSD 14's layouts.
const linkerHeader = `
#define TAILQ_ENTRY(type) struct { struct type *tqe_next; struct type **tqe_prev; }
struct kobj_class { const char *name; void *methods; unsigned long size; unsigned int refs; struct kobj_ops *ops; };
struct kobj_ops { void *cache[256]; struct kobj_class *cls; };
struct linker_file {
	struct kobj_ops *ops;
	int refs, userrefs, flags;
	TAILQ_ENTRY(linker_file) link;
	char *filename, *pathname;
	int id;
	char *address;
	unsigned long size;
	char *ctors_addr; unsigned long ctors_size;
	char *dtors_addr; unsigned long dtors_size;
	int ndeps;
	struct linker_file **deps;
	int loadcnt, nenabled, fbt_nentries;
};
`

// testKernelSources are the files of the small kernel: the linker list with
// its kld_off_* constants and set_vnet, and the two private struct
// elf_file definitions.
var testKernelSources = map[string]string{
	"kern_linker.c": linkerHeader + `
struct { struct linker_file *tqh_first; struct linker_file **tqh_last; } linker_files __attribute__((used));
struct linker_file *linker_kernel_file;
struct kobj_ops kobj_ops_example;
const int kld_off_address = __builtin_offsetof(struct linker_file, address);
const int kld_off_filename = __builtin_offsetof(struct linker_file, filename);
const int kld_off_pathname = __builtin_offsetof(struct linker_file, pathname);
const int kld_off_next = __builtin_offsetof(struct linker_file, link.tqe_next);
#define VNET_DEFINE(t, n) t vnet_entry_##n __attribute__((section("set_vnet"), used))
VNET_DEFINE(int, kvar) = 7;
VNET_DEFINE(int, modcount) = 1000;
VNET_DEFINE(char, modspace[8 * 4096]);
extern char __start_set_vnet[], __stop_set_vnet[];
void *vnet_bounds[2] = { __start_set_vnet, __stop_set_vnet };
void _start(void) {}
`,
	"link_elf.c": linkerHeader + `
struct elf_file {
	struct linker_file lf;
	int preloaded;
	char *address;
	void *dynamic;
	long ddbsymcnt;
	unsigned long pcpu_start, pcpu_stop, pcpu_base;
	unsigned long vnet_start, vnet_stop, vnet_base;
} link_elf_example;
`,
	"link_elf_obj.c": linkerHeader + `
typedef struct {
	void *addr;
	unsigned long size;
	int flags;
	int sec;
	char *name;
} Elf_progent;
struct elf_file {
	struct linker_file lf;
	int preloaded;
	char *address;
	void *object;
	void *e_shdr;
	Elf_progent *progtab;
	unsigned int nprogtab;
	void *relatab;
	unsigned int nrelatab;
} link_elf_obj_example;
`,
}

// testModuleSource defines virtualized variables as sys/net/vnet.h's
// VNET_DEFINE does. modcount is also a kernel variable, so the kernel's
// wins unless the name is qualified.
const testModuleSource = `
#define VNET_DEFINE(t, n) t vnet_entry_##n __attribute__((section("set_vnet"), used))
struct pair { int a; long b; };
VNET_DEFINE(int, modcount) = 42;
VNET_DEFINE(struct pair, modpair) = {3, 4};
static VNET_DEFINE(short, modstatic) = 9;
int plain = 1;
int fn(void) { return vnet_entry_modcount + vnet_entry_modstatic; }
#ifdef SHARED
extern char __start_set_vnet[], __stop_set_vnet[];
void *bounds[2] = { __start_set_vnet, __stop_set_vnet };
#endif
`

func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed, so the test kernel and modules cannot be built", tool)
		}
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		msg := ""
		if errors.As(err, &ee) {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
	}
	return string(out)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// modFixture is the built kernel and modules.
type modFixture struct {
	kernelDir string // holds kernel
	moduleDir string // holds rel.ko.debug and dyn.ko
	kernel    string
	rel, dyn  string // module files
	relNM     map[string]uint64
	dynNM     map[string]uint64
	relVnetIx int    // index of set_vnet in rel.ko
	relVnetSz uint64 // size of set_vnet in rel.ko
}

var kernelFlags = []string{"--target=x86_64-unknown-freebsd14", "-ffreestanding", "-fno-pic", "-mcmodel=kernel",
	"-fno-stack-protector", "-O0", "-g"}

func buildModFixture(t *testing.T) *modFixture {
	t.Helper()
	requireTools(t, "clang", "ld.lld", "llvm-readelf", "llvm-nm")
	src := t.TempDir()
	f := &modFixture{kernelDir: t.TempDir(), moduleDir: t.TempDir()}

	var objs []string
	for name, text := range testKernelSources {
		c := filepath.Join(src, name)
		writeFile(t, c, text)
		obj := strings.TrimSuffix(c, ".c") + ".o"
		run(t, "clang", append(kernelFlags, "-c", "-o", obj, c)...)
		objs = append(objs, obj)
	}
	f.kernel = filepath.Join(f.kernelDir, "kernel")
	run(t, "ld.lld", append([]string{"-m", "elf_x86_64", "--image-base=0xffffffff80200000", "-e", "_start",
		"-o", f.kernel}, objs...)...)

	// The ET_REL module is found through its .debug file, the first suffix
	// searched; kmod.mk links amd64 modules with ld -r.
	c := filepath.Join(src, "mod.c")
	writeFile(t, c, testModuleSource)
	obj := filepath.Join(src, "mod.o")
	run(t, "clang", append(kernelFlags, "-c", "-o", obj, c)...)
	f.rel = filepath.Join(f.moduleDir, "rel.ko.debug")
	run(t, "ld.lld", "-r", "-o", f.rel, obj)
	f.dyn = filepath.Join(f.moduleDir, "dyn.ko")
	run(t, "clang", "--target=x86_64-unknown-freebsd14", "-DSHARED", "-ffreestanding", "-fPIC", "-shared",
		"-nostdlib", "-g", "-O0", "-o", f.dyn, c)

	f.relNM, f.dynNM = nmValues(t, f.rel), nmValues(t, f.dyn)
	for _, line := range strings.Split(run(t, "llvm-readelf", "-S", "--wide", f.rel), "\n") {
		fields := strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(line))
		if len(fields) > 6 && fields[1] == symbols.VnetSetName {
			f.relVnetIx, _ = strconv.Atoi(fields[0])
			f.relVnetSz, _ = strconv.ParseUint(fields[5], 16, 64)
		}
	}
	if f.relVnetSz == 0 {
		t.Fatal("llvm-readelf lists no set_vnet section in the ET_REL module")
	}
	return f
}

func nmValues(t *testing.T, path string) map[string]uint64 {
	t.Helper()
	vals := map[string]uint64{}
	for _, line := range strings.Split(run(t, "llvm-nm", path), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			v, err := strconv.ParseUint(f[0], 16, 64)
			if err != nil {
				t.Fatalf("llvm-nm line %q: %v", line, err)
			}
			vals[f[2]] = v
		}
	}
	return vals
}

// modWorld lays out linker files in a fakeMemory.
type modWorld struct {
	*world
	fx       *modFixture
	strings  uint64 // next free byte of the string page
	stringPg []byte
}

const (
	stringPage = 0xfffff80000700000
	opsObj     = 0xfffff80000710000 // kobj_ops of class elf64_obj
	opsDyn     = 0xfffff80000720000 // kobj_ops of class elf64
	classObj   = 0xfffff80000730000
	classDyn   = 0xfffff80000731000
	lfKernel   = 0xfffff80000800000
	lfRel      = 0xfffff80000801000
	lfDyn      = 0xfffff80000802000
	lfMissing  = 0xfffff80000803000
	progtabRel = 0xfffff80000810000
	relBase    = 0xfffffe0000400000 // load address of rel.ko
	dynBase    = 0xfffffe0000500000 // load address of dyn.ko
	dataBaseA  = 0x1000000          // vnet_data_base of vnet A
	dataBaseB  = 0x2000000
)

func newModWorld(t *testing.T) *modWorld {
	fx := buildModFixture(t)
	syms, err := symbols.Open(fx.kernel, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syms.Close() })
	w := &modWorld{world: &world{t: t, syms: syms, mem: &fakeMemory{runs: map[uint64][]byte{}}}, fx: fx}
	w.stringPg = w.mem.put(stringPage, 4096)
	w.class(opsObj, classObj, ClassELF64Obj)
	w.class(opsDyn, classDyn, ClassELF64)
	return w
}

// str stores a NUL-terminated string in the string page.
func (w *modWorld) str(s string) uint64 {
	at := w.strings
	copy(w.stringPg[at:], s)
	w.strings += uint64(len(s)) + 1
	return stringPage + at
}

// class writes a kobj_ops whose class has the given name.
func (w *modWorld) class(ops, cls uint64, name string) {
	b := w.mem.put(ops, w.size("struct kobj_ops"))
	binary.LittleEndian.PutUint64(b[w.off("struct kobj_ops", "cls"):], cls)
	c := w.mem.put(cls, w.size("struct kobj_class"))
	binary.LittleEndian.PutUint64(c[w.off("struct kobj_class", "name"):], w.str(name))
}

// elfFile returns the definition of struct elf_file that has member.
func (w *modWorld) elfFile(member string) (int64, func(path string) int64) {
	defs, err := w.syms.TypeDefinitions("struct elf_file")
	if err != nil {
		w.t.Fatal(err)
	}
	for _, d := range defs {
		if _, ok := symbols.Member(d, member); ok {
			return d.Size(), func(path string) int64 {
				off, _, err := memberPath(d, path)
				if err != nil {
					w.t.Fatalf("struct elf_file.%s: %v", path, err)
				}
				return off
			}
		}
	}
	w.t.Fatalf("no struct elf_file with %s", member)
	return 0, nil
}

// linkerFile writes a struct elf_file of the class that has member, with
// its linker_file part, and returns the bytes for class-specific fields.
func (w *modWorld) linkerFile(addr, next uint64, member string, ops uint64, id int32, name string,
	base, size uint64,
) ([]byte, func(string) int64) {
	n, off := w.elfFile(member)
	b := w.mem.put(addr, n)
	le := binary.LittleEndian
	le.PutUint64(b[off("lf.ops"):], ops)
	le.PutUint64(b[off("lf.link.tqe_next"):], next)
	le.PutUint64(b[off("lf.filename"):], w.str(name))
	le.PutUint64(b[off("lf.pathname"):], w.str("/boot/kernel/"+name))
	le.PutUint32(b[off("lf.id"):], uint32(id))
	le.PutUint64(b[off("lf.address"):], base)
	le.PutUint64(b[off("lf.size"):], size)
	return b, off
}

// progtab writes link_elf_obj.c's section table for rel.ko with set_vnet
// placed at vnetAt, and returns the table's length.
func (w *modWorld) progtab(vnetAt uint64, vnetSec int) uint64 {
	entries := []struct {
		name      string
		addr, len uint64
		sec       int
	}{
		{".text", relBase, 0x18, 1},
		{symbols.VnetSetName, vnetAt, w.fx.relVnetSz, vnetSec},
		{".data", relBase + 0x40, 4, vnetSec + 1},
	}
	const entSize = 32 // Elf_progent on LP64: addr, size, flags, sec, name
	b := w.mem.put(progtabRel, int64(len(entries)*entSize))
	for i, e := range entries {
		p := b[i*entSize:]
		binary.LittleEndian.PutUint64(p[0:], e.addr)
		binary.LittleEndian.PutUint64(p[8:], e.len)
		binary.LittleEndian.PutUint32(p[20:], uint32(e.sec))
		binary.LittleEndian.PutUint64(p[24:], w.str(e.name))
	}
	return uint64(len(entries))
}

// standard lays out the kernel, rel.ko (ET_REL, class elf64_obj), dyn.ko
// (ET_DYN, class elf64) and a module without a file, and returns the
// master addresses of the two modules' set_vnet.
func (w *modWorld) standard() (relVnet, dynVnet uint64) {
	modspace := w.sym("vnet_entry_modspace")
	relVnet, dynVnet = modspace+0x100, modspace+0x800
	le := binary.LittleEndian

	w.ptr(w.sym("linker_files"), lfKernel)
	w.ptr(w.sym("linker_kernel_file"), lfKernel)
	w.linkerFile(lfKernel, lfRel, "vnet_base", opsDyn, 1, "kernel", 0xffffffff80200000, 0x100000)

	relSize, err := openModule(w.t, w.fx.rel).LoadSize()
	if err != nil {
		w.t.Fatal(err)
	}
	b, off := w.linkerFile(lfRel, lfDyn, "progtab", opsObj, 2, "rel.ko", relBase, relSize)
	le.PutUint64(b[off("progtab"):], progtabRel)
	le.PutUint32(b[off("nprogtab"):], uint32(w.progtab(relVnet, w.fx.relVnetIx)))

	dynSize, err := openModule(w.t, w.fx.dyn).LoadSize()
	if err != nil {
		w.t.Fatal(err)
	}
	b, off = w.linkerFile(lfDyn, lfMissing, "vnet_base", opsDyn, 3, "dyn.ko", dynBase, dynSize)
	start, stop := w.fx.dynNM["__start_set_vnet"], w.fx.dynNM["__stop_set_vnet"]
	le.PutUint64(b[off("vnet_start"):], dynBase+start)
	le.PutUint64(b[off("vnet_stop"):], dynBase+stop)
	le.PutUint64(b[off("vnet_base"):], dynVnet)

	w.linkerFile(lfMissing, 0, "progtab", opsObj, 4, "missing.ko", 0xfffffe0000600000, 0x2000)
	return relVnet, dynVnet
}

func openModule(t *testing.T, path string) *symbols.Module {
	t.Helper()
	m, err := symbols.OpenModule(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func (w *modWorld) load(k *Kernel) *Modules {
	w.t.Helper()
	mods, err := k.LoadModules(ModuleConfig{KernelDir: w.fx.kernelDir, SearchPath: []string{w.fx.moduleDir}})
	if err != nil {
		w.t.Fatalf("LoadModules: %v", err)
	}
	w.t.Cleanup(func() { mods.Close() })
	return mods
}

func fileNamed(mods *Modules, name string) *LinkerFile {
	for _, f := range mods.Files {
		if f.Filename == name {
			return f
		}
	}
	return nil
}

func TestLoadModulesListsLinkerFiles(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	mods := w.load(New(w.syms, w.mem))

	var got []string
	for _, f := range mods.Files {
		got = append(got, f.Filename+"/"+f.Class+"/"+strconv.Itoa(int(f.ID)))
	}
	want := "kernel/elf64/1,rel.ko/elf64_obj/2,dyn.ko/elf64/3,missing.ko/elf64_obj/4"
	if strings.Join(got, ",") != want {
		t.Errorf("linker files %s, want %s", strings.Join(got, ","), want)
	}
	if !mods.Files[0].Kernel || mods.Files[1].Kernel {
		t.Error("only the first entry should be linker_kernel_file")
	}
	if f := fileNamed(mods, "rel.ko"); f.Path != w.fx.rel || f.Pathname != "/boot/kernel/rel.ko" {
		t.Errorf("rel.ko found at %q with pathname %q, want %s and /boot/kernel/rel.ko", f.Path, f.Pathname, w.fx.rel)
	}
	if f := fileNamed(mods, "rel.ko"); f.Address != relBase || !f.HasSize {
		t.Errorf("rel.ko address %#x (size known %v), want %#x", f.Address, f.HasSize, uint64(relBase))
	}
	for _, s := range mods.Warnings {
		if strings.Contains(s, "rel.ko") || strings.Contains(s, "dyn.ko") {
			t.Errorf("warning about a matching module: %s", s)
		}
	}
}

// TestModuleVarsInEveryVnet checks each module variable's master address
// (the set_vnet placement plus llvm-nm's value) and its bytes in two vnets.
func TestModuleVarsInEveryVnet(t *testing.T) {
	w := newModWorld(t)
	relVnet, dynVnet := w.standard()
	k := New(w.syms, w.mem)
	w.load(k)

	dynStart := w.fx.dynNM["__start_set_vnet"]
	cases := []struct {
		name   string // as a user types it
		module string
		master uint64
		size   int
	}{
		{"rel.ko:modcount", "rel.ko", relVnet + w.fx.relNM["vnet_entry_modcount"], 4},
		{"rel:V_modpair", "rel.ko", relVnet + w.fx.relNM["vnet_entry_modpair"], 16},
		{"rel.ko:modstatic", "rel.ko", relVnet + w.fx.relNM["vnet_entry_modstatic"], 2},
		{"dyn.ko:modcount", "dyn.ko", dynVnet + w.fx.dynNM["vnet_entry_modcount"] - dynStart, 4},
		{"dyn.ko:vnet_entry_modpair", "dyn.ko", dynVnet + w.fx.dynNM["vnet_entry_modpair"] - dynStart, 16},
	}
	for vi, base := range []uint64{dataBaseA, dataBaseB} {
		v := &Vnet{Addr: vnetA + uint64(vi), Magic: VnetMagic, DataBase: base}
		for ci, c := range cases {
			want := make([]byte, c.size)
			for i := range want {
				want[i] = byte(0x10*vi + ci + i + 1)
			}
			copy(w.mem.put(base+c.master, int64(c.size)), want)

			sym, ok := k.VnetSymbol(c.name)
			if !ok {
				t.Fatalf("VnetSymbol(%q) found nothing", c.name)
			}
			x := k.ReadVnetVar(sym, v)
			if x.Err != nil {
				t.Errorf("vnet %d, %s: %v", vi, c.name, x.Err)
				continue
			}
			if x.Addr != base+c.master {
				t.Errorf("vnet %d, %s at %#x, want data_base + master = %#x", vi, c.name, x.Addr, base+c.master)
			}
			if string(x.Bytes) != string(want) {
				t.Errorf("vnet %d, %s bytes %x, want %x", vi, c.name, x.Bytes, want)
			}
			if x.Module != c.module {
				t.Errorf("%s has module %q, want %q", c.name, x.Module, c.module)
			}
		}
	}
}

func TestModuleVarTypesFromModuleDWARF(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	k := New(w.syms, w.mem)
	w.load(k)
	v := &Vnet{Addr: vnetA, Magic: VnetMagic, DataBase: dataBaseA}
	for name, typ := range map[string]string{"rel.ko:modpair": "struct pair", "dyn.ko:modpair": "struct pair",
		"rel.ko:modstatic": "short"} {
		sym, _ := k.VnetSymbol(name)
		x := k.ReadVnetVar(sym, v)
		if x.Type == nil || symbols.TypeName(x.Type) != typ {
			t.Errorf("%s has type %v, want %s from the module's DWARF", name, x.Type, typ)
		}
	}
}

func TestKernelVariableWinsOverModule(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	k := New(w.syms, w.mem)
	w.load(k)
	sym, ok := k.VnetSymbol("modcount")
	if !ok || sym.Addr != w.sym("vnet_entry_modcount") {
		t.Errorf("modcount resolved to %#x, want the kernel's vnet_entry_modcount %#x",
			sym.Addr, w.sym("vnet_entry_modcount"))
	}
	if x := k.ReadVnetVar(sym, &Vnet{Addr: vnetA, DataBase: dataBaseA}); x.Module != "" {
		t.Errorf("kernel's modcount read as a variable of %s", x.Module)
	}
	// modpair exists in both modules and not in the kernel.
	if _, ok := k.VnetSymbol("modpair"); ok {
		t.Error("modpair of two modules resolved without a module name")
	}
	_, err := k.ReadGlobal("modpair")
	if err == nil || !strings.Contains(err.Error(), "dyn.ko, rel.ko") {
		t.Errorf("ReadGlobal(modpair) error = %v, want one naming dyn.ko and rel.ko", err)
	}
	if _, err := k.ReadGlobal("nosuch.ko:modpair"); err == nil || !strings.Contains(err.Error(), "nosuch.ko") {
		t.Errorf("ReadGlobal(nosuch.ko:modpair) error = %v, want one naming nosuch.ko", err)
	}
}

func TestVnetVariablesIncludeModules(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	k := New(w.syms, w.mem)
	w.load(k)
	syms, err := k.VnetVariables()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, s := range syms {
		count[s.Name]++
	}
	// The kernel's kvar, modcount and modspace; rel.ko's three; dyn.ko's three.
	for name, n := range map[string]int{"vnet_entry_kvar": 1, "vnet_entry_modcount": 3, "vnet_entry_modpair": 2,
		"vnet_entry_modstatic": 2, "vnet_entry_modspace": 1} {
		if count[name] != n {
			t.Errorf("%s listed %d times, want %d", name, count[name], n)
		}
	}
	if len(syms) != 9 {
		t.Errorf("%d variables, want 9", len(syms))
	}
}

func TestModuleFileMissingWarns(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	mods := w.load(New(w.syms, w.mem))
	f := fileNamed(mods, "missing.ko")
	if f.Err == nil || f.Path != "" {
		t.Fatalf("missing.ko: path %q, error %v; want no path and an error", f.Path, f.Err)
	}
	wantTried := []string{
		filepath.Join(w.fx.kernelDir, "missing.ko.debug"), filepath.Join(w.fx.kernelDir, "missing.ko.symbols"),
		filepath.Join(w.fx.kernelDir, "missing.ko"), filepath.Join(w.fx.moduleDir, "missing.ko.debug"),
		filepath.Join(w.fx.moduleDir, "missing.ko.symbols"), filepath.Join(w.fx.moduleDir, "missing.ko"),
	}
	if strings.Join(f.Tried, ",") != strings.Join(wantTried, ",") {
		t.Errorf("tried %q, want %q", f.Tried, wantTried)
	}
	found := false
	for _, s := range mods.Warnings {
		if strings.Contains(s, "missing.ko") && strings.Contains(s, wantTried[5]) {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning naming missing.ko and the paths tried in %q", mods.Warnings)
	}
}

func TestModuleWrongSectionIndex(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	w.progtab(w.sym("vnet_entry_modspace")+0x100, w.fx.relVnetIx+1) // not rel.ko's set_vnet
	k := New(w.syms, w.mem)
	mods := w.load(k)
	f := fileNamed(mods, "rel.ko")
	if f.Err == nil || !strings.Contains(f.Err.Error(), "not the one that was loaded") {
		t.Errorf("rel.ko error = %v, want a mismatch", f.Err)
	}
	if len(f.Vars) != 0 {
		t.Errorf("mismatched rel.ko still maps %d variables", len(f.Vars))
	}
	if _, ok := k.VnetSymbol("rel.ko:modstatic"); ok {
		t.Error("a variable of the mismatched module still resolves")
	}
}

func TestModuleVnetOutsideKernelSet(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	w.progtab(0xfffff80000900000, w.fx.relVnetIx) // not inside the kernel's set_vnet
	mods := w.load(New(w.syms, w.mem))
	if f := fileNamed(mods, "rel.ko"); f.Err == nil || !strings.Contains(f.Err.Error(), "outside the kernel's set_vnet") {
		t.Errorf("rel.ko error = %v, want its set_vnet outside the kernel's", f.Err)
	}
}

func TestLinkerFilesCycle(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	w.linkerFile(lfMissing, lfRel, "progtab", opsObj, 4, "missing.ko", 0xfffffe0000600000, 0x2000) // back to rel.ko
	mods := w.load(New(w.syms, w.mem))
	if len(mods.Files) != 4 {
		t.Errorf("%d linker files, want the 4 before the cycle", len(mods.Files))
	}
	found := false
	for _, s := range mods.Warnings {
		found = found || strings.Contains(s, "cycle")
	}
	if !found {
		t.Errorf("no cycle warning in %q", mods.Warnings)
	}
}

func TestLinkerFileLimit(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	mods, err := New(w.syms, w.mem).LoadModules(ModuleConfig{KernelDir: w.fx.kernelDir, MaxFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer mods.Close()
	if len(mods.Files) != 2 {
		t.Errorf("%d linker files, want the limit of 2", len(mods.Files))
	}
}

// TestModuleNameWithSlash stores a file name that would leave the search
// directories; the dump is untrusted, so it must not be opened.
func TestModuleNameWithSlash(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	w.linkerFile(lfMissing, 0, "progtab", opsObj, 4, "../"+filepath.Base(w.fx.moduleDir)+"/dyn.ko",
		0xfffffe0000600000, 0x2000)
	mods := w.load(New(w.syms, w.mem))
	f := mods.Files[len(mods.Files)-1]
	if f.Err == nil || f.Path != "" || len(f.Tried) != 0 {
		t.Errorf("file name with a slash: path %q, tried %q, error %v; want it rejected", f.Path, f.Tried, f.Err)
	}
}

// TestModulesWithoutDWARF strips the kernel's DWARF: kld_off_* still walk
// linker_files, but module variables cannot be placed without struct
// elf_file, and the error names it.
func TestModulesWithoutDWARF(t *testing.T) {
	requireTools(t, "llvm-objcopy")
	w := newModWorld(t)
	w.standard()
	stripped := filepath.Join(w.fx.kernelDir, "kernel.stripped")
	run(t, "llvm-objcopy", "--strip-debug", w.fx.kernel, stripped)
	syms, err := symbols.Open(stripped, "")
	if err != nil {
		t.Fatal(err)
	}
	defer syms.Close()
	mods := w.load(New(syms, w.mem))

	var got []string
	for _, f := range mods.Files {
		got = append(got, f.Filename+"/"+f.Class)
	}
	if want := "kernel/elf64,rel.ko/elf64_obj,dyn.ko/elf64,missing.ko/elf64_obj"; strings.Join(got, ",") != want {
		t.Errorf("linker files %s, want %s (from kld_off_* and the kobj fallback offsets)", strings.Join(got, ","), want)
	}
	f := fileNamed(mods, "rel.ko")
	if f.Err == nil || !strings.Contains(f.Err.Error(), "struct elf_file") {
		t.Errorf("rel.ko error = %v, want one naming struct elf_file", f.Err)
	}
	if f.HasID || f.HasSize {
		t.Error("id and size claimed known without DWARF")
	}
}

// TestModuleTemplateFromMemory reads a module variable's master copy, which
// lives in kernel memory rather than in the kernel file.
func TestModuleTemplateFromMemory(t *testing.T) {
	w := newModWorld(t)
	relVnet, _ := w.standard()
	k := New(w.syms, w.mem)
	w.load(k)
	master := relVnet + w.fx.relNM["vnet_entry_modcount"]
	binary.LittleEndian.PutUint32(w.mem.put(master, 4), 42)

	sym, _ := k.VnetSymbol("rel.ko:modcount")
	x := k.ReadTemplate(sym)
	if x.Err != nil {
		t.Fatal(x.Err)
	}
	if !x.Template || x.Module != "rel.ko" || x.Addr != master {
		t.Errorf("template: Template %v, module %q, address %#x; want true, rel.ko, %#x", x.Template, x.Module, x.Addr, master)
	}
	if got := binary.LittleEndian.Uint32(x.Bytes); got != 42 {
		t.Errorf("template holds %d, want 42", got)
	}
}

// TestModuleTemplatesTestKernel reads the master copies of if_vnettest.ko's
// variables in the test kernel's minidump. The loader copied them from the
// module file, so they hold the initialisers written in
// testdata/kernel/if_vnettest.c, while each vnet's copy was changed after.
func TestModuleTemplatesTestKernel(t *testing.T) {
	dir := filepath.Dir(testKernel)
	ko := filepath.Join(dir, "if_vnettest.ko.zst")
	if _, err := os.Stat(ko); err != nil {
		t.Skipf("%s is missing; make fixtures writes it with the test kernel's module", ko)
	}
	syms := openTestKernel(t)
	unzstdTo(t, ko, filepath.Join(filepath.Dir(syms.Path()), "if_vnettest.ko"))
	core := filepath.Join(t.TempDir(), "minidump")
	unzstdTo(t, filepath.Join(dir, "minidump.zst"), core)
	c, err := kvm.Open(core, kvm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k := New(syms, c.Virtual())
	mods, err := k.LoadModules(ModuleConfig{KernelDir: filepath.Dir(syms.Path())})
	if err != nil {
		t.Fatal(err)
	}
	defer mods.Close()
	if len(mods.Warnings) != 0 {
		t.Errorf("warnings with the module file present: %q", mods.Warnings)
	}

	name := make([]byte, 16)
	copy(name, "vnettest")
	for _, c := range []struct {
		name string
		want []byte
	}{
		{"vnettest_enable", []byte{1, 0, 0, 0}},
		{"vnettest_packets", binary.LittleEndian.AppendUint64(nil, 0x1122334455667788)},
		{"vnettest_name", name},
		{"vnettest_mode", []byte{1, 0, 0, 0}}, // VNETTEST_ECHO
		{"vnettest_port", []byte{7, 0}},
	} {
		sym, ok := k.VnetSymbol(c.name)
		if !ok {
			t.Errorf("%s not found", c.name)
			continue
		}
		x := k.ReadTemplate(sym)
		if x.Err != nil {
			t.Errorf("%s: %v", c.name, x.Err)
			continue
		}
		if string(x.Bytes) != string(c.want) || x.Module != "if_vnettest.ko" {
			t.Errorf("%s template %x of %q, want %x of if_vnettest.ko", c.name, x.Bytes, x.Module, c.want)
		}
	}
}

// unzstdTo decompresses a zstd file to dst.
func unzstdTo(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dec, err := zstd.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, dec); err != nil {
		t.Fatalf("decompress %s: %v", src, err)
	}
}

func TestModuleVarAfterClose(t *testing.T) {
	w := newModWorld(t)
	w.standard()
	k := New(w.syms, w.mem)
	mods := w.load(k)
	sym, _ := k.VnetSymbol("rel.ko:modcount")
	mods.Close()
	x := k.ReadVnetVar(sym, &Vnet{Addr: vnetA, DataBase: dataBaseA})
	if x.Err == nil || !strings.Contains(x.Err.Error(), "closed") {
		t.Errorf("read after Close: error %v, want one saying the file is closed", x.Err)
	}
}

// TestModuleStaticsShareName links two files that each define a static
// virtualized variable dup of a different type, and checks that each
// symbol gets its own file's type. llvm-readelf's symbol sizes are the
// expected type sizes.
func TestModuleStaticsShareName(t *testing.T) {
	requireTools(t, "clang", "ld.lld", "llvm-readelf")
	dir := t.TempDir()
	var objs []string
	for name, body := range map[string]string{
		"a": "static VNET_DEFINE(short, dup) = 5; int use_a(void) { return vnet_entry_dup; }",
		"b": "static VNET_DEFINE(long, dup) = 6; long use_b(void) { return vnet_entry_dup; }",
	} {
		c := filepath.Join(dir, name+".c")
		writeFile(t, c, "#define VNET_DEFINE(t, n) t vnet_entry_##n __attribute__((section(\"set_vnet\"), used))\n"+body+"\n")
		obj := filepath.Join(dir, name+".o")
		run(t, "clang", append(kernelFlags, "-c", "-o", obj, c)...)
		objs = append(objs, obj)
	}
	ko := filepath.Join(dir, "dup.ko")
	run(t, "ld.lld", append([]string{"-r", "-o", ko}, objs...)...)

	var sizes []string
	for _, line := range strings.Split(run(t, "llvm-readelf", "-s", ko), "\n") {
		if f := strings.Fields(line); len(f) == 8 && f[7] == "vnet_entry_dup" {
			sizes = append(sizes, f[1]+"="+f[2]) // value=size
		}
	}
	m := openModule(t, ko)
	set, _, err := m.VnetSet()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Entries) != 2 || len(sizes) != 2 {
		t.Fatalf("%d entries and %d llvm-readelf symbols named vnet_entry_dup, want 2 of each", len(set.Entries), len(sizes))
	}
	f := &LinkerFile{Filename: "dup.ko", Path: ko, Module: m}
	for _, e := range set.Entries {
		x := (&ModuleVar{File: f, Symbol: e}).newVar()
		got := fmt.Sprintf("%016x=%d", e.Addr, x.Size)
		if x.Type == nil || (got != sizes[0] && got != sizes[1]) {
			t.Errorf("vnet_entry_dup at %#x has type %v of %d bytes; llvm-readelf lists %q", e.Addr, x.Type, x.Size, sizes)
		}
	}
}
