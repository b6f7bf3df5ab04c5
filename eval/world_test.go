package eval

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// These tests build kernel objects in a synthetic memory, laid out by the
// test kernel's real DWARF, so that each case controls every pointer.

const testKernel = "../testdata/cores/clang-dwarf5/kernel.zst"

func openTestKernel(t testing.TB) *symbols.Table {
	t.Helper()
	in, err := os.Open(testKernel)
	if err != nil {
		t.Fatalf("test kernel missing: %v (make fixtures builds it)", err)
	}
	defer in.Close()
	dec, err := zstd.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	path := filepath.Join(t.TempDir(), "kernel")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, dec); err != nil {
		t.Fatal(err)
	}
	out.Close()
	syms, err := symbols.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syms.Close() })
	return syms
}

// fakeMemory is a sparse memory of byte runs; reads outside them fault.
type fakeMemory struct {
	runs map[uint64][]byte
}

func (m *fakeMemory) ReadAt(p []byte, addr kvm.Addr) (int, error) {
	a := uint64(addr)
	for start, b := range m.runs {
		if a >= start && a+uint64(len(p)) <= start+uint64(len(b)) {
			return copy(p, b[a-start:]), nil
		}
	}
	return 0, &kvm.FaultError{Addr: addr, Err: kvm.ErrNotMapped}
}

// A world is a test kernel with one vnet whose data area lies in a
// synthetic memory.
type world struct {
	t    testing.TB
	syms *symbols.Table
	mem  *fakeMemory
	vnet *vnetwalk.Vnet
	data []byte // the vnet's copy of set_vnet
}

const dataMem = 0xfffffe0000100000

func newWorld(t testing.TB) *world {
	syms := openTestKernel(t)
	set, err := syms.Vnet()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, syms: syms, mem: &fakeMemory{runs: map[uint64][]byte{}}}
	w.data = w.put(dataMem, int64(set.Stop-set.Start))
	w.vnet = &vnetwalk.Vnet{Addr: 0xfffff80000409b40, DataMem: dataMem, DataBase: dataMem - set.Start}
	return w
}

func (w *world) evaluator() *Evaluator {
	return &Evaluator{Kernel: vnetwalk.New(w.syms, w.mem), Vnet: w.vnet, Limits: value.DefaultLimits()}
}

// put stores n zero bytes at addr and returns them.
func (w *world) put(addr uint64, n int64) []byte {
	b := make([]byte, n)
	w.mem.runs[addr] = b
	return b
}

// vaddr returns the address of a virtualized variable in the world's vnet.
func (w *world) vaddr(name string) uint64 {
	w.t.Helper()
	s, ok := w.syms.Lookup(vnetwalk.Prefix + name)
	if !ok {
		w.t.Fatalf("test kernel has no %s%s", vnetwalk.Prefix, name)
	}
	return w.vnet.DataBase + s.Addr
}

// at returns the bytes of memory from addr on, within one run.
func (w *world) at(addr uint64) []byte {
	w.t.Helper()
	for start, b := range w.mem.runs {
		if addr >= start && addr < start+uint64(len(b)) {
			return b[addr-start:]
		}
	}
	w.t.Fatalf("no run holds %#x", addr)
	return nil
}

// off returns the offset of a dotted member path in a kernel type.
func (w *world) off(typeName, path string) uint64 {
	w.t.Helper()
	typ, err := w.syms.Type(typeName)
	if err != nil {
		w.t.Fatal(err)
	}
	f, err := memberPath(typ, path)
	if err != nil {
		w.t.Fatal(err)
	}
	return uint64(f.ByteOffset)
}

func (w *world) size(typeName string) int64 {
	w.t.Helper()
	typ, err := w.syms.Type(typeName)
	if err != nil {
		w.t.Fatal(err)
	}
	return symbols.Sizeof(typ)
}

func (w *world) put64(addr, v uint64) { binary.LittleEndian.PutUint64(w.at(addr), v) }
func (w *world) put32(addr uint64, v uint32) {
	binary.LittleEndian.PutUint32(w.at(addr), v)
}
func (w *world) put16(addr uint64, v uint16) {
	binary.LittleEndian.PutUint16(w.at(addr), v)
}
