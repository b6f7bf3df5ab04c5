package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInfoShowsSavecoreRecord lays out a savecore(8) directory (vmcore.0
// and info.0) and checks that info shows the record of info.0 and warns when
// its version string is not the kernel's.
func TestInfoShowsSavecoreRecord(t *testing.T) {
	tmp := t.TempDir()
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	crash := filepath.Join(tmp, "crash")
	if err := os.Mkdir(crash, 0o755); err != nil {
		t.Fatal(err)
	}
	core := unzstd(t, findFile(vdir, "minidump"), tmp)
	if err := os.Rename(core, filepath.Join(crash, "vmcore.0")); err != nil {
		t.Fatal(err)
	}
	// The lines savecore writes (sbin/savecore/savecore.c, printheader).
	info := "Dump header from device: /dev/vtbd0p3\n" +
		"  Architecture: amd64\n" +
		"  Dumptime: 2024-12-04 13:20:52 +0000\n" +
		"  Hostname: crashbox\n" +
		"  Magic: FreeBSD Kernel Dump\n" +
		"  Version String: FreeBSD 13.2-RELEASE GENERIC\n" +
		"  Panic String: page fault\n" +
		"  Dump Status: good\n"
	if err := os.WriteFile(filepath.Join(crash, "info.0"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "-N", kernel, "-M", filepath.Join(crash, "vmcore.0"), "info", "--format", "json")
	if err != nil {
		t.Fatalf("info: %v", err)
	}
	var r struct {
		DumpRecord *struct {
			Version     string `json:"version"`
			PanicString string `json:"panic_string"`
			Hostname    string `json:"hostname"`
		} `json:"dump_record"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.DumpRecord == nil {
		t.Fatalf("no dump_record in:\n%s", out)
	}
	if r.DumpRecord.PanicString != "page fault" || r.DumpRecord.Hostname != "crashbox" {
		t.Errorf("dump_record = %+v, want info.0's panic string and hostname", *r.DumpRecord)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "FreeBSD 13.2-RELEASE GENERIC") {
		t.Errorf("no warning that info.0's version differs from the kernel's: %q", r.Warnings)
	}
}
