package kvm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildDumpHeader lays out a version 4 kerneldumpheader as FreeBSD's
// dump_init_header fills it, with big-endian integers, and sets the parity
// word so that the XOR of all 128 words is 0.
func buildDumpHeader(length uint64, compression byte, version string) []byte {
	h := make([]byte, dumpHeaderSize)
	be := binary.BigEndian
	copy(h, "FreeBSD Kernel Dump")
	copy(h[20:], "amd64")
	be.PutUint32(h[32:], 4)                     // version
	be.PutUint32(h[36:], 2)                     // architectureversion of amd64
	be.PutUint64(h[40:], length)                // dumplength
	be.PutUint64(h[48:], 1733300000)            // dumptime
	be.PutUint32(h[60:], 512)                   // blocksize
	copy(h[64:], "testhost")                    // hostname
	copy(h[128:], version+"\n")                 // versionstring
	copy(h[320:], "vnetinspect test")           // panicstring
	h[495] = compression                        // compression
	be.PutUint64(h[496:], roundUp(length, 512)) // dumpextent
	var parity uint32
	for i := 0; i < dumpHeaderSize; i += 4 {
		parity ^= be.Uint32(h[i:])
	}
	be.PutUint32(h[508:], parity)
	return h
}

func roundUp(n, m uint64) uint64 { return (n + m - 1) / m * m }

// buildDeviceImage places data at the end of a device image as the kernel
// does: padding, the first header, the data padded to its extent, and the
// last header in the last sector.
func buildDeviceImage(t *testing.T, data, first, last []byte) string {
	t.Helper()
	var img bytes.Buffer
	img.Write(make([]byte, 64<<10)) // space before the dump, e.g. the swap area's start
	img.Write(first)
	img.Write(data)
	img.Write(make([]byte, roundUp(uint64(len(data)), 512)-uint64(len(data))))
	img.Write(last)
	path := filepath.Join(t.TempDir(), "swap.img")
	if err := os.WriteFile(path, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// testKernelFiles returns the clang-dwarf5 kernel's info, its symbols and
// its version string read with debug/elf, and gdb's oracle.
func testKernelFiles(t *testing.T) (KernelInfo, map[string]uint64, string, oracleFile) {
	t.Helper()
	dir := filepath.Join(coresDir, "clang-dwarf5")
	image := readMaybeZstd(t, findFixture(dir, "kernel"))
	ki, syms := testKernelInfo(t, image)

	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	var version string
	all, _ := f.Symbols()
	for _, s := range all {
		if s.Name != "version" {
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && s.Value >= p.Vaddr && s.Value+s.Size <= p.Vaddr+p.Filesz {
				b := make([]byte, s.Size)
				p.ReadAt(b, int64(s.Value-p.Vaddr))
				version = strings.TrimRight(cString(b), "\n")
			}
		}
	}
	if version == "" {
		t.Fatal("the test kernel has no readable version string")
	}
	var oracle oracleFile
	if err := json.Unmarshal(readMaybeZstd(t, findFixture(dir, "oracle.json")), &oracle); err != nil {
		t.Fatal(err)
	}
	return ki, syms, version, oracle
}

func TestDumpDeviceImage(t *testing.T) {
	ki, syms, version, oracle := testKernelFiles(t)
	dir := filepath.Join(coresDir, "clang-dwarf5")
	minidump := readMaybeZstd(t, findFixture(dir, "minidump"))
	compressed, err := os.ReadFile(findFixture(dir, "minidump.zst"))
	if err != nil {
		t.Skipf("no zstd-compressed minidump fixture: %v", err)
	}

	for _, tc := range []struct {
		name        string
		data        []byte
		compression byte
		format      string
	}{
		{"plain", minidump, dumpCompressNone, "minidump-amd64-v3 (dump device)"},
		{"zstd", compressed, dumpCompressZstd, "minidump-amd64-v3 (zstd) (dump device)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := buildDumpHeader(uint64(len(tc.data)), tc.compression, version)
			path := buildDeviceImage(t, tc.data, h, h)
			c, err := Open(path, Options{Kernel: ki, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Format() != tc.format {
				t.Errorf("Format() = %q, want %q", c.Format(), tc.format)
			}
			if oracle.Globals.Hz == nil {
				t.Fatal("the oracle has no hz")
			}
			if hz := readU32(t, c.Virtual(), syms["hz"]); hz != *oracle.Globals.Hz {
				t.Errorf("hz = %d through the device, gdb read %d", hz, *oracle.Globals.Hz)
			}
			got := make([]byte, len(version))
			if _, err := c.Virtual().ReadAt(got, Addr(syms["version"])); err != nil || string(got) != version {
				t.Errorf("version = %q (%v), want the kernel file's %q", got, err, version)
			}

			info, err := ReadDumpInfo(c)
			if err != nil {
				t.Fatal(err)
			}
			if info.VersionString != version || info.PanicString != "vnetinspect test" || info.Hostname != "testhost" {
				t.Errorf("ReadDumpInfo = %+v", info)
			}
			if info.DumpTime != "2024-12-04T08:13:20Z" {
				t.Errorf("dump time %q, want 2024-12-04T08:13:20Z (1733300000)", info.DumpTime)
			}
		})
	}
}

func TestDumpDeviceCorruptParity(t *testing.T) {
	ki, _, version, _ := testKernelFiles(t)
	data := readMaybeZstd(t, findFixture(filepath.Join(coresDir, "clang-dwarf5"), "minidump"))
	h := buildDumpHeader(uint64(len(data)), 0, version)
	h[64] ^= 0x20 // one hostname bit flipped after the parity was set
	path := buildDeviceImage(t, data, h, h)
	_, err := Open(path, Options{Kernel: ki})
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "parity") {
		t.Fatalf("error %v, want a *FormatError about parity", err)
	}
	if want := int64(64<<10) + 512 + int64(roundUp(uint64(len(data)), 512)); fe.Offset != want {
		t.Errorf("error offset %#x, want the last header's %#x", fe.Offset, want)
	}
}

func TestDumpDeviceMismatchedHeaders(t *testing.T) {
	ki, _, version, _ := testKernelFiles(t)
	data := readMaybeZstd(t, findFixture(filepath.Join(coresDir, "clang-dwarf5"), "minidump"))
	last := buildDumpHeader(uint64(len(data)), 0, version)
	first := buildDumpHeader(uint64(len(data)), 0, version+" (older)")
	path := buildDeviceImage(t, data, first, last)
	_, err := Open(path, Options{Kernel: ki})
	if err == nil || !strings.Contains(err.Error(), "first kernel dump header differs") {
		t.Fatalf("error %v, want one about differing headers", err)
	}
}

func TestDumpDeviceRejectsEncrypted(t *testing.T) {
	h := buildDumpHeader(4096, 0, "v")
	binary.BigEndian.PutUint32(h[56:], 37) // dumpkeysize
	binary.BigEndian.PutUint32(h[508:], 0)
	var parity uint32
	for i := 0; i < dumpHeaderSize; i += 4 {
		parity ^= binary.BigEndian.Uint32(h[i:])
	}
	binary.BigEndian.PutUint32(h[508:], parity)
	path := buildDeviceImage(t, make([]byte, 4096), h, h)
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "decryptcore") {
		t.Fatalf("error %v, want one pointing to decryptcore(8)", err)
	}
}

func TestReadInfoFile(t *testing.T) {
	dir := t.TempDir()
	// The layout savecore(8) writes: libxo "Label: value" lines, where the
	// version string's own newline continues its value on the next line.
	text := "Dump header from device: /dev/ada0p3\n" +
		"  Architecture: amd64\n" +
		"  Architecture Version: 2\n" +
		"  Dump Length: 123456\n" +
		"  Blocksize: 512\n" +
		"  Compression: none\n" +
		"  Dumptime: Wed Dec  4 08:13:20 2024\n" +
		"  Hostname: web1\n" +
		"  Magic: FreeBSD Kernel Dump\n" +
		"  Version String: FreeBSD 14.1-RELEASE releng/14.1-n267679-10e31f0946d8 GENERIC\n" +
		"  Panic String: page fault\n" +
		"  Dump Parity: 1234\n" +
		"  Bounds: 0\n" +
		"  Dump Status: good\n"
	if err := os.WriteFile(filepath.Join(dir, "info.3"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := ReadInfoFile(filepath.Join(dir, "info.3"))
	if err != nil {
		t.Fatal(err)
	}
	if info.VersionString != "FreeBSD 14.1-RELEASE releng/14.1-n267679-10e31f0946d8 GENERIC" {
		t.Errorf("version string %q", info.VersionString)
	}
	if info.PanicString != "page fault" || info.DumpTime != "Wed Dec  4 08:13:20 2024" || info.Hostname != "web1" {
		t.Errorf("info = %+v", info)
	}
	if p, ok := infoFileFor(filepath.Join(dir, "vmcore.3.zst")); !ok || p != filepath.Join(dir, "info.3") {
		t.Errorf("infoFileFor(vmcore.3.zst) = %q, %v", p, ok)
	}
	if _, ok := infoFileFor(filepath.Join(dir, "minidump")); ok {
		t.Error("infoFileFor accepted a file not named vmcore.N")
	}
}

func TestReadInfoFileMultilineVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "info.0")
	text := "  Version String: FreeBSD 15.0-CURRENT #0 main-n1: Mon Jan 1 2024\n" +
		"    root@build:/usr/obj/usr/src/amd64.amd64/sys/GENERIC\n" +
		"  Panic String: test\n"
	os.WriteFile(path, []byte(text), 0o644)
	info, err := ReadInfoFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "FreeBSD 15.0-CURRENT #0 main-n1: Mon Jan 1 2024\n    root@build:/usr/obj/usr/src/amd64.amd64/sys/GENERIC"
	if info.VersionString != want {
		t.Errorf("version string %q, want %q", info.VersionString, want)
	}
}
