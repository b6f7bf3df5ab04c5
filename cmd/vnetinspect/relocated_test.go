package main

import (
	"debug/elf"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/vnetinspect/vnetinspect/kvm"
)

// The clang-dwarf5-reloc test kernel is linked at the usual KERNSTART but
// loaded at physical 16 MiB, as the UEFI loader may place FreeBSD 13.1 and
// later kernels. TestDumpMatchesOracle compares its dumps with gdb. The
// tests here check that the load address differs from the legacy 2 MiB,
// and that the page tables are found only through the kernphys search.

const relocVariant = "clang-dwarf5-reloc"

// relocKernel returns the decompressed kernel and its first PT_LOAD.
func relocKernel(t *testing.T, dir string) (string, *elf.File, *elf.Prog) {
	t.Helper()
	path := unzstd(t, filepath.Join(coresDir, relocVariant, "kernel.zst"), dir)
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			return path, f, p
		}
	}
	t.Fatalf("%s has no PT_LOAD segment", path)
	return "", nil, nil
}

func symbolValue(t *testing.T, f *elf.File, name string) uint64 {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("kernel has no symbol %s", name)
	return 0
}

func TestRelocatedKernelPrintsKernphys(t *testing.T) {
	dir := t.TempDir()
	kernel, _, text := relocKernel(t, dir)
	const kernStart = 0xffffffff80200000 // KERNBASE + KERNLOAD
	if text.Vaddr != kernStart {
		t.Fatalf("first PT_LOAD at virtual %#x, want KERNSTART %#x", text.Vaddr, uint64(kernStart))
	}
	if text.Paddr == 0x200000 {
		t.Fatalf("first PT_LOAD loads at physical 2 MiB, so the kernel is not relocated")
	}

	for _, name := range []string{"full.elf", "raw.mem", "minidump"} {
		core := filepath.Join(coresDir, relocVariant, name+".zst")
		out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "--format", "json", "kernphys")
		if err != nil {
			t.Errorf("%s: print kernphys: %v", name, err)
			continue
		}
		var res struct {
			Variables []struct {
				Value uint64 `json:"value"`
			} `json:"variables"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%s: print kernphys: output is not JSON: %v\n%s", name, err, out)
		}
		if len(res.Variables) != 1 {
			t.Fatalf("%s: print kernphys: %d variables, want 1", name, len(res.Variables))
		}
		if got := res.Variables[0].Value; got != text.Paddr {
			t.Errorf("%s: kernphys = %#x, want the ELF load address %#x", name, got, text.Paddr)
		}
	}
}

// Without kernphys the reader assumes the legacy load address, 2 MiB, and
// must fail with an error instead of walking page tables read from the
// wrong physical page.
func TestRelocatedKernelNeedsKernphys(t *testing.T) {
	dir := t.TempDir()
	_, f, _ := relocKernel(t, dir)
	core := unzstd(t, filepath.Join(coresDir, relocVariant, "full.elf.zst"), dir)
	info := kvm.KernelInfo{
		Arch:          "amd64",
		KernBase:      symbolValue(t, f, "kernbase"),
		KPML4physAddr: symbolValue(t, f, "KPML4phys"),
	}
	if c, err := kvm.Open(core, kvm.Options{Kernel: info}); err == nil {
		c.Close()
		t.Errorf("Open without kernphys succeeded, want an error about KPML4phys")
	}

	info.KernPhysAddr = symbolValue(t, f, "kernphys")
	c, err := kvm.Open(core, kvm.Options{Kernel: info})
	if err != nil {
		t.Fatalf("Open with kernphys: %v", err)
	}
	defer c.Close()
	var b [8]byte
	if _, err := c.Virtual().ReadAt(b[:], kvm.Addr(info.KernPhysAddr)); err != nil {
		t.Errorf("reading kernphys through the page tables: %v", err)
	}
}
