package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

func TestQEMUArgsDumpPorts(t *testing.T) {
	opt := options{memoryMB: 64, fullDump: true, oldDumps: true, noCPUDump: true}
	args := qemuArgs(opt, "/k/kernel", "/out", "/s/qmp.sock", "/s/gdb.sock")
	joined := strings.Join(args, " ")

	// Port to file, as the kernel's include/kernel.h assigns the ports.
	want := map[string]string{
		"0x4e9": "/out/minidump",
		"0x4ea": "/out/full.elf",
		"0x4eb": "/out/minidump-v1",
		"0x4ec": "/out/minidump-v2",
		"0x4ed": "/out/minidump-nocpu",
	}
	for port, file := range want {
		i := slices.Index(args, "isa-debugcon,iobase="+port+",chardev=dump"+chardevIndex(t, args, file))
		if i < 0 {
			t.Errorf("no isa-debugcon device on port %s writing %s in %q", port, file, joined)
		}
	}
	if !strings.Contains(joined, "-debugcon file:/out/console.log") {
		t.Errorf("console not on -debugcon file:/out/console.log: %q", joined)
	}
	if slices.Contains(args, "-append") {
		t.Errorf("-append present although all dumps are enabled: %q", joined)
	}
}

// chardevIndex returns the N of the file chardev "dumpN" whose path is file.
func chardevIndex(t *testing.T, args []string, file string) string {
	t.Helper()
	for _, a := range args {
		if strings.HasPrefix(a, "file,id=dump") && strings.HasSuffix(a, ",path="+file) {
			return strings.TrimSuffix(strings.TrimPrefix(a, "file,id=dump"), ",path="+file)
		}
	}
	t.Errorf("no file chardev for %s", file)
	return "?"
}

func TestQEMUArgsKernelCommandLine(t *testing.T) {
	opt := options{memoryMB: 64, fullDump: false, oldDumps: false}
	args := qemuArgs(opt, "/k/kernel", "/out", "/s/qmp.sock", "/s/gdb.sock")

	i := slices.Index(args, "-append")
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("no -append in %q", args)
	}
	if args[i+1] != "fulldump=0 olddumps=0 nocpudump=0" {
		t.Errorf("-append %q, want \"fulldump=0 olddumps=0 nocpudump=0\"", args[i+1])
	}
}

func TestLastLines(t *testing.T) {
	if got := lastLines("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("lastLines(a b c, 2) = %q, want \"b\\nc\"", got)
	}
	if got := lastLines("a\n", 5); got != "a" {
		t.Errorf("lastLines(a, 5) = %q, want \"a\"", got)
	}
}

// TestBootCommittedKernel boots the committed clang-dwarf4 kernel and
// compares the minidump it writes with the committed one. Pages below
// 1 MiB are skipped because firmware data there, such as the BIOS timer
// tick count at 0x46c, differs from boot to boot.
func TestBootCommittedKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU for about 20 s; skipped with -short")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed (scripts/install-deps.sh installs it)")
	}
	fixtures := filepath.Join("..", "..", "testdata", "cores", "clang-dwarf4")
	dir := t.TempDir()
	kernel := filepath.Join(dir, "kernel")
	if err := os.WriteFile(kernel, decompress(t, filepath.Join(fixtures, "kernel.zst")), 0o644); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "out")
	opt := options{
		kernel: kernel, out: out, qemu: "qemu-system-x86_64", gdb: "gdb",
		oracle: filepath.Join(dir, "no-oracle.py"), memoryMB: 64,
		fullDump: false, oldDumps: false, timeout: 10 * time.Minute,
	}
	if err := run(opt); err != nil {
		t.Fatalf("run: %v", err)
	}

	wantConsole, err := os.ReadFile(filepath.Join(fixtures, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	gotConsole, err := os.ReadFile(filepath.Join(out, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotConsole, wantConsole) {
		t.Errorf("console.log differs from %s:\n%s", fixtures, gotConsole)
	}

	want := decompress(t, filepath.Join(fixtures, "minidump.zst"))
	got, err := os.ReadFile(filepath.Join(out, "minidump"))
	if err != nil {
		t.Fatal(err)
	}
	compareMinidumps(t, got, want)
}

func decompress(t *testing.T, path string) []byte {
	t.Helper()
	compressed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	data, err := dec.DecodeAll(compressed, nil)
	if err != nil {
		t.Fatalf("decompress %s: %v", path, err)
	}
	return data
}

// compareMinidumps compares two amd64 version 3 minidumps section by
// section, and their data pages at physical addresses from 1 MiB up.
func compareMinidumps(t *testing.T, got, want []byte) {
	t.Helper()
	const page = 4096
	if len(got) != len(want) {
		t.Fatalf("minidump is %d bytes, want %d", len(got), len(want))
	}
	le := binary.LittleEndian
	round := func(n uint32) int { return (int(n) + page - 1) / page * page }
	msgbufSize, bitmapSize := le.Uint32(want[28:]), le.Uint32(want[32:])
	pmapSize, availSize := le.Uint32(want[36:]), le.Uint32(want[64:])
	availOff := page + round(msgbufSize)
	bitmapOff := availOff + round(availSize)
	dataOff := bitmapOff + round(bitmapSize) + round(pmapSize)

	if !bytes.Equal(got[:dataOff], want[:dataOff]) {
		t.Errorf("header, message buffer, dump_avail, bitmap or page directories differ")
	}

	// Walk the set bits of the bitmap through the dump_avail ranges.
	bitmap := want[bitmapOff : bitmapOff+int(bitmapSize)]
	rank, bit := 0, 0
	for i := availOff; le.Uint64(want[i+8:]) != 0; i += 16 {
		start, end := le.Uint64(want[i:]), le.Uint64(want[i+8:])
		for pa := start &^ (page - 1); pa < end; pa, bit = pa+page, bit+1 {
			if bitmap[bit/8]>>(bit%8)&1 == 0 {
				continue
			}
			off := dataOff + rank*page
			rank++
			if pa >= 1<<20 && !bytes.Equal(got[off:off+page], want[off:off+page]) {
				t.Errorf("page at physical 0x%x (file offset 0x%x) differs", pa, off)
			}
		}
	}
	if dataOff+rank*page != len(want) {
		t.Errorf("bitmap lists %d pages, file has room for %d", rank, (len(want)-dataOff)/page)
	}
}
