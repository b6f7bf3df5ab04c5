package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The expected values of the real arm64 minidump come from the fixtures'
// README, which records what an independent libkvm port read from it.

func TestPrintARM64RealDump(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-arm64.bz2"), dir)
	core := filepath.Join(lldbFixtures, "vmcore-arm64-minidump.bz2") // read compressed, directly

	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "hz")
	if err != nil {
		t.Fatalf("print hz: %v", err)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "= 1000") {
		t.Errorf("print hz = %q, want it to end with %q", out, "= 1000")
	}

	out, _, err = runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "--format", "json", "dumptid")
	if err != nil {
		t.Fatalf("print dumptid: %v", err)
	}
	var res struct {
		Variables []struct {
			Value json.RawMessage `json:"value"`
		} `json:"variables"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("print dumptid: output is not JSON: %v\n%s", err, out)
	}
	if len(res.Variables) != 1 {
		t.Fatalf("print dumptid: %d variables, want 1", len(res.Variables))
	}
	if got := string(res.Variables[0].Value); got != "100137" {
		t.Errorf("print dumptid = %s, want 100137", got)
	}
}

func TestInfoARM64RealDump(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-arm64.bz2"), dir)
	core := unbzip2(t, filepath.Join(lldbFixtures, "vmcore-arm64-minidump.bz2"), dir)

	out, _, err := runCLI(t, "-N", kernel, "-M", core, "info", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, []byte(out))
	if got["dumptid"] != json.Number("100137") {
		t.Errorf("dumptid = %v, want 100137", got["dumptid"])
	}
	th := obj(got["thread"])
	if th == nil {
		t.Fatalf("no thread; errors %v", got["errors"])
	}
	if th["tid"] != json.Number("100137") {
		t.Errorf("thread tid = %v, want 100137", th["tid"])
	}
	p := obj(th["proc"])
	if p["pid"] != json.Number("939") {
		t.Errorf("pid = %v, want 939", p["pid"])
	}
	if p["comm"] != "sysctl" {
		t.Errorf("comm = %v, want sysctl", p["comm"])
	}
	if p["address"] != "0xffffa00009f0f000" {
		t.Errorf("proc address = %v, want 0xffffa00009f0f000", p["address"])
	}

	text, _, err := runCLI(t, "-N", kernel, "-M", core, "info")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"minidump-arm64-v2, arm64", "dumptid:    100137"} {
		if !strings.Contains(text, want) {
			t.Errorf("info output lacks %q:\n%s", want, text)
		}
	}
}
