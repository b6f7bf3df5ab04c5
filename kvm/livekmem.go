package kvm

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Live kernel memory on FreeBSD: /dev/kmem reads kernel virtual addresses
// at file offset = address, and /dev/mem reads physical addresses the same
// way, as libkvm does for a running kernel. Kernel addresses are above
// 2^63, so the offsets passed to pread(2) are negative; FreeBSD accepts that
// for character devices.
const (
	liveKmemPath = "/dev/kmem"
	liveMemPath  = "/dev/mem"
)

// A deviceReader reads a memory device with pread(2) at offset = address.
type deviceReader struct {
	path     string
	physical bool
	pread    func(p []byte, off int64) (int, error)
}

// ReadAt implements Reader. It reads at most up to each page end, so that
// a failure names the first page that could not be read.
func (r *deviceReader) ReadAt(p []byte, addr Addr) (int, error) {
	if err := checkWrap(p, addr, r.physical); err != nil {
		return 0, err
	}
	done := 0
	for done < len(p) {
		a := uint64(addr) + uint64(done)
		chunk := min(len(p)-done, pageSize-int(a%pageSize))
		n, err := r.pread(p[done:done+chunk], int64(a))
		if n > 0 {
			done += n
		}
		switch {
		case err != nil:
			return done, r.fault(Addr(a+uint64(max(n, 0))), err)
		case n == 0:
			return done, &FaultError{Addr: Addr(a), Physical: r.physical, Reason: r.path + " returned no bytes", Err: ErrNotMapped}
		}
	}
	return done, nil
}

// fault turns a pread error into a *FaultError. The kernel returns EFAULT
// for an address that no page maps.
func (r *deviceReader) fault(addr Addr, err error) error {
	if errors.Is(err, unix.EFAULT) {
		return &FaultError{Addr: addr, Physical: r.physical, Reason: fmt.Sprintf("%s: %v", r.path, err), Err: ErrNotMapped}
	}
	return &FaultError{Addr: addr, Physical: r.physical, Reason: "reading " + r.path, Err: err}
}

// newDeviceReader returns a reader of an open memory device.
func newDeviceReader(f *os.File, physical bool) *deviceReader {
	fd := int(f.Fd())
	return &deviceReader{
		path:     f.Name(),
		physical: physical,
		pread:    func(p []byte, off int64) (int, error) { return unix.Pread(fd, p, off) },
	}
}

// A liveCore reads the running kernel's memory through its devices.
type liveCore struct {
	kmem, mem *os.File // mem is nil when /dev/mem could not be opened
	arch      string
	warnings  []string
}

// openLiveDevices opens kmemPath for virtual reads and memPath, if
// possible, for physical reads. Both are opened read-only.
func openLiveDevices(kmemPath, memPath, arch string) (*liveCore, error) {
	kmem, err := os.Open(kmemPath)
	if err != nil {
		return nil, fmt.Errorf("opening %s to read the running kernel: %w (it needs root, or membership in group kmem)", kmemPath, err)
	}
	c := &liveCore{kmem: kmem, arch: arch}
	if mem, err := os.Open(memPath); err == nil {
		c.mem = mem
	} else {
		c.warnings = append(c.warnings, fmt.Sprintf("physical addresses cannot be read: %v", err))
	}
	return c, nil
}

func (c *liveCore) Virtual() Reader { return newDeviceReader(c.kmem, false) }

// Physical implements Core.
func (c *liveCore) Physical() Reader {
	if c.mem == nil {
		return failingReader{reason: "the physical memory device could not be opened", err: os.ErrPermission}
	}
	return newDeviceReader(c.mem, true)
}

func (c *liveCore) Format() string     { return "live" }
func (c *liveCore) Arch() string       { return c.arch }
func (c *liveCore) Path() string       { return c.kmem.Name() }
func (c *liveCore) Warnings() []string { return c.warnings }

// Close closes the devices.
func (c *liveCore) Close() error {
	err := c.kmem.Close()
	if c.mem != nil {
		if merr := c.mem.Close(); err == nil {
			err = merr
		}
	}
	return err
}
