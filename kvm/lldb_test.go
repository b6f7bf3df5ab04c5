package kvm

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The expected values below come from the fixtures' README, which records
// what an independent libkvm port read from the same dumps.

var lldbKernelSymbols = []string{
	"kernbase", "KPML4phys", "hz", "dumptid", "allproc",
	"proc_off_p_list", "proc_off_p_pid", "proc_off_p_comm",
}

func openLLDB(t *testing.T, name string, opts Options) (Core, map[string]uint64) {
	t.Helper()
	kernel := lldbFixture(t, "kernel-amd64")
	syms := kernelSymbols(t, kernel, lldbKernelSymbols...)
	c, err := Open(lldbFixture(t, name), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, syms
}

func lldbKernelInfo(syms map[string]uint64) KernelInfo {
	return KernelInfo{Arch: "amd64", KernBase: syms["kernbase"], KPML4physAddr: syms["KPML4phys"]}
}

func TestLLDBMinidumpValues(t *testing.T) {
	c, syms := openLLDB(t, "vmcore-amd64-minidump", Options{})
	if got := c.Format(); got != "minidump-amd64-v3" {
		t.Errorf("Format() = %q, want minidump-amd64-v3", got)
	}
	if got := c.Arch(); got != "amd64" {
		t.Errorf("Arch() = %q, want amd64", got)
	}
	if got := readU32(t, c.Virtual(), syms["hz"]); got != 100 {
		t.Errorf("hz = %d, want 100", got)
	}
	if got := readU32(t, c.Virtual(), syms["dumptid"]); got != 100670 {
		t.Errorf("dumptid = %d, want 100670", got)
	}
	want := []procEntry{
		{0xfffff80002c3b528, 800, "sysctl"},
		{0xfffff80003845000, 28, "pagedaemon"},
		{0xfffff80003374000, 11, "idle"},
	}
	if got := walkAllproc(t, c.Virtual(), syms); !reflect.DeepEqual(got, want) {
		t.Errorf("allproc = %+v, want %+v", got, want)
	}
}

func TestLLDBMinidumpOffsets(t *testing.T) {
	c, syms := openLLDB(t, "vmcore-amd64-minidump", Options{})
	want := map[string]uint32{"proc_off_p_list": 0, "proc_off_p_pid": 196, "proc_off_p_comm": 984}
	for name, w := range want {
		if got := readU32(t, c.Virtual(), syms[name]); got != w {
			t.Errorf("%s = %d, want %d", name, got, w)
		}
	}
}

func TestLLDBMinidumpHeader(t *testing.T) {
	c, _ := openLLDB(t, "vmcore-amd64-minidump", Options{})
	m := c.(*core).virt.(*virtReader).tr.(*minidumpAMD64)
	h := m.hdr
	if h.KernBase != 0xfffffe0000000000 {
		t.Errorf("kernbase = %#x, want 0xfffffe0000000000", h.KernBase)
	}
	if h.DmapBase != 0xfffff80000000000 {
		t.Errorf("dmapbase = %#x, want 0xfffff80000000000", h.DmapBase)
	}
	if h.DmapEnd != 0xfffffc0000000000 {
		t.Errorf("dmapend = %#x, want 0xfffffc0000000000", h.DmapEnd)
	}
	if h.MsgbufSize != 98232 {
		t.Errorf("msgbufsize = %d, want 98232", h.MsgbufSize)
	}
	wantRanges := [][2]uint64{{0, 0x9f000}, {0x104000, 0x7fdf000}}
	var gotRanges [][2]uint64
	for _, r := range m.avail.ranges {
		gotRanges = append(gotRanges, [2]uint64{r.Start, r.End})
	}
	if !reflect.DeepEqual(gotRanges, wantRanges) {
		t.Errorf("dump_avail = %#x, want %#x", gotRanges, wantRanges)
	}
	if got := m.bitmap.count(); got != 24144 {
		t.Errorf("bitmap bits set = %d, want 24144", got)
	}
}

// The README gives the file size and the size that the bitmap promises:
// pages numbered past the file's end must read as missing, not as zeros.
func TestLLDBMinidumpTruncatedPage(t *testing.T) {
	c, _ := openLLDB(t, "vmcore-amd64-minidump", Options{})
	m := c.(*core).virt.(*virtReader).tr.(*minidumpAMD64)

	st, err := os.Stat(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != 101685248 {
		t.Fatalf("fixture size %d, want 101685248 per the README", st.Size())
	}
	if promised := m.sparseOff + int64(m.bitmap.count())*pageSize; promised != 107388928 {
		t.Fatalf("bitmap promises %d bytes, want 107388928 per the README", promised)
	}

	last, ok := m.bitmap.lastSet()
	if !ok {
		t.Fatal("bitmap has no set bit")
	}
	pa, ok := m.avail.physAddr(last)
	if !ok {
		t.Fatalf("bit %d maps to no physical address", last)
	}
	var b [8]byte
	n, err := c.Physical().ReadAt(b[:], Addr(pa))
	if n != 0 {
		t.Errorf("read %d bytes of a page past the end of the file", n)
	}
	fe := wantFault(t, err, ErrNotInDump)
	if !fe.Physical || fe.Addr != Addr(pa) {
		t.Errorf("fault at %v (physical %v), want physical %#x", fe.Addr, fe.Physical, pa)
	}

	// The same page through the direct map.
	_, err = c.Virtual().ReadAt(b[:], Addr(0xfffff80000000000+pa))
	wantFault(t, err, ErrNotInDump)
}

func TestLLDBMinidumpUserAddress(t *testing.T) {
	c, _ := openLLDB(t, "vmcore-amd64-minidump", Options{})
	var b [8]byte
	_, err := c.Virtual().ReadAt(b[:], 0x400000)
	wantFault(t, err, ErrNotInDump)
}

func TestLLDBFullDumpValues(t *testing.T) {
	kernel := lldbFixture(t, "kernel-amd64")
	syms := kernelSymbols(t, kernel, lldbKernelSymbols...)
	c, _ := openLLDB(t, "vmcore-amd64-full", Options{Kernel: lldbKernelInfo(syms)})
	if got := c.Format(); got != "full-elf" {
		t.Errorf("Format() = %q, want full-elf", got)
	}
	if got := readU32(t, c.Virtual(), syms["hz"]); got != 100 {
		t.Errorf("hz = %d, want 100", got)
	}
	if got := readU32(t, c.Virtual(), syms["dumptid"]); got != 100659 {
		t.Errorf("dumptid = %d, want 100659", got)
	}
	want := []procEntry{
		{0xfffff80002f13528, 806, "sysctl"},
		{0xfffff80003374000, 11, "idle"},
	}
	if got := walkAllproc(t, c.Virtual(), syms); !reflect.DeepEqual(got, want) {
		t.Errorf("allproc = %+v, want %+v", got, want)
	}
}

func TestLLDBFullDumpSegments(t *testing.T) {
	c, _ := openLLDB(t, "vmcore-amd64-full", Options{})
	ec := c.(*core).phys.(*physReader).m.(*elfCore)
	want := [][2]uint64{{0, 0x9f000}, {0x104000, 0x7fdf000}}
	var got [][2]uint64
	for _, s := range ec.segs {
		got = append(got, [2]uint64{s.paddr, s.paddr + s.memsz})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("segments = %#x, want %#x", got, want)
	}
}

// The second segment claims more bytes than the file holds.
func TestLLDBFullDumpTruncatedPage(t *testing.T) {
	c, _ := openLLDB(t, "vmcore-amd64-full", Options{})
	var b [8]byte
	_, err := c.Physical().ReadAt(b[:], 0x7fd0000)
	fe := wantFault(t, err, ErrNotInDump)
	if !strings.Contains(fe.Reason, "truncated") {
		t.Errorf("reason %q does not say the dump is truncated", fe.Reason)
	}
	_, err = c.Physical().ReadAt(b[:], 0x9f000) // the hole between the segments
	wantFault(t, err, ErrNotInDump)
}

func TestLLDBFullDumpWithoutKernel(t *testing.T) {
	c, syms := openLLDB(t, "vmcore-amd64-full", Options{})
	var b [4]byte
	_, err := c.Virtual().ReadAt(b[:], Addr(syms["hz"]))
	wantFault(t, err, ErrNoKernelInfo)
	if !strings.Contains(err.Error(), "KPML4phys") {
		t.Errorf("error %q does not name KPML4phys", err)
	}
}

func TestLLDBFullDumpPartialKernel(t *testing.T) {
	kernel := lldbFixture(t, "kernel-amd64")
	syms := kernelSymbols(t, kernel, lldbKernelSymbols...)
	_, err := Open(lldbFixture(t, "vmcore-amd64-full"), Options{Kernel: KernelInfo{KernBase: syms["kernbase"]}})
	if !errors.Is(err, ErrNoKernelInfo) {
		t.Fatalf("Open with kernbase alone: %v, want ErrNoKernelInfo", err)
	}
}

func TestLLDBFullDumpWrongKernelArch(t *testing.T) {
	_, err := Open(lldbFixture(t, "vmcore-amd64-full"), Options{Kernel: KernelInfo{Arch: "arm64"}})
	if err == nil || !strings.Contains(err.Error(), "arm64") {
		t.Fatalf("Open with an arm64 kernel: %v, want an error naming arm64", err)
	}
}

// Opening the fixture's own .bz2 file goes through the decompression cache.
func TestLLDBMinidumpBzip2(t *testing.T) {
	kernel := lldbFixture(t, "kernel-amd64")
	syms := kernelSymbols(t, kernel, lldbKernelSymbols...)
	cache := t.TempDir()
	var calls int
	opts := Options{CacheDir: cache, Progress: func(string, int64, int64) { calls++ }}

	c, err := Open(lldbDir+"/vmcore-amd64-minidump.bz2", opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	if got := c.Format(); got != "minidump-amd64-v3 (bzip2)" {
		t.Errorf("Format() = %q, want minidump-amd64-v3 (bzip2)", got)
	}
	if got := c.Path(); got != lldbDir+"/vmcore-amd64-minidump.bz2" {
		t.Errorf("Path() = %q, want the compressed file", got)
	}
	if got := readU32(t, c.Virtual(), syms["hz"]); got != 100 {
		t.Errorf("hz = %d, want 100", got)
	}
	if calls == 0 {
		t.Error("Progress was never called while decompressing")
	}

	calls = 0
	c2, err := Open(lldbDir+"/vmcore-amd64-minidump.bz2", opts)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer c2.Close()
	if calls != 0 {
		t.Errorf("second Open decompressed again (%d progress calls)", calls)
	}
	if got := readU32(t, c2.Virtual(), syms["dumptid"]); got != 100670 {
		t.Errorf("dumptid = %d, want 100670", got)
	}
}
