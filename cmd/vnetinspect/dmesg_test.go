package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDmesgMatchesConsole checks dmesg on the test kernel's minidump
// against its console log, which has every message-buffer line and more
// written after the dump.
func TestDmesgMatchesConsole(t *testing.T) {
	kernel, core, _ := mainFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "dmesg")
	if err != nil {
		t.Fatal(err)
	}
	console, err := os.ReadFile(filepath.Join(coresDir, mainVariant, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "\n") < 10 {
		t.Fatalf("dmesg printed only %q", out)
	}
	if !strings.HasPrefix(string(console), out) {
		t.Errorf("dmesg output is not the start of console.log:\n%s", out)
	}
}

func TestDmesgJSON(t *testing.T) {
	kernel, core, _ := mainFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "dmesg", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, []byte(out))
	if text, _ := got["text"].(string); !strings.Contains(text, "FreeBSD 14.1-RELEASE") {
		t.Errorf("text = %q, want the boot banner", text)
	}
	// The test kernel's struct msgbuf sits in the last bytes of the
	// MSGBUF_SIZE (96 KiB) area, and msg_size counts the bytes before it.
	if size, _ := got["size"].(interface{ String() string }); size == nil || size.String() == "0" {
		t.Errorf("size = %v, want the text area's size", got["size"])
	}
}

func TestDmesgNoMsgbufp(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-amd64.bz2"), dir)
	core := unbzip2(t, filepath.Join(lldbFixtures, "vmcore-amd64-minidump.bz2"), dir)
	_, _, err := runCLI(t, "-N", kernel, "-M", core, "dmesg")
	if err == nil || !strings.Contains(err.Error(), "msgbufp not found") {
		t.Errorf("error %v, want one saying msgbufp is not found", err)
	}
}
