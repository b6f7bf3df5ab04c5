package kvm

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

const (
	// cacheKeyPrefix is how much of a compressed file goes into its cache
	// key, besides its path, size and modification time.
	cacheKeyPrefix = 1 << 20
	// progressStep is the number of compressed bytes between two
	// Options.Progress calls.
	progressStep = 8 << 20
)

// sniffCompression names the compression of a file from its first bytes,
// or returns "" for none.
func sniffCompression(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "gzip"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd"
	case len(head) >= 4 && head[0]&0xf0 == 0x50 && bytes.Equal(head[1:4], []byte{0x2a, 0x4d, 0x18}):
		return "zstd" // a skippable frame, which zstd files may start with
	case len(head) >= 4 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9':
		return "bzip2"
	}
	return ""
}

// openCompressed decompresses path into the cache, unless an earlier call
// did, and opens the result.
func openCompressed(path, kind string, opts Options) (*core, error) {
	cached, truncated, err := decompressToCache(path, kind, opts)
	if err != nil {
		return nil, err
	}
	c, err := openDecompressed(cached, fmt.Sprintf("%s (%s-decompressed into %s)", path, kind, cached), opts)
	if err != nil {
		return nil, err
	}
	c.path = path
	if truncated {
		c.format += " (" + kind + ", truncated)"
		c.warnings = append(c.warnings, fmt.Sprintf("%s: the %s stream ends before its end marker, so the dump is truncated: pages past the %d decompressed bytes are missing", path, kind, c.file.size))
	} else {
		c.format += " (" + kind + ")"
	}
	return c, nil
}

// openDecompressed opens the decompressed copy cached. Messages name the
// file as label, so that they lead to the file the user gave.
func openDecompressed(cached, label string, opts Options) (*core, error) {
	file, err := openDumpFile(cached)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	file.path = label
	var head [64]byte
	n, _ := file.ReadAt(head[:], 0)
	if kind := sniffCompression(head[:n]); kind != "" {
		file.Close()
		return nil, &FormatError{File: label, Msg: fmt.Sprintf("the decompressed file is %s-compressed again: decompress it by hand and open the result", kind)}
	}
	c, err := openDetected(file, head[:n], opts)
	if err != nil {
		file.Close()
		return nil, err
	}
	c.file = file
	return c, nil
}

// decompressToCache returns the path of the decompressed copy of path and
// whether the compressed stream ended early. The copy is named after the
// file's path, size, modification time and first MiB, so that a changed
// file gets a new copy, and is written to a temporary file that is renamed
// only once complete.
func decompressToCache(path, kind string, opts Options) (string, bool, error) {
	dir, err := cacheDir(opts)
	if err != nil {
		return "", false, err
	}
	src, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return "", false, err
	}
	key, err := cacheKey(src, path, st)
	if err != nil {
		return "", false, err
	}

	removeStaleTemps(dir, key)
	if cached, truncated, ok := findCached(dir, key); ok {
		return cached, truncated, nil
	}
	return decompressFile(src, st.Size(), kind, dir, key, opts.Progress)
}

// staleTempAge is how long a temporary file of a decompression may go
// unmodified before it is taken for the leftover of a killed run.
// NOTE: a decompression blocked for longer (a stopped process, a hung
// disk) loses its temporary file and fails at the rename.
const staleTempAge = 10 * time.Minute

// removeStaleTemps deletes temporary files of key's decompression that no
// running decompression is writing, which a killed run leaves behind.
func removeStaleTemps(dir, key string) {
	temps, _ := filepath.Glob(filepath.Join(dir, key+".*.tmp"))
	for _, t := range temps {
		if st, err := os.Stat(t); err == nil && time.Since(st.ModTime()) > staleTempAge {
			os.Remove(t)
		}
	}
}

// findCached returns a complete decompressed copy of key. A copy's name
// ends in its size ("KEY-SIZE.core" or "KEY-SIZE.truncated.core"), so a
// copy whose size changed after it was written, such as one cut short by a
// full disk, is deleted and decompressed again. Keys contain only letters,
// digits and ".-_", so they need no quoting in a pattern.
func findCached(dir, key string) (string, bool, bool) {
	copies, _ := filepath.Glob(filepath.Join(dir, key+"-*.core"))
	for _, c := range copies {
		rest := strings.TrimPrefix(filepath.Base(c), key+"-")
		truncated := strings.HasSuffix(rest, ".truncated.core")
		rest = strings.TrimSuffix(strings.TrimSuffix(rest, ".core"), ".truncated")
		want, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			continue
		}
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() && st.Size() == want {
			return c, truncated, true
		}
		os.Remove(c)
	}
	return "", false, false
}

// cacheDir returns Options.CacheDir, or the user cache directory's
// vnetinspect folder, creating it if needed.
func cacheDir(opts Options) (string, error) {
	dir := opts.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory for decompressed dumps (%v): set Options.CacheDir", err)
		}
		dir = filepath.Join(base, "vnetinspect")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the cache directory for decompressed dumps: %w", err)
	}
	return dir, nil
}

// cacheKey derives the cache file name of a compressed file.
func cacheKey(src *os.File, path string, st os.FileInfo) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	head := make([]byte, min(st.Size(), cacheKeyPrefix))
	if _, err := src.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", abs, st.Size(), st.ModTime().UnixNano())
	h.Write(head)

	base := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, filepath.Base(path))
	return fmt.Sprintf("%s-%x", base[:min(len(base), 64)], h.Sum(nil)[:12]), nil
}

// decompressFile writes the decompression of src into dir/KEY-SIZE.core, or
// dir/KEY-SIZE.truncated.core when the stream ends early, and returns that
// path and whether the stream ended early.
func decompressFile(src *os.File, size int64, kind, dir, key string, progress func(string, int64, int64)) (string, bool, error) {
	tmp, err := os.CreateTemp(dir, key+".*.tmp")
	if err != nil {
		return "", false, fmt.Errorf("creating a file for the decompressed dump: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	defer tmp.Close()

	in := &progressReader{r: io.NewSectionReader(src, 0, size), total: size, stage: "decompressing " + kind, progress: progress}
	out := &sparseWriter{f: tmp}
	truncated, err := decompressStream(in, src, size, kind, out)
	if err != nil {
		return "", false, fmt.Errorf("%s: decompressing %s (%d bytes in, %d bytes out): %w", src.Name(), kind, in.done, out.off, err)
	}
	if err := out.finish(); err != nil {
		return "", false, fmt.Errorf("writing the decompressed dump %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", false, fmt.Errorf("writing the decompressed dump %s: %w", tmp.Name(), err)
	}
	if progress != nil {
		progress(in.stage, size, size)
	}

	final := filepath.Join(dir, fmt.Sprintf("%s-%d.core", key, out.off))
	if truncated {
		final = filepath.Join(dir, fmt.Sprintf("%s-%d.truncated.core", key, out.off))
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", false, fmt.Errorf("storing the decompressed dump: %w", err)
	}
	return final, truncated, nil
}

// decompressStream copies the decompression of in to out. A stream that
// ends before its end marker is reported as truncated, not as an error,
// because what came before is still a usable dump prefix.
func decompressStream(in *progressReader, src io.ReaderAt, size int64, kind string, out io.Writer) (bool, error) {
	var err error
	switch kind {
	case "gzip":
		err = gunzip(in, out)
	case "zstd":
		err = unzstd(in, src, size, out)
	case "bzip2":
		// NOTE: zero padding after a bzip2 stream fails as a bad magic
		// number. The kernel never writes bzip2, so only files compressed
		// by hand reach this case.
		_, err = io.Copy(out, bzip2.NewReader(bufio.NewReaderSize(in, 1<<20)))
	default:
		err = fmt.Errorf("unknown compression %q", kind)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true, nil
	}
	return false, err
}

// gunzip decompresses one or more gzip members. The kernel's own gzip
// stream (sys/kern/subr_compressor.c) has a minimal 10-byte header and a
// CRC-32 and size trailer, so the standard reader takes it. Zero bytes
// after the last member, such as padding to the dump device's block size,
// are ignored.
func gunzip(in io.Reader, out io.Writer) error {
	br := bufio.NewReaderSize(in, 1<<20)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return err
	}
	for {
		zr.Multistream(false)
		if _, err := io.Copy(out, zr); err != nil {
			return err
		}
		next, err := br.Peek(2)
		if errors.Is(err, io.EOF) || len(next) < 2 {
			return checkZeros(br)
		}
		if next[0] != 0x1f || next[1] != 0x8b {
			return checkZeros(br)
		}
		if err := zr.Reset(br); err != nil {
			return err
		}
	}
}

// checkZeros consumes r and fails if any byte is not zero.
func checkZeros(r io.Reader) error {
	buf := make([]byte, 64<<10)
	var seen int64
	for {
		n, err := r.Read(buf)
		if i := bytes.IndexFunc(buf[:n], func(c rune) bool { return c != 0 }); i >= 0 {
			return fmt.Errorf("unexpected data %d bytes after the end of the compressed stream", seen+int64(i))
		}
		seen += int64(n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// unzstd decompresses the zstd frames of src, ignoring zero padding after
// the last frame.
func unzstd(in *progressReader, src io.ReaderAt, size int64, out io.Writer) error {
	end, err := zstdFramesEnd(src, size)
	if err != nil {
		return err
	}
	in.r = io.NewSectionReader(src, 0, end)
	zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(2))
	if err != nil {
		return err
	}
	defer zr.Close()
	if _, err := io.Copy(out, zr); err != nil {
		return err
	}
	if err := checkZeros(io.NewSectionReader(src, end, size-end)); err != nil {
		return err
	}
	return nil
}

// zstdFramesEnd returns the offset just past the last zstd frame, found by
// walking the frame and block headers without decompressing. The walk stops
// at the first offset that starts no frame, and returns the file size when a
// frame is cut short by the end of the file.
func zstdFramesEnd(src io.ReaderAt, size int64) (int64, error) {
	var pos int64
	for pos < size {
		var b [18]byte
		n, _ := src.ReadAt(b[:], pos)
		if n < 4 {
			return pos, nil
		}
		magic := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		switch {
		case magic == 0xfd2fb528:
			next, ok := zstdFrameEnd(src, size, pos, b[:n])
			if !ok {
				return size, nil
			}
			pos = next
		case magic&0xfffffff0 == 0x184d2a50 && n >= 8: // skippable frame
			pos += 8 + int64(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16|uint32(b[7])<<24)
		default:
			return pos, nil
		}
	}
	return min(pos, size), nil
}

// zstdFrameEnd returns the end of the zstd frame at pos, or false when the
// frame runs past the end of the file or has a reserved block type.
func zstdFrameEnd(src io.ReaderAt, size, pos int64, b []byte) (int64, bool) {
	if len(b) < 5 {
		return 0, false
	}
	fhd := b[4]
	singleSegment := fhd>>5&1 == 1
	hasChecksum := fhd>>2&1 == 1
	headerLen := int64(1 + []int{0, 1, 2, 4}[fhd&3] + []int{0, 2, 4, 8}[fhd>>6])
	if fhd>>6 == 0 && singleSegment {
		headerLen++ // a 1-byte frame content size
	}
	if !singleSegment {
		headerLen++ // window descriptor
	}
	pos += 4 + headerLen
	for {
		var bh [3]byte
		if n, _ := src.ReadAt(bh[:], pos); n < 3 {
			return 0, false
		}
		h := uint32(bh[0]) | uint32(bh[1])<<8 | uint32(bh[2])<<16
		last, typ, blockSize := h&1 == 1, h>>1&3, int64(h>>3)
		switch typ {
		case 1: // RLE: one byte repeated
			blockSize = 1
		case 3:
			return 0, false
		}
		pos += 3 + blockSize
		if pos > size {
			return 0, false
		}
		if last {
			break
		}
	}
	if hasChecksum {
		pos += 4
	}
	return pos, pos <= size
}

// A progressReader counts the bytes read and reports them through
// Options.Progress every progressStep bytes.
type progressReader struct {
	r        io.Reader
	done     int64
	reported int64
	total    int64
	stage    string
	progress func(string, int64, int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.done-p.reported >= progressStep {
		p.report()
	}
	return n, err
}

func (p *progressReader) report() {
	p.reported = p.done
	if p.progress != nil {
		p.progress(p.stage, p.done, p.total)
	}
}

// A sparseWriter writes a file sequentially, leaving holes for 4 KiB blocks
// of zeros, which dumps are full of.
type sparseWriter struct {
	f   *os.File
	off int64
}

var zeroPage [pageSize]byte

func (w *sparseWriter) Write(p []byte) (int, error) {
	written := 0
	runStart := -1 // start in p of non-zero blocks not yet written
	flush := func(end int) error {
		if runStart < 0 {
			return nil
		}
		_, err := w.f.WriteAt(p[runStart:end], w.off-int64(end-runStart))
		runStart = -1
		return err
	}
	for written < len(p) {
		// Blocks are aligned to file offsets so that holes fall on whole
		// filesystem blocks.
		n := min(len(p)-written, pageSize-int(w.off%pageSize))
		zero := bytes.Equal(p[written:written+n], zeroPage[:n])
		if zero {
			if err := flush(written); err != nil {
				return 0, err
			}
		} else if runStart < 0 {
			runStart = written
		}
		w.off += int64(n)
		written += n
	}
	if err := flush(written); err != nil {
		return 0, err
	}
	return written, nil
}

// finish sets the file's size, which trailing holes leave short.
func (w *sparseWriter) finish() error { return w.f.Truncate(w.off) }
