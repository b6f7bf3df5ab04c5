package vnetwalk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// ErrKernelMismatch reports a core that was not written by the kernel given.
var ErrKernelMismatch = errors.New("kernel does not match the core")

// A VersionCheck is the result of comparing the kernel file's version
// string with the one in memory, as crashinfo(8) matches kernels to dumps.
type VersionCheck struct {
	File   string // version in the kernel file, without the trailing newline
	Memory string // version read from the core
	// Checked is false when neither the version nor the build ID could be
	// compared; Reason says why (no version symbol, or its page is not in
	// the dump).
	Checked bool
	Reason  string
	// BuildID is the kernel file's GNU build ID note in hex, set when the
	// same bytes were found in memory.
	BuildID string
}

// CheckVersion compares the `version` string of the kernel file with the
// bytes at the same address in memory, then the GNU build ID note when the
// kernel has one. A mismatch returns an error wrapping ErrKernelMismatch
// that names both sides.
func (k *Kernel) CheckVersion() (VersionCheck, error) {
	c, err := k.checkVersionString()
	if err != nil {
		return c, err
	}
	id, err := k.checkBuildID()
	if err != nil {
		return c, err
	}
	if id != "" {
		c.BuildID, c.Checked, c.Reason = id, true, ""
	}
	return c, nil
}

// checkBuildID compares the kernel file's build ID note with memory. The
// note lies between __build_id_start and __build_id_end, which FreeBSD's
// kern.build_id sysctl reads, or else in the allocated .note.gnu.build-id
// section. It returns the ID in hex when both sides have it and agree, and
// "" when either side lacks it.
func (k *Kernel) checkBuildID() (string, error) {
	var addr, size uint64
	start, okStart := k.Syms.Lookup("__build_id_start")
	end, okEnd := k.Syms.Lookup("__build_id_end")
	if okStart && okEnd && end.Addr > start.Addr {
		addr, size = start.Addr, end.Addr-start.Addr
	} else {
		for _, s := range k.Syms.Sections() {
			if s.Name == ".note.gnu.build-id" && s.Addr != 0 {
				addr, size = s.Addr, s.Size
			}
		}
	}
	if size == 0 || size > 4096 {
		return "", nil
	}
	file := make([]byte, size)
	if n, err := k.Syms.ReadImage(file, addr); err != nil || uint64(n) != size {
		return "", nil
	}
	mem := make([]byte, size)
	if err := k.read(mem, addr); err != nil {
		return "", nil
	}
	if !bytes.Equal(file, mem) {
		return "", fmt.Errorf("%w: the kernel file %s has build ID %x, but the core holds %x at %#x; give the kernel that wrote the core with -N (or --force to read anyway)",
			ErrKernelMismatch, k.Syms.Path(), noteDesc(file), noteDesc(mem), addr)
	}
	return fmt.Sprintf("%x", noteDesc(file)), nil
}

// noteDesc returns the descriptor of the ELF note at the start of b, the
// build ID itself, or all of b when the note header does not fit.
func noteDesc(b []byte) []byte {
	if len(b) < 12 {
		return b
	}
	namesz := uint64(binary.LittleEndian.Uint32(b))
	descsz := uint64(binary.LittleEndian.Uint32(b[4:]))
	off := 12 + (namesz+3)&^3
	if namesz > uint64(len(b)) || descsz > uint64(len(b)) || off+descsz > uint64(len(b)) {
		return b
	}
	return b[off : off+descsz]
}

// checkVersionString compares the `version` strings.
func (k *Kernel) checkVersionString() (VersionCheck, error) {
	var c VersionCheck
	sym, ok := k.Syms.Lookup("version")
	if !ok || sym.Size == 0 || sym.Size > 4096 {
		c.Reason = fmt.Sprintf("the kernel %s has no usable version symbol", k.Syms.Path())
		return c, nil
	}
	file := make([]byte, sym.Size)
	if n, err := k.Syms.ReadImage(file, sym.Addr); err != nil || uint64(n) != sym.Size {
		c.Reason = fmt.Sprintf("the version string at %#x is not in the kernel file", sym.Addr)
		return c, nil
	}
	mem := make([]byte, sym.Size)
	if err := k.read(mem, sym.Addr); err != nil {
		c.File = cString(file)
		c.Reason = fmt.Sprintf("the version string at %#x could not be read from the core: %v", sym.Addr, err)
		return c, nil
	}
	c.File, c.Memory, c.Checked = cString(file), cString(mem), true
	if !bytes.Equal(file, mem) {
		return c, fmt.Errorf("%w: the kernel file %s has version %q, but the core holds %q at %#x; give the kernel that wrote the core with -N (or --force to read anyway)",
			ErrKernelMismatch, k.Syms.Path(), c.File, c.Memory, sym.Addr)
	}
	return c, nil
}

// cString returns the text before the first NUL, without trailing newlines.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.TrimRight(string(b), "\n")
}
