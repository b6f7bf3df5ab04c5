package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDmesgMatchesOracle checks dmesg on the test kernel's wrapped
// buffer: FreeBSD's dmesg drops the first line of a full buffer, which
// the wrap has cut, and prints the rest. gdb's unwrapped text is the
// expected value.
func TestDmesgMatchesOracle(t *testing.T) {
	kernel, core, oracle := mainFixture(t)
	m := obj(oracle["msgbuf"])
	text, _ := m["text"].(string)
	if text == "" {
		t.Fatal("oracle.json has no msgbuf text; make fixtures writes it")
	}
	if text[0] == 0 {
		t.Fatal("the oracle's buffer has not wrapped, so the first-line rule is untested")
	}
	want := text[strings.IndexByte(text, '\n')+1:]
	if !strings.HasSuffix(want, "\n") {
		want += "\n"
	}
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "dmesg")
	if err != nil {
		t.Fatal(err)
	}
	if out != want {
		t.Errorf("dmesg output differs from gdb's text without its first line:\n got %.200q...\nwant %.200q...", out, want)
	}
	all, _, err := runCLI(t, "-N", kernel, "-M", core, "dmesg", "-a")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(all, text[:strings.IndexByte(text, '\n')+1]) {
		t.Errorf("dmesg -a does not start with the cut first line %q", text[:strings.IndexByte(text, '\n')+1])
	}
}

func TestDmesgJSON(t *testing.T) {
	kernel, core, oracle := mainFixture(t)
	want := obj(oracle["msgbuf"])
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "dmesg", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, []byte(out))
	for _, key := range []string{"address", "size", "wseq", "rseq"} {
		if got[key] != want[key] {
			t.Errorf("%s = %v, gdb read %v", key, got[key], want[key])
		}
	}
	text, _, err := runCLI(t, "-N", kernel, "-M", core, "dmesg")
	if err != nil {
		t.Fatal(err)
	}
	if got["text"] != text {
		t.Errorf("JSON text (%d bytes) differs from the text output (%d bytes)", len(got["text"].(string)), len(text))
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
