package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// gdbBytes reads size bytes at each address with gdb's x/Nxb from kernel
// plus core, and returns them as lowercase hex strings. Debian's gdb has no
// FreeBSD OS ABI, and with "set osabi none" it has no amd64 core file
// support, so the test uses the GNU/Linux ABI. That ABI changes neither
// symbol addresses nor memory reads.
func gdbBytes(t *testing.T, kernel, core string, addrs []string, sizes []int) []string {
	t.Helper()
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb not installed")
	}
	script := filepath.Join(t.TempDir(), "cmds.gdb")
	var b strings.Builder
	for i, a := range addrs {
		fmt.Fprintf(&b, "echo @@%d\\n\nx/%dxb %s\n", i, sizes[i], a)
	}
	fmt.Fprintf(&b, "echo @@end\\n\n")
	if err := os.WriteFile(script, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gdb, "-nx", "-batch", "-iex", "set osabi GNU/Linux", "-x", script, kernel, core)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, out)
	}

	got := make([]string, len(addrs))
	cur := -1
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "@@"); ok {
			cur, _ = strconv.Atoi(n)
			if n == "end" {
				cur = -1
			}
			continue
		}
		_, bytesText, ok := strings.Cut(line, ":")
		if cur < 0 || !ok {
			continue
		}
		for _, f := range strings.Fields(bytesText) {
			v, err := strconv.ParseUint(f, 0, 8)
			if err != nil {
				t.Fatalf("gdb output line %q for address %s: %v", line, addrs[cur], err)
			}
			got[cur] += fmt.Sprintf("%02x", v)
		}
	}
	return got
}

// TestConvertELFReadByGDB converts the committed minidump and QEMU dump to
// ELF cores. Stock gdb then reads every vnet variable of up to 256 bytes in
// every vnet from them, and the bytes must equal gdb's oracle of that run.
func TestConvertELFReadByGDB(t *testing.T) {
	vdir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	want := decodeJSON(t, readAll(t, unzstd(t, findFile(vdir, "oracle.json"), tmp)))

	var addrs, bytesWant []string
	var sizes []int
	for _, vx := range list(want, "vnets") {
		for _, x := range list(obj(vx), "variables") {
			v := obj(x)
			size, _ := strconv.Atoi(fmt.Sprint(v["size"]))
			// Large arrays add nothing but gdb output.
			if _, failed := v["error"]; failed || size == 0 || size > 256 {
				continue
			}
			addrs = append(addrs, fmt.Sprint(v["address"]))
			sizes = append(sizes, size)
			bytesWant = append(bytesWant, fmt.Sprint(v["bytes"]))
		}
	}
	if len(addrs) < 200 {
		t.Fatalf("the oracle has only %d variables to check; the test kernel has 6 vnets of about 59", len(addrs))
	}

	for _, format := range []string{"minidump", "qemu.elf"} {
		t.Run(format, func(t *testing.T) {
			core := findFile(vdir, format)
			out := filepath.Join(tmp, format+".converted")
			if _, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", tmp, "convert", "--to", "elf", out); err != nil {
				t.Fatalf("convert: %v", err)
			}
			got := gdbBytes(t, kernel, out, addrs, sizes)
			bad := 0
			for i := range addrs {
				if got[i] != bytesWant[i] {
					bad++
					if bad <= 10 {
						t.Errorf("gdb read %s at %s from the converted core, the oracle read %s", got[i], addrs[i], bytesWant[i])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d variables differ", bad, len(addrs))
			}
		})
	}
}

func TestConvertKeepsExistingFile(t *testing.T) {
	vdir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	core := findFile(vdir, "minidump")
	out := filepath.Join(tmp, "exists.elf")
	if err := os.WriteFile(out, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}

	_, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", tmp, "convert", "--to", "elf", out)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("convert onto an existing file: error %v, want one suggesting --force", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "keep me" {
		t.Errorf("the existing file was changed to %d bytes", len(b))
	}

	if _, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", tmp, "--force", "convert", "--to", "elf", out); err != nil {
		t.Fatalf("convert --force: %v", err)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "\x7fELF") {
		t.Errorf("--force did not write an ELF file: starts with %q", b[:min(len(b), 8)])
	}
}

func TestConvertRejectsUnknownFormat(t *testing.T) {
	_, _, err := runCLI(t, "-N", "k", "-M", "c", "convert", "--to", "json", "out")
	if err == nil || !strings.Contains(err.Error(), "--to") {
		t.Errorf("convert --to json: error %v, want one naming --to", err)
	}
}
