package symbols

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sync"
	"sync/atomic"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// A Table holds a kernel's ELF symbols and gives access to its DWARF types.
// Its methods are safe for concurrent use.
type Table struct {
	path      string
	debugPath string

	kernelFile *os.File
	kernel     *elf.File
	debugFile  *os.File  // nil when the kernel itself carries the DWARF
	debug      *elf.File // equals kernel when debugFile is nil

	arch    string
	ptrSize int

	// The symbol table is read from symSrc on first use (see symbols).
	symSrc         *elf.File
	symFile        string
	symOnce        sync.Once
	syms           symbolIndex
	symErr         error
	symBuilt       atomic.Bool
	rawLookupCount atomic.Int32
	symScanMu      sync.Mutex // guards rawSymtab
	rawSymtab      rawSymtab
	allocs         []elf.SectionHeader // allocated sections, sorted by address
	dwarf          *dwarf.Data
	dwarfErr       error     // the error that left dwarf nil
	mapped         []byte    // the debug file mapped read-only, or nil
	raw            *rawDWARF // DWARF sections inside mapped, for the skimmer
	// With raw set, dwarf is nil and DIEs are read through one debug/dwarf
	// Data per unit, made on first use (see unitDIEReader).
	rawUnits    []unitSpan
	rawSections map[string][]byte
	unitDatas   []*dwarf.Data
	unitTables  [][]abbrev // each unit's abbreviations, parsed on first use

	indexOnce sync.Once
	index     *dwarfIndex
	indexErr  error

	addrOnce sync.Once
	addrData []byte // .debug_addr, for DW_OP_addrx locations

	// dwarfMu serializes every use of dwarf, because debug/dwarf's readers
	// fill per-unit tables (DWARF 5 base offsets) lazily without locking.
	dwarfMu sync.Mutex
	types   map[dwarf.Offset]godwarf.Type // built types, guarded by dwarfMu
}

// Open reads the kernel at kernelPath and its DWARF. When debugPath is
// empty, Open uses kernelPath+".debug" if that file exists and otherwise
// the DWARF inside the kernel itself. Symbols come from the kernel's symbol
// table, or from the debug file's when the kernel has none. Both files are
// opened read-only and stay open until [Table.Close].
func Open(kernelPath, debugPath string) (*Table, error) {
	t := &Table{path: kernelPath, types: make(map[dwarf.Offset]godwarf.Type)}
	var err error
	t.kernelFile, t.kernel, err = openELF(kernelPath)
	if err != nil {
		return nil, err
	}
	if err := t.setArch(); err != nil {
		t.Close()
		return nil, err
	}
	if err := t.openDebug(debugPath); err != nil {
		t.Close()
		return nil, err
	}
	if err := t.findSymbols(); err != nil {
		t.Close()
		return nil, err
	}
	t.loadSections()
	t.loadDWARF()
	return t, nil
}

// openELF opens path read-only and parses its ELF headers.
func openELF(path string) (*os.File, *elf.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open kernel file: %w", err)
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		var magic [4]byte
		n, _ := f.ReadAt(magic[:], 0)
		f.Close()
		if how := compression(magic[:n]); how != "" {
			return nil, nil, fmt.Errorf("%s is %s-compressed, not an ELF file: decompress it first "+
				"(for example %s -dk %s)", path, how, how, path)
		}
		return nil, nil, fmt.Errorf("%s is not a readable ELF file: %w (pass the kernel, e.g. "+
			"/boot/kernel/kernel, or its kernel.debug)", path, err)
	}
	return f, ef, nil
}

// compression names the compressor whose magic number starts b, or "".
func compression(b []byte) string {
	switch {
	case len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd:
		return "zstd"
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return "gzip"
	case len(b) >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h':
		return "bzip2"
	}
	return ""
}

// setArch maps the ELF machine and class to FreeBSD's MACHINE name. Only
// little-endian machines are accepted because the bitfield convention in
// the package doc assumes little-endian order.
func (t *Table) setArch() error {
	h := t.kernel.FileHeader
	switch {
	case h.Machine == elf.EM_X86_64 && h.Class == elf.ELFCLASS64:
		t.arch, t.ptrSize = "amd64", 8
	case h.Machine == elf.EM_AARCH64 && h.Class == elf.ELFCLASS64:
		t.arch, t.ptrSize = "arm64", 8
	case h.Machine == elf.EM_386 && h.Class == elf.ELFCLASS32:
		t.arch, t.ptrSize = "i386", 4
	case h.Machine == elf.EM_RISCV && h.Class == elf.ELFCLASS64:
		t.arch, t.ptrSize = "riscv", 8
	default:
		return fmt.Errorf("%s: unsupported machine %v (%v): vnetinspect reads amd64, arm64, "+
			"i386 and riscv64 kernels", t.path, h.Machine, h.Class)
	}
	if h.Data != elf.ELFDATA2LSB {
		return fmt.Errorf("%s: big-endian %v kernels are not supported", t.path, h.Machine)
	}
	return nil
}

// openDebug opens the debug file, if there is one, and checks that it was
// built for the same machine as the kernel.
func (t *Table) openDebug(debugPath string) error {
	if debugPath == "" {
		candidate := t.path + ".debug"
		st, err := os.Stat(candidate)
		switch {
		case err == nil && st.Mode().IsRegular():
			debugPath = candidate
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("check for debug file: %w", err)
		}
	}
	if debugPath == "" {
		t.debug = t.kernel
		return nil
	}

	f, ef, err := openELF(debugPath)
	if err != nil {
		return fmt.Errorf("debug file: %w", err)
	}
	t.debugFile, t.debug, t.debugPath = f, ef, debugPath
	kh, dh := t.kernel.FileHeader, ef.FileHeader
	if kh.Machine != dh.Machine || kh.Class != dh.Class {
		return fmt.Errorf("debug file %s is for %v %v but kernel %s is for %v %v: "+
			"pass the kernel.debug built with this kernel",
			debugPath, dh.Machine, dh.Class, t.path, kh.Machine, kh.Class)
	}
	return nil
}

// loadDWARF parses the debug file's DWARF sections. A missing or corrupt
// DWARF does not fail Open, because symbols alone still resolve addresses;
// type lookups return the stored error.
func (t *Table) loadDWARF() {
	file := t.DebugPath()
	if t.debug.Section(".debug_info") == nil && t.debug.Section(".zdebug_info") == nil {
		t.dwarfErr = fmt.Errorf("%s has no .debug_info section: %w (pass the kernel.debug file)",
			file, ErrNoDebugInfo)
		return
	}
	if t.mapDWARF() {
		return
	}
	d, err := t.debug.DWARF()
	if err != nil {
		t.dwarfErr = fmt.Errorf("read DWARF of %s: %w", file, err)
		return
	}
	t.dwarf = d
}

// debugInfoSize returns the uncompressed size of .debug_info in bytes, an
// upper bound on the number of DIEs in it.
func (t *Table) debugInfoSize() int64 {
	if s := t.debug.Section(".debug_info"); s != nil {
		return int64(s.Size)
	}
	// A GNU .zdebug_info starts with "ZLIB" and the big-endian 64-bit
	// uncompressed size.
	if s := t.debug.Section(".zdebug_info"); s != nil {
		var hdr [12]byte
		if _, err := s.ReadAt(hdr[:], 0); err == nil && string(hdr[:4]) == "ZLIB" {
			return int64(binary.BigEndian.Uint64(hdr[4:]) & math.MaxInt64)
		}
	}
	return 0
}

// Close closes the kernel and debug files.
func (t *Table) Close() error {
	var errs []error
	t.dwarfMu.Lock()
	if t.index != nil && t.index.skim != nil {
		t.index.skim.close() // its workers read the mapping
	}
	if t.mapped != nil {
		errs = append(errs, unmapFile(t.mapped))
		t.mapped, t.raw, t.index, t.unitDatas = nil, nil, nil, nil
		t.dwarf, t.dwarfErr = nil, fmt.Errorf("%s: %w", t.DebugPath(), os.ErrClosed)
	}
	t.dwarfMu.Unlock()
	if t.debugFile != nil {
		errs = append(errs, t.debugFile.Close())
		t.debugFile = nil
	}
	if t.kernelFile != nil {
		errs = append(errs, t.kernelFile.Close())
		t.kernelFile = nil
	}
	return errors.Join(errs...)
}

// Path returns the kernel file's path.
func (t *Table) Path() string { return t.path }

// DebugPath returns the file the DWARF is read from: the separate debug
// file, or the kernel's own path when there is none.
func (t *Table) DebugPath() string {
	if t.debugPath != "" {
		return t.debugPath
	}
	return t.path
}

// Arch returns FreeBSD's MACHINE name for the kernel, as uname -m prints it
// and as minidump headers spell it: "amd64", "arm64", "i386" or "riscv".
// MACHINE_ARCH differs for two of them ("aarch64", "riscv64").
func (t *Table) Arch() string { return t.arch }

// PtrSize returns the size of a kernel pointer in bytes (4 or 8).
func (t *Table) PtrSize() int { return t.ptrSize }

// ByteOrder returns the kernel's byte order, which is little-endian for
// every architecture Open accepts.
func (t *Table) ByteOrder() binary.ByteOrder { return t.kernel.ByteOrder }

// HasDWARF reports whether types can be looked up, that is whether the
// debug file (or the kernel) has readable DWARF.
func (t *Table) HasDWARF() bool { return t.hasDWARFData() }
