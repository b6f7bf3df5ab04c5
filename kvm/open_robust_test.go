package kvm

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// File offsets of v3Spec's sections. Each section is rounded to a page:
// the header page, a 5000-byte msgbuf (two pages), one page of dump_avail,
// a one-page bitmap and 1024 PDEs (two pages), then the data pages.
const (
	v3AvailOff  = pageSize + 2*pageSize
	v3BitmapOff = v3AvailOff + pageSize
	v3PmapOff   = v3BitmapOff + pageSize
	v3SparseOff = v3PmapOff + 2*pageSize
)

// openFormatError opens data and returns the *FormatError it must fail with.
func openFormatError(t *testing.T, data []byte, opts Options) (*FormatError, string) {
	t.Helper()
	path := writeTemp(t, "vmcore", data)
	c, err := Open(path, opts)
	if err == nil {
		c.Close()
		t.Fatal("Open succeeded")
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("Open: %v (%T), want a *FormatError", err, err)
	}
	return fe, path
}

func TestMinidumpTruncatedSections(t *testing.T) {
	good := v3Spec().build(t)
	if len(good) <= v3SparseOff {
		t.Fatalf("test minidump is %d bytes, not past its data offset %#x", len(good), v3SparseOff)
	}
	cases := []struct {
		name   string
		cut    int
		field  string
		offset int64
	}{
		{"inside the bitmap", v3BitmapOff + 100, "bitmapsize", 32},
		{"inside the page tables", v3PmapOff + 100, "pmapsize", 36},
		{"inside dump_avail", v3AvailOff + 8, "dumpavailsize", 64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fe, _ := openFormatError(t, good[:tc.cut], Options{})
			if fe.Offset != tc.offset {
				t.Errorf("offset %#x, want %#x (the %s field)", fe.Offset, tc.offset, tc.field)
			}
			for _, w := range []string{tc.field, "past the end", "truncated"} {
				if !strings.Contains(fe.Msg, w) {
					t.Errorf("message %q does not contain %q", fe.Msg, w)
				}
			}
		})
	}
}

// TestMinidumpTruncatedDataMissing cuts the file just after the page tables:
// the header opens with a warning, and every dumped page is missing rather
// than zero.
func TestMinidumpTruncatedDataMissing(t *testing.T) {
	data := v3Spec().build(t)[:v3SparseOff]
	c := openBytes(t, data, Options{})
	ws := c.Warnings()
	if len(ws) != 1 || !strings.Contains(ws[0], "truncated") || !strings.Contains(ws[0], "7 pages are missing") {
		t.Errorf("warnings %q, want one saying the last 7 pages are missing", ws)
	}
	var b [8]byte
	n, err := c.Physical().ReadAt(b[:], 0x90000)
	if n != 0 {
		t.Errorf("read %d bytes of a missing page", n)
	}
	fe := wantFault(t, err, ErrNotInDump)
	if !strings.Contains(fe.Reason, "truncated") {
		t.Errorf("reason %q does not say the dump is truncated", fe.Reason)
	}
	// A virtual read through the 2 MiB PDE hits a missing data page too.
	_, err = c.Virtual().ReadAt(b[:], testKernBase+1<<pageShift2M)
	wantFault(t, err, ErrNotInDump)
}

func TestMinidumpHeaderFieldsInvalid(t *testing.T) {
	good := v3Spec().build(t)
	le := binary.LittleEndian
	cases := []struct {
		name   string
		patch  func(b []byte)
		offset int64
		want   []string
	}{
		{"bitmapsize 0", func(b []byte) { le.PutUint32(b[32:], 0) }, 32, []string{"bitmapsize is 0", "corrupt"}},
		{"dmapend below dmapbase", func(b []byte) { le.PutUint64(b[56:], testDmapBase-pageSize) }, 56,
			[]string{"dmapend 0xfffff7fffffff000", "below dmapbase 0xfffff80000000000"}},
		{"version newer than known", func(b []byte) { le.PutUint32(b[24:], 7) }, 24, []string{"version 7", "versions 1 to 3"}},
		{"bitmap of 4 GiB", func(b []byte) { le.PutUint32(b[32:], 0xffffffff) }, 32, []string{"4294967295", "exceeds the limit"}},
		{"dump_avail of 4 GiB", func(b []byte) { le.PutUint32(b[64:], 0xffffffff) }, 64, []string{"dumpavailsize", "exceeds the limit"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte{}, good...)
			tc.patch(b)
			fe, path := openFormatError(t, b, Options{})
			if fe.File != path {
				t.Errorf("file %q, want %q", fe.File, path)
			}
			if fe.Offset != tc.offset {
				t.Errorf("offset %#x, want %#x", fe.Offset, tc.offset)
			}
			for _, w := range tc.want {
				if !strings.Contains(fe.Msg, w) {
					t.Errorf("message %q does not contain %q", fe.Msg, w)
				}
			}
		})
	}
}

// TestOpenForeignFormats opens files of formats that are not dumps: the
// message shows the bytes found and lists what is supported, once.
func TestOpenForeignFormats(t *testing.T) {
	// A QEMU migration stream starts with QEMU_VM_FILE_MAGIC 0x5145564d
	// ("QEVM") and QEMU_VM_FILE_VERSION 3, both big-endian 32-bit words.
	qemuMigration := append([]byte("QEVM\x00\x00\x00\x03"), make([]byte, 100)...)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("#!/bin/sh\necho this is a shell script, not a dump\n"))
	zw.Close()

	cases := []struct {
		name string
		data []byte
		want []string
	}{
		{"QEMU migration stream", qemuMigration, []string{`"QEVM...`, "51 45 56 4d", "FreeBSD full dumps"}},
		{"gzip of a script", gz.Bytes(), []string{"gzip-decompressed into", "#!/bin/sh", "FreeBSD full dumps"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cache := t.TempDir()
			fe, path := openFormatError(t, tc.data, Options{CacheDir: cache})
			if !errors.Is(fe, ErrUnknownFormat) {
				t.Errorf("error %v does not wrap ErrUnknownFormat", fe)
			}
			msg := fe.Error()
			if !strings.HasPrefix(msg, path+": ") && !strings.HasPrefix(msg, path+" (gzip-decompressed into ") {
				t.Errorf("message %q does not start with the file the user named", msg)
			}
			if strings.HasSuffix(msg, ErrUnknownFormat.Error()) {
				t.Errorf("message %q ends in the sentinel's text", msg)
			}
			if n := strings.Count(msg, "supported: "); n != 1 {
				t.Errorf("message %q lists the supported formats %d times, want once", msg, n)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// TestELFCorePNXNumWithoutSections sets e_phnum to PN_XNUM in a core that
// has no section headers, where the real count would be.
func TestELFCorePNXNumWithoutSections(t *testing.T) {
	m, k := testMachine(0x200000, false)
	good := buildELFCore(m, 255, 62, nil)
	le := binary.LittleEndian

	noSections := append([]byte{}, good...)
	le.PutUint16(noSections[56:], 0xffff)
	le.PutUint64(noSections[40:], 0)
	fe, _ := openFormatError(t, noSections, Options{Kernel: k})
	for _, w := range []string{"PN_XNUM", "e_shoff is 0"} {
		if !strings.Contains(fe.Msg, w) {
			t.Errorf("message %q does not contain %q", fe.Msg, w)
		}
	}

	// Section header 0 at the end of the file, whose sh_info claims 2^32-1
	// program headers: rejected before the headers are allocated.
	huge := append([]byte{}, good...)
	le.PutUint16(huge[56:], 0xffff)
	le.PutUint64(huge[40:], uint64(len(huge)))
	sh := make([]byte, elfShdrSize)
	le.PutUint32(sh[44:], 0xffffffff)
	huge = append(huge, sh...)
	fe, _ = openFormatError(t, huge, Options{Kernel: k})
	if !strings.Contains(fe.Msg, "4294967295 program headers exceed the limit") {
		t.Errorf("message %q does not reject 4294967295 program headers", fe.Msg)
	}
}

func TestCompressedTruncatedWarns(t *testing.T) {
	gz := kernelGzip(t, v3Spec().build(t))
	path := writeTemp(t, "vmcore.0.gz", gz[:len(gz)/2])
	c, err := Open(path, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	ws := c.Warnings()
	found := false
	for _, w := range ws {
		if strings.HasPrefix(w, path+": ") && strings.Contains(w, "gzip stream ends before its end marker") {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings %q do not report the cut gzip stream of %s", ws, path)
	}
}

// TestCompressedCacheDamaged cuts the cached decompressed copy short and
// leaves an old temporary file of a killed run: the next Open must
// decompress again and remove the leftover.
func TestCompressedCacheDamaged(t *testing.T) {
	raw := v3Spec().build(t)
	path := writeTemp(t, "vmcore.1.gz", kernelGzip(t, raw))
	cache := t.TempDir()
	c, err := Open(path, Options{CacheDir: cache})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	c.Close()
	copies, _ := filepath.Glob(filepath.Join(cache, "*.core"))
	if len(copies) != 1 {
		t.Fatalf("cache holds %v, want one decompressed copy", copies)
	}
	if err := os.Truncate(copies[0], int64(v3SparseOff)); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSuffix(filepath.Base(copies[0]), fmt.Sprintf("-%d.core", len(raw)))
	stale := filepath.Join(cache, key+".123.tmp")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}

	c, err = Open(path, Options{CacheDir: cache})
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer c.Close()
	if ws := c.Warnings(); len(ws) != 0 {
		t.Errorf("warnings %q after the cache was rebuilt", ws)
	}
	if got, w := readBytes(t, c.Physical(), 0x405000, 16), patternBytes(0x405000, 16); !bytes.Equal(got, w) {
		t.Errorf("last page %x, want %x", got, w)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file %s is still there (%v)", stale, err)
	}
	st, err := os.Stat(copies[0])
	if err != nil || st.Size() != int64(len(raw)) {
		t.Errorf("cached copy %s not rebuilt to %d bytes (%v, %v)", copies[0], len(raw), st, err)
	}
}

// TestOpenLeavesInputUnchanged reads through every reader of a minidump and
// of its gzip form, then checks that the files' bytes and mtimes are as
// before: Open and the readers must only read.
func TestOpenLeavesInputUnchanged(t *testing.T) {
	raw := v3Spec().build(t)
	dir := t.TempDir()
	inputs := map[string][]byte{"vmcore.2": raw, "vmcore.2.gz": kernelGzip(t, raw)}
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, data := range inputs {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o400); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		c, err := Open(path, Options{CacheDir: filepath.Join(dir, "cache")})
		if err != nil {
			t.Fatalf("Open %s: %v", name, err)
		}
		readBytes(t, c.Virtual(), testKernBase+3*pageSize, 64)
		readBytes(t, c.Physical(), 0x400000, pageSize)
		c.Close()

		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s changed", name)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !st.ModTime().Equal(mtime) {
			t.Errorf("%s mtime %v, want %v", name, st.ModTime(), mtime)
		}
		if st.Mode().Perm() != 0o400 {
			t.Errorf("%s mode %v, want 0400", name, st.Mode().Perm())
		}
	}
}
