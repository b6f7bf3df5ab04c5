package kvm

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const seaBIOS = "/usr/share/seabios/bios-256k.bin"

// qemuDump starts a stopped QEMU guest with the SeaBIOS image, dumps its
// memory with the monitor's dump-guest-memory command over a unix socket,
// and returns the dump's path.
func qemuDump(t *testing.T) string {
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
	if _, err := os.Stat(seaBIOS); err != nil {
		t.Skipf("SeaBIOS image not installed: %v", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "monitor.sock")
	dump := filepath.Join(dir, "guest.elf")

	cmd := exec.Command(qemu, "-S", "-display", "none", "-nodefaults", "-no-user-config",
		"-m", "16", "-bios", seaBIOS, "-monitor", "unix:"+sock+",server=on,wait=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})

	var conn net.Conn
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if conn, err = net.Dial("unix", sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("QEMU monitor socket never opened: %v; stderr: %s", err, stderr.String())
		}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))

	r := bufio.NewReader(conn)
	waitPrompt := func() string {
		var out strings.Builder
		for !strings.HasSuffix(out.String(), "(qemu) ") {
			b, err := r.ReadByte()
			if err != nil {
				t.Fatalf("reading the QEMU monitor: %v; output so far %q", err, out.String())
			}
			out.WriteByte(b)
		}
		return out.String()
	}
	waitPrompt()
	// The monitor returns the prompt once the dump is complete.
	if _, err := conn.Write([]byte("dump-guest-memory " + dump + "\n")); err != nil {
		t.Fatal(err)
	}
	waitPrompt()
	conn.Write([]byte("quit\n"))
	if _, err := os.Stat(dump); err != nil {
		t.Fatalf("QEMU wrote no dump: %v", err)
	}
	return dump
}

// QEMU maps the BIOS image below 4 GiB and its last 128 KiB at 0xe0000;
// the dump must hold the image file's bytes at both places.
func TestQEMUGuestDump(t *testing.T) {
	bios, err := os.ReadFile(seaBIOS)
	if err != nil {
		t.Skipf("SeaBIOS image not readable: %v", err)
	}
	c, err := Open(qemuDump(t), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	if got := c.Format(); got != "qemu-elf" {
		t.Errorf("Format() = %q, want qemu-elf", got)
	}
	// A guest stopped before its first instruction is in real mode, for
	// which QEMU writes ELF machine i386.
	if got := c.Arch(); got != "i386" {
		t.Errorf("Arch() = %q, want i386", got)
	}

	top := readBytes(t, c.Physical(), 1<<32-uint64(len(bios)), len(bios))
	if !bytes.Equal(top, bios) {
		t.Errorf("memory below 4 GiB differs from %s", seaBIOS)
	}
	low := readBytes(t, c.Physical(), 0xe0000, 0x20000)
	if !bytes.Equal(low, bios[len(bios)-0x20000:]) {
		t.Errorf("memory at 0xe0000 differs from the end of %s", seaBIOS)
	}

	var b [8]byte
	_, err = c.Physical().ReadAt(b[:], 32<<20) // above the 16 MiB of RAM
	wantFault(t, err, ErrNotInDump)
	_, err = c.Virtual().ReadAt(b[:], 0xe0000)
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("virtual read of an i386 guest: %v, want errors.ErrUnsupported", err)
	}
}
