package vnetwalk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/symbols"
)

// TestWalkBadVnetsKeepOthers lays out four vnets: a good one, one whose
// vnet_data_base breaks vnet_alloc's invariant, one with the magic that
// vnet_destroy leaves (0xdeadbeef), and a good one last. Each bad vnet
// carries its reason, and a variable still reads from both good ones.
func TestWalkBadVnetsKeepOthers(t *testing.T) {
	const vnetD = 0xfffff80000700000
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetD)
	w.vnet(vnetA, vnetB, VnetMagic, 0x10000)
	w.vnet(vnetB, vnetC, VnetMagic, 0x20000)
	b := w.mem.runs[vnetB]
	binary.LittleEndian.PutUint64(b[w.off("struct vnet", "vnet_data_base"):], 0x4141414141414141)
	w.vnet(vnetC, vnetD, 0xdeadbeef, 0x30000)
	w.vnet(vnetD, 0, VnetMagic, 0x40000)

	sym, ok := w.syms.Lookup(Prefix + "ip_defttl")
	if !ok {
		t.Fatal("test kernel has no vnet_entry_ip_defttl")
	}
	for i, base := range []uint64{0x10000, 0x40000} {
		binary.LittleEndian.PutUint32(w.mem.put(base+sym.Addr, 4), uint32(100+i))
	}

	k := New(w.syms, w.mem)
	res, err := k.Walk()
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if len(res.Vnets) != 4 {
		t.Fatalf("walk kept %d vnets, want 4", len(res.Vnets))
	}
	reasons := []string{"", "vnet_data_base 0x4141414141414141", "bad magic 0xdeadbeef", ""}
	for i, want := range reasons {
		v := res.Vnets[i]
		switch {
		case want == "" && v.Err != nil:
			t.Errorf("vnet %d (%#x): unexpected error %v", i, v.Addr, v.Err)
		case want != "" && (v.Err == nil || !strings.Contains(v.Err.Error(), want)):
			t.Errorf("vnet %d (%#x): error %v, want one containing %q", i, v.Addr, v.Err, want)
		}
	}
	for i, want := range []uint32{100, 0, 0, 101} {
		x := k.ReadVnetVar(sym, res.Vnets[i])
		if want == 0 {
			if x.Err == nil || !strings.Contains(x.Err.Error(), "not usable") {
				t.Errorf("vnet %d: read error %v, want the vnet flagged as not usable", i, x.Err)
			}
			continue
		}
		if x.Err != nil {
			t.Errorf("vnet %d: %v", i, x.Err)
			continue
		}
		if got := binary.LittleEndian.Uint32(x.Bytes); got != want {
			t.Errorf("vnet %d: V_ip_defttl = %d, want %d", i, got, want)
		}
	}
}

// TestWalkDataUnmapped points a good vnet's data area at memory that is
// not there: the variable read fails naming the address, the walk does not.
func TestWalkDataUnmapped(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetA)
	w.vnet(vnetA, 0, VnetMagic, 0x10000)
	sym, _ := w.syms.Lookup(Prefix + "ip_defttl")
	k := New(w.syms, w.mem)
	res, err := k.Walk()
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	x := k.ReadVnetVar(sym, res.Vnets[0])
	if x.Err == nil {
		t.Fatal("read from an unmapped data area succeeded")
	}
	if x.Bytes != nil {
		t.Errorf("failed read kept bytes %x", x.Bytes)
	}
	if want := 0x10000 + sym.Addr; !strings.Contains(x.Err.Error(), fmt.Sprintf("%#x", want)) {
		t.Errorf("error %q does not name address %#x", x.Err, want)
	}
}

// TestJailNameUnterminated fills pr_name without a NUL: the name is kept
// and a warning reports that it may be garbage.
func TestJailNameUnterminated(t *testing.T) {
	const web = 0xfffff80000400000
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetA)
	w.vnet(vnetA, 0, VnetMagic, 0x1000)
	w.prison(w.sym("prison0"), 0, 0, "0", PRVnet, vnetA)
	w.ptr(w.sym("allprison"), web)
	w.prison(web, 0, 1, "", 0, vnetA)

	b := w.mem.runs[web]
	nameOff := w.off("struct prison", "pr_name")
	// MAXHOSTNAMELEN is 256 in sys/sys/param.h, the size of pr_name.
	for i := int64(0); i < 256; i++ {
		b[nameOff+i] = 'x'
	}

	res := w.walk()
	if len(res.Jails) != 2 {
		t.Fatalf("%d jails, want prison0 and 1", len(res.Jails))
	}
	j := res.Jails[1]
	if len(j.Name) != 256 {
		t.Errorf("name of %d bytes, want all 256", len(j.Name))
	}
	if !j.NameUnterminated {
		t.Error("NameUnterminated is not set")
	}
	if !hasWarning(res, "pr_name has no NUL in its 256 bytes") {
		t.Errorf("no warning for the unterminated name in %q", res.Warnings)
	}
	if res.Jails[0].NameUnterminated {
		t.Error("prison0's name \"0\" is marked unterminated")
	}
}

// TestWalkWithoutVnetState hides vnet_state and vnet_shutdown from struct
// vnet, as in the 2009-era layout: the walk warns once per member and
// still reads every vnet.
func TestWalkWithoutVnetState(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetB)
	w.vnet(vnetA, vnetB, VnetMagic, 0x1000)
	w.vnet(vnetB, 0, VnetMagic, 0x2000)

	k := New(w.syms, w.mem)
	typ, err := w.syms.Type("struct vnet")
	if err != nil {
		t.Fatal(err)
	}
	st, ok := typ.(*godwarf.StructType)
	if !ok {
		t.Fatalf("struct vnet is a %T, not a *godwarf.StructType", typ)
	}
	old := *st
	old.Field = nil
	for _, f := range st.Field {
		if f.Name != "vnet_state" && f.Name != "vnet_shutdown" {
			old.Field = append(old.Field, f)
		}
	}
	k.layouts["struct vnet"] = &layout{name: "struct vnet", typ: &old, size: st.Size()}

	res, err := k.Walk()
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if len(res.Vnets) != 2 {
		t.Fatalf("walk kept %d vnets, want 2", len(res.Vnets))
	}
	for _, v := range res.Vnets {
		if v.Err != nil {
			t.Errorf("vnet %#x: %v", v.Addr, v.Err)
		}
		if v.HasState {
			t.Errorf("vnet %#x has a state without the member", v.Addr)
		}
	}
	for _, m := range []string{"no member vnet_state", "no member vnet_shutdown"} {
		if !hasWarning(res, m) {
			t.Errorf("no warning %q in %q", m, res.Warnings)
		}
	}
}

// TestWalkWithVnetStateNoWarning checks that the real layout, which has
// both members, gives no such warning.
func TestWalkWithVnetStateNoWarning(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetA)
	w.vnet(vnetA, 0, VnetMagic, 0x1000)
	if res := w.walk(); hasWarning(res, "no member") {
		t.Errorf("warnings %q for a kernel that has both members", res.Warnings)
	}
}

// TestNonVIMAGEKernel removes the VNET symbols and renames set_vnet in a
// copy of the test kernel, as a kernel built without options VIMAGE has
// neither. The walk and the variable list name what is missing, and plain
// globals are still read.
func TestNonVIMAGEKernel(t *testing.T) {
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skip("objcopy (binutils) is not installed")
	}
	full := openTestKernel(t)
	plain := filepath.Join(t.TempDir(), "kernel.novimage")
	out, err := exec.Command("objcopy",
		"--strip-symbol=vnet_head", "--strip-symbol=__start_set_vnet", "--strip-symbol=__stop_set_vnet",
		"--rename-section", "set_vnet=set_novnet", full.Path(), plain).CombinedOutput()
	if err != nil {
		t.Fatalf("objcopy: %v\n%s", err, out)
	}
	syms, err := symbols.Open(plain, "")
	if err != nil {
		t.Fatalf("symbols.Open: %v", err)
	}
	defer syms.Close()

	mem := &fakeMemory{runs: map[uint64][]byte{}}
	hz, ok := syms.Lookup("hz")
	if !ok {
		t.Fatal("test kernel has no hz")
	}
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, 1000)
	mem.runs[hz.Addr] = b
	k := New(syms, mem)

	_, err = k.Walk()
	if err == nil || !strings.Contains(err.Error(), "vnet_head not found") || !strings.Contains(err.Error(), "VIMAGE") {
		t.Errorf("Walk error %v, want one naming vnet_head and VIMAGE", err)
	}
	_, err = k.VnetVariables()
	if !errors.Is(err, symbols.ErrNotVIMAGE) {
		t.Errorf("VnetVariables error %v, want ErrNotVIMAGE", err)
	}
	if err == nil || !strings.Contains(err.Error(), "__start_set_vnet") {
		t.Errorf("VnetVariables error %v does not name __start_set_vnet", err)
	}
	x, err := k.ReadGlobal("hz")
	if err != nil || x.Err != nil {
		t.Fatalf("ReadGlobal hz: %v, %v", err, x.Err)
	}
	if got := binary.LittleEndian.Uint32(x.Bytes); got != 1000 {
		t.Errorf("hz = %d, want 1000", got)
	}
}
