package kvm

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// struct kerneldumpheader (sys/sys/kerneldump.h, KERNELDUMPVERSION 4): 512
// bytes with big-endian integers, written twice around the dump at the end
// of the dump device.
const (
	dumpHeaderSize     = 512
	dumpHeaderVersion  = 4
	dumpMagicKernel    = "FreeBSD Kernel Dump"
	dumpMagicText      = "FreeBSD Text Dump"
	dumpMagicCleared   = "Cleared Kernel Dump"
	dumpCompressNone   = 0
	dumpCompressGzip   = 1
	dumpCompressZstd   = 2
	dumpMagicLen       = 20
	dumpArchOff        = 20
	dumpVersionOff     = 32
	dumpArchVersionOff = 36
	dumpLengthOff      = 40
	dumpTimeOff        = 48
	dumpKeySizeOff     = 56
	dumpBlockSizeOff   = 60
	dumpHostnameOff    = 64
	dumpVersionStrOff  = 128
	dumpPanicStrOff    = 320
	dumpCompressionOff = 495
	dumpExtentOff      = 496
	dumpParityOff      = 508
)

// deviceSectorSizes are the sector sizes tried when looking for the last
// header of an image, whose sector size is not recorded anywhere.
var deviceSectorSizes = []int64{512, 4096}

// A DumpHeader is a decoded kerneldumpheader.
type DumpHeader struct {
	Magic               string
	Architecture        string // MACHINE_ARCH, e.g. "amd64"
	Version             uint32
	ArchitectureVersion uint32
	DumpLength          uint64 // bytes of dump data, headers excluded
	DumpTime            time.Time
	DumpKeySize         uint32 // bytes of the encryption key after the first header
	BlockSize           uint32
	Hostname            string
	VersionString       string // the kernel's version string
	PanicString         string
	Compression         uint8  // 0 none, 1 gzip, 2 zstd
	DumpExtent          uint64 // bytes the data occupies on the device
}

// parseDumpHeader decodes a 512-byte kerneldumpheader and checks its
// parity: the XOR of all 128 32-bit words must be 0.
func parseDumpHeader(b []byte) (DumpHeader, error) {
	if len(b) < dumpHeaderSize {
		return DumpHeader{}, fmt.Errorf("kernel dump header cut off after %d of %d bytes", len(b), dumpHeaderSize)
	}
	var parity uint32
	for i := 0; i < dumpHeaderSize; i += 4 {
		parity ^= binary.BigEndian.Uint32(b[i:])
	}
	be := binary.BigEndian
	h := DumpHeader{
		Magic:               cString(b[:dumpMagicLen]),
		Architecture:        cString(b[dumpArchOff:dumpVersionOff]),
		Version:             be.Uint32(b[dumpVersionOff:]),
		ArchitectureVersion: be.Uint32(b[dumpArchVersionOff:]),
		DumpLength:          be.Uint64(b[dumpLengthOff:]),
		DumpTime:            time.Unix(int64(be.Uint64(b[dumpTimeOff:])), 0).UTC(),
		DumpKeySize:         be.Uint32(b[dumpKeySizeOff:]),
		BlockSize:           be.Uint32(b[dumpBlockSizeOff:]),
		Hostname:            cString(b[dumpHostnameOff:dumpVersionStrOff]),
		VersionString:       strings.TrimRight(cString(b[dumpVersionStrOff:dumpPanicStrOff]), "\n"),
		PanicString:         cString(b[dumpPanicStrOff:dumpCompressionOff]),
		Compression:         b[dumpCompressionOff],
		DumpExtent:          be.Uint64(b[dumpExtentOff:]),
	}
	if parity != 0 {
		return h, fmt.Errorf("kernel dump header parity check failed (the XOR of its 32-bit words is %#x, not 0): the header is corrupt", parity)
	}
	return h, nil
}

// cString returns b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// findLastDumpHeader returns the offset of the last sector's kernel dump
// header and the sector size, or false when no sector size gives a known
// magic there.
func findLastDumpHeader(file *dumpFile) (int64, int64, bool) {
	for _, sector := range deviceSectorSizes {
		off := file.size - sector
		if off < dumpHeaderSize {
			continue
		}
		magic := make([]byte, dumpMagicLen)
		if n, _ := file.ReadAt(magic, off); n < len(magic) {
			continue
		}
		switch cString(magic) {
		case dumpMagicKernel, dumpMagicText, dumpMagicCleared:
			return off, sector, true
		}
	}
	return 0, 0, false
}

// A deviceCore is a dump read in place from a dump device or its image.
// Close closes the device, because the core's own file is a view into it.
type deviceCore struct {
	*core
	device *dumpFile
	header DumpHeader
}

func (d *deviceCore) Close() error { return d.device.Close() }

// openDumpDevice opens the dump that a kernel wrote at the end of a dump
// device, as savecore(8) finds it: the last sector holds a header, the
// first header sits before the data, and both must be identical.
func openDumpDevice(file *dumpFile, lastOff, sector int64, opts Options) (Core, error) {
	deviceErr := func(off int64, format string, args ...any) error {
		return &FormatError{File: file.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	last := make([]byte, dumpHeaderSize)
	if _, err := file.ReadAt(last, lastOff); err != nil {
		return nil, deviceErr(lastOff, "reading the last kernel dump header: %v", err)
	}
	h, err := parseDumpHeader(last)
	if err != nil {
		return nil, deviceErr(lastOff, "last kernel dump header: %v", err)
	}
	switch {
	case h.Magic == dumpMagicText:
		return nil, deviceErr(lastOff, "the device holds a textdump (ddb output in tar format), not memory: extract it with savecore(8) and read it with tar")
	case h.Magic == dumpMagicCleared:
		return nil, deviceErr(lastOff, "savecore(8) has already saved this dump and cleared its header: open the saved vmcore in the crash directory")
	case h.Version != dumpHeaderVersion:
		return nil, deviceErr(lastOff+dumpVersionOff, "kernel dump header version %d is not supported (only version %d, FreeBSD 12 and later)", h.Version, dumpHeaderVersion)
	case h.DumpKeySize != 0:
		return nil, deviceErr(lastOff+dumpKeySizeOff, "the dump is encrypted (a %d-byte key follows the first header): save it with savecore(8) and decrypt it with decryptcore(8)", h.DumpKeySize)
	}

	// The first header precedes the key and the data extent.
	firstOff := lastOff - int64(h.DumpExtent) - sector - int64(h.DumpKeySize)
	if h.DumpExtent > uint64(lastOff) || firstOff < 0 {
		return nil, deviceErr(lastOff+dumpExtentOff, "dump extent %d bytes does not fit before the last header at %#x: the header is corrupt", h.DumpExtent, lastOff)
	}
	first := make([]byte, dumpHeaderSize)
	if _, err := file.ReadAt(first, firstOff); err != nil {
		return nil, deviceErr(firstOff, "reading the first kernel dump header: %v", err)
	}
	if !bytes.Equal(first, last) {
		return nil, deviceErr(firstOff, "the first kernel dump header differs from the last one at %#x: the dump was overwritten or cut short", lastOff)
	}
	dataOff := firstOff + sector + int64(h.DumpKeySize)
	if h.DumpLength > h.DumpExtent {
		return nil, deviceErr(lastOff+dumpLengthOff, "dump length %d exceeds the dump extent %d: the header is corrupt", h.DumpLength, h.DumpExtent)
	}

	var c *core
	switch h.Compression {
	case dumpCompressNone:
		c, err = openDeviceView(file, dataOff, int64(h.DumpLength), opts)
	case dumpCompressGzip:
		c, err = openDeviceCompressed(file, dataOff, int64(h.DumpLength), "gzip", last, opts)
	case dumpCompressZstd:
		c, err = openDeviceCompressed(file, dataOff, int64(h.DumpLength), "zstd", last, opts)
	default:
		return nil, deviceErr(lastOff+dumpCompressionOff, "unknown compression %d in the kernel dump header (0 none, 1 gzip, 2 zstd)", h.Compression)
	}
	if err != nil {
		return nil, err
	}
	c.path = file.path
	c.format += " (dump device)"
	return &deviceCore{core: c, device: file, header: h}, nil
}

// openDeviceView opens the uncompressed dump data in place: a file view
// whose offset 0 is the device's offset off.
func openDeviceView(file *dumpFile, off, length int64, opts Options) (*core, error) {
	if file.data == nil {
		return nil, &FormatError{File: file.path, Offset: off, Msg: "the device could not be memory-mapped, so its dump cannot be read in place: extract it with savecore(8)"}
	}
	view := &dumpFile{f: file.f, path: fmt.Sprintf("%s (dump at offset %#x)", file.path, off), size: length, data: file.data[off : off+length]}
	var head [64]byte
	n, _ := view.ReadAt(head[:], 0)
	c, err := openDetected(view, head[:n], opts)
	if err != nil {
		return nil, err
	}
	c.file = view
	return c, nil
}

// openDeviceCompressed copies a compressed dump from the device into the
// cache directory and opens it as a compressed core. The copy is named
// after the header, which records the dump time and host, so reopening the
// device reuses it.
func openDeviceCompressed(file *dumpFile, off, length int64, kind string, header []byte, opts Options) (*core, error) {
	dir, err := cacheDir(opts)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(header)
	path := filepath.Join(dir, "kerneldump-"+hex.EncodeToString(sum[:12])+"."+kind)
	if st, err := os.Stat(path); err != nil || st.Size() != length {
		if err := copyDeviceRange(file, off, length, path); err != nil {
			return nil, err
		}
	}
	return openCompressed(path, kind, opts)
}

// copyDeviceRange writes length bytes from off of file to path, through a
// temporary file renamed once complete.
func copyDeviceRange(file *dumpFile, off, length int64, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, io.NewSectionReader(file, off, length)); err != nil {
		tmp.Close()
		return fmt.Errorf("copying the compressed dump at offset %#x of %s: %w", off, file.path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// DumpInfo is the kernel's record of a dump beside its memory: the dump
// header's strings.
type DumpInfo struct {
	Source        string // the dump device or the savecore info.N file it came from
	VersionString string // the kernel's version string, without its final newline
	PanicString   string
	DumpTime      string // as recorded: a time from a device, ctime(3) text from info.N
	Hostname      string
}

// ReadDumpInfo returns the kernel's record of the dump c: the dump header
// of a dump device, or for a savecore(8) vmcore.N the info.N file beside
// it. It returns an error wrapping os.ErrNotExist when there is neither.
func ReadDumpInfo(c Core) (DumpInfo, error) {
	if d, ok := c.(*deviceCore); ok {
		h := d.header
		return DumpInfo{Source: d.device.path, VersionString: h.VersionString, PanicString: h.PanicString,
			DumpTime: h.DumpTime.Format(time.RFC3339), Hostname: h.Hostname}, nil
	}
	info, ok := infoFileFor(c.Path())
	if !ok {
		return DumpInfo{}, fmt.Errorf("%s is not named vmcore.N, so no savecore info.N file belongs to it: %w", c.Path(), os.ErrNotExist)
	}
	return ReadInfoFile(info)
}

// infoFileFor returns the info.N path for a vmcore.N (or vmcore.N.gz,
// vmcore.N.zst) path.
func infoFileFor(core string) (string, bool) {
	base := filepath.Base(core)
	rest, ok := strings.CutPrefix(base, "vmcore.")
	if !ok {
		return "", false
	}
	n, _, _ := strings.Cut(rest, ".")
	if _, err := strconv.ParseUint(n, 10, 32); err != nil {
		return "", false
	}
	return filepath.Join(filepath.Dir(core), "info."+n), true
}

// infoLabels are the labels savecore(8) writes in info.N, in its order.
var infoLabels = []string{
	"Dump header from device", "Architecture", "Architecture Version", "Dump Length",
	"Blocksize", "Compression", "Dumptime", "Hostname", "Magic", "Version String",
	"Panic String", "Dump Parity", "Bounds", "Dump Status",
}

// ReadInfoFile parses a savecore(8) info.N file. Each line is "Label:
// value"; a line without a known label continues the previous value,
// because the kernel's version string contains newlines.
func ReadInfoFile(path string) (DumpInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return DumpInfo{}, err
	}
	defer f.Close()
	fields := map[string]string{}
	current := ""
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		line := sc.Text()
		if label, value, ok := infoLine(line); ok {
			current = label
			fields[label] = value
			continue
		}
		if current != "" && strings.TrimSpace(line) != "" {
			fields[current] += "\n" + strings.TrimRight(line, " ")
		}
	}
	if err := sc.Err(); err != nil {
		return DumpInfo{}, fmt.Errorf("%s: %w", path, err)
	}
	if _, ok := fields["Version String"]; !ok {
		return DumpInfo{}, fmt.Errorf("%s: no \"Version String\" line, so it is not a savecore info file", path)
	}
	return DumpInfo{Source: path, VersionString: fields["Version String"], PanicString: fields["Panic String"],
		DumpTime: fields["Dumptime"], Hostname: fields["Hostname"]}, nil
}

// infoLine splits a line that starts with a known info.N label.
func infoLine(line string) (label, value string, ok bool) {
	trimmed := strings.TrimLeft(line, " \t")
	for _, l := range infoLabels {
		if v, found := strings.CutPrefix(trimmed, l+":"); found {
			return l, strings.TrimSpace(v), true
		}
	}
	return "", "", false
}

// openIfDumpDevice opens path as a dump device when it is a device node or
// a file whose last sector holds a kernel dump header. It returns false,
// and no error, for any other file.
func openIfDumpDevice(path string, opts Options) (Core, bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, nil
	}
	isDevice := st.Mode()&(os.ModeDevice|os.ModeCharDevice) != 0
	if !isDevice && !st.Mode().IsRegular() {
		return nil, false, nil
	}

	var file *dumpFile
	if isDevice {
		file, err = openDeviceFile(path)
	} else {
		file, err = openDumpFile(path)
	}
	if err != nil {
		return nil, isDevice, err
	}

	lastOff, sector, found := findLastDumpHeader(file)
	if !found {
		file.Close()
		if isDevice {
			return nil, true, &FormatError{File: path, Offset: file.size - 512, Msg: "no kernel dump header found in the device's last sector, so it contains no dump: check dumpon(8), or savecore(8) has already cleared it", Err: ErrUnknownFormat}
		}
		return nil, false, nil
	}
	c, err := openDumpDevice(file, lastOff, sector, opts)
	if err != nil {
		file.Close()
		return nil, true, err
	}
	return c, true, nil
}

// openDeviceFile opens a disk device read-only. Its size comes from
// seeking to its end, because stat(2) reports 0 for devices.
func openDeviceFile(path string) (*dumpFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: finding the device size: %w", path, err)
	}
	d := &dumpFile{f: f, path: path, size: size}
	if size > 0 && int64(int(size)) == size {
		if data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED); err == nil {
			d.data = data
		}
	}
	return d, nil
}
