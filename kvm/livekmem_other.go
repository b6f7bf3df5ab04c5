//go:build !freebsd

package kvm

import (
	"errors"
	"fmt"
	"runtime"
)

// OpenLive fails outside FreeBSD, which alone has /dev/kmem.
func OpenLive() (Core, error) {
	return nil, fmt.Errorf("reading the running kernel needs FreeBSD's /dev/kmem, and this is %s: pass a dump with -M: %w", runtime.GOOS, errors.ErrUnsupported)
}

// LiveKernelFile fails outside FreeBSD.
func LiveKernelFile() (string, error) {
	return "", fmt.Errorf("kern.bootfile exists only on FreeBSD: pass the kernel with -N: %w", errors.ErrUnsupported)
}

// LiveSymbol fails outside FreeBSD, which alone has kldsym(2).
func LiveSymbol(name string) (Addr, uint64, error) {
	return 0, 0, fmt.Errorf("kldsym %q: kldsym(2) exists only on FreeBSD: %w", name, errors.ErrUnsupported)
}
