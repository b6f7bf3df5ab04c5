package vnetwalk

import (
	"bytes"
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
	// Checked is false when the comparison could not be made; Reason says
	// why (no version symbol, or its page is not in the dump).
	Checked bool
	Reason  string
}

// CheckVersion compares the `version` string of the kernel file with the
// bytes at the same address in memory. A mismatch returns an error wrapping
// ErrKernelMismatch that names both strings.
func (k *Kernel) CheckVersion() (VersionCheck, error) {
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
