package kvm

import (
	"bytes"
	"fmt"
)

// rawCheckBytes is how much of each kernel text segment must match before a
// headerless file is taken for a raw physical image.
const rawCheckBytes = pageSize

// A rawImage is a physical memory image such as a copy of /dev/mem or
// QEMU's pmemsave output: file offset = physical address.
type rawImage struct {
	file *dumpFile
}

// locate implements physMap.
func (r rawImage) locate(pa uint64) (int64, int, *fault) {
	if pa >= uint64(r.file.size) {
		return 0, 0, notInDump("the raw image ends at physical %#x", r.file.size)
	}
	n := min(uint64(pageSize-pa%pageSize), uint64(r.file.size)-pa)
	return int64(pa), int(n), nil
}

// openRaw accepts a file that no header identifies as a raw physical image,
// but only if the kernel's page tables can be found in it and translate the
// kernel text to the bytes of the kernel file. Anything else is an unknown
// format.
func openRaw(file *dumpFile, head []byte, opts Options) (*core, error) {
	unknown := func(why string) error {
		return &FormatError{File: file.path, Msg: fmt.Sprintf(
			"no supported format recognised (first bytes %s); supported: %s. It was not taken for a raw image because %s",
			describeBytes(head), supportedFormats, why), Err: ErrUnknownFormat}
	}
	k := opts.Kernel
	if len(k.Text) == 0 || k.KernBase == 0 || k.KPML4physAddr == 0 {
		return nil, unknown("a raw image is checked against the kernel, and Options.Kernel lacks kernbase, KPML4phys or the kernel text")
	}
	if k.Arch != "" && k.Arch != "amd64" {
		return nil, unknown(fmt.Sprintf("raw images are read only for amd64 kernels, and the kernel is for %s", k.Arch))
	}

	phys := &physReader{file: file, m: rawImage{file: file}}
	w, err := findPageTables(phys, k)
	if err != nil {
		return nil, unknown(err.Error())
	}
	virt := &virtReader{phys: phys, tr: w}
	if err := checkKernelText(virt, k.Text); err != nil {
		return nil, unknown(err.Error())
	}
	return &core{format: "raw", arch: "amd64", phys: phys, virt: virt}, nil
}

// checkKernelText compares the first rawCheckBytes of each text segment,
// read through the page tables, with the kernel file's bytes.
func checkKernelText(virt Reader, text []Segment) error {
	for _, s := range text {
		want := s.Data[:min(len(s.Data), rawCheckBytes)]
		got := make([]byte, len(want))
		if _, err := virt.ReadAt(got, s.Addr); err != nil {
			return fmt.Errorf("the kernel text at %v cannot be read through its page tables: %v", s.Addr, err)
		}
		if i := firstDifference(got, want); i >= 0 {
			return fmt.Errorf("the kernel text at %v differs from the kernel file at byte %d (%#02x, want %#02x)", s.Addr, i, got[i], want[i])
		}
	}
	return nil
}

func firstDifference(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}
