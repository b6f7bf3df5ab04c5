// Package kvm reads bytes at kernel virtual and physical addresses from a
// FreeBSD memory source: a minidump, a full ELF dump, a QEMU guest dump or a
// raw physical memory image, in the manner of FreeBSD's libkvm.
//
// It uses no symbols or types. Package symbols sits beside it, and package
// vnetwalk, above both, gives the bytes their FreeBSD meaning.
//
// # Security
//
// Dumps come from machines that were failing and may be truncated or
// corrupt. Every size and offset taken from a dump is checked before it is
// used for an allocation or a read, and every file is opened read-only.
package kvm

import (
	"errors"
	"fmt"
)

// An Addr is a kernel virtual or physical address.
type Addr uint64

// String formats the address in hex, as kernel developers write it.
func (a Addr) String() string { return fmt.Sprintf("%#x", uint64(a)) }

// Add returns a+n.
func (a Addr) Add(n int64) Addr { return Addr(int64(a) + n) }

// Sub returns a-b in bytes.
func (a Addr) Sub(b Addr) int64 { return int64(a - b) }

// A Reader reads memory. ReadAt follows the io.ReaderAt contract with an
// address in place of an offset: when it returns n < len(p), err gives the reason.
type Reader interface {
	ReadAt(p []byte, addr Addr) (n int, err error)
}

// A Core is an open memory source. Its readers may be used from several
// goroutines at once, but not while Close runs.
type Core interface {
	// Virtual reads kernel virtual addresses.
	Virtual() Reader
	// Physical reads physical addresses.
	Physical() Reader
	// Format names the source's format, for example "minidump-amd64-v3".
	Format() string
	// Arch is the FreeBSD MACHINE_ARCH of the dumped machine ("amd64").
	Arch() string
	// Path is the file the core was opened from.
	Path() string
	// Close releases the file.
	Close() error
	// Warnings lists doubts about the file that did not stop Open, such as
	// a minidump shorter or longer than its bitmap accounts for.
	Warnings() []string
}

// Sentinel errors that callers branch on. They are wrapped in *FaultError
// and *FormatError, so test them with errors.Is.
var (
	// ErrNotMapped means the page tables have no valid entry for the address.
	ErrNotMapped = errors.New("address not mapped")
	// ErrNotInDump means the address is mapped but its page is not in the dump:
	// a minidump leaves it out, or the file is truncated before it.
	ErrNotInDump = errors.New("page not in dump")
	// ErrUnknownFormat means no supported format was recognised in a file.
	ErrUnknownFormat = errors.New("unknown dump format")
	// ErrNoKernelInfo means a dump that holds only physical memory (a full
	// dump, a QEMU dump or a raw image) was opened without the kernel
	// symbols in Options.Kernel that locate its page tables.
	ErrNoKernelInfo = errors.New("kernel symbols needed to find the page tables are missing")
)

// A FaultError reports an address that could not be read.
type FaultError struct {
	Addr     Addr   // address requested
	Physical bool   // Addr is physical
	Reason   string // what failed, e.g. "PDE invalid" or "file truncated at offset 0x1000"
	Err      error  // ErrNotMapped, ErrNotInDump or an I/O error
}

func (e *FaultError) Error() string {
	kind := "virtual"
	if e.Physical {
		kind = "physical"
	}
	if e.Reason == "" {
		return fmt.Sprintf("read %s address %v: %v", kind, e.Addr, e.Err)
	}
	return fmt.Sprintf("read %s address %v: %v: %s", kind, e.Addr, e.Err, e.Reason)
}

func (e *FaultError) Unwrap() error { return e.Err }

// A FormatError reports a malformed file, naming the file and the offset.
type FormatError struct {
	File   string
	Offset int64
	Msg    string
	Err    error // optional underlying error, such as ErrUnknownFormat
}

// Error formats the file, offset and message. The sentinels
// ErrUnknownFormat and errors.ErrUnsupported are left out of the text,
// because the message already names what was found and what is supported.
// errors.Is still finds them.
func (e *FormatError) Error() string {
	s := fmt.Sprintf("%s: offset %#x: %s", e.File, e.Offset, e.Msg)
	if e.Err != nil && !errors.Is(e.Err, ErrUnknownFormat) && !errors.Is(e.Err, errors.ErrUnsupported) {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// A Segment is a run of bytes at a kernel virtual address, taken from the
// kernel file.
type Segment struct {
	Addr Addr
	Data []byte
}

// KernelInfo carries the facts about the dumped machine that come from the kernel file.
// Sources that hold only physical memory need it to find the page tables.
type KernelInfo struct {
	Arch          string    // MACHINE_ARCH of the kernel ELF file: "amd64" or "i386", for example
	KernBase      uint64    // value of the symbol kernbase (KERNBASE), 0 if absent
	KPML4physAddr uint64    // address of the variable KPML4phys, 0 if absent
	KernPhysAddr  uint64    // address of the variable kernphys (FreeBSD 13.1 and later), 0 if absent
	IdlePTDAddr   uint64    // i386: address of the variable IdlePTD, 0 if absent
	IdlePDPTAddr  uint64    // i386: address of the variable IdlePDPT (PAE kernels), 0 if absent
	Text          []Segment // read-only bytes of the kernel image, to check a raw image against
}

// Options configures Open.
type Options struct {
	Kernel KernelInfo
	// Progress, if not nil, is called during long work such as
	// decompression, with the bytes done and the total (-1 if unknown).
	Progress func(stage string, done, total int64)
	// CacheDir holds decompressed copies of compressed cores; empty means
	// the user cache directory.
	CacheDir string
}
