package kvm

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// The test kernel in testdata/kernel lays out memory as FreeBSD amd64 does
// and writes its own minidump and full dump; QEMU adds a guest dump and a
// raw image of the same stopped machine. oracle.json holds the bytes that
// gdb read over QEMU's gdb stub at every VNET variable of every vnet.

// coresDir holds one folder per kernel variant. The environment variable
// KVM_CORES_DIR replaces it, to check dumps fresh from tools/runvm.
var coresDir = cmp.Or(os.Getenv("KVM_CORES_DIR"), "../testdata/cores")

// coreFormats are the dump files of a variant and their expected formats.
var coreFormats = []struct{ file, format string }{
	{"minidump", "minidump-amd64-v3"},
	{"full.elf", "full-elf"},
	{"qemu.elf", "qemu-elf"},
	{"raw.mem", "raw"},
}

type oracleFile struct {
	Vnets []struct {
		Address   string `json:"address"`
		Variables []struct {
			Symbol  string  `json:"symbol"`
			Address string  `json:"address"`
			Bytes   string  `json:"bytes"`
			Error   *string `json:"error"`
		} `json:"variables"`
	} `json:"vnets"`
}

// findFixture returns dir/name, or dir/name.zst, or "" when neither exists.
func findFixture(dir, name string) string {
	for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+".zst")} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// readMaybeZstd reads a file, decompressing it when its name ends in .zst.
func readMaybeZstd(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(path) != ".zst" {
		return data
	}
	zr, err := zstd.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("decompressing %s: %v", path, err)
	}
	return out
}

// testKernelInfo reads the kernel's symbols and the first bytes of its
// executable segments with debug/elf.
func testKernelInfo(t *testing.T, image []byte) KernelInfo {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatalf("kernel: %v", err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatalf("kernel symbols: %v", err)
	}
	k := KernelInfo{Arch: "amd64"}
	for _, s := range syms {
		switch s.Name {
		case "kernbase":
			k.KernBase = s.Value
		case "KPML4phys":
			k.KPML4physAddr = s.Value
		case "kernphys":
			k.KernPhysAddr = s.Value
		}
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Flags&elf.PF_X == 0 || p.Filesz == 0 {
			continue
		}
		data := make([]byte, min(p.Filesz, 2*rawCheckBytes))
		if _, err := p.ReadAt(data, 0); err != nil {
			t.Fatalf("kernel text: %v", err)
		}
		k.Text = append(k.Text, Segment{Addr: Addr(p.Vaddr), Data: data})
	}
	return k
}

func TestTestKernelCores(t *testing.T) {
	variants, _ := filepath.Glob(filepath.Join(coresDir, "*"))
	found := false
	for _, dir := range variants {
		oraclePath := findFixture(dir, "oracle.json")
		kernelPath := findFixture(dir, "kernel")
		if kernelPath == "" {
			kernelPath = findFixture(filepath.Join("../testdata/kernel/build", filepath.Base(dir)), "kernel")
		}
		if oraclePath == "" || kernelPath == "" {
			continue
		}
		found = true
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var oracle oracleFile
			if err := json.Unmarshal(readMaybeZstd(t, oraclePath), &oracle); err != nil {
				t.Fatalf("%s: %v", oraclePath, err)
			}
			k := testKernelInfo(t, readMaybeZstd(t, kernelPath))
			cache := t.TempDir()
			for _, cf := range coreFormats {
				path := findFixture(dir, cf.file)
				if path == "" {
					continue
				}
				t.Run(cf.file, func(t *testing.T) {
					c, err := Open(path, Options{Kernel: k, CacheDir: cache})
					if err != nil {
						t.Fatalf("Open: %v", err)
					}
					defer c.Close()
					if got := c.Format(); got != cf.format && got != cf.format+" (zstd)" {
						t.Errorf("Format() = %q, want %q", got, cf.format)
					}
					checkOracle(t, c, &oracle)
				})
			}
		})
	}
	if !found {
		t.Skipf("no test-kernel cores with oracle.json and kernel in %s yet", coresDir)
	}
}

// checkOracle reads every variable of every vnet that gdb read.
func checkOracle(t *testing.T, c Core, oracle *oracleFile) {
	t.Helper()
	checked := 0
	for _, v := range oracle.Vnets {
		for _, vr := range v.Variables {
			if vr.Error != nil {
				continue
			}
			addr, err := strconv.ParseUint(vr.Address, 0, 64)
			if err != nil {
				t.Fatalf("oracle address %q: %v", vr.Address, err)
			}
			want, err := hex.DecodeString(vr.Bytes)
			if err != nil {
				t.Fatalf("oracle bytes of %s: %v", vr.Symbol, err)
			}
			got := make([]byte, len(want))
			if _, err := c.Virtual().ReadAt(got, Addr(addr)); err != nil {
				t.Errorf("vnet %s %s at %#x: %v", v.Address, vr.Symbol, addr, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("vnet %s %s at %#x: %x, want %x", v.Address, vr.Symbol, addr, got, want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("the oracle lists no readable variable")
	}
	t.Logf("%d variables match the oracle", checked)
}
