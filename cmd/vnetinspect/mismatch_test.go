package main

import (
	"encoding/json"
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
