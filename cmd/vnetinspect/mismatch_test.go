package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWrongKernelRejected opens the clang-dwarf5 minidump with the gcc-dwarf4
// build of the same kernel source: the version strings differ in the build
// variant line, so the core must be refused unless --force is given.
func TestWrongKernelRejected(t *testing.T) {
	tmp := t.TempDir()
	wrong := unzstd(t, findFile(filepath.Join(coresDir, "gcc-dwarf4"), "kernel"), tmp)
	core := findFile(filepath.Join(coresDir, mainVariant), "minidump")

	_, _, err := runCLI(t, "-N", wrong, "-M", core, "--cache-dir", tmp, "vnets")
	if err == nil {
		t.Fatal("vnets with the wrong kernel succeeded")
	}
	for _, want := range []string{"gcc-dwarf4", "--force"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	out, _, err := runCLI(t, "-N", wrong, "-M", core, "--cache-dir", tmp, "--force", "vnets", "--format", "json")
	if err != nil {
		t.Fatalf("vnets --force: %v", err)
	}
	var r struct {
		Forced   bool     `json:"forced"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Forced {
		t.Error("forced is not set in the JSON of a forced run")
	}
	if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "forced") {
		t.Errorf("warnings %q do not start with the forced mismatch", r.Warnings)
	}
}

// TestKernelWithoutDWARF strips the debug information from the test kernel:
// vnets must then ask for kernel.debug instead of inventing a vnet.
func TestKernelWithoutDWARF(t *testing.T) {
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(filepath.Join(coresDir, mainVariant), "kernel"), tmp)
	stripped := filepath.Join(tmp, "kernel.stripped")
	if out, err := exec.Command("objcopy", "--strip-debug", kernel, stripped).CombinedOutput(); err != nil {
		t.Fatalf("objcopy (binutils) failed: %v\n%s", err, out)
	}
	core := findFile(filepath.Join(coresDir, mainVariant), "minidump")
	_, _, err := runCLI(t, "-N", stripped, "-M", core, "--cache-dir", tmp, "vnets")
	if err == nil {
		t.Fatal("vnets on a kernel without DWARF succeeded")
	}
	if !strings.Contains(err.Error(), "struct vnet") || !strings.Contains(err.Error(), "--debug-file") {
		t.Errorf("error %q does not name struct vnet and --debug-file", err)
	}
}

// TestBitmapBitFlipWarns sets one clear bit in the minidump's page bitmap:
// the bitmap then promises one page more than the file holds, which shifts
// pages and must be reported instead of read silently.
func TestBitmapBitFlipWarns(t *testing.T) {
	tmp := t.TempDir()
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	dump := unzstd(t, findFile(vdir, "minidump"), tmp)
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	// amd64 minidump v3 header: msgbufsize @28, bitmapsize @32,
	// dumpavailsize @64; sections are page-aligned after the header page.
	round := func(n uint32) int { return int((n + 4095) &^ 4095) }
	msgbuf, bitmapSize, avail := binary.LittleEndian.Uint32(b[28:]), binary.LittleEndian.Uint32(b[32:]), binary.LittleEndian.Uint32(b[64:])
	bitmapOff := 4096 + round(msgbuf) + round(avail)
	flipped := false
	for i := bitmapOff + int(bitmapSize) - 1; i >= bitmapOff; i-- {
		if b[i] != 0xff {
			b[i] |= ^b[i] & -^b[i] // set the lowest clear bit
			flipped = true
			break
		}
	}
	if !flipped {
		t.Fatal("no clear bit in the bitmap")
	}
	bad := filepath.Join(tmp, "minidump.flipped")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "-N", kernel, "-M", bad, "--cache-dir", tmp, "vnets", "--format", "json")
	if err != nil {
		t.Fatalf("vnets: %v", err)
	}
	if !strings.Contains(out, "truncated and its last 1 pages are missing") {
		t.Errorf("no warning about the page the bitmap promises in:\n%s", out)
	}
}

// TestPrintFailsWhenNothingRead reads a V_ variable from the version 1
// minidump, which cannot hold the kernel map: every copy fails, so print
// must fail too instead of exiting 0.
func TestPrintFailsWhenNothingRead(t *testing.T) {
	tmp := t.TempDir()
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	out, _, err := runCLI(t, "-N", kernel, "-M", findFile(vdir, "minidump-v1"), "--cache-dir", tmp, "print", "--all", "ip_defttl")
	if err == nil {
		t.Fatalf("print succeeded although no copy was readable:\n%s", out)
	}
	if !strings.Contains(out, "not in dump") {
		t.Errorf("the per-vnet errors are not shown:\n%s", out)
	}
}

// TestPrintJailPrison0 checks that --jail accepts prison0, the name the
// text output gives the jail whose pr_name is "0".
func TestPrintJailPrison0(t *testing.T) {
	tmp := t.TempDir()
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	core := findFile(vdir, "minidump")
	for _, name := range []string{"prison0", "0"} {
		out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", tmp, "print", "--jail", name, "--format", "json", "ip_defttl")
		if err != nil {
			t.Fatalf("print --jail %s: %v", name, err)
		}
		if !strings.Contains(out, `"vnet0": true`) {
			t.Errorf("print --jail %s did not read vnet0's copy:\n%s", name, out)
		}
	}
	_, _, err := runCLI(t, "-N", kernel, "-M", core, "print", "--jail", "", "ip_defttl")
	var u usageError
	if !errors.As(err, &u) {
		t.Errorf("print --jail '' gave %v, want a usage error", err)
	}
}
