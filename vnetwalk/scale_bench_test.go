package vnetwalk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
)

// scaleDirEnv names the directory that scripts/bench-scale.sh fills with
// the scale test kernel (1,000 vnets) and its dumps.
const scaleDirEnv = "VNETINSPECT_SCALE_DIR"

// openScale opens the scale kernel and its dump named core, and skips the
// benchmark when the directory is not set or lacks the files.
func openScale(b *testing.B, core string) *Kernel {
	b.Helper()
	dir := os.Getenv(scaleDirEnv)
	if dir == "" {
		b.Skipf("%s is not set; scripts/bench-scale.sh builds the scale kernel and its dumps", scaleDirEnv)
	}
	kernel, dump := filepath.Join(dir, "kernel"), filepath.Join(dir, core)
	for _, p := range []string{kernel, dump} {
		if _, err := os.Stat(p); err != nil {
			b.Skipf("%s: %v", p, err)
		}
	}

	syms, err := symbols.Open(kernel, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { syms.Close() })
	// A full dump contains physical memory only. kvm finds the kernel's
	// page tables through these symbols to translate kernel addresses.
	ki := kvm.KernelInfo{Arch: syms.Arch()}
	if s, ok := syms.Lookup("kernbase"); ok {
		ki.KernBase = s.Addr
	}
	if s, ok := syms.Lookup("KPML4phys"); ok {
		ki.KPML4physAddr = s.Addr
	}
	if s, ok := syms.Lookup("kernphys"); ok {
		ki.KernPhysAddr = s.Addr
	}
	c, err := kvm.Open(dump, kvm.Options{Kernel: ki})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return New(syms, c.Virtual())
}

// BenchmarkWalkScale walks vnet_head and allprison of the scale dump.
func BenchmarkWalkScale(b *testing.B) {
	k := openScale(b, "minidump")
	b.ResetTimer()
	for range b.N {
		w, err := k.Walk()
		if err != nil {
			b.Fatal(err)
		}
		if len(w.Vnets) == 0 {
			b.Fatal("walk found no vnets")
		}
	}
}

// BenchmarkReadAllVarsScale reads and decodes every kernel V_ variable in
// every vnet of the scale dump, as `vnetinspect dump` does before it
// formats the records.
func BenchmarkReadAllVarsScale(b *testing.B) {
	for _, core := range []string{"minidump", "full.elf"} {
		b.Run(core, func(b *testing.B) {
			k := openScale(b, core)
			w, err := k.Walk()
			if err != nil {
				b.Fatal(err)
			}
			vars, err := k.VnetVariables()
			if err != nil {
				b.Fatal(err)
			}
			lim := value.DefaultLimits()
			b.ReportMetric(float64(len(w.Vnets)*len(vars)), "vars/op")
			b.ResetTimer()
			for range b.N {
				for _, v := range w.Vnets {
					for _, sym := range vars {
						x := k.ReadVnetVar(sym, v)
						if x.Err != nil {
							b.Fatalf("vnet %#x %s: %v", v.Addr, sym.Name, x.Err)
						}
						if k.decodeVar(x, lim) == nil {
							b.Fatalf("vnet %#x %s: no DWARF type", v.Addr, sym.Name)
						}
					}
				}
			}
		})
	}
}
