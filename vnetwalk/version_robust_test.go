package vnetwalk

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetinspect/vnetinspect/symbols"
)

// buildIDAddr is where the test adds a build ID note to the test kernel,
// in a gap of its address space.
const buildIDAddr = 0xffffffff80400000

// testBuildID is the NT_GNU_BUILD_ID note the test adds: name "GNU", type
// 3, and a 20-byte ID.
const testBuildID = "\x04\x00\x00\x00\x14\x00\x00\x00\x03\x00\x00\x00GNU\x00" +
	"\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67"

// kernelWithBuildID adds testBuildID to a copy of the test kernel as an
// allocated .note.gnu.build-id section at buildIDAddr.
func kernelWithBuildID(t *testing.T) *symbols.Table {
	t.Helper()
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skip("objcopy (binutils) is not installed")
	}
	dir := t.TempDir()
	note := filepath.Join(dir, "note")
	writeFile(t, note, testBuildID)
	out := filepath.Join(dir, "kernel.buildid")
	cmd := exec.Command("objcopy", "--add-section", ".note.gnu.build-id="+note,
		"--set-section-flags", ".note.gnu.build-id=alloc,readonly,contents,load",
		"--change-section-address", ".note.gnu.build-id=0xffffffff80400000",
		openTestKernel(t).Path(), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, b)
	}
	syms, err := symbols.Open(out, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syms.Close() })
	return syms
}

// versionWorld puts the kernel file's version string into memory, so that
// the version comparison succeeds, and the note bytes when note is not "".
func versionWorld(t *testing.T, syms *symbols.Table, withVersion bool, note string) *Kernel {
	t.Helper()
	mem := &fakeMemory{runs: map[uint64][]byte{}}
	if withVersion {
		v, ok := syms.Lookup("version")
		if !ok {
			t.Fatal("test kernel has no version symbol")
		}
		b := make([]byte, v.Size)
		if _, err := syms.ReadImage(b, v.Addr); err != nil {
			t.Fatal(err)
		}
		mem.runs[v.Addr] = b
	}
	if note != "" {
		mem.runs[buildIDAddr] = []byte(note)
	}
	return New(syms, mem)
}

func TestBuildIDMatches(t *testing.T) {
	syms := kernelWithBuildID(t)
	c, err := versionWorld(t, syms, true, testBuildID).CheckVersion()
	if err != nil {
		t.Fatalf("CheckVersion: %v", err)
	}
	if !c.Checked {
		t.Errorf("check %+v is not marked checked", c)
	}
	if c.BuildID != "0123456789abcdef0123456789abcdef01234567" {
		t.Errorf("build ID %q, want the 20 bytes of the note", c.BuildID)
	}
}

func TestBuildIDMismatch(t *testing.T) {
	syms := kernelWithBuildID(t)
	other := strings.Replace(testBuildID, "\x01\x23", "\xfe\xdc", 1)
	_, err := versionWorld(t, syms, true, other).CheckVersion()
	if !errors.Is(err, ErrKernelMismatch) {
		t.Fatalf("CheckVersion error %v, want ErrKernelMismatch", err)
	}
	for _, want := range []string{"0123456789abcdef0123456789abcdef01234567", "fedc456789abcdef0123456789abcdef01234567", "0xffffffff80400000", "--force"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

// TestBuildIDOnlySide checks the cases where one comparison is missing:
// the note page is not in the dump (the version still decides), and the
// version page is not in the dump (the build ID decides).
func TestBuildIDOnlySide(t *testing.T) {
	syms := kernelWithBuildID(t)
	c, err := versionWorld(t, syms, true, "").CheckVersion()
	if err != nil || !c.Checked || c.BuildID != "" {
		t.Errorf("note missing from memory: check %+v, error %v; want checked by version, no build ID", c, err)
	}
	c, err = versionWorld(t, syms, false, testBuildID).CheckVersion()
	if err != nil || !c.Checked || c.Reason != "" {
		t.Errorf("version missing from memory: check %+v, error %v; want checked by build ID, no reason", c, err)
	}
}

// TestBuildIDAbsentFromKernel checks that the test kernel, which has no
// build ID note, is checked by its version alone.
func TestBuildIDAbsentFromKernel(t *testing.T) {
	c, err := versionWorld(t, openTestKernel(t), true, "").CheckVersion()
	if err != nil || !c.Checked || c.BuildID != "" {
		t.Errorf("check %+v, error %v; want checked by version, no build ID", c, err)
	}
}
