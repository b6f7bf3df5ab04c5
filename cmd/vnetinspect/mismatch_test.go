package main

import (
	"encoding/json"
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
