package main

import (
	"bytes"
	"compress/bzip2"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs vnetinspect in-process and returns its standard output.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

// lldbFixtures is the folder of real FreeBSD dumps shipped beside the repo.
const lldbFixtures = "../../../shared/fixtures/freebsd-lldb"

// unbzip2 decompresses a fixture into dir and returns the new path.
func unbzip2(t *testing.T, src, dir string) string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatalf("real FreeBSD fixture missing: %v (the shared folder must sit beside the repository)", err)
	}
	defer f.Close()
	dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".bz2"))
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, bzip2.NewReader(f)); err != nil {
		t.Fatalf("decompress %s: %v", src, err)
	}
	return dst
}

// TestPrintGlobalsRealDumps checks `print hz` and `print dumptid` on the
// real FreeBSD dumps against the values in their README.
func TestPrintGlobalsRealDumps(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-amd64.bz2"), dir)
	cases := []struct {
		core    string
		hz      string
		dumptid string
	}{
		{"vmcore-amd64-minidump.bz2", "100", "100670"},
		{"vmcore-amd64-full.bz2", "100", "100659"},
	}
	for _, c := range cases {
		t.Run(c.core, func(t *testing.T) {
			core := filepath.Join(lldbFixtures, c.core) // read compressed, directly
			for _, v := range []struct{ name, want string }{{"hz", c.hz}, {"dumptid", c.dumptid}} {
				out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "--format", "json", v.name)
				if err != nil {
					t.Fatalf("print %s: %v", v.name, err)
				}
				var res struct {
					Variables []struct {
						Symbol string          `json:"symbol"`
						Value  json.RawMessage `json:"value"`
					} `json:"variables"`
				}
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatalf("print %s: output is not JSON: %v\n%s", v.name, err, out)
				}
				if len(res.Variables) != 1 {
					t.Fatalf("print %s: %d variables, want 1", v.name, len(res.Variables))
				}
				if got := string(res.Variables[0].Value); got != v.want {
					t.Errorf("print %s = %s, want %s", v.name, got, v.want)
				}
			}
			text, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "hz")
			if err != nil {
				t.Fatalf("print hz (text): %v", err)
			}
			if !strings.HasSuffix(strings.TrimSpace(text), "= "+c.hz) {
				t.Errorf("print hz (text) = %q, want it to end with %q", text, "= "+c.hz)
			}
		})
	}
}

// TestVnetsNotVIMAGE checks the message for a kernel without VNET.
func TestVnetsNotVIMAGE(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-amd64.bz2"), dir)
	core := unbzip2(t, filepath.Join(lldbFixtures, "vmcore-amd64-minidump.bz2"), dir)
	_, _, err := runCLI(t, "-N", kernel, "-M", core, "vnets")
	if err == nil {
		t.Fatal("vnets on a kernel without VIMAGE succeeded")
	}
	if !strings.Contains(err.Error(), "vnet_head") || !strings.Contains(err.Error(), "VIMAGE") {
		t.Errorf("error %q does not name vnet_head and VIMAGE", err)
	}
}

// TestUsageErrors checks that command-line mistakes are usage errors.
func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{"vnets"},                       // no -N
		{"-N", "k", "vnets"},            // no -M
		{"-N", "k", "-M", "c", "print"}, // no name
		{"-N", "k", "-M", "c", "--format", "xml", "vnets"},
		{"-N", "k", "-M", "c", "print", "--all", "--jail", "web", "x"},
	}
	for _, args := range cases {
		_, _, err := runCLI(t, args...)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%v: error %v (%T), want a usage error", args, err, err)
		}
	}
}
