//go:build freebsd

package kvm

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// OpenLive opens the running kernel's memory: /dev/kmem for kernel virtual
// addresses and, when permitted, /dev/mem for physical ones.
func OpenLive() (Core, error) {
	arch := runtime.GOARCH
	if arch == "arm64" {
		arch = "aarch64"
	}
	return openLiveDevices(liveKmemPath, liveMemPath, arch)
}

// LiveKernelFile returns the path of the running kernel, the sysctl
// kern.bootfile (e.g. /boot/kernel/kernel).
func LiveKernelFile() (string, error) {
	path, err := unix.Sysctl("kern.bootfile")
	if err != nil {
		return "", fmt.Errorf("sysctl kern.bootfile: %w", err)
	}
	return path, nil
}

// kldSymLookup is struct kld_sym_lookup of sys/sys/linker.h, whose u_long
// and size_t members are pointer-sized on every FreeBSD architecture.
type kldSymLookup struct {
	version  int32
	symname  *byte
	symvalue uintptr
	symsize  uintptr
}

// kldSymLookupCmd is KLDSYM_LOOKUP.
const kldSymLookupCmd = 1

// LiveSymbol looks a symbol up in the running kernel and its loaded modules
// with kldsym(2) and returns its address and size.
func LiveSymbol(name string) (addr Addr, size uint64, err error) {
	cname, err := unix.BytePtrFromString(name)
	if err != nil {
		return 0, 0, fmt.Errorf("kldsym %q: %w", name, err)
	}
	lookup := kldSymLookup{symname: cname}
	lookup.version = int32(unsafe.Sizeof(lookup))
	// File id 0 searches the kernel and every loaded module.
	_, _, errno := unix.Syscall(unix.SYS_KLDSYM, 0, kldSymLookupCmd, uintptr(unsafe.Pointer(&lookup)))
	if errno != 0 {
		return 0, 0, fmt.Errorf("kldsym %q: %w", name, errno)
	}
	return Addr(lookup.symvalue), uint64(lookup.symsize), nil
}
