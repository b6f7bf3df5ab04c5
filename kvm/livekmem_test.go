package kvm

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeKmem writes a sparse file standing in for /dev/kmem: two mapped pages
// at 0x10000 and 0x11000, and returns its path with the pages' bytes.
func fakeKmem(t *testing.T) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kmem")
	mapped := make([]byte, 2*pageSize)
	for i := range mapped {
		mapped[i] = byte(i*13 + 1)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(mapped, 0x10000); err != nil {
		t.Fatal(err)
	}
	return path, mapped
}

func TestLiveDeviceReadsAtOffsetAddress(t *testing.T) {
	path, mapped := fakeKmem(t)
	c, err := openLiveDevices(path, filepath.Join(t.TempDir(), "no-mem"), "amd64")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.Warnings()) != 1 || !strings.Contains(c.Warnings()[0], "physical") {
		t.Errorf("warnings %q, want one about physical addresses", c.Warnings())
	}

	got := make([]byte, pageSize+100)
	n, err := c.Virtual().ReadAt(got, 0x10000+50)
	if err != nil || n != len(got) {
		t.Fatalf("ReadAt across the two pages = %d, %v", n, err)
	}
	if !bytes.Equal(got, mapped[50:50+len(got)]) {
		t.Error("bytes differ from the fake device's at offset = address")
	}

	// Past the end of the file the read returns 0 bytes: not mapped.
	n, err = c.Virtual().ReadAt(got[:16], 0x12000)
	if n != 0 || !errors.Is(err, ErrNotMapped) {
		t.Errorf("read past the device end = %d, %v; want 0 and ErrNotMapped", n, err)
	}
	if _, err := c.Physical().ReadAt(got[:8], 0); err == nil {
		t.Error("physical read succeeded without a physical memory device")
	}
}

// TestLiveDeviceFaultMidRead makes the second page fail with EFAULT, as
// FreeBSD's /dev/kmem does for an unmapped page.
func TestLiveDeviceFaultMidRead(t *testing.T) {
	path, mapped := fakeKmem(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := newDeviceReader(f, false)
	passThrough := r.pread
	r.pread = func(p []byte, off int64) (int, error) {
		if off >= 0x11000 {
			return 0, unix.EFAULT
		}
		return passThrough(p, off)
	}
	got := make([]byte, 200)
	n, err := r.ReadAt(got, 0x11000-100)
	if n != 100 || !bytes.Equal(got[:100], mapped[pageSize-100:pageSize]) {
		t.Errorf("read %d bytes before the fault, want the page's last 100", n)
	}
	var fe *FaultError
	if !errors.As(err, &fe) || fe.Addr != 0x11000 || !errors.Is(err, ErrNotMapped) {
		t.Errorf("error %v, want a fault at 0x11000 wrapping ErrNotMapped", err)
	}
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v does not name the device %s", err, path)
	}
}

func TestOpenLiveOutsideFreeBSD(t *testing.T) {
	if runtime.GOOS == "freebsd" {
		t.Skip("runs only where /dev/kmem is missing")
	}
	if _, err := OpenLive(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("OpenLive error %v, want ErrUnsupported", err)
	}
}

// TestFreeBSDCrossCompile builds the module and vets package kvm for
// FreeBSD, so that the freebsd-only files keep compiling on this machine.
func TestFreeBSDCrossCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the module; skipped with -short")
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./kvm/..."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "GOOS=freebsd", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOOS=freebsd go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
