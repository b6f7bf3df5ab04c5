package kvm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// supportedFormats lists what Open reads, for error messages.
const supportedFormats = "amd64 and arm64 minidumps (versions 1 to 3), i386 and riscv minidumps (versions 1 and 2), FreeBSD full dumps (ELF cores with OSABI 255), " +
	"QEMU dump-guest-memory ELF cores, raw physical memory images, and gzip, zstd or bzip2 compressions of them"

// Open opens a memory source. The format is detected from the file's
// first bytes, never from its name:
//
//   - "minidump-amd64-v1" to "-v3": a FreeBSD amd64 minidump
//   - "minidump-arm64-v1" to "-v3": a FreeBSD arm64 minidump, with "-16k"
//     appended when the kernel used 16 KiB pages
//   - "minidump-i386-v1", "-v2": a FreeBSD i386 minidump, "minidump-i386-pae-v1"
//     and "-v2" when the kernel ran in PAE mode
//   - "minidump-riscv-v1", "-v2": a FreeBSD riscv minidump
//   - "full-elf": a FreeBSD full dump, an ELF core with OSABI 255
//   - "qemu-elf": an ELF core written by QEMU's dump-guest-memory
//   - "raw": a physical memory image, where file offset = physical address
//
// A gdb://HOST:PORT or gdb+unix:///PATH source is a running guest's
// gdbstub (format "gdb-remote"); only loopback hosts are accepted.
//
// A dump device, or an image of one, whose last sector holds a kernel dump
// header is read in place, as savecore(8) would find the dump; Format then
// adds "(dump device)".
//
// A gzip, zstd or bzip2 file is decompressed once into opts.CacheDir and
// the result opened; Format then adds the compression, as in
// "minidump-amd64-v3 (zstd)".
//
// Full, QEMU and raw dumps hold only physical memory. Their virtual reads
// walk the kernel's page tables, which opts.Kernel locates; without it,
// virtual reads fail with ErrNoKernelInfo. A raw image is recognised only
// by checking opts.Kernel.Text against it, because it has no header.
func Open(path string, opts Options) (Core, error) {
	if isGDBURL(path) {
		g, err := openGDB(path, opts)
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	if dev, ok, err := openIfDumpDevice(path, opts); ok {
		return dev, err
	}
	c, err := openPath(path, opts, true)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// A core is an open memory source of any format.
type core struct {
	file   *dumpFile
	path   string // file the caller named, which differs from file.path for a decompressed copy
	format string
	arch   string
	phys   Reader
	virt   Reader
	// warnings are doubts about the file that did not stop Open.
	warnings []string
}

func (c *core) Virtual() Reader  { return c.virt }
func (c *core) Physical() Reader { return c.phys }
func (c *core) Format() string   { return c.format }
func (c *core) Arch() string     { return c.arch }
func (c *core) Path() string     { return c.path }
func (c *core) Close() error     { return c.file.Close() }

// Warnings implements Core.
func (c *core) Warnings() []string { return c.warnings }

// openPath opens path and detects its format. allowCompressed is false for
// a file that is itself the result of a decompression.
func openPath(path string, opts Options, allowCompressed bool) (*core, error) {
	file, err := openDumpFile(path)
	if err != nil {
		return nil, err
	}

	var head [64]byte
	n, _ := file.ReadAt(head[:], 0)
	if kind := sniffCompression(head[:n]); kind != "" {
		file.Close()
		if !allowCompressed {
			return nil, &FormatError{File: path, Msg: fmt.Sprintf("the decompressed file is %s-compressed again: decompress it by hand and open the result", kind)}
		}
		return openCompressed(path, kind, opts)
	}

	c, err := openDetected(file, head[:n], opts)
	if err != nil {
		file.Close()
		return nil, err
	}
	c.file, c.path = file, path
	return c, nil
}

// openDetected opens an uncompressed file whose first bytes are head.
func openDetected(file *dumpFile, head []byte, opts Options) (*core, error) {
	if len(head) == 0 {
		return nil, &FormatError{File: file.path, Msg: "the file is empty", Err: ErrUnknownFormat}
	}
	if msg := kernelDumpHeaderHint(head); msg != "" {
		return nil, &FormatError{File: file.path, Msg: msg, Err: ErrUnknownFormat}
	}
	switch {
	case bytes.HasPrefix(head, []byte("minidump")):
		return openMinidump(file, head, opts)
	case bytes.HasPrefix(head, []byte("\x7fELF")) && len(head) > 4 && head[4] == elfClass32:
		return openELF32(file, opts)
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return openELF(file, opts)
	}
	return openRaw(file, head, opts)
}

// openMinidump dispatches on the minidump's architecture.
func openMinidump(file *dumpFile, head []byte, opts Options) (*core, error) {
	magic := string(bytes.TrimRight(head[:min(len(head), minidumpMagicLen)], "\x00"))
	switch magic {
	case minidumpARM64Magic:
		return openMinidumpARM64Core(file, opts)
	case minidumpI386Magic:
		return openMinidumpI386Core(file, opts)
	case minidumpRISCVMagic:
		return openMinidumpRISCVCore(file, opts)
	}
	if magic != minidumpAMD64Magic {
		if arch, ok := strings.CutPrefix(magic, "minidump FreeBSD/"); ok {
			return nil, &FormatError{File: file.path, Msg: fmt.Sprintf("%s minidumps are not supported yet (only amd64, arm64, i386 and riscv minidumps are)", arch), Err: errors.ErrUnsupported}
		}
		return nil, &FormatError{File: file.path, Msg: fmt.Sprintf("unknown minidump magic %q", magic), Err: ErrUnknownFormat}
	}
	if err := checkKernelArch(file, opts.Kernel); err != nil {
		return nil, err
	}
	m, err := openMinidumpAMD64(file)
	if err != nil {
		return nil, err
	}
	phys := &physReader{file: file, m: m}
	c := &core{format: m.format(), arch: "amd64", phys: phys, virt: &virtReader{phys: phys, tr: m}}
	if w := m.sizeWarning(); w != "" {
		c.warnings = append(c.warnings, w)
	}
	return c, nil
}

// openELF opens a FreeBSD full dump or a QEMU guest dump.
func openELF(file *dumpFile, opts Options) (*core, error) {
	ec, err := parseELFCore(file)
	if err != nil {
		return nil, err
	}
	c := &core{phys: &physReader{file: file, m: ec}}
	switch {
	case ec.osabi == elfOSABIStand && ec.machine == elfMachineAMD:
		c.format, c.arch = "full-elf", "amd64"
	case ec.osabi == elfOSABIStand:
		return nil, elfError(file, 18, "full dumps of ELF machine %d are not supported yet (only amd64, machine 62, is)", ec.machine)
	case ec.osabi == elfOSABISysV && ec.qemuNote:
		c.format = "qemu-elf"
		// QEMU writes machine 3 (i386) when the guest CPU was not in long
		// mode at the time of the dump.
		switch ec.machine {
		case elfMachineAMD:
			c.arch = "amd64"
		case elfMachine386:
			c.arch = "i386"
		default:
			return nil, elfError(file, 18, "QEMU dumps of ELF machine %d are not supported (only x86 guests are)", ec.machine)
		}
	case ec.osabi == elfOSABISysV:
		return nil, elfError(file, 7, "ELF core has OSABI 0 but no %q note, so it is not a QEMU guest dump (a process core?)", qemuNoteName)
	case ec.osabi == elfOSABIFBSD:
		return nil, elfError(file, 7, "ELF core has OSABI 9 (FreeBSD), so it is a process core, not a kernel dump")
	default:
		return nil, elfError(file, 7, "ELF core has OSABI %d, which is neither a FreeBSD full dump (255) nor a QEMU dump (0)", ec.osabi)
	}

	if c.arch != "amd64" {
		c.virt = failingReader{reason: fmt.Sprintf("virtual addresses of %s guests are not supported (only amd64 page tables are walked)", c.arch), err: errors.ErrUnsupported}
		return c, nil
	}
	if err := checkKernelArch(file, opts.Kernel); err != nil {
		return nil, err
	}
	virt, err := kernelVirtual(file, c.phys, opts.Kernel, c.format)
	if err != nil {
		return nil, err
	}
	c.virt = virt
	return c, nil
}

// kernelVirtual returns the virtual reader of a dump that holds only
// physical memory.
func kernelVirtual(file *dumpFile, phys Reader, k KernelInfo, format string) (Reader, error) {
	if k.KernBase == 0 && k.KPML4physAddr == 0 && k.KernPhysAddr == 0 {
		return failingReader{
			reason: fmt.Sprintf("a %s dump holds only physical memory: pass Options.Kernel with kernbase and KPML4phys from the kernel file to read virtual addresses", format),
			err:    ErrNoKernelInfo,
		}, nil
	}
	w, err := findPageTables(phys, k)
	if err != nil {
		return nil, fmt.Errorf("%s: finding the kernel page tables: %w", file.path, err)
	}
	return &virtReader{phys: phys, tr: w}, nil
}

// checkKernelArch rejects a kernel built for another architecture than
// amd64, for the formats that are read only for amd64 machines.
func checkKernelArch(file *dumpFile, k KernelInfo) error {
	if k.Arch == "" || k.Arch == "amd64" {
		return nil
	}
	return &FormatError{File: file.path, Msg: fmt.Sprintf("the dump is for amd64 but the kernel file is for %s: pass the kernel that wrote this dump", k.Arch)}
}

// kernelDumpHeaderHint explains a file that starts with a kerneldumpheader,
// which only a dump device holds: savecore(8) strips it.
func kernelDumpHeaderHint(head []byte) string {
	for _, magic := range []string{"FreeBSD Kernel Dump", "FreeBSD Text Dump", "Cleared Kernel Dump"} {
		if bytes.HasPrefix(head, []byte(magic)) {
			return fmt.Sprintf("the file starts with a kernel dump header (%q), as a dump device does: extract the vmcore with savecore(8) and open that", magic)
		}
	}
	return ""
}

// describeBytes renders the first bytes of a file for an error message.
func describeBytes(b []byte) string {
	b = b[:min(len(b), 16)]
	printable := make([]byte, len(b))
	for i, c := range b {
		printable[i] = '.'
		if c >= 0x20 && c < 0x7f {
			printable[i] = c
		}
	}
	return fmt.Sprintf("% x (%q)", b, printable)
}
