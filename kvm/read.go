package kvm

import (
	"errors"
	"fmt"
	"io"
)

// pageSize is the amd64 base page size. Every read is split at multiples of
// it because each page of a dump may sit anywhere in the file, or nowhere.
const pageSize = 4096

// A fault is a translation failure before the address is known to the
// caller's loop, which turns it into a *FaultError.
type fault struct {
	reason string
	err    error // ErrNotMapped, ErrNotInDump or an I/O error
}

func (f *fault) Error() string { return f.reason }

func notMapped(format string, args ...any) *fault {
	return &fault{reason: fmt.Sprintf(format, args...), err: ErrNotMapped}
}

func notInDump(format string, args ...any) *fault {
	return &fault{reason: fmt.Sprintf(format, args...), err: ErrNotInDump}
}

// A physMap locates physical memory in a dump file.
type physMap interface {
	// locate returns the file offset of physical address pa and how many
	// bytes from pa on the file holds contiguously. The count never runs
	// past the end of pa's page.
	locate(pa uint64) (off int64, n int, f *fault)
}

// A vaTranslator turns kernel virtual addresses into physical ones.
type vaTranslator interface {
	// toPhys returns the physical address of va. The mapping holds at
	// least until the end of va's 4 KiB page.
	toPhys(va uint64) (pa uint64, f *fault)
}

// A physReader reads physical addresses through a physMap.
type physReader struct {
	file *dumpFile
	m    physMap
}

// ReadAt implements Reader.
func (r *physReader) ReadAt(p []byte, addr Addr) (int, error) {
	if err := checkWrap(p, addr, true); err != nil {
		return 0, err
	}
	done := 0
	for done < len(p) {
		pa := uint64(addr) + uint64(done)
		off, avail, f := r.m.locate(pa)
		if f != nil {
			return done, &FaultError{Addr: Addr(pa), Physical: true, Reason: f.reason, Err: f.err}
		}
		chunk := min(len(p)-done, avail)
		n, err := r.file.ReadAt(p[done:done+chunk], off)
		done += n
		if n < chunk {
			return done, r.shortRead(Addr(pa+uint64(n)), off+int64(n), err)
		}
	}
	return done, nil
}

// shortRead reports a read that stopped inside the file's range for addr:
// past the end of a truncated file the page is missing, not zero.
func (r *physReader) shortRead(addr Addr, off int64, err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return &FaultError{
			Addr: addr, Physical: true,
			Reason: fmt.Sprintf("its file offset %#x lies past the end of %s (%d bytes): the dump is truncated", off, r.file.path, r.file.size),
			Err:    ErrNotInDump,
		}
	}
	return &FaultError{Addr: addr, Physical: true, Reason: fmt.Sprintf("reading file offset %#x", off), Err: err}
}

// A virtReader reads kernel virtual addresses by translating each page and
// reading it through a physical reader.
type virtReader struct {
	phys Reader
	tr   vaTranslator
}

// ReadAt implements Reader.
func (r *virtReader) ReadAt(p []byte, addr Addr) (int, error) {
	if err := checkWrap(p, addr, false); err != nil {
		return 0, err
	}
	done := 0
	for done < len(p) {
		va := uint64(addr) + uint64(done)
		pa, f := r.tr.toPhys(va)
		if f != nil {
			return done, &FaultError{Addr: Addr(va), Reason: f.reason, Err: f.err}
		}
		chunk := min(len(p)-done, pageSize-int(va%pageSize))
		n, err := r.phys.ReadAt(p[done:done+chunk], Addr(pa))
		done += n
		if err != nil {
			return done, virtualFault(Addr(va+uint64(n)), err)
		}
	}
	return done, nil
}

// virtualFault restates a physical read failure for the virtual address
// that led to it, keeping the sentinel so that errors.Is still works.
func virtualFault(va Addr, err error) error {
	var fe *FaultError
	if errors.As(err, &fe) {
		reason := fmt.Sprintf("physical address %v", fe.Addr)
		if fe.Reason != "" {
			reason += ": " + fe.Reason
		}
		return &FaultError{Addr: va, Reason: reason, Err: fe.Err}
	}
	return &FaultError{Addr: va, Err: err}
}

// checkWrap rejects a read whose last byte would lie past 2^64-1.
func checkWrap(p []byte, addr Addr, physical bool) error {
	if len(p) == 0 || uint64(addr)+uint64(len(p)-1) >= uint64(addr) {
		return nil
	}
	return &FaultError{
		Addr: addr, Physical: physical,
		Reason: fmt.Sprintf("a %d-byte read wraps past the top of the address space", len(p)),
		Err:    ErrNotMapped,
	}
}

// A failingReader fails every read with the same error, for a source that
// cannot translate virtual addresses at all.
type failingReader struct {
	reason string
	err    error
}

// ReadAt implements Reader.
func (r failingReader) ReadAt(p []byte, addr Addr) (int, error) {
	return 0, &FaultError{Addr: addr, Reason: r.reason, Err: r.err}
}
