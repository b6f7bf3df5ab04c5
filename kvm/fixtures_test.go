package kvm

import (
	"compress/bzip2"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// lldbDir holds real FreeBSD dumps from LLDB's test suite. Its README
// gives the values that an independent reader, a Linux port of libkvm,
// read from them.
const lldbDir = "/work/shared/fixtures/freebsd-lldb"

var (
	scratchDir  string // removed by TestMain
	fixtureMu   sync.Mutex
	fixtureDone = map[string]string{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kvm-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	scratchDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lldbFixture returns the path of the decompressed fixture name (without
// .bz2), decompressing it once per test run with compress/bzip2.
func lldbFixture(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join(lldbDir, name+".bz2")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("fixture not available: %v", err)
	}
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if p, ok := fixtureDone[name]; ok {
		return p
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(scratchDir, name)
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(&sparseWriter{f: out}, bzip2.NewReader(in)); err != nil {
		t.Fatalf("decompressing %s: %v", src, err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	fixtureDone[name] = dst
	return dst
}

// kernelSymbols returns the values of the named symbols of an ELF kernel,
// read with debug/elf.
func kernelSymbols(t testing.TB, path string, names ...string) map[string]uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	got := map[string]uint64{}
	for _, s := range syms {
		if want[s.Name] {
			got[s.Name] = s.Value
		}
	}
	for _, n := range names {
		if _, ok := got[n]; !ok {
			t.Fatalf("%s has no symbol %s", path, n)
		}
	}
	return got
}

func readU32(t testing.TB, r Reader, addr uint64) uint32 {
	t.Helper()
	var b [4]byte
	if _, err := r.ReadAt(b[:], Addr(addr)); err != nil {
		t.Fatalf("reading 4 bytes at %#x: %v", addr, err)
	}
	return binary.LittleEndian.Uint32(b[:])
}

func readU64(t testing.TB, r Reader, addr uint64) uint64 {
	t.Helper()
	var b [8]byte
	if _, err := r.ReadAt(b[:], Addr(addr)); err != nil {
		t.Fatalf("reading 8 bytes at %#x: %v", addr, err)
	}
	return binary.LittleEndian.Uint64(b[:])
}

// A procEntry is one struct proc on allproc.
type procEntry struct {
	addr uint64
	pid  uint32
	comm string
}

// walkAllproc follows allproc's p_list with the proc_off_* offsets that
// the kernel exports, reading the offsets themselves from the dump.
func walkAllproc(t testing.TB, r Reader, syms map[string]uint64) []procEntry {
	t.Helper()
	offList := uint64(readU32(t, r, syms["proc_off_p_list"]))
	offPid := uint64(readU32(t, r, syms["proc_off_p_pid"]))
	offComm := uint64(readU32(t, r, syms["proc_off_p_comm"]))

	var procs []procEntry
	for p := readU64(t, r, syms["allproc"]); p != 0; p = readU64(t, r, p+offList) {
		if len(procs) > 100 {
			t.Fatal("allproc has more than 100 entries: the walk is looping")
		}
		comm := make([]byte, 20) // MAXCOMLEN + 1
		if _, err := r.ReadAt(comm, Addr(p+offComm)); err != nil {
			t.Fatalf("reading p_comm of proc %#x: %v", p, err)
		}
		if i := indexByte(comm, 0); i >= 0 {
			comm = comm[:i]
		}
		procs = append(procs, procEntry{addr: p, pid: readU32(t, r, p+offPid), comm: string(comm)})
	}
	return procs
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// wantFault checks that err is a *FaultError wrapping sentinel.
func wantFault(t testing.TB, err, sentinel error) *FaultError {
	t.Helper()
	var fe *FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FaultError", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %q does not wrap %q", err, sentinel)
	}
	return fe
}
