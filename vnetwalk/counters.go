package vnetwalk

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/symbols"
)

// counter(9) keeps a 64-bit counter in one slot per CPU, in a UMA per-CPU
// allocation: mp_maxid + 1 slots, UMA_PCPU_ALLOC_SIZE (PAGE_SIZE) apart,
// so CPU c's slot is at slot0 + c * PAGE_SIZE (sys/sys/pcpu.h,
// zpcpu_offset_cpu). The counter_u64_t holds slot0's address, except on
// amd64, where it holds slot0 - &__pcpu[0] (zpcpu_base_to_offset in
// sys/amd64/include/pcpu.h) so that %gs-relative code reaches the running
// CPU's slot. The value is the sum over the present CPUs (CPU_FOREACH).

// CounterType is the typedef name of a counter(9) handle (sys/sys/types.h).
const CounterType = "counter_u64_t"

// pcpuAllocSize is UMA_PCPU_ALLOC_SIZE, which is PAGE_SIZE, for kernels
// that do not say otherwise: 4096 on amd64, i386, riscv and 4 KiB-page
// arm64. PerCPU reads the real value from pagesizes[0] (hw.pagesizes).
const pcpuAllocSize = 4096

// maxCPUs bounds mp_maxid + 1. FreeBSD's MAXCPU on amd64 is 1024.
const maxCPUs = 1 << 16

// CounterLen returns the number of counters in a variable of type t: 1 for
// a counter_u64_t, N for counter_u64_t [N] (the type VNET_PCPUSTAT_DEFINE
// gives), and false for any other type.
func CounterLen(t godwarf.Type) (int, bool) {
	if isCounterType(t) {
		return 1, true
	}
	a, ok := stripQualifiers(t).(*godwarf.ArrayType)
	if !ok || a.Count <= 0 || !isCounterType(a.Type) {
		return 0, false
	}
	return int(a.Count), true
}

func isCounterType(t godwarf.Type) bool {
	td, ok := stripQualifiers(t).(*godwarf.TypedefType)
	return ok && td.Name == CounterType
}

// stripQualifiers removes const and volatile but keeps typedefs.
func stripQualifiers(t godwarf.Type) godwarf.Type {
	for range 8 {
		q, ok := t.(*godwarf.QualType)
		if !ok {
			return t
		}
		t = q.Type
	}
	return t
}

// A PerCPU is the set of CPUs a counter is summed over and the base that
// amd64 counter offsets are relative to.
type PerCPU struct {
	CPUs []int // present CPUs: 0..mp_maxid with cpuid_to_pcpu[c] != NULL
	// Relative is true when counter_u64_t values are offsets from Base
	// (&__pcpu[0]), as on amd64.
	Relative bool
	Base     uint64
	// SlotSize is the distance between two CPUs' slots, PAGE_SIZE: the
	// kernel's pagesizes[0] when it has that array, else 4096 (also when 0).
	SlotSize uint64
}

// PerCPU reads mp_maxid, cpuid_to_pcpu[] and, on amd64, &__pcpu[0].
func (k *Kernel) PerCPU() (*PerCPU, error) {
	maxid, err := k.readGlobalInt("mp_maxid", 4)
	if err != nil {
		return nil, err
	}
	if maxid < 0 || maxid >= maxCPUs {
		return nil, fmt.Errorf("mp_maxid is %d, outside 0 to %d", maxid, maxCPUs-1)
	}
	table, ok := k.Syms.Lookup("cpuid_to_pcpu")
	if !ok {
		return nil, fmt.Errorf("symbol cpuid_to_pcpu not found in %s", k.Syms.Path())
	}
	if n := table.Size / uint64(k.ptrSize); table.Size != 0 && uint64(maxid) >= n {
		return nil, fmt.Errorf("mp_maxid %d is past the %d entries of cpuid_to_pcpu", maxid, n)
	}
	pc := &PerCPU{SlotSize: k.pageSize()}
	for c := 0; c <= int(maxid); c++ {
		at := table.Addr + uint64(c*k.ptrSize)
		p, err := k.readPtr(at)
		if err != nil {
			return nil, fmt.Errorf("cpuid_to_pcpu[%d] at %#x: %w", c, at, err)
		}
		if p != 0 {
			pc.CPUs = append(pc.CPUs, c)
		}
	}
	if len(pc.CPUs) == 0 {
		return nil, fmt.Errorf("cpuid_to_pcpu has no CPU among its first %d entries", maxid+1)
	}
	if k.Syms.Arch() == "amd64" {
		pc.Relative = true
		if pc.Base, err = k.pcpuBase(); err != nil {
			return nil, err
		}
	}
	return pc, nil
}

// pcpuBase returns &__pcpu[0]. Current amd64 kernels declare
// `struct pcpu *__pcpu` (sys/amd64/include/pcpu_aux.h), whose value is the
// address. Older ones defined the array `struct pcpu __pcpu[MAXCPU]`,
// whose address it is. DWARF decides. Without DWARF, a symbol of pointer
// size is taken as the pointer.
func (k *Kernel) pcpuBase() (uint64, error) {
	sym, ok := k.Syms.Lookup("__pcpu")
	if !ok {
		return 0, fmt.Errorf("symbol __pcpu not found in %s; amd64 counters are offsets from &__pcpu[0]", k.Syms.Path())
	}
	pointer := sym.Size == uint64(k.ptrSize)
	if k.Syms.HasDWARF() {
		if t, err := k.Syms.VariableType("__pcpu"); err == nil {
			switch symbols.Resolve(t).(type) {
			case *godwarf.PtrType:
				pointer = true
			case *godwarf.ArrayType:
				pointer = false
			}
		}
	}
	if !pointer {
		return sym.Addr, nil
	}
	p, err := k.readPtr(sym.Addr)
	if err != nil {
		return 0, fmt.Errorf("__pcpu at %#x: %w", sym.Addr, err)
	}
	if p == 0 {
		return 0, fmt.Errorf("__pcpu at %#x is NULL", sym.Addr)
	}
	return p, nil
}

// A CounterSlot is one CPU's slot of a counter.
type CounterSlot struct {
	CPU   int
	Addr  uint64
	Value uint64
	Err   error
}

// A Counter is one counter(9) handle and its sum.
type Counter struct {
	Index  int    // element of the counter_u64_t array, 0 for a scalar
	Field  string // member of the matching statistics struct, "" if unknown
	Handle uint64 // the counter_u64_t as stored
	Slots  []CounterSlot
	Sum    uint64
	// Err is the reason Sum is unavailable: a NULL handle or a slot that could
	// not be read. Sum is never a partial total.
	Err error
}

// ErrNotCounter reports a variable whose type is not counter(9).
var ErrNotCounter = errors.New("not a counter_u64_t or an array of them")

// ReadCounters sums every counter of a variable read with its DWARF type.
// For an array of N counters, the struct of the same name as the variable
// (struct tcpstat for V_tcpstat), when its size is N * 8, names the
// elements as netstat -s does.
func (k *Kernel) ReadCounters(x *Variable, pc *PerCPU) ([]Counter, error) {
	if x.Type == nil {
		return nil, fmt.Errorf("%s has no DWARF type: %w", x.Symbol, ErrNotCounter)
	}
	n, ok := CounterLen(x.Type)
	if !ok {
		return nil, fmt.Errorf("%s (%s): %w", x.Symbol, symbols.TypeName(x.Type), ErrNotCounter)
	}
	if x.Err != nil {
		return nil, x.Err
	}
	if len(x.Bytes) < n*k.ptrSize {
		return nil, fmt.Errorf("%s: %d bytes read, %d counters need %d", x.Symbol, len(x.Bytes), n, n*k.ptrSize)
	}
	names := k.statFieldNames(x.Name, n)
	out := make([]Counter, n)
	for i := range out {
		h := k.word(x.Bytes[i*k.ptrSize : (i+1)*k.ptrSize])
		out[i] = k.sumCounter(h, pc)
		out[i].Index = i
		if names != nil {
			out[i].Field = names[i]
		}
	}
	return out, nil
}

// sumCounter reads every present CPU's slot of one counter.
func (k *Kernel) sumCounter(h uint64, pc *PerCPU) Counter {
	c := Counter{Handle: h}
	if h == 0 {
		c.Err = errors.New("counter not allocated (NULL counter_u64_t)")
		return c
	}
	slot0 := h
	if pc.Relative {
		slot0 = pc.Base + h // unsigned wrap-around, as the kernel's pointer arithmetic
	}
	spacing := pc.SlotSize
	if spacing == 0 {
		spacing = pcpuAllocSize
	}
	b := make([]byte, 8)
	for _, cpu := range pc.CPUs {
		s := CounterSlot{CPU: cpu, Addr: slot0 + uint64(cpu)*spacing}
		if err := k.read(b, s.Addr); err != nil {
			s.Err = err
			if c.Err == nil {
				c.Err = fmt.Errorf("CPU %d's slot at %#x not read: %w", cpu, s.Addr, err)
			}
		} else {
			s.Value = k.order.Uint64(b)
			c.Sum += s.Value
		}
		c.Slots = append(c.Slots, s)
	}
	if c.Err != nil {
		c.Sum = 0
	}
	return c
}

// statFieldNames names the n 8-byte elements of a VNET_PCPUSTAT array by
// the members of the struct with the variable's name, or returns nil when
// there is no such struct of n * 8 bytes. Callers must not change the
// slice, because the result is kept for the next vnet.
func (k *Kernel) statFieldNames(name string, n int) []string {
	if !k.Syms.HasDWARF() {
		return nil
	}
	key := statKey{name, n}
	k.typesMu.Lock()
	defer k.typesMu.Unlock()
	if names, ok := k.statNames[key]; ok {
		return names
	}
	var names []string
	t, err := k.Syms.Type("struct " + name)
	if err == nil && t.Size() == int64(n)*8 {
		names = make([]string, n)
		collectFieldNames(t, "", 0, names, 0)
	}
	if k.statNames == nil {
		k.statNames = map[statKey][]string{}
	}
	k.statNames[key] = names
	return names
}

// A statKey is a counter array's variable name and length.
type statKey struct {
	name string
	n    int
}

// collectFieldNames stores the path of every 8-byte integer member of t,
// at byte offset base, into names[offset / 8].
func collectFieldNames(t godwarf.Type, path string, base int64, names []string, depth int) {
	if depth > 16 {
		return
	}
	switch rt := symbols.Resolve(t).(type) {
	case *godwarf.StructType:
		for _, f := range rt.Field {
			p := f.Name
			if path != "" && p != "" {
				p = path + "." + p
			} else if p == "" {
				p = path
			}
			collectFieldNames(f.Type, p, base+f.ByteOffset, names, depth+1)
		}
	case *godwarf.ArrayType:
		stride := rt.Type.Size()
		for i := int64(0); i < rt.Count && stride > 0; i++ {
			collectFieldNames(rt.Type, path+"["+strconv.FormatInt(i, 10)+"]", base+i*stride, names, depth+1)
		}
	default:
		if t.Size() == 8 && base%8 == 0 && base/8 < int64(len(names)) {
			names[base/8] = path
		}
	}
}

// pageSize returns the kernel's PAGE_SIZE from pagesizes[0] (the array
// behind the hw.pagesizes sysctl), or 4096 when that cannot be read or is
// not a power of two between 4 KiB and 64 KiB.
func (k *Kernel) pageSize() uint64 {
	sym, ok := k.Syms.Lookup("pagesizes")
	if !ok {
		return pcpuAllocSize
	}
	size, err := k.readPtr(sym.Addr) // u_long, pointer-sized
	if err != nil || size < 4096 || size > 65536 || size&(size-1) != 0 {
		return pcpuAllocSize
	}
	return size
}
