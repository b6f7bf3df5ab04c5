package vnetwalk

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// These tests lay out vnets and jails in a synthetic memory, using the
// struct layouts of the test kernel's real DWARF, and check what the walker
// makes of lists that are cut, cyclic or corrupt.

const testKernel = "../testdata/cores/clang-dwarf5/kernel.zst"

func openTestKernel(t *testing.T) *symbols.Table {
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

// put stores a zeroed struct of size n at addr and returns it.
func (m *fakeMemory) put(addr uint64, n int64) []byte {
	b := make([]byte, n)
	m.runs[addr] = b
	return b
}

// world builds kernel structures in a fakeMemory.
type world struct {
	t    *testing.T
	syms *symbols.Table
	mem  *fakeMemory
}

func newWorld(t *testing.T) *world {
	return &world{t: t, syms: openTestKernel(t), mem: &fakeMemory{runs: map[uint64][]byte{}}}
}

// off returns the offset of a member path in a kernel struct, from DWARF.
func (w *world) off(typeName, path string) int64 {
	w.t.Helper()
	typ, err := w.syms.Type(typeName)
	if err != nil {
		w.t.Fatal(err)
	}
	off, _, err := memberPath(typ, path)
	if err != nil {
		w.t.Fatalf("%s.%s: %v", typeName, path, err)
	}
	return off
}

func (w *world) size(typeName string) int64 {
	typ, err := w.syms.Type(typeName)
	if err != nil {
		w.t.Fatal(err)
	}
	return typ.Size()
}

func (w *world) sym(name string) uint64 {
	s, ok := w.syms.Lookup(name)
	if !ok {
		w.t.Fatalf("test kernel has no symbol %s", name)
	}
	return s.Addr
}

// ptr stores a 64-bit value at addr, in a run of its own.
func (w *world) ptr(addr, v uint64) {
	binary.LittleEndian.PutUint64(w.mem.put(addr, 8), v)
}

// vnet writes a struct vnet at addr.
func (w *world) vnet(addr, next uint64, magic uint32, dataBase uint64) {
	b := w.mem.put(addr, w.size("struct vnet"))
	binary.LittleEndian.PutUint64(b[w.off("struct vnet", "vnet_le.le_next"):], next)
	binary.LittleEndian.PutUint32(b[w.off("struct vnet", "vnet_magic_n"):], magic)
	binary.LittleEndian.PutUint32(b[w.off("struct vnet", "vnet_ifcnt"):], 3)
	binary.LittleEndian.PutUint64(b[w.off("struct vnet", "vnet_data_base"):], dataBase)
	// vnet_alloc's invariant: data_base = data_mem - __start_set_vnet.
	binary.LittleEndian.PutUint64(b[w.off("struct vnet", "vnet_data_mem"):], dataBase+w.sym("__start_set_vnet"))
}

// prison writes a struct prison at addr.
func (w *world) prison(addr, next uint64, jid int32, name string, flags uint32, vnet uint64) {
	b := w.mem.put(addr, w.size("struct prison"))
	binary.LittleEndian.PutUint64(b[w.off("struct prison", "pr_list.tqe_next"):], next)
	binary.LittleEndian.PutUint32(b[w.off("struct prison", "pr_id"):], uint32(jid))
	binary.LittleEndian.PutUint32(b[w.off("struct prison", "pr_flags"):], flags)
	binary.LittleEndian.PutUint64(b[w.off("struct prison", "pr_vnet"):], vnet)
	copy(b[w.off("struct prison", "pr_name"):], name)
}

func (w *world) walk() *Walk {
	w.t.Helper()
	res, err := New(w.syms, w.mem).Walk()
	if err != nil {
		w.t.Fatalf("Walk: %v", err)
	}
	return res
}

func hasWarning(res *Walk, substr string) bool {
	for _, s := range res.Warnings {
		if strings.Contains(s, substr) {
			return true
		}
	}
	return false
}

const (
	vnetA = 0xfffff80000100000
	vnetB = 0xfffff80000200000
	vnetC = 0xfffff80000300000
)

func TestWalkVnetCycle(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetB)
	w.vnet(vnetA, vnetB, VnetMagic, 0x1000)
	w.vnet(vnetB, vnetA, VnetMagic, 0x2000) // points back to A
	res := w.walk()
	if len(res.Vnets) != 2 {
		t.Fatalf("walk kept %d vnets, want the 2 read before the cycle", len(res.Vnets))
	}
	if !hasWarning(res, "cycle") {
		t.Errorf("no cycle warning in %q", res.Warnings)
	}
	if !res.Vnets[1].Vnet0 || res.Vnets[0].Vnet0 {
		t.Errorf("vnet0 flags = %v, %v; want false, true", res.Vnets[0].Vnet0, res.Vnets[1].Vnet0)
	}
}

func TestWalkBadMagicKeepsOthers(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetC)
	w.vnet(vnetA, vnetB, VnetMagic, 0x1000)
	w.vnet(vnetB, vnetC, 0xdeadbeef, 0x2000) // what vnet_destroy leaves
	w.vnet(vnetC, 0, VnetMagic, 0x3000)
	res := w.walk()
	if len(res.Vnets) != 3 {
		t.Fatalf("walk kept %d vnets, want 3", len(res.Vnets))
	}
	if err := res.Vnets[1].Err; err == nil || !strings.Contains(err.Error(), "0xdeadbeef") {
		t.Errorf("vnet B error = %v, want a bad magic naming 0xdeadbeef", err)
	}
	if res.Vnets[0].Err != nil || res.Vnets[2].Err != nil {
		t.Errorf("good vnets got errors: %v, %v", res.Vnets[0].Err, res.Vnets[2].Err)
	}
	if res.Vnets[2].DataBase != 0x3000 {
		t.Errorf("vnet C data_base = %#x, want 0x3000", res.Vnets[2].DataBase)
	}
}

func TestWalkUnmappedVnet(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetA)
	w.vnet(vnetA, vnetB, VnetMagic, 0x1000) // B is not in memory
	res := w.walk()
	if len(res.Vnets) != 2 {
		t.Fatalf("walk kept %d vnets, want A and the unreadable B", len(res.Vnets))
	}
	if res.Vnets[1].Err == nil {
		t.Error("unmapped vnet B has no error")
	}
	if !hasWarning(res, "ends early") {
		t.Errorf("no warning that the list ends early in %q", res.Warnings)
	}
}

func TestWalkVnetLimit(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetA)
	w.vnet(vnetA, vnetB, VnetMagic, 0x1000)
	w.vnet(vnetB, vnetC, VnetMagic, 0x2000)
	w.vnet(vnetC, 0, VnetMagic, 0x3000)
	k := New(w.syms, w.mem)
	k.Limits.MaxVnets = 2
	res, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Vnets) != 2 {
		t.Errorf("walk kept %d vnets, want the limit of 2", len(res.Vnets))
	}
	if !hasWarning(res, "limit") {
		t.Errorf("no limit warning in %q", res.Warnings)
	}
}

func TestJailsOwnVnets(t *testing.T) {
	w := newWorld(t)
	const web, webStatic, webPHP = 0xfffff80000400000, 0xfffff80000500000, 0xfffff80000600000
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetB)
	w.vnet(vnetA, vnetB, VnetMagic, 0x1000)
	w.vnet(vnetB, 0, VnetMagic, 0x2000)
	p0 := w.sym("prison0")
	w.prison(p0, 0, 0, "0", PRVnet|0x2, vnetB)
	w.ptr(w.sym("allprison"), web)
	w.prison(web, webStatic, 1, "web", PRVnet, vnetA)
	w.prison(webStatic, webPHP, 2, "web.static", 0, vnetA) // shares web's vnet
	w.prison(webPHP, web, 3, "web.php", PRVnet, vnetC)     // vnet not on the list; then a cycle
	res := w.walk()

	if len(res.Jails) != 4 {
		t.Fatalf("%d jails, want prison0 and 3", len(res.Jails))
	}
	if !hasWarning(res, "allprison: cycle") {
		t.Errorf("no allprison cycle warning in %q", res.Warnings)
	}
	if !hasWarning(res, "not on vnet_head") {
		t.Errorf("no warning for web.php's missing vnet in %q", res.Warnings)
	}
	owners := func(v *Vnet) string {
		var names []string
		for _, j := range v.Jails {
			names = append(names, j.Name)
		}
		sort.Strings(names)
		return strings.Join(names, ",")
	}
	if got := owners(res.Vnets[0]); got != "web" {
		t.Errorf("vnet A owned by %q, want web (web.static has no PR_VNET)", got)
	}
	if len(res.Vnets[0].Sharers) != 1 || res.Vnets[0].Sharers[0].Name != "web.static" {
		t.Errorf("vnet A sharers = %v, want web.static", res.Vnets[0].Sharers)
	}
	if got := owners(res.Vnets[1]); got != "0" {
		t.Errorf("vnet0 owned by %q, want prison0 (named 0)", got)
	}
}

func TestReadVnetVarAddress(t *testing.T) {
	w := newWorld(t)
	sym, ok := w.syms.Lookup(Prefix + "ip_defttl")
	if !ok {
		t.Fatal("test kernel has no vnet_entry_ip_defttl")
	}
	const dataBase = 0x10000
	v := &Vnet{Addr: vnetA, Magic: VnetMagic, DataBase: dataBase}
	b := w.mem.put(dataBase+sym.Addr, 4)
	binary.LittleEndian.PutUint32(b, 77)
	x := New(w.syms, w.mem).ReadVnetVar(sym, v)
	if x.Err != nil {
		t.Fatal(x.Err)
	}
	if x.Addr != dataBase+sym.Addr {
		t.Errorf("address %#x, want data_base + symbol = %#x", x.Addr, dataBase+sym.Addr)
	}
	if got := binary.LittleEndian.Uint32(x.Bytes); got != 77 {
		t.Errorf("bytes hold %d, want 77", got)
	}

	bad := &Vnet{Addr: vnetB, Magic: 0xdeadbeef, Err: os.ErrInvalid}
	if x := New(w.syms, w.mem).ReadVnetVar(sym, bad); x.Err == nil {
		t.Error("reading from a bad vnet gave no error")
	}
}

func TestVnetName(t *testing.T) {
	for _, in := range []string{"V_ifnet", "ifnet", "vnet_entry_ifnet"} {
		if got := VnetName(in); got != "ifnet" {
			t.Errorf("VnetName(%q) = %q, want ifnet", in, got)
		}
	}
}

func TestCheckVersionMismatch(t *testing.T) {
	w := newWorld(t)
	sym, ok := w.syms.Lookup("version")
	if !ok {
		t.Fatal("test kernel has no version symbol")
	}
	b := w.mem.put(sym.Addr, int64(sym.Size))
	copy(b, "FreeBSD 13.2-RELEASE GENERIC\n")
	_, err := New(w.syms, w.mem).CheckVersion()
	if !errors.Is(err, ErrKernelMismatch) {
		t.Fatalf("CheckVersion error = %v, want ErrKernelMismatch", err)
	}
	if !strings.Contains(err.Error(), "FreeBSD 13.2-RELEASE GENERIC") {
		t.Errorf("error %q does not name the core's version", err)
	}
}

func TestCheckVersionUnreadable(t *testing.T) {
	w := newWorld(t) // nothing mapped at the version string
	c, err := New(w.syms, w.mem).CheckVersion()
	if err != nil {
		t.Fatalf("CheckVersion: %v", err)
	}
	if c.Checked || !strings.Contains(c.Reason, "could not be read") {
		t.Errorf("check = %+v, want unchecked with the reason", c)
	}
}

func TestWalkCorruptDataBase(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetA)
	w.vnet(vnetA, 0, VnetMagic, 0x1000)
	b := w.mem.runs[vnetA]
	binary.LittleEndian.PutUint64(b[w.off("struct vnet", "vnet_data_base"):], 0x1008) // off by 8
	res := w.walk()
	if err := res.Vnets[0].Err; err == nil || !strings.Contains(err.Error(), "vnet_data_base 0x1008") {
		t.Errorf("vnet error = %v, want one naming vnet_data_base 0x1008", err)
	}
}
