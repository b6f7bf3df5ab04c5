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

type oracleVariable struct {
	Symbol  string  `json:"symbol"`
	Address string  `json:"address"`
	Bytes   string  `json:"bytes"`
	Error   *string `json:"error"`
}

type oracleFile struct {
	Globals struct {
		Hz      *uint32 `json:"hz"`
		Dumptid *uint32 `json:"dumptid"`
	} `json:"globals"`
	Vnets []struct {
		Address   string           `json:"address"`
		Magic     string           `json:"magic"`
		DataMem   string           `json:"data_mem"`
		DataBase  string           `json:"data_base"`
		Variables []oracleVariable `json:"variables"`
	} `json:"vnets"`
	Templates []oracleVariable `json:"templates"`
	VnetSet   struct {
		Start string `json:"start"`
		Stop  string `json:"stop"`
	} `json:"vnet_set"`
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
// executable segments with debug/elf. It also returns the symbol values.
func testKernelInfo(t *testing.T, image []byte) (KernelInfo, map[string]uint64) {
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
	values := map[string]uint64{}
	for _, s := range syms {
		values[s.Name] = s.Value
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
	return k, values
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
			k, syms := testKernelInfo(t, readMaybeZstd(t, kernelPath))
			cache := t.TempDir()
			areas := map[string][]byte{} // every vnet's data area, per dump file
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
					checkOracle(t, c, &oracle, syms)
					areas[cf.file] = readVnetAreas(t, c, &oracle)
				})
			}
			reference, ok := areas["minidump"]
			for file, area := range areas {
				if ok && !bytes.Equal(area, reference) {
					t.Errorf("the vnet data areas in %s differ from those in the minidump", file)
				}
			}
		})
	}
	if !found {
		t.Skipf("no test-kernel cores with oracle.json and kernel in %s yet", coresDir)
	}
}

// checkOracle reads what gdb read: every VNET variable of every vnet, the
// templates at their link addresses, the head of each struct vnet and the
// globals hz and dumptid.
func checkOracle(t *testing.T, c Core, oracle *oracleFile, syms map[string]uint64) {
	t.Helper()
	checked := 0
	for _, v := range oracle.Vnets {
		checked += checkVariables(t, c, "vnet "+v.Address, v.Variables)
		checkVnetHeader(t, c, v.Address, v.Magic, v.DataMem, v.DataBase)
	}
	checked += checkVariables(t, c, "template", oracle.Templates)
	if checked == 0 {
		t.Error("the oracle lists no readable variable")
	}
	t.Logf("%d variables match the oracle", checked)

	for name, want := range map[string]*uint32{"hz": oracle.Globals.Hz, "dumptid": oracle.Globals.Dumptid} {
		if want == nil {
			continue
		}
		if got := readU32(t, c.Virtual(), syms[name]); got != *want {
			t.Errorf("%s = %d, want %d", name, got, *want)
		}
	}
}

func parseOracleAddr(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		t.Fatalf("oracle address %q: %v", s, err)
	}
	return v
}

// checkVariables compares the bytes of each readable variable and returns
// how many matched.
func checkVariables(t *testing.T, c Core, where string, vars []oracleVariable) int {
	t.Helper()
	matched := 0
	for _, vr := range vars {
		if vr.Error != nil {
			continue
		}
		addr := parseOracleAddr(t, vr.Address)
		want, err := hex.DecodeString(vr.Bytes)
		if err != nil {
			t.Fatalf("oracle bytes of %s: %v", vr.Symbol, err)
		}
		got := make([]byte, len(want))
		if _, err := c.Virtual().ReadAt(got, Addr(addr)); err != nil {
			t.Errorf("%s %s at %#x: %v", where, vr.Symbol, addr, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s %s at %#x: %x, want %x", where, vr.Symbol, addr, got, want)
			continue
		}
		matched++
	}
	return matched
}

// checkVnetHeader reads vnet_magic_n, vnet_data_mem and vnet_data_base at
// their offsets in FreeBSD's LP64 struct vnet (16, 32 and 40), which the
// test kernel copies from sys/net/vnet.h.
func checkVnetHeader(t *testing.T, c Core, vnet, magic, dataMem, dataBase string) {
	t.Helper()
	addr := parseOracleAddr(t, vnet)
	if got, want := uint64(readU32(t, c.Virtual(), addr+16)), parseOracleAddr(t, magic); got != want {
		t.Errorf("vnet %s magic %#x, want %#x", vnet, got, want)
	}
	if got, want := readU64(t, c.Virtual(), addr+32), parseOracleAddr(t, dataMem); got != want {
		t.Errorf("vnet %s data_mem %#x, want %#x", vnet, got, want)
	}
	if got, want := readU64(t, c.Virtual(), addr+40), parseOracleAddr(t, dataBase); got != want {
		t.Errorf("vnet %s data_base %#x, want %#x", vnet, got, want)
	}
}

// readVnetAreas returns the set_vnet copies of all vnets, concatenated, so
// that the dump files can be compared beyond the bytes that gdb decoded.
func readVnetAreas(t *testing.T, c Core, oracle *oracleFile) []byte {
	t.Helper()
	size := parseOracleAddr(t, oracle.VnetSet.Stop) - parseOracleAddr(t, oracle.VnetSet.Start)
	var all []byte
	for _, v := range oracle.Vnets {
		area := make([]byte, size)
		if _, err := c.Virtual().ReadAt(area, Addr(parseOracleAddr(t, v.DataMem))); err != nil {
			t.Errorf("vnet %s data area: %v", v.Address, err)
		}
		all = append(all, area...)
	}
	return all
}
