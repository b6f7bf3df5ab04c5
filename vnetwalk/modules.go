package vnetwalk

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/symbols"
)

// Class names of FreeBSD's kernel linkers (the kobj class of a linker_file).
const (
	ClassELF64    = "elf64"     // link_elf.c: the kernel itself and ET_DYN modules
	ClassELF32    = "elf32"     // link_elf.c on 32-bit kernels
	ClassELF64Obj = "elf64_obj" // link_elf_obj.c: ET_REL modules, as amd64 builds them
	ClassELF32Obj = "elf32_obj" // link_elf_obj.c on 32-bit kernels
)

// DefaultMaxLinkerFiles bounds the walk of linker_files. FreeBSD numbers
// linker files with an int, but hosts load at most a few hundred modules.
const DefaultMaxLinkerFiles = 10000

// ModuleSuffixes are appended to a module's file name when looking for its
// file, in this order, as kgdb does: FreeBSD installs the DWARF of
// /boot/kernel/foo.ko as foo.ko.debug, and older releases as foo.ko.symbols.
var ModuleSuffixes = []string{".debug", ".symbols", ""}

// ModuleConfig holds the directories searched for module files.
type ModuleConfig struct {
	// KernelDir is searched first; it is normally the kernel file's directory.
	KernelDir string
	// SearchPath lists the directories searched next, in order.
	SearchPath []string
	// MaxFiles is the number of linker_files entries followed; 0 means
	// DefaultMaxLinkerFiles.
	MaxFiles int
}

// SplitModulePath splits a module search path at ';' (as kern.module_path
// separates directories) and at ':', and drops empty elements.
func SplitModulePath(path string) []string {
	var dirs []string
	for _, d := range strings.FieldsFunc(path, func(r rune) bool { return r == ';' || r == ':' }) {
		if d = strings.TrimSpace(d); d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// A LinkerFile is one struct linker_file on the kernel's linker_files list:
// the kernel itself or a loaded module.
type LinkerFile struct {
	Addr     uint64 // the struct linker_file
	ID       int32  // the kldstat id; valid when HasID
	HasID    bool   // false when the kernel has no DWARF for struct linker_file
	Filename string // as loaded, "if_epair.ko"; "kernel" for the kernel
	Pathname string // full path on the dumped machine
	Address  uint64 // load address
	Size     uint64 // bytes mapped; valid when HasSize
	HasSize  bool
	Class    string // kobj class name, such as ClassELF64Obj; "" when unreadable
	Kernel   bool   // the entry linker_kernel_file points to
	// Path is the module file found on disk, or "" when none was found;
	// Tried lists every path looked at, in order.
	Path   string
	Tried  []string
	Module *symbols.Module // the opened file; nil when Path is "" or it failed to open
	// Vars are the module's virtualized variables, sorted by name.
	Vars []*ModuleVar
	// Err is the reason the entry or its variables could not be read.
	Err      error
	classErr error // the reason Class is ""
}

// A ModuleVar is a virtualized variable that a module defines.
type ModuleVar struct {
	File *LinkerFile
	// Symbol is the vnet_entry_ symbol as the module file has it: its Addr
	// is a section offset (ET_REL) or a link address (ET_DYN).
	Symbol symbols.Symbol
	// Master is the variable's address inside the kernel's set_vnet (in
	// vnet_entry_modspace), where the kernel linker put it. Each vnet's
	// copy lives at its vnet_data_base + Master.
	Master uint64
}

// KernelSymbol returns the symbol with Addr set to the master address, the
// form VnetVariables lists and ReadVnetVar takes.
func (mv *ModuleVar) KernelSymbol() symbols.Symbol {
	s := mv.Symbol
	s.Addr = mv.Master
	return s
}

// Modules is the result of LoadModules.
type Modules struct {
	Files    []*LinkerFile // linker_files order; the kernel's entry is first on FreeBSD
	Warnings []string      // problems that left a module or its variables out
	byKey    map[moduleKey]*ModuleVar
}

type moduleKey struct {
	name   string
	master uint64
}

// Close closes the module files.
func (m *Modules) Close() error {
	if m == nil {
		return nil
	}
	var errs []error
	for _, f := range m.Files {
		if f.Module != nil {
			errs = append(errs, f.Module.Close())
			f.Module = nil
		}
	}
	return errors.Join(errs...)
}

// Vars returns every module variable, in linker_files order and by name
// within a module.
func (m *Modules) Vars() []*ModuleVar {
	if m == nil {
		return nil
	}
	var out []*ModuleVar
	for _, f := range m.Files {
		out = append(out, f.Vars...)
	}
	return out
}

// unread returns the modules whose variables could not be mapped.
func (m *Modules) unread() []*LinkerFile {
	if m == nil {
		return nil
	}
	var out []*LinkerFile
	for _, f := range m.Files {
		if !f.Kernel && f.Err != nil {
			out = append(out, f)
		}
	}
	return out
}

// lookup returns the module variable that a symbol from VnetVariables or
// VnetSymbol stands for, or nil for a kernel variable.
func (m *Modules) lookup(sym symbols.Symbol) *ModuleVar {
	if m == nil {
		return nil
	}
	return m.byKey[moduleKey{sym.Name, sym.Addr}]
}

// named returns the variables of this name (without prefix), from every
// module or, when module is not "", from the module whose file name is
// module or module+".ko".
func (m *Modules) named(module, name string) []*ModuleVar {
	if m == nil {
		return nil
	}
	var out []*ModuleVar
	for _, f := range m.Files {
		if module != "" && f.Filename != module && f.Filename != module+".ko" {
			continue
		}
		for _, v := range f.Vars {
			if v.Symbol.Name == Prefix+name {
				out = append(out, v)
			}
		}
	}
	return out
}

// Modules returns what LoadModules found, or nil before it ran.
func (k *Kernel) Modules() *Modules { return k.modules }

// LoadModules walks linker_files, opens each module's file and maps its
// virtualized variables, so that VnetVariables, VnetSymbol and ReadVnetVar
// include them from then on. It fails only when linker_files cannot be
// walked at all. A module that is not found or does not match gets a
// warning and its LinkerFile.Err.
func (k *Kernel) LoadModules(cfg ModuleConfig) (*Modules, error) {
	if cfg.MaxFiles <= 0 {
		cfg.MaxFiles = DefaultMaxLinkerFiles
	}
	mods := &Modules{byKey: map[moduleKey]*ModuleVar{}}
	files, err := k.walkLinkerFiles(cfg.MaxFiles, &mods.Warnings)
	if err != nil {
		return nil, err
	}
	mods.Files = files

	set, setErr := k.vnetSet()
	for _, f := range files {
		if f.Kernel || f.Err != nil {
			continue
		}
		if f.classErr != nil {
			mods.Warnings = append(mods.Warnings, fmt.Sprintf("module %s: class name not read, so the "+
				"file type decides how it was loaded: %v", f.Filename, f.classErr))
		}
		if err := k.loadModule(f, cfg, set, setErr, &mods.Warnings); err != nil && f.Err == nil {
			f.Err = err
		}
		if f.Err != nil {
			mods.Warnings = append(mods.Warnings, fmt.Sprintf("module %s: %v", f.Filename, f.Err))
		}
		for _, v := range f.Vars {
			mods.byKey[moduleKey{v.Symbol.Name, v.Master}] = v
		}
	}
	if k.modules != nil {
		k.modules.Close()
	}
	k.modules = mods
	return mods, nil
}

// loadModule finds and opens f's file and maps its set_vnet.
func (k *Kernel) loadModule(f *LinkerFile, cfg ModuleConfig, set symbols.VnetSet, setErr error, warnings *[]string) error {
	if err := k.openModuleFile(f, cfg); err != nil {
		return err
	}
	m := f.Module
	if m.Arch() != k.Syms.Arch() {
		return fmt.Errorf("file %s is for %s but the kernel is %s", f.Path, m.Arch(), k.Syms.Arch())
	}
	obj, err := moduleKind(f, m)
	if err != nil {
		return err
	}
	if size, err := m.LoadSize(); err == nil && f.HasSize && size != f.Size {
		*warnings = append(*warnings, fmt.Sprintf("module %s: file %s maps %d bytes but the dump's "+
			"linker_file has %d: the file may not be the one that was loaded", f.Filename, f.Path, size, f.Size))
	}

	mv, ok, err := m.VnetSet()
	if err != nil || !ok || len(mv.Entries) == 0 {
		return err
	}
	if setErr != nil {
		return fmt.Errorf("module has virtualized variables but the kernel has no set_vnet: %w", setErr)
	}
	var base, size uint64
	if obj {
		base, size, err = k.objVnetBase(f, mv)
	} else {
		base, size, err = k.dynVnetBase(f, mv)
	}
	if err != nil {
		return err
	}
	if want := mv.Stop - mv.Start; size != want {
		return fmt.Errorf("the dump's set_vnet of the module has %d bytes but file %s has %d: "+
			"the file is not the one that was loaded", size, f.Path, want)
	}
	if base < set.Start || base > set.Stop || set.Stop-base < size {
		return fmt.Errorf("the module's set_vnet at %#x (%d bytes) lies outside the kernel's set_vnet "+
			"[%#x, %#x), so the dump's linker data is corrupt", base, size, set.Start, set.Stop)
	}
	for _, e := range mv.Entries {
		f.Vars = append(f.Vars, &ModuleVar{File: f, Symbol: e, Master: base + (e.Addr - mv.Start)})
	}
	return nil
}

// openModuleFile looks for f's file next to the kernel, then in each
// search directory, trying ModuleSuffixes in order, and opens the first
// regular file found.
func (k *Kernel) openModuleFile(f *LinkerFile, cfg ModuleConfig) error {
	// The name comes from the dump, which is untrusted: a name with a path
	// separator could make the search read files outside the directories.
	name := f.Filename
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("linker_file %#x has the file name %q, which cannot name a module file", f.Addr, name)
	}
	dirs := append([]string{cfg.KernelDir}, cfg.SearchPath...)
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		for _, suffix := range ModuleSuffixes {
			path := filepath.Join(dir, name+suffix)
			f.Tried = append(f.Tried, path)
			st, err := os.Stat(path)
			if errors.Is(err, fs.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
				continue
			}
			if err != nil {
				return fmt.Errorf("check module file: %w", err)
			}
			m, err := symbols.OpenModule(path)
			if err != nil {
				return err
			}
			f.Path, f.Module = path, m
			return nil
		}
	}
	if len(f.Tried) == 0 {
		return fmt.Errorf("file not found: no directory to search (give the module path)")
	}
	return fmt.Errorf("file not found (tried %s): add the directory that holds it to the module path",
		strings.Join(f.Tried, ", "))
}

// moduleKind reports whether f was loaded by link_elf_obj.c (true) or by
// link_elf.c (false), from its class and its file's type, which must agree.
func moduleKind(f *LinkerFile, m *symbols.Module) (bool, error) {
	rel := m.Type == elf.ET_REL
	switch f.Class {
	case ClassELF64Obj, ClassELF32Obj:
		if !rel {
			return false, fmt.Errorf("class %s loads ET_REL files but %s is %v", f.Class, f.Path, m.Type)
		}
		return true, nil
	case ClassELF64, ClassELF32:
		if rel {
			return false, fmt.Errorf("class %s loads ET_DYN files but %s is ET_REL", f.Class, f.Path)
		}
		return false, nil
	case "":
		// The class could not be read, and a warning reports it. The file
		// type decides, because only link_elf_obj.c loads ET_REL files.
		return rel, nil
	}
	return false, fmt.Errorf("unknown linker class %q: vnetinspect reads modules of classes %s and %s",
		f.Class, ClassELF64, ClassELF64Obj)
}

// Variants of struct elf_file, which link_elf.c and link_elf_obj.c each
// define privately. A member that only one of them has identifies each.
const (
	elfFileObj = "struct elf_file (link_elf_obj.c)"
	elfFileDyn = "struct elf_file (link_elf.c)"
)

// elfFileLayout finds the DWARF definition of struct elf_file that has
// member and caches it under key for readRecord.
func (k *Kernel) elfFileLayout(key, member string) (*layout, error) {
	if l, ok := k.layouts[key]; ok {
		return l, nil
	}
	defs, err := k.Syms.TypeDefinitions("struct elf_file")
	if err != nil {
		return nil, fmt.Errorf("kernel type struct elf_file, needed to place module variables: %w", err)
	}
	for _, t := range defs {
		if _, ok := symbols.Member(t, member); !ok {
			continue
		}
		l := &layout{name: "struct elf_file", typ: t, size: t.Size()}
		if l.size <= 0 || l.size > 1<<20 {
			return nil, fmt.Errorf("kernel type %s has an unusable size %d in DWARF", key, l.size)
		}
		k.layouts[key] = l
		return l, nil
	}
	return nil, fmt.Errorf("none of the %d DWARF definitions of struct elf_file in %s has member %s, "+
		"so the kernel was built without it (%s)", len(defs), k.Syms.DebugPath(), member, key)
}

// maxProgtab bounds nprogtab: an ELF file without extended numbering has
// fewer than 0xff00 sections, and progtab has at most one entry each.
const maxProgtab = 0xff00

// objVnetBase finds the set_vnet entry in the progtab of a module that
// link_elf_obj.c loaded. Its addr is the space vnet_data_alloc gave the
// section in the kernel's set_vnet, and symbol values in the section are
// offsets from it.
func (k *Kernel) objVnetBase(f *LinkerFile, mv symbols.ModuleVnet) (uint64, uint64, error) {
	if _, err := k.elfFileLayout(elfFileObj, "progtab"); err != nil {
		return 0, 0, err
	}
	r, err := k.readRecord(elfFileObj, f.Addr)
	if err != nil {
		return 0, 0, err
	}

	progtab, err := r.uint("progtab")
	if err != nil {
		return 0, 0, err
	}
	n, err := r.uint("nprogtab")
	if err != nil {
		return 0, 0, err
	}
	if n > maxProgtab {
		return 0, 0, fmt.Errorf("elf_file %#x: nprogtab is %d, more than the %d sections an ELF file "+
			"can have", f.Addr, n, maxProgtab)
	}
	ent, err := progentLayout(r.l.typ)
	if err != nil {
		return 0, 0, err
	}

	for i := range n {
		at := progtab + i*uint64(ent.size)
		e, err := k.readProgent(ent, at)
		if err != nil {
			return 0, 0, fmt.Errorf("progtab[%d] of elf_file %#x: %w", i, f.Addr, err)
		}
		if e.name != symbols.VnetSetName {
			continue
		}
		if e.sec != int64(mv.Section) {
			return 0, 0, fmt.Errorf("the dump's set_vnet is section %d of the module but in file %s it is "+
				"section %d: the file is not the one that was loaded", e.sec, f.Path, mv.Section)
		}
		return e.addr, e.size, nil
	}
	return 0, 0, fmt.Errorf("the progtab of elf_file %#x (%d entries at %#x) has no %s entry, but file %s "+
		"has the section", f.Addr, n, progtab, symbols.VnetSetName, f.Path)
}

// A progentOffsets holds the offsets and sizes of Elf_progent's members.
type progentOffsets struct {
	size                int64
	addr, sz, sec, name int64
	sizeSize, secSize   int64
}

// progentLayout reads the element type of elf_file.progtab from DWARF.
// Elf_progent is {addr, size, flags, sec, name} in FreeBSD 14; FreeBSD 15
// adds origaddr after addr, which the member lookup by name absorbs.
func progentLayout(elfFile godwarf.Type) (*progentOffsets, error) {
	f, _ := symbols.Member(elfFile, "progtab")
	ptr, ok := symbols.Resolve(f.Type).(*godwarf.PtrType)
	if !ok {
		return nil, fmt.Errorf("struct elf_file.progtab is %s in DWARF, not a pointer", symbols.TypeName(f.Type))
	}
	l := &progentOffsets{size: ptr.Type.Size()}
	if l.size <= 0 || l.size > 4096 {
		return nil, fmt.Errorf("Elf_progent has an unusable size %d in DWARF", l.size)
	}
	for _, m := range []struct {
		name     string
		off, len *int64
	}{
		{"addr", &l.addr, nil},
		{"size", &l.sz, &l.sizeSize},
		{"sec", &l.sec, &l.secSize},
		{"name", &l.name, nil},
	} {
		off, size, err := memberPath(ptr.Type, m.name)
		if err != nil {
			return nil, fmt.Errorf("Elf_progent.%w", err)
		}
		if off < 0 || size <= 0 || off+size > l.size {
			return nil, fmt.Errorf("Elf_progent.%s at offset %d, size %d lies outside the %d-byte struct",
				m.name, off, size, l.size)
		}
		*m.off = off
		if m.len != nil {
			*m.len = size
		}
	}
	return l, nil
}

// A progent is one Elf_progent read from memory.
type progent struct {
	addr, size uint64
	sec        int64
	name       string
}

func (k *Kernel) readProgent(l *progentOffsets, at uint64) (progent, error) {
	b := make([]byte, l.size)
	if err := k.read(b, at); err != nil {
		return progent{}, err
	}
	e := progent{
		addr: k.word(b[l.addr : l.addr+int64(k.ptrSize)]),
		size: k.word(b[l.sz : l.sz+l.sizeSize]),
		sec:  int64(int32(k.word(b[l.sec : l.sec+l.secSize]))),
	}
	namePtr := k.word(b[l.name : l.name+int64(k.ptrSize)])
	if namePtr == 0 {
		return e, nil
	}
	name, err := k.readCString(namePtr, 256)
	if err != nil {
		return e, fmt.Errorf("section name at %#x: %w", namePtr, err)
	}
	e.name = name
	return e, nil
}

// dynVnetBase reads where link_elf.c put a module's set_vnet: its
// elf_file records the set's loaded range [vnet_start, vnet_stop) and
// vnet_base, the space vnet_data_alloc gave it in the kernel's set_vnet.
func (k *Kernel) dynVnetBase(f *LinkerFile, mv symbols.ModuleVnet) (uint64, uint64, error) {
	if _, err := k.elfFileLayout(elfFileDyn, "vnet_base"); err != nil {
		return 0, 0, err
	}
	r, err := k.readRecord(elfFileDyn, f.Addr)
	if err != nil {
		return 0, 0, err
	}
	var start, stop, base uint64
	for _, m := range []struct {
		name string
		dst  *uint64
	}{{"vnet_start", &start}, {"vnet_stop", &stop}, {"vnet_base", &base}} {
		if *m.dst, err = r.uint(m.name); err != nil {
			return 0, 0, err
		}
	}
	if base == 0 {
		return 0, 0, fmt.Errorf("elf_file %#x has vnet_base 0 although file %s has a %s section: "+
			"the file is not the one that was loaded", f.Addr, f.Path, symbols.VnetSetName)
	}
	// link_elf.c sets vnet_start from symbol values, which are the load
	// address plus the link address.
	if start != f.Address+mv.Start || stop < start {
		return 0, 0, fmt.Errorf("elf_file %#x has vnet_start %#x and vnet_stop %#x, but file %s loaded at "+
			"%#x puts the set at %#x: the file is not the one that was loaded",
			f.Addr, start, stop, f.Path, f.Address, f.Address+mv.Start)
	}
	return base, stop - start, nil
}

// readCString reads a NUL-terminated string of at most max bytes, page by
// page so that a string near the end of a mapping is still read.
func (k *Kernel) readCString(addr uint64, max int) (string, error) {
	const page = 4096
	var out []byte
	for len(out) < max {
		at := addr + uint64(len(out))
		n := min(page-int(at%page), max-len(out))
		b := make([]byte, n)
		if err := k.read(b, at); err != nil {
			return "", err
		}
		if i := strings.IndexByte(string(b), 0); i >= 0 {
			return string(append(out, b[:i]...)), nil
		}
		out = append(out, b...)
	}
	return "", fmt.Errorf("string at %#x has no NUL in its first %d bytes", addr, max)
}

// readModuleVar reads the copy of a module variable that belongs to v.
func (k *Kernel) readModuleVar(mv *ModuleVar, v *Vnet) *Variable {
	x := mv.newVar()
	x.Vnet = v
	if x.Err != nil {
		return x
	}
	if v.Err != nil {
		x.Err = fmt.Errorf("vnet %#x is not usable: %w", v.Addr, v.Err)
		return x
	}
	x.Addr = v.DataBase + mv.Master
	k.fill(x)
	return x
}

// readModuleTemplate reads a module variable's master copy, which the
// module's loader filled with the file's initial values.
func (k *Kernel) readModuleTemplate(mv *ModuleVar) *Variable {
	x := mv.newVar()
	x.Template, x.Addr = true, mv.Master
	k.fill(x)
	return x
}

// newVar starts a Variable with the type from the module's DWARF.
func (mv *ModuleVar) newVar() *Variable {
	if mv.File.Module == nil {
		return &Variable{Name: strings.TrimPrefix(mv.Symbol.Name, Prefix), Symbol: mv.Symbol.Name,
			Module: mv.File.Filename, Err: fmt.Errorf("module file %s is closed", mv.File.Path)}
	}
	// The symbol's value is also the variable's DWARF location (a section
	// offset in an ET_REL file), which distinguishes static variables of
	// one name in different source files of the module.
	var lookup func(string) (godwarf.Type, error)
	if m := mv.File.Module; m.HasDWARF() {
		lookup = func(name string) (godwarf.Type, error) { return m.VariableTypeAt(name, mv.Symbol.Addr) }
	}
	x := newVarTyped(mv.Symbol, lookup)
	x.Module = mv.File.Filename
	return x
}

// moduleLookupError explains why name, which is not a kernel symbol, does
// not name one module variable either, or returns nil when modules do not
// enter into it.
func (k *Kernel) moduleLookupError(name string) error {
	module, short, qualified := splitModuleName(name)
	vars := k.modules.named(module, VnetName(short))
	switch {
	case qualified && len(vars) == 0:
		return fmt.Errorf("no loaded module %s with a virtualized variable %s%s (only modules whose "+
			"files were found count)", module, Prefix, VnetName(short))
	case len(vars) == 0 && len(k.modules.unread()) > 0:
		var reasons []string
		for _, f := range k.modules.unread() {
			reasons = append(reasons, fmt.Sprintf("%s: %v", f.Filename, f.Err))
		}
		return fmt.Errorf("%s is not a kernel symbol, and it may be a variable of a module whose file "+
			"was not read: %s", name, strings.Join(reasons, "; "))
	case len(vars) > 1:
		var names []string
		for _, v := range vars {
			names = append(names, v.File.Filename)
		}
		sort.Strings(names)
		return fmt.Errorf("%s is a virtualized variable of several modules (%s): name one as %s:%s",
			short, strings.Join(names, ", "), names[0], short)
	}
	return nil
}

// splitModuleName splits "if_epair.ko:V_name" into module and variable.
func splitModuleName(name string) (module, short string, qualified bool) {
	if i := strings.LastIndexByte(name, ':'); i > 0 {
		return name[:i], name[i+1:], true
	}
	return "", name, false
}

// linkerOffsets are the byte offsets in struct linker_file of the members
// the walk reads. An offset of -1 means unknown.
type linkerOffsets struct {
	next, address, filename, pathname int64
	ops, id, size                     int64
	idSize, sizeSize                  int64
}

// kldOffsetSymbols are the constants FreeBSD's kern_linker.c exports so
// that debuggers can walk linker_files without type information.
var kldOffsetSymbols = []string{"kld_off_next", "kld_off_address", "kld_off_filename", "kld_off_pathname"}

// linkerFileOffsets takes the list link, address and names from the
// kld_off_* constants when the kernel has them and from DWARF otherwise.
// The other members come from DWARF only.
func (k *Kernel) linkerFileOffsets(warnings *[]string) (linkerOffsets, error) {
	o := linkerOffsets{next: -1, address: -1, filename: -1, pathname: -1, ops: 0, id: -1, size: -1}
	kld, kldErr := k.kldOffsets()

	var typ godwarf.Type
	if l, err := k.layoutOf("struct linker_file"); err == nil {
		typ = l.typ
	} else if kldErr != nil {
		return o, fmt.Errorf("cannot walk linker_files: %v, and %w", kldErr, err)
	}
	dwarfOff := func(path string) (int64, int64) {
		if typ == nil {
			return -1, 0
		}
		off, size, err := memberPath(typ, path)
		if err != nil {
			return -1, 0
		}
		return off, size
	}

	for i, dst := range []*int64{&o.next, &o.address, &o.filename, &o.pathname} {
		path := strings.TrimPrefix(kldOffsetSymbols[i], "kld_off_")
		if path == "next" {
			path = "link.tqe_next"
		}
		d, _ := dwarfOff(path)
		*dst = d
		if kldErr == nil {
			*dst = kld[i]
			if d >= 0 && d != kld[i] {
				*warnings = append(*warnings, fmt.Sprintf("%s is %d but DWARF puts struct linker_file.%s at "+
					"offset %d; using %s", kldOffsetSymbols[i], kld[i], path, d, kldOffsetSymbols[i]))
			}
		}
		if *dst < 0 {
			return o, fmt.Errorf("cannot walk linker_files: no offset for struct linker_file.%s in "+
				"%s or DWARF", path, kldOffsetSymbols[i])
		}
	}
	if off, _ := dwarfOff("ops"); off >= 0 {
		o.ops = off
	}
	o.id, o.idSize = dwarfOff("id")
	o.size, o.sizeSize = dwarfOff("size")
	return o, nil
}

// kldOffsets reads the kld_off_* constants, in kldOffsetSymbols order.
func (k *Kernel) kldOffsets() ([]int64, error) {
	var out []int64
	for _, name := range kldOffsetSymbols {
		s, ok := k.Syms.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("symbol %s not found in %s", name, k.Syms.Path())
		}
		// The constants are const int in .rodata, so the kernel image has
		// them too; memory is the fallback for kernels without the section.
		b := make([]byte, 4)
		if n, err := k.Syms.ReadImage(b, s.Addr); err != nil || n != 4 {
			if err := k.read(b, s.Addr); err != nil {
				return nil, fmt.Errorf("%s at %#x: %w", name, s.Addr, err)
			}
		}
		v := int64(int32(k.order.Uint32(b)))
		if v < 0 || v > 4096 {
			return nil, fmt.Errorf("%s is %d, not an offset inside struct linker_file", name, v)
		}
		out = append(out, v)
	}
	return out, nil
}

// walkLinkerFiles follows linker_files, a TAILQ_HEAD of struct linker_file
// linked through link.tqe_next.
func (k *Kernel) walkLinkerFiles(maxFiles int, warnings *[]string) ([]*LinkerFile, error) {
	head, ok := k.Syms.Lookup("linker_files")
	if !ok {
		return nil, fmt.Errorf("symbol linker_files not found in %s, so loaded modules cannot be listed",
			k.Syms.Path())
	}
	offs, err := k.linkerFileOffsets(warnings)
	if err != nil {
		return nil, err
	}
	var kernelFile uint64
	if s, ok := k.Syms.Lookup("linker_kernel_file"); ok {
		if kernelFile, err = k.readPtr(s.Addr); err != nil {
			*warnings = append(*warnings, fmt.Sprintf("linker_kernel_file at %#x not read: %v", s.Addr, err))
		}
	}
	first, err := k.readPtr(head.Addr) // tqh_first is the head's first member
	if err != nil {
		return nil, fmt.Errorf("linker_files at %#x: %w", head.Addr, err)
	}

	var files []*LinkerFile
	seen := map[uint64]bool{}
	for p := first; p != 0; {
		if len(files) >= maxFiles {
			*warnings = append(*warnings, fmt.Sprintf("linker_files: stopped after %d files (the limit); "+
				"the list may be corrupt or longer", len(files)))
			break
		}
		if seen[p] {
			*warnings = append(*warnings, fmt.Sprintf("linker_files: cycle detected, linker_file %#x appears "+
				"twice; stopped after %d files", p, len(files)))
			break
		}
		seen[p] = true
		f, next := k.readLinkerFile(p, offs, warnings)
		f.Kernel = p == kernelFile
		files = append(files, f)
		if f.Err != nil {
			*warnings = append(*warnings, fmt.Sprintf("linker_file %#x: %v", p, f.Err))
		}
		p = next
	}
	return files, nil
}

// maxPathLen is FreeBSD's MAXPATHLEN, which bounds filename and pathname.
const maxPathLen = 1024

// readLinkerFile reads one struct linker_file and returns it with its
// link.tqe_next (0 when that cannot be read).
func (k *Kernel) readLinkerFile(addr uint64, o linkerOffsets, warnings *[]string) (*LinkerFile, uint64) {
	f := &LinkerFile{Addr: addr}
	next, err := k.readPtr(addr + uint64(o.next))
	if err != nil {
		f.Err = fmt.Errorf("%w: %w", errUnreadable, err)
		return f, 0
	}
	var namePtr, pathPtr uint64
	for _, m := range []struct {
		off int64
		dst *uint64
	}{{o.address, &f.Address}, {o.filename, &namePtr}, {o.pathname, &pathPtr}} {
		if *m.dst, err = k.readPtr(addr + uint64(m.off)); err != nil {
			f.Err = err
			return f, next
		}
	}
	if f.Filename, err = k.readCString(namePtr, maxPathLen); err != nil {
		f.Err = fmt.Errorf("filename at %#x: %w", namePtr, err)
		return f, next
	}
	if pathPtr != 0 {
		if f.Pathname, err = k.readCString(pathPtr, maxPathLen); err != nil {
			*warnings = append(*warnings, fmt.Sprintf("linker_file %#x (%s): pathname at %#x: %v",
				addr, f.Filename, pathPtr, err))
		}
	}
	if o.id >= 0 {
		if v, err := k.readWord(addr+uint64(o.id), o.idSize); err == nil {
			f.ID, f.HasID = int32(v), true
		}
	}
	if o.size >= 0 {
		if v, err := k.readWord(addr+uint64(o.size), o.sizeSize); err == nil {
			f.Size, f.HasSize = v, true
		}
	}
	f.Class, f.classErr = k.readClassName(addr + uint64(o.ops))
	return f, next
}

// readWord reads an unsigned integer of size bytes.
func (k *Kernel) readWord(addr uint64, size int64) (uint64, error) {
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return 0, fmt.Errorf("member of %d bytes at %#x is not an integer", size, addr)
	}
	b := make([]byte, size)
	if err := k.read(b, addr); err != nil {
		return 0, err
	}
	return k.word(b), nil
}

// readClassName follows a kobj's ops pointer to its class and reads the
// class name: ops -> struct kobj_ops.cls -> struct kobj_class.name.
func (k *Kernel) readClassName(opsField uint64) (string, error) {
	// Without DWARF: kobj_ops is 256 (KOBJ_CACHE_SIZE) method pointers then
	// cls, and name is kobj_class's first member (sys/sys/kobj.h).
	clsOff, nameOff := int64(256*k.ptrSize), int64(0)
	if l, err := k.layoutOf("struct kobj_ops"); err == nil {
		if off, _, err := memberPath(l.typ, "cls"); err == nil {
			clsOff = off
		}
	}
	if l, err := k.layoutOf("struct kobj_class"); err == nil {
		if off, _, err := memberPath(l.typ, "name"); err == nil {
			nameOff = off
		}
	}
	ops, err := k.readPtr(opsField)
	if err != nil {
		return "", fmt.Errorf("ops: %w", err)
	}
	cls, err := k.readPtr(ops + uint64(clsOff))
	if err != nil {
		return "", fmt.Errorf("kobj_ops %#x: %w", ops, err)
	}
	name, err := k.readPtr(cls + uint64(nameOff))
	if err != nil {
		return "", fmt.Errorf("kobj_class %#x: %w", cls, err)
	}
	return k.readCString(name, 64)
}
