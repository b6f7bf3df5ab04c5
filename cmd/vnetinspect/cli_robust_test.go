package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// buildBinary compiles vnetinspect into dir, so that tests see the real
// process exit codes of main.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "vnetinspect")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestExitCodes runs the binary: 0 for success, 1 for a request that
// failed on its input, 2 for a bad command line.
func TestExitCodes(t *testing.T) {
	tmp := t.TempDir()
	bin := buildBinary(t, tmp)
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	core := findFile(vdir, "minidump")
	missing := filepath.Join(tmp, "vmcore.missing")
	junk := filepath.Join(tmp, "junk")
	if err := os.WriteFile(junk, []byte("QEVM\x00\x00\x00\x03 not a dump"), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"-N", kernel, "--cache-dir", tmp}
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string // substring of standard error
	}{
		{"success", append(common, "-M", core, "print", "hz"), 0, ""},
		{"missing core", append(common, "-M", missing, "vnets"), 1, missing},
		{"unknown format", append(common, "-M", junk, "vnets"), 1, "no supported format recognised"},
		{"unknown variable", append(common, "-M", core, "print", "no_such_variable"), 1, "no_such_variable"},
		{"unknown flag", append(common, "-M", core, "vnets", "--no-such-flag"), 2, "no-such-flag"},
		{"missing argument", append(common, "-M", core, "print"), 2, "print takes one"},
		{"no core", append(common, "vnets"), 2, "-M"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tc.stderr)
			}
			if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("stderr shows a Go panic: %q", stderr.String())
			}
		})
	}
}

// TestMissingCoreNoFallback names a memory file that does not exist: the
// run fails with the path and reads nothing else, so no output appears.
func TestMissingCoreNoFallback(t *testing.T) {
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(filepath.Join(coresDir, mainVariant), "kernel"), tmp)
	missing := filepath.Join(tmp, "vmcore.0")
	out, _, err := runCLI(t, "-N", kernel, "-M", missing, "--cache-dir", tmp, "print", "hz")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want one wrapping os.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not name %s", err, missing)
	}
	if out != "" {
		t.Errorf("output %q from a run without a memory source", out)
	}

}

// TestDirectoryCoreNoFallback names a directory as the memory source: the
// run fails naming it and prints nothing.
func TestDirectoryCoreNoFallback(t *testing.T) {
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(filepath.Join(coresDir, mainVariant), "kernel"), tmp)
	dir := filepath.Join(tmp, "crash")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "-N", kernel, "-M", dir, "--cache-dir", tmp, "print", "hz")
	if err == nil || !strings.Contains(err.Error(), dir+": not a regular file") {
		t.Errorf("error %v, want one saying %s is not a regular file", err, dir)
	}
	if out != "" {
		t.Errorf("output %q from a run without a memory source", out)
	}
}

// TestPermissionDeniedCore names a file without read permission as the
// memory source. It is skipped where that permission is not enforced.
func TestPermissionDeniedCore(t *testing.T) {
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(filepath.Join(coresDir, mainVariant), "kernel"), tmp)
	unreadable := filepath.Join(tmp, "vmcore.1")
	if err := os.WriteFile(unreadable, []byte("x"), 0o000); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(unreadable); err == nil {
		f.Close()
		t.Skip("the test runs with permission to read a mode 000 file (root?)")
	}
	out, _, err := runCLI(t, "-N", kernel, "-M", unreadable, "--cache-dir", tmp, "print", "hz")
	if !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), unreadable) {
		t.Errorf("error %v, want a permission error naming %s", err, unreadable)
	}
	if out != "" {
		t.Errorf("output %q from a run without a readable memory source", out)
	}
}

// fileState is a file's content hash and modification time.
type fileState struct {
	sum   [32]byte
	mtime time.Time
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{sum: sha256.Sum256(b), mtime: st.ModTime()}
}

// TestRunLeavesInputsUnchanged runs the main commands over the kernel and
// a compressed and an uncompressed dump, then checks that every input's
// bytes and modification time are as before.
func TestRunLeavesInputsUnchanged(t *testing.T) {
	tmp := t.TempDir()
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	compressed := findFile(vdir, "minidump")
	plain := unzstd(t, compressed, tmp)
	old := time.Date(2021, 6, 7, 8, 9, 10, 0, time.UTC)
	for _, p := range []string{kernel, plain} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	inputs := []string{kernel, plain, compressed}
	before := map[string]fileState{}
	for _, p := range inputs {
		before[p] = stateOf(t, p)
	}

	for _, core := range []string{plain, compressed} {
		for _, args := range [][]string{
			{"vnets"},
			{"print", "--all", "V_ip_defttl"},
			{"print", "--template", "V_ip_defttl"},
			{"info"},
		} {
			full := append([]string{"-N", kernel, "-M", core, "--cache-dir", filepath.Join(tmp, "cache")}, args...)
			if _, _, err := runCLI(t, full...); err != nil {
				t.Fatalf("%v: %v", args, err)
			}
		}
	}
	for _, p := range inputs {
		was, now := before[p], stateOf(t, p)
		if now.sum != was.sum {
			t.Errorf("%s changed: sha256 %x, was %x", p, now.sum, was.sum)
		}
		if !now.mtime.Equal(was.mtime) {
			t.Errorf("%s modification time %v, was %v", p, now.mtime, was.mtime)
		}
	}
}

// TestRealDumpDegrades reads the real, truncated amd64 minidump, whose
// skeleton kernel has no version string and no VNET. Its README gives
// hz = 100 and a file of 101,685,248 bytes against the 107,388,928 its
// bitmap promises, so ceil(5,703,680 / 4096) = 1393 pages are missing.
// print warns about both doubts and still reads hz; vnets names the
// missing VIMAGE support.
func TestRealDumpDegrades(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-amd64.bz2"), dir)
	core := unbzip2(t, filepath.Join(lldbFixtures, "vmcore-amd64-minidump.bz2"), dir)

	out, stderr, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "hz")
	if err != nil {
		t.Fatalf("print hz: %v", err)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "= 100") {
		t.Errorf("output %q does not end in = 100", out)
	}
	for _, want := range []string{"its last 1393 pages are missing", "the kernel could not be matched to the core"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("standard error %q does not contain %q", stderr, want)
		}
	}

	_, stderr, err = runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "vnets")
	if err == nil || !strings.Contains(err.Error(), "not built with options VIMAGE") {
		t.Errorf("vnets error %v, want one saying the kernel lacks options VIMAGE", err)
	}
	// A V_ name in a kernel without VIMAGE gets an error naming the reason.
	_, _, err = runCLI(t, "-N", kernel, "-M", core, "--cache-dir", dir, "print", "V_ip_defttl")
	if err == nil || !strings.Contains(err.Error(), "not built with options VIMAGE") {
		t.Errorf("print V_ip_defttl error %v, want one saying the kernel lacks options VIMAGE", err)
	}
	// The failed command still reports what it found wrong before.
	for _, want := range []string{"its last 1393 pages are missing", "the kernel could not be matched to the core"} {
		if !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, want) {
			t.Errorf("standard error of the failed vnets %q does not contain the warning %q", stderr, want)
		}
	}
}
