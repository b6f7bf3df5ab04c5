package vnetwalk

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/kvm"
)

// oracleCounter is one entry of the oracle's "counters": gdb's reading of
// every CPU's slot of one counter of one vnet.
type oracleCounter struct {
	vnet, handle uint64
	name         string
	index        int
	sum          string
	slots        []string
}

func oracleCounters(t *testing.T, o map[string]any) []oracleCounter {
	t.Helper()
	list, ok := o["counters"].([]any)
	if !ok || len(list) == 0 {
		t.Fatal("oracle.json has no counters; make fixtures writes them")
	}
	var out []oracleCounter
	for _, x := range list {
		m := x.(map[string]any)
		c := oracleCounter{vnet: hexValue(t, m["vnet"]), handle: hexValue(t, m["offset"]), name: m["name"].(string), sum: m["sum"].(json.Number).String()}
		if n, ok := m["index"].(json.Number); ok {
			i, _ := n.Int64()
			c.index = int(i)
		}
		for _, s := range m["slots"].([]any) {
			c.slots = append(c.slots, s.(json.Number).String())
		}
		out = append(out, c)
	}
	return out
}

// readVnetCounters reads the named counter variable of the vnet at addr.
func readVnetCounters(t *testing.T, k *Kernel, w *Walk, pc *PerCPU, vnet uint64, name string) []Counter {
	t.Helper()
	sym, ok := k.VnetSymbol(name)
	if !ok {
		t.Fatalf("no symbol for V_%s", name)
	}
	for _, v := range w.Vnets {
		if v.Addr == vnet {
			cs, err := k.ReadCounters(k.ReadVnetVar(sym, v), pc)
			if err != nil {
				t.Fatalf("V_%s in vnet %#x: %v", name, vnet, err)
			}
			return cs
		}
	}
	t.Fatalf("vnet %#x of the oracle is not on vnet_head", vnet)
	return nil
}

func TestCountersMatchOracle(t *testing.T) {
	k := openTestDump(t, "minidump")
	want := oracleCounters(t, loadOracle(t))
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := k.PerCPU()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range want {
		cs := readVnetCounters(t, k, w, pc, o.vnet, o.name)
		if o.index >= len(cs) {
			t.Fatalf("V_%s has %d counters, the oracle reads index %d", o.name, len(cs), o.index)
		}
		c := cs[o.index]
		where := fmt.Sprintf("V_%s[%d] in vnet %#x", o.name, o.index, o.vnet)
		if c.Err != nil {
			t.Errorf("%s: %v", where, c.Err)
			continue
		}
		if c.Handle != o.handle {
			t.Errorf("%s: handle %#x, gdb read %#x", where, c.Handle, o.handle)
		}
		if got := strconv.FormatUint(c.Sum, 10); got != o.sum {
			t.Errorf("%s: sum %s, gdb's slots sum to %s", where, got, o.sum)
		}
		if len(c.Slots) != len(o.slots) {
			t.Errorf("%s: %d slots, gdb read %d", where, len(c.Slots), len(o.slots))
			continue
		}
		for i, s := range c.Slots {
			if strconv.FormatUint(s.Value, 10) != o.slots[i] {
				t.Errorf("%s: CPU %d slot %d, gdb read %s", where, s.CPU, s.Value, o.slots[i])
			}
		}
	}
}

// TestCountersMissingPage reads the dump from which the kernel left out one
// CPU's counter page: the counters with a slot there are unavailable with
// the reason, the others still sum to gdb's values.
func TestCountersMissingPage(t *testing.T) {
	k := openTestDump(t, "minidump-nocpu")
	o := loadOracle(t)
	want := oracleCounters(t, o)
	miss, ok := o["missing_counter_page"].(map[string]any)
	if !ok {
		t.Fatal("oracle.json has no missing_counter_page")
	}
	page := hexValue(t, miss["address"])
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := k.PerCPU()
	if err != nil {
		t.Fatal(err)
	}
	unavailable, summed := 0, 0
	for _, oc := range want {
		c := readVnetCounters(t, k, w, pc, oc.vnet, oc.name)[oc.index]
		where := fmt.Sprintf("V_%s[%d] in vnet %#x", oc.name, oc.index, oc.vnet)
		inPage := false
		for _, s := range c.Slots {
			inPage = inPage || s.Addr&^0xfff == page
		}
		switch {
		case inPage && c.Err == nil:
			t.Errorf("%s: sum %d although a slot lies in the missing page %#x", where, c.Sum, page)
		case inPage && !errors.Is(c.Err, kvm.ErrNotInDump):
			t.Errorf("%s: error %v, want one wrapping kvm.ErrNotInDump", where, c.Err)
		case inPage && c.Sum != 0:
			t.Errorf("%s: unavailable but Sum holds a partial %d", where, c.Sum)
		case inPage:
			unavailable++
		case c.Err != nil:
			t.Errorf("%s: %v, but no slot lies in the missing page", where, c.Err)
		case strconv.FormatUint(c.Sum, 10) != oc.sum:
			t.Errorf("%s: sum %d, gdb read %s", where, c.Sum, oc.sum)
		default:
			summed++
		}
	}
	if unavailable == 0 || summed == 0 {
		t.Errorf("%d unavailable and %d summed counters; the dump should have both", unavailable, summed)
	}
}

func TestCounterLenTypes(t *testing.T) {
	syms := openTestKernel(t)
	for _, c := range []struct {
		name string
		n    int
		ok   bool
	}{
		{"vnet_entry_tcpstat", 8, true}, // counter_u64_t [8] in testdata/kernel/vnet_vars.c
		{"vnet_entry_ip_fwd_drops", 1, true},
		{"vnet_entry_ip_defttl", 0, false},
		{"vnet_entry_ifindex_table", 0, false}, // an array of pointers, not of counters
	} {
		typ, err := syms.VariableType(c.name)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := CounterLen(typ)
		if n != c.n || ok != c.ok {
			t.Errorf("CounterLen(%s) = %d, %v; want %d, %v", c.name, n, ok, c.n, c.ok)
		}
	}
}

func TestCounterSumWrapsAndNull(t *testing.T) {
	w := newWorld(t)
	const slot0 = 0xfffffe0001000000
	// Absolute handles, as on architectures other than amd64.
	pc := &PerCPU{CPUs: []int{0, 2}}
	binary.LittleEndian.PutUint64(w.mem.put(slot0, 8), 7)
	binary.LittleEndian.PutUint64(w.mem.put(slot0+2*pcpuAllocSize, 8), ^uint64(0)) // -1
	k := New(w.syms, w.mem)
	c := k.sumCounter(slot0, pc)
	if c.Err != nil || c.Sum != 6 {
		t.Errorf("sum = %d, %v; want 6, as 7 + (2^64 - 1) wraps", c.Sum, c.Err)
	}
	if len(c.Slots) != 2 || c.Slots[1].Addr != slot0+2*pcpuAllocSize {
		t.Errorf("slots %+v, want CPU 2's at slot0 + 2 pages", c.Slots)
	}
	if c := k.sumCounter(0, pc); c.Err == nil || !strings.Contains(c.Err.Error(), "NULL") {
		t.Errorf("NULL handle: error %v, want one saying NULL", c.Err)
	}
	// Relative handles, as on amd64: slot0 = base + handle.
	rel := &PerCPU{CPUs: []int{0}, Relative: true, Base: 0xfffff80000100000}
	if c := k.sumCounter(slot0-rel.Base, rel); c.Err != nil || c.Sum != 7 {
		t.Errorf("relative handle: sum %d, %v; want 7", c.Sum, c.Err)
	}
}

func TestCounterUnreadableSlot(t *testing.T) {
	w := newWorld(t)
	const slot0 = 0xfffffe0001000000
	binary.LittleEndian.PutUint64(w.mem.put(slot0, 8), 7) // CPU 1's slot is absent
	c := New(w.syms, w.mem).sumCounter(slot0, &PerCPU{CPUs: []int{0, 1}})
	if c.Err == nil || !strings.Contains(c.Err.Error(), "CPU 1") || !strings.Contains(c.Err.Error(), "0xfffffe0001001000") {
		t.Errorf("error %v, want one naming CPU 1 and its slot address", c.Err)
	}
	if c.Sum != 0 {
		t.Errorf("Sum = %d, want 0 with Err set, never a partial total", c.Sum)
	}
}

func TestPcpuBaseFromPointer(t *testing.T) {
	w := newWorld(t)
	// The test kernel declares struct pcpu *__pcpu, as FreeBSD 13 and later.
	w.ptr(w.sym("__pcpu"), 0xfffff80000200000)
	base, err := New(w.syms, w.mem).pcpuBase()
	if err != nil {
		t.Fatal(err)
	}
	if base != 0xfffff80000200000 {
		t.Errorf("&__pcpu[0] = %#x, want the pointer's value 0xfffff80000200000", base)
	}
}

func TestStatFieldNames(t *testing.T) {
	u64 := &godwarf.UintType{BasicType: godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: 8, Name: "uint64_t"}}}
	inner := &godwarf.StructType{StructName: "frag", CommonType: godwarf.CommonType{ByteSize: 16}, Field: []*godwarf.StructField{
		{Name: "f_in", Type: u64, ByteOffset: 0},
		{Name: "f_out", Type: u64, ByteOffset: 8},
	}}
	arr := &godwarf.ArrayType{CommonType: godwarf.CommonType{ByteSize: 16}, Type: u64, Count: 2}
	st := &godwarf.StructType{StructName: "ipstat", CommonType: godwarf.CommonType{ByteSize: 40}, Field: []*godwarf.StructField{
		{Name: "ips_total", Type: u64, ByteOffset: 0},
		{Name: "ips_frag", Type: inner, ByteOffset: 8},
		{Name: "ips_hist", Type: arr, ByteOffset: 24},
	}}
	names := make([]string, 5)
	collectFieldNames(st, "", 0, names, 0)
	want := []string{"ips_total", "ips_frag.f_in", "ips_frag.f_out", "ips_hist[0]", "ips_hist[1]"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("names %q, want %q", names, want)
	}
}
