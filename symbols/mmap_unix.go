//go:build unix

package symbols

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapFile maps f read-only into memory. The mapping is private, so the
// process can never write to the file through it.
func mapFile(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size <= 0 || int64(int(size)) != size {
		return nil, fmt.Errorf("cannot map %s: size %d", f.Name(), size)
	}
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
}

// unmapFile releases a mapping made by mapFile.
func unmapFile(b []byte) error { return syscall.Munmap(b) }

// dropPages advises the kernel that the mapped pages of b are not needed
// for now. They stay valid: the next read loads them again from the file.
// This keeps a one-pass scan of a large section out of the resident set.
func dropPages(b []byte) {
	page := uintptr(os.Getpagesize())
	if uintptr(len(b)) < 2*page {
		return
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	skip := (page - start%page) % page
	n := (uintptr(len(b)) - skip) / page * page
	_ = unix.Madvise(b[skip:skip+n], unix.MADV_DONTNEED)
}
