package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// scaleDirEnv names the directory that scripts/bench-scale.sh fills with
// the scale test kernel and its dumps: kernel, minidump and full.elf.
const scaleDirEnv = "VNETINSPECT_SCALE_DIR"

// scaleFiles returns the kernel and the dump named core in the scale
// directory, and skips the benchmark when the directory is not set.
func scaleFiles(b *testing.B, core string) (string, string) {
	b.Helper()
	dir := os.Getenv(scaleDirEnv)
	if dir == "" {
		b.Skipf("%s is not set; scripts/bench-scale.sh builds the scale kernel and its dumps", scaleDirEnv)
	}
	kernel, dump := filepath.Join(dir, "kernel"), filepath.Join(dir, core)
	for _, p := range []string{kernel, dump} {
		if _, err := os.Stat(p); err != nil {
			b.Skipf("%s: %v", p, err)
		}
	}
	return kernel, dump
}

// BenchmarkDumpScale runs `dump --format ndjson` in process on the scale
// kernel's dumps, writing to io.Discard.
func BenchmarkDumpScale(b *testing.B) {
	for _, core := range []string{"minidump", "full.elf"} {
		b.Run(core, func(b *testing.B) {
			kernel, dump := scaleFiles(b, core)
			for range b.N {
				cmd := newRootCmd()
				cmd.SetOut(io.Discard)
				cmd.SetErr(io.Discard)
				cmd.SetArgs([]string{"-N", kernel, "-M", dump, "dump", "--format", "ndjson"})
				if err := cmd.Execute(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
