package kvm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A fakeStub serves 'm' packets from a byte slice over a unix socket, with
// faults a test can switch on.
type fakeStub struct {
	base uint64
	mem  []byte

	mu sync.Mutex
	// badChecksums is how many replies still get a wrong checksum.
	badChecksums int
	// maxReply caps the bytes of an 'm' reply, to test short replies.
	maxReply int
	// silent makes the stub read packets and never reply.
	silent bool
	// runLength encodes replies with '*' runs.
	runLength bool
	// phys, when set, is physical memory from address 0, read after
	// Qqemu.PhyMemMode:1 as QEMU's stub does.
	phys     []byte
	physMode bool
	requests []string
}

// start listens on a unix socket in a temporary directory and returns its
// gdb+unix URL.
func (s *fakeStub) start(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gdbstub")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return "gdb+unix://" + path
}

func (s *fakeStub) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		b, err := r.ReadByte()
		if err != nil {
			return
		}
		if b != '$' {
			continue // acks and naks from the client
		}
		data, err := r.ReadString('#')
		if err != nil {
			return
		}
		r.Discard(2)
		conn.Write([]byte{'+'})
		cmd := strings.TrimSuffix(data, "#")
		s.mu.Lock()
		s.requests = append(s.requests, cmd)
		silent := s.silent
		s.mu.Unlock()
		if silent {
			continue
		}
		reply := s.reply(cmd)
		for {
			conn.Write(s.frame(reply))
			ack, err := r.ReadByte()
			if err != nil || ack != '-' {
				break
			}
		}
	}
}

func (s *fakeStub) reply(cmd string) string {
	if strings.HasPrefix(cmd, "qSupported") {
		return "PacketSize=100;qXfer:features:read+"
	}
	if cmd == "qqemu.Supported" && s.phys != nil {
		return "sstepbits;sstep;PhyMemMode"
	}
	if mode, ok := strings.CutPrefix(cmd, "Qqemu.PhyMemMode:"); ok && s.phys != nil {
		s.mu.Lock()
		s.physMode = mode == "1"
		s.mu.Unlock()
		return "OK"
	}
	if !strings.HasPrefix(cmd, "m") {
		return ""
	}
	a, l, _ := strings.Cut(cmd[1:], ",")
	addr, err1 := strconv.ParseUint(a, 16, 64)
	n, err2 := strconv.ParseUint(l, 16, 64)
	if err1 != nil || err2 != nil {
		return "E01"
	}
	s.mu.Lock()
	base, mem := s.base, s.mem
	if s.physMode {
		base, mem = 0, s.phys
	}
	s.mu.Unlock()
	if addr < base || addr+n > base+uint64(len(mem)) {
		return "E14"
	}
	s.mu.Lock()
	if s.maxReply > 0 {
		n = min(n, uint64(s.maxReply))
	}
	s.mu.Unlock()
	return fmt.Sprintf("%x", mem[addr-base:addr-base+n])
}

// frame builds a reply packet, run-length encoded if asked, with a wrong
// checksum while badChecksums lasts.
func (s *fakeStub) frame(reply string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	body := reply
	if s.runLength {
		body = runLengthEncode(reply)
	}
	sum := checksum([]byte(body))
	if s.badChecksums > 0 {
		s.badChecksums--
		sum++
	}
	return fmt.Appendf(nil, "$%s#%02x", body, sum)
}

// runLengthEncode writes runs of 4 to 97 equal bytes as "c*n", avoiding the
// counts that would encode as '#' or '$', as the protocol requires.
func runLengthEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] && j-i < 98 {
			j++
		}
		repeat := j - i - 1
		if repeat+gdbRunBias == '#' || repeat+gdbRunBias == '$' {
			repeat--
			j--
		}
		if repeat >= 3 {
			b.WriteByte(s[i])
			b.WriteByte(gdbRunLength)
			b.WriteByte(byte(repeat + gdbRunBias))
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

func testMemory(n int) []byte {
	mem := make([]byte, n)
	for i := range mem {
		mem[i] = byte(i * 7 / 300)
	}
	return mem
}

func openFakeStub(t *testing.T, s *fakeStub) Core {
	t.Helper()
	c, err := Open(s.start(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGDBRemoteReadsAcrossPages(t *testing.T) {
	s := &fakeStub{base: 0xffffffff80200000, mem: testMemory(3 * pageSize)}
	c := openFakeStub(t, s)
	if c.Format() != "gdb-remote" {
		t.Errorf("Format() = %q, want gdb-remote", c.Format())
	}
	got := make([]byte, 2*pageSize+100)
	addr := Addr(s.base + 50)
	n, err := c.Virtual().ReadAt(got, addr)
	if err != nil || n != len(got) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	if !bytes.Equal(got, s.mem[50:50+len(got)]) {
		t.Error("bytes read differ from the stub's memory")
	}
	// PacketSize 0x100 = 256 allows (256-8)/2 = 124 bytes per reply.
	for _, r := range s.requests {
		if !strings.HasPrefix(r, "m") {
			continue
		}
		_, l, _ := strings.Cut(r, ",")
		if n, _ := strconv.ParseUint(l, 16, 64); n > 124 {
			t.Errorf("request %q asks for more than the 124 bytes a 0x100-byte packet carries", r)
		}
	}
}

func TestGDBRemoteRunLengthReplies(t *testing.T) {
	mem := make([]byte, 300)
	copy(mem[100:], "}#$*")
	s := &fakeStub{base: 0x1000, mem: mem, runLength: true}
	c := openFakeStub(t, s)
	got := make([]byte, len(mem))
	if _, err := c.Virtual().ReadAt(got, 0x1000); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, mem) {
		t.Errorf("run-length decoded bytes differ: %x", got[:20])
	}
}

func TestGDBRemoteBadChecksumRetried(t *testing.T) {
	s := &fakeStub{base: 0x1000, mem: testMemory(64)}
	c := openFakeStub(t, s)
	s.mu.Lock()
	s.badChecksums = 2
	s.mu.Unlock()
	got := make([]byte, 64)
	if _, err := c.Virtual().ReadAt(got, 0x1000); err != nil {
		t.Fatalf("read after 2 bad checksums: %v", err)
	}
	if !bytes.Equal(got, s.mem) {
		t.Error("bytes differ after a resent reply")
	}

	s.mu.Lock()
	s.badChecksums = gdbMaxRetries
	s.mu.Unlock()
	_, err := c.Virtual().ReadAt(got, 0x1000)
	if err == nil || !strings.Contains(err.Error(), "wrong checksum") {
		t.Errorf("error %v, want one about a wrong checksum", err)
	}
}

func TestGDBRemoteErrorReplyIsFault(t *testing.T) {
	s := &fakeStub{base: 0x10000, mem: testMemory(pageSize)}
	c := openFakeStub(t, s)
	got := make([]byte, 200)
	// The read starts 100 bytes before the end of the stub's memory: the
	// first 100 bytes come back, the next page gets E14.
	n, err := c.Virtual().ReadAt(got, Addr(0x10000+pageSize-100))
	if n != 100 {
		t.Errorf("read %d bytes before the fault, want 100", n)
	}
	var fe *FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FaultError", err)
	}
	if fe.Addr != 0x11000 || !errors.Is(err, ErrNotMapped) || !strings.Contains(err.Error(), "error 14") {
		t.Errorf("fault %v: want address 0x11000, ErrNotMapped and the stub's error 14", err)
	}
}

func TestGDBRemoteShortReplies(t *testing.T) {
	s := &fakeStub{base: 0x2000, mem: testMemory(500), maxReply: 7}
	c := openFakeStub(t, s)
	got := make([]byte, 500)
	if _, err := c.Virtual().ReadAt(got, 0x2000); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, s.mem) {
		t.Error("bytes assembled from 7-byte replies differ")
	}
}

func TestGDBRemoteTimeout(t *testing.T) {
	s := &fakeStub{base: 0x2000, mem: testMemory(16)}
	url := s.start(t)
	network, address, err := parseGDBURL(url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial(network, address)
	if err != nil {
		t.Fatal(err)
	}
	client, err := newGDBClient(conn, url, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	s.mu.Lock()
	s.silent = true
	s.mu.Unlock()
	_, err = client.readMemory(make([]byte, 8), 0x2000, false)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("error %v, want a timeout", err)
	}
}

func TestGDBRemotePhysicalUnsupported(t *testing.T) {
	c := openFakeStub(t, &fakeStub{base: 0, mem: testMemory(16)})
	_, err := c.Physical().ReadAt(make([]byte, 8), 0)
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "virtual addresses") {
		t.Errorf("physical read error %v, want ErrUnsupported explaining virtual addresses", err)
	}
}

func TestGDBRemotePhysicalModeQEMU(t *testing.T) {
	s := &fakeStub{base: 0xffffffff80200000, mem: testMemory(pageSize), phys: bytes.Repeat([]byte{0xab}, 2*pageSize)}
	c := openFakeStub(t, s)
	got := make([]byte, 100)
	if _, err := c.Physical().ReadAt(got, pageSize-50); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, s.phys[:100]) {
		t.Errorf("physical bytes % x, want the stub's physical memory", got[:8])
	}
	// The stub must be back in virtual mode for the next virtual read.
	if _, err := c.Virtual().ReadAt(got, Addr(s.base)); err != nil || !bytes.Equal(got, s.mem[:100]) {
		t.Errorf("virtual read after a physical one: %v", err)
	}
	_, err := c.Physical().ReadAt(got, 2*pageSize)
	var fe *FaultError
	if !errors.As(err, &fe) || !fe.Physical || !errors.Is(err, ErrNotMapped) {
		t.Errorf("physical read past the stub's memory: %v, want a physical fault wrapping ErrNotMapped", err)
	}
}

func TestGDBURLRejectsRemoteHosts(t *testing.T) {
	for _, u := range []string{"gdb://10.0.0.1:1234", "gdb://example.com:1234", "gdb://169.254.169.254:80", "gdb://127.0.0.1", "gdb+unix://host/path"} {
		if _, _, err := parseGDBURL(u); err == nil {
			t.Errorf("parseGDBURL(%q) accepted it", u)
		}
	}
	for u, want := range map[string]string{
		"gdb://127.0.0.1:1234":   "127.0.0.1:1234",
		"gdb://localhost:99":     "127.0.0.1:99",
		"gdb://[::1]:5":          "[::1]:5",
		"gdb+unix:///tmp/g.sock": "/tmp/g.sock",
	} {
		if _, got, err := parseGDBURL(u); err != nil || got != want {
			t.Errorf("parseGDBURL(%q) = %q, %v; want %q", u, got, err, want)
		}
	}
}

func TestGDBReplyDecoding(t *testing.T) {
	for raw, want := range map[string]string{
		"0*\"":    "000000", // '"' is 34, so 34-29 = 5 more zeros
		"}]":      "}",      // 0x7d escaped as '}' 0x5d
		"ab}\x03": "ab#",
	} {
		got, err := decodeReply([]byte(raw))
		if err != nil || got != want {
			t.Errorf("decodeReply(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"*a", "ab}", "a*"} {
		if _, err := decodeReply([]byte(raw)); err == nil {
			t.Errorf("decodeReply(%q) accepted invalid encoding", raw)
		}
	}
	if got := string(framePacket("a#b")); got != "$a}\x03b#"+fmt.Sprintf("%02x", checksum([]byte("a}\x03b"))) {
		t.Errorf("framePacket escapes '#' as %q", got)
	}
}
