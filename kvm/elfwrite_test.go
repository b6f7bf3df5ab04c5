package kvm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// patternReader returns the low byte of each address, and fails at one
// address if failAt is set.
type patternReader struct{ failAt Addr }

func (r patternReader) ReadAt(p []byte, addr Addr) (int, error) {
	for i := range p {
		a := addr + Addr(i)
		if r.failAt != 0 && a == r.failAt {
			return i, &FaultError{Addr: a, Err: ErrNotMapped}
		}
		p[i] = byte(a)
	}
	return len(p), nil
}

func writeCore(t *testing.T, r Reader, ranges []Range) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "core.elf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := WriteELFCore(f, r, ranges); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWriteELFExtendedNumbering writes 70000 segments, more than e_phnum
// can count, and reads the result back with debug/elf.
func TestWriteELFExtendedNumbering(t *testing.T) {
	const n = 70000
	ranges := make([]Range, n)
	for i := range ranges {
		// 16 bytes every 32: no two segments merge.
		ranges[i] = Range{Addr: Addr(0xfffff80000000000 + uint64(i)*32), Size: 16}
	}
	path := writeCore(t, patternReader{}, ranges)

	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Type != elf.ET_CORE || f.Machine != elf.EM_X86_64 || f.Class != elf.ELFCLASS64 {
		t.Errorf("type %v, machine %v, class %v; want ET_CORE, EM_X86_64, ELFCLASS64", f.Type, f.Machine, f.Class)
	}
	if len(f.Progs) != 0xffff {
		t.Errorf("debug/elf read %d program headers, want e_phnum = PN_XNUM (65535)", len(f.Progs))
	}
	if len(f.Sections) != 1 || f.Sections[0].Info != n {
		t.Fatalf("section 0 sh_info = %v, want the segment count %d", f.Sections, n)
	}

	// Program headers past index 65534 are beyond what debug/elf decodes,
	// so read them from the file at e_phoff.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	phoff := binary.LittleEndian.Uint64(raw[32:])
	for _, i := range []int{0, 1, 65534, 65535, n - 1} {
		ph := raw[phoff+uint64(i)*56:]
		typ := binary.LittleEndian.Uint32(ph)
		off := binary.LittleEndian.Uint64(ph[8:])
		vaddr := binary.LittleEndian.Uint64(ph[16:])
		filesz := binary.LittleEndian.Uint64(ph[32:])
		if typ != uint32(elf.PT_LOAD) || vaddr != uint64(ranges[i].Addr) || filesz != 16 {
			t.Errorf("segment %d: type %d vaddr %#x filesz %d; want PT_LOAD at %v with 16 bytes", i, typ, vaddr, filesz, ranges[i].Addr)
			continue
		}
		want := make([]byte, 16)
		patternReader{}.ReadAt(want, ranges[i].Addr)
		if !bytes.Equal(raw[off:off+16], want) {
			t.Errorf("segment %d: data % x, want % x", i, raw[off:off+16], want)
		}
	}
}

func TestWriteELFFewSegments(t *testing.T) {
	ranges := []Range{{Addr: 0xffffffff80200000, Size: 2 * pageSize}, {Addr: 0xffffffff80400000, Size: pageSize}}
	path := writeCore(t, patternReader{}, ranges)
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(f.Progs) != 2 || len(f.Sections) != 0 {
		t.Fatalf("%d program headers and %d sections, want 2 and none", len(f.Progs), len(f.Sections))
	}
	for i, p := range f.Progs {
		if p.Vaddr != uint64(ranges[i].Addr) || p.Filesz != ranges[i].Size || p.Off%pageSize != 0 {
			t.Errorf("segment %d: vaddr %#x filesz %#x off %#x", i, p.Vaddr, p.Filesz, p.Off)
		}
		data := make([]byte, p.Filesz)
		p.ReadAt(data, 0)
		want := make([]byte, p.Filesz)
		patternReader{}.ReadAt(want, ranges[i].Addr)
		if !bytes.Equal(data, want) {
			t.Errorf("segment %d: data differs from the reader's", i)
		}
	}
}

func TestWriteELFReadFailureNamesAddress(t *testing.T) {
	var buf bytes.Buffer
	err := WriteELFCore(&buf, patternReader{failAt: 0x5010}, []Range{{Addr: 0x5000, Size: 64}})
	if !errors.Is(err, ErrNotMapped) {
		t.Errorf("error %v does not wrap ErrNotMapped", err)
	}
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("0x5010")) {
		t.Errorf("error %v does not name the failing address 0x5010", err)
	}
}

// openTestKernelCore opens a dump of the clang-dwarf5 test kernel with the
// kernel's symbols.
func openTestKernelCore(t *testing.T, name string) Core {
	t.Helper()
	dir := filepath.Join(coresDir, "clang-dwarf5")
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, readMaybeZstd(t, findFixture(dir, name)), 0o644); err != nil {
		t.Fatal(err)
	}
	ki, _ := testKernelInfo(t, readMaybeZstd(t, findFixture(dir, "kernel")))
	c, err := Open(path, Options{Kernel: ki})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestKernelRangesReadable lists the mapped ranges of a minidump and a full
// dump and reads the first and last page of each. The vnet data areas
// below KERNBASE must be among them.
func TestKernelRangesReadable(t *testing.T) {
	for _, name := range []string{"minidump", "full.elf"} {
		t.Run(name, func(t *testing.T) { checkKernelRanges(t, openTestKernelCore(t, name)) })
	}
}

func checkKernelRanges(t *testing.T, c Core) {
	ranges, err := KernelRanges(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) == 0 {
		t.Fatal("no ranges")
	}
	buf := make([]byte, pageSize)
	for i, r := range ranges {
		if i > 0 && r.Addr <= ranges[i-1].End() {
			t.Errorf("range %d at %v does not follow range %d ending at %v with a gap", i, r.Addr, i-1, ranges[i-1].End())
		}
		// Every listed page must be readable; check each range's ends.
		for _, a := range []Addr{r.Addr, r.End() - pageSize} {
			if _, err := c.Virtual().ReadAt(buf, a); err != nil {
				t.Errorf("range %d lists %v, which is unreadable: %v", i, a, err)
			}
		}
	}
	// Every vnet's data area (data_mem in gdb's oracle) lies in the kernel
	// map below KERNBASE and must be listed.
	var oracle oracleFile
	if err := json.Unmarshal(readMaybeZstd(t, findFixture(filepath.Join(coresDir, "clang-dwarf5"), "oracle.json")), &oracle); err != nil {
		t.Fatal(err)
	}
	for _, v := range oracle.Vnets {
		mem := Addr(parseOracleAddr(t, v.DataMem))
		found := false
		for _, r := range ranges {
			found = found || (r.Addr <= mem && mem < r.End())
		}
		if !found {
			t.Errorf("no range covers vnet %s's data area at %v", v.Address, mem)
		}
	}
	if len(oracle.Vnets) == 0 {
		t.Error("the oracle lists no vnets")
	}
}
