package vnetwalk

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
)

// openKernelTB is openTestKernel for a fuzz target.
func openKernelTB(tb testing.TB) *symbols.Table {
	tb.Helper()
	data, err := os.ReadFile(testKernel)
	if err != nil {
		tb.Fatalf("test kernel missing: %v (make fixtures builds it)", err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer dec.Close()
	raw, err := dec.DecodeAll(data, nil)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "kernel")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
	syms, err := symbols.Open(path, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { syms.Close() })
	return syms
}

// wrapMemory is kernel memory whose byte at addr is m[addr mod len(m)]:
// every pointer leads somewhere, so a short fuzz input gives lists,
// cycles and garbage structs. Addresses below 4 GiB fault, as user space
// does in a dump.
type wrapMemory []byte

func (m wrapMemory) ReadAt(p []byte, addr kvm.Addr) (int, error) {
	if len(m) == 0 || uint64(addr) < 1<<32 {
		return 0, &kvm.FaultError{Addr: addr, Err: kvm.ErrNotMapped}
	}
	for i := range p {
		p[i] = m[(uint64(addr)+uint64(i))%uint64(len(m))]
	}
	return len(p), nil
}

// FuzzWalk walks vnet_head and allprison over random memory with the test
// kernel's symbols and DWARF, then reads a variable in every vnet and its
// template. Nothing may panic, the limits must hold, and a vnet without an
// error must have a valid magic.
func FuzzWalk(f *testing.F) {
	syms := openKernelTB(f)
	f.Add([]byte{0})
	seed := make([]byte, 64)
	binary.LittleEndian.PutUint64(seed, 0xfffff80000100000)
	binary.LittleEndian.PutUint32(seed[16:], VnetMagic)
	f.Add(seed)
	f.Add([]byte("\x00\x00\x10\x00\x00\xf8\xff\xff(oJ^"))

	sym, ok := syms.Lookup(Prefix + "ip_defttl")
	if !ok {
		f.Fatal("test kernel has no vnet_entry_ip_defttl")
	}
	f.Fuzz(func(t *testing.T, mem []byte) {
		k := New(syms, wrapMemory(mem))
		k.Limits = Limits{MaxVnets: 20, MaxJails: 20}
		res, err := k.Walk()
		if err != nil {
			return
		}
		if len(res.Vnets) > 20 || len(res.Jails) > 21 {
			t.Fatalf("walk kept %d vnets and %d jails, past the limits of 20", len(res.Vnets), len(res.Jails))
		}
		for _, v := range res.Vnets {
			if v.Err == nil && v.Magic != VnetMagic && v.Magic != VnetMagicOld {
				t.Fatalf("vnet %#x with magic %#x has no error", v.Addr, v.Magic)
			}
			x := k.ReadVnetVar(sym, v)
			if x.Err == nil && int64(len(x.Bytes)) != x.Size {
				t.Fatalf("vnet %#x: %d bytes for a %d-byte variable", v.Addr, len(x.Bytes), x.Size)
			}
			k.Describe(v.DataBase+sym.Addr, res)
		}
		k.ReadTemplate(sym)
		k.CheckVersion()
	})
}
