package kvm

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// A dumpFile is a read-only dump file, memory-mapped when the system allows
// it. Reads never load more than the bytes requested.
type dumpFile struct {
	f    *os.File
	path string
	size int64
	data []byte // the mapping, nil when ReadAt on f is used instead
}

// openDumpFile opens path read-only and maps it.
func openDumpFile(path string) (*dumpFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (mode %v): pass a dump file, not a device or directory", path, st.Mode())
	}

	d := &dumpFile{f: f, path: path, size: st.Size()}
	if d.size > 0 && int64(int(d.size)) == d.size {
		data, err := unix.Mmap(int(f.Fd()), 0, int(d.size), unix.PROT_READ, unix.MAP_SHARED)
		if err == nil {
			d.data = data
		}
		// Without a mapping, reads fall back to pread, which is slower but
		// equally correct.
	}
	return d, nil
}

// ReadAt implements io.ReaderAt. A read past the end of the file returns
// the bytes before it and io.EOF.
func (d *dumpFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset %d", d.path, off)
	}
	if d.data == nil {
		return d.f.ReadAt(p, off)
	}
	if off >= d.size {
		return 0, io.EOF
	}
	n, err := d.copyAt(p, off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// copyAt copies from the mapping. If the file shrank after it was mapped,
// touching the lost pages raises SIGBUS; SetPanicOnFault turns that into a
// panic that is recovered here and reported as an I/O error.
func (d *dumpFile) copyAt(p []byte, off int64) (n int, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			n = 0
			err = fmt.Errorf("%s: reading offset %#x faulted (was the file truncated while open?): %v", d.path, off, r)
		}
	}()
	return copy(p, d.data[off:]), nil
}

// Close unmaps and closes the file.
func (d *dumpFile) Close() error {
	var err error
	if d.data != nil {
		err = unix.Munmap(d.data)
		d.data = nil
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	return err
}
