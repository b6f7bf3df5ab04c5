package kvm

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GDB remote serial protocol, as QEMU's and bhyve's gdbstubs speak it: a
// packet is "$data#cc", where cc is the sum of the data bytes modulo 256 in
// two hex digits, and the receiver replies '+' (good) or '-' (resend).
// Replies may escape a byte b as '}' b^0x20 and may run-length encode: "c*n"
// repeats c another n-29 times.
const (
	gdbEscape     = '}'
	gdbRunLength  = '*'
	gdbEscapeXOR  = 0x20
	gdbRunBias    = 29
	gdbMaxRetries = 3
	// gdbTimeout bounds each exchange with the stub.
	gdbTimeout = 10 * time.Second
	// gdbDefaultPacketSize is assumed when the stub does not report
	// PacketSize in its qSupported reply.
	gdbDefaultPacketSize = 1024
	// gdbMaxReply caps a reply, so that a broken stub cannot exhaust memory.
	gdbMaxReply = 1 << 20
)

// A gdbClient sends packets to a gdbstub over one connection. Its methods
// may be called from several goroutines; each exchange holds the lock.
type gdbClient struct {
	mu      sync.Mutex
	conn    net.Conn
	r       *bufio.Reader
	name    string        // the URL, for error messages
	timeout time.Duration // limit for one exchange
	maxRead int           // bytes per 'm' packet
	// physMode reports that the stub is QEMU's, which can switch 'm' to
	// physical addresses with the Qqemu.PhyMemMode packet.
	physMode bool
	// readMu makes each ReadAt, with its mode switches, one unit.
	readMu sync.Mutex
}

// newGDBClient starts a session on conn: it sends qSupported and sizes
// memory reads by the stub's PacketSize.
func newGDBClient(conn net.Conn, name string, timeout time.Duration) (*gdbClient, error) {
	c := &gdbClient{conn: conn, r: bufio.NewReader(conn), name: name, timeout: timeout}
	// gdb sends one ack before its first packet; stubs ignore it or expect it.
	c.conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.conn.Write([]byte{'+'}); err != nil {
		return nil, c.ioError("sending the initial ack", err)
	}
	reply, err := c.exchange("qSupported")
	if err != nil {
		return nil, err
	}
	c.maxRead = readSizeFor(packetSize(reply))
	// QEMU lists its own features in reply to qqemu.Supported; other stubs
	// reply with an empty packet.
	if reply, err := c.exchange("qqemu.Supported"); err == nil && strings.Contains(reply, "PhyMemMode") {
		c.physMode = true
	}
	return c, nil
}

// packetSize returns the PacketSize feature of a qSupported reply.
func packetSize(reply string) int {
	for _, f := range strings.Split(reply, ";") {
		if v, ok := strings.CutPrefix(f, "PacketSize="); ok {
			if n, err := strconv.ParseUint(v, 16, 32); err == nil && n > 0 {
				return int(n)
			}
		}
	}
	return gdbDefaultPacketSize
}

// readSizeFor returns the bytes one 'm' reply can carry in a packet of the
// given size: two hex digits per byte, less the framing.
func readSizeFor(packet int) int {
	return min(max((packet-8)/2, 16), pageSize)
}

// exchange sends one command and returns the decoded reply.
func (c *gdbClient) exchange(cmd string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return "", fmt.Errorf("%s: the connection is closed", c.name)
	}
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return "", c.ioError("setting the deadline", err)
	}
	if err := c.send(cmd); err != nil {
		return "", err
	}
	return c.receive(cmd)
}

// send writes a packet and waits for the stub's ack, resending on '-'.
func (c *gdbClient) send(cmd string) error {
	packet := framePacket(cmd)
	for range gdbMaxRetries {
		if _, err := c.conn.Write(packet); err != nil {
			return c.ioError(fmt.Sprintf("sending %q", cmd), err)
		}
		ack, err := c.r.ReadByte()
		if err != nil {
			return c.ioError(fmt.Sprintf("waiting for the ack of %q", cmd), err)
		}
		switch ack {
		case '+':
			return nil
		case '-':
			continue
		default:
			// A stub in no-ack mode, or one that replies at once: put the
			// byte back for receive.
			c.r.UnreadByte()
			return nil
		}
	}
	return fmt.Errorf("%s: the stub rejected %q %d times: is the connection corrupting data?", c.name, cmd, gdbMaxRetries)
}

// receive reads the reply to cmd, acknowledging it, and requests it again
// when its checksum is wrong.
func (c *gdbClient) receive(cmd string) (string, error) {
	// Notifications the stub sends unasked do not count against the
	// retries, but gdbMaxReply bounds how many are skipped.
	for badSums, skipped := 0, 0; badSums < gdbMaxRetries && skipped < gdbMaxReply; {
		raw, sum, err := c.readPacket()
		if err != nil {
			return "", c.ioError(fmt.Sprintf("reading the reply to %q", cmd), err)
		}
		if got := checksum(raw); got != sum {
			if _, err := c.conn.Write([]byte{'-'}); err != nil {
				return "", c.ioError("sending a nak", err)
			}
			badSums++
			continue
		}
		if _, err := c.conn.Write([]byte{'+'}); err != nil {
			return "", c.ioError("sending an ack", err)
		}
		reply, err := decodeReply(raw)
		if err != nil {
			return "", fmt.Errorf("%s: reply to %q: %w", c.name, cmd, err)
		}
		if isNotification(reply) {
			// QEMU sends a stop reply when a debugger connects, because it
			// stops the guest then. It is not a reply to any command.
			skipped++
			continue
		}
		return reply, nil
	}
	return "", fmt.Errorf("%s: the reply to %q had a wrong checksum %d times: is the connection corrupting data?", c.name, cmd, gdbMaxRetries)
}

// isNotification reports whether a packet is a stop reply (T, S, W or X
// followed by two hex digits) or console output ('O' and hex), which a stub
// may send unasked. No reply to qSupported or 'm' starts like that, because
// 'm' replies are hex digits or "E NN".
func isNotification(reply string) bool {
	if len(reply) < 3 || !strings.ContainsRune("TSWXO", rune(reply[0])) {
		return false
	}
	_, err := strconv.ParseUint(reply[1:3], 16, 8)
	return err == nil
}

// readPacket reads one "$data#cc" packet, skipping stray acks before it,
// and returns the raw data and the checksum it claims.
func (c *gdbClient) readPacket() ([]byte, byte, error) {
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return nil, 0, err
		}
		if b == '$' {
			break
		}
	}
	var raw []byte
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return nil, 0, err
		}
		if b == '#' {
			break
		}
		if len(raw) >= gdbMaxReply {
			return nil, 0, fmt.Errorf("reply longer than %d bytes", gdbMaxReply)
		}
		raw = append(raw, b)
	}
	var hex [2]byte
	for i := range hex {
		b, err := c.r.ReadByte()
		if err != nil {
			return nil, 0, err
		}
		hex[i] = b
	}
	sum, err := strconv.ParseUint(string(hex[:]), 16, 8)
	if err != nil {
		// An unreadable checksum cannot match, so the caller requests a resend.
		return raw, checksum(raw) + 1, nil
	}
	return raw, byte(sum), nil
}

// ioError describes a failed read or write on the connection.
func (c *gdbClient) ioError(doing string, err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%s: %s: timed out after %v: is the guest running a gdbstub on this socket?", c.name, doing, c.timeout)
	}
	return fmt.Errorf("%s: %s: %w", c.name, doing, err)
}

// Close ends the session and closes the connection.
func (c *gdbClient) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// framePacket escapes data and adds the '$', '#' and checksum.
func framePacket(data string) []byte {
	var body []byte
	for i := 0; i < len(data); i++ {
		switch b := data[i]; b {
		case '$', '#', gdbEscape, gdbRunLength:
			body = append(body, gdbEscape, b^gdbEscapeXOR)
		default:
			body = append(body, b)
		}
	}
	return fmt.Appendf(nil, "$%s#%02x", body, checksum(body))
}

func checksum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// decodeReply undoes escaping and run-length encoding.
func decodeReply(raw []byte) (string, error) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch b := raw[i]; b {
		case gdbEscape:
			i++
			if i == len(raw) {
				return "", errors.New("the reply ends inside an escape")
			}
			out = append(out, raw[i]^gdbEscapeXOR)
		case gdbRunLength:
			i++
			if i == len(raw) || len(out) == 0 {
				return "", fmt.Errorf("invalid run-length encoding at byte %d", i-1)
			}
			n := int(raw[i]) - gdbRunBias
			if n < 0 {
				return "", fmt.Errorf("invalid run-length count %q at byte %d", raw[i], i)
			}
			last := out[len(out)-1]
			for range n {
				out = append(out, last)
			}
		default:
			out = append(out, b)
		}
	}
	return string(out), nil
}

// stubError returns the error code of an "E NN" reply.
func stubError(reply string) (string, bool) {
	if len(reply) == 3 && reply[0] == 'E' {
		if _, err := strconv.ParseUint(reply[1:], 16, 8); err == nil {
			return reply[1:], true
		}
	}
	return "", false
}

// readMemory reads with 'm addr,len' packets, one page or less at a time,
// so that an error reply names the page that failed. For a physical read
// it switches QEMU's stub to physical addresses and back.
func (c *gdbClient) readMemory(p []byte, addr Addr, physical bool) (int, error) {
	if err := checkWrap(p, addr, physical); err != nil {
		return 0, err
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if physical {
		if err := c.setPhysMode(true); err != nil {
			return 0, &FaultError{Addr: addr, Physical: true, Reason: "switching the gdbstub to physical addresses", Err: err}
		}
		defer c.setPhysMode(false)
	}
	done := 0
	for done < len(p) {
		a := uint64(addr) + uint64(done)
		n := min(len(p)-done, c.maxRead, pageSize-int(a%pageSize))
		cmd := fmt.Sprintf("m%x,%x", a, n)
		reply, err := c.exchange(cmd)
		if err != nil {
			return done, &FaultError{Addr: Addr(a), Physical: physical, Reason: "gdbstub request failed", Err: err}
		}
		if code, ok := stubError(reply); ok {
			return done, &FaultError{
				Addr:     Addr(a),
				Physical: physical,
				Reason:   fmt.Sprintf("the gdbstub returned error %s to %q: %s", code, cmd, unreadableWhy(physical)),
				Err:      ErrNotMapped,
			}
		}
		got, err := decodeHexBytes(reply, p[done:done+n])
		if err != nil {
			return done, &FaultError{Addr: Addr(a), Physical: physical, Reason: fmt.Sprintf("reply to %q", cmd), Err: fmt.Errorf("%s: %w", c.name, err)}
		}
		if got == 0 {
			return done, &FaultError{Addr: Addr(a), Physical: physical, Reason: fmt.Sprintf("the gdbstub returned no bytes for %q", cmd), Err: ErrNotMapped}
		}
		// A stub may return fewer bytes than requested; ask again for the rest.
		done += got
	}
	return done, nil
}

// unreadableWhy explains an error reply to an 'm' packet.
func unreadableWhy(physical bool) string {
	if physical {
		return "the guest has no memory there"
	}
	return "the guest's page tables do not map it"
}

// setPhysMode switches QEMU's 'm' packets to physical or virtual addresses.
func (c *gdbClient) setPhysMode(on bool) error {
	mode := "0"
	if on {
		mode = "1"
	}
	reply, err := c.exchange("Qqemu.PhyMemMode:" + mode)
	if err != nil {
		return err
	}
	if reply != "OK" {
		return fmt.Errorf("%s: the stub replied %q to Qqemu.PhyMemMode:%s", c.name, reply, mode)
	}
	return nil
}

// decodeHexBytes decodes the hex digits of an 'm' reply into dst and
// returns the number of bytes decoded.
func decodeHexBytes(reply string, dst []byte) (int, error) {
	if len(reply)%2 != 0 {
		return 0, fmt.Errorf("memory reply of odd length %d: %.40q", len(reply), reply)
	}
	if len(reply)/2 > len(dst) {
		return 0, fmt.Errorf("memory reply carries %d bytes, %d requested", len(reply)/2, len(dst))
	}
	for i := 0; i < len(reply); i += 2 {
		v, err := strconv.ParseUint(reply[i:i+2], 16, 8)
		if err != nil {
			return 0, fmt.Errorf("memory reply has non-hex digits %q at offset %d", reply[i:i+2], i)
		}
		dst[i/2] = byte(v)
	}
	return len(reply) / 2, nil
}

// A gdbCore reads a running guest's memory through its gdbstub.
type gdbCore struct {
	client *gdbClient
	url    string
	arch   string
}

// gdbReader reads kernel virtual or physical addresses through the stub.
type gdbReader struct {
	c        *gdbClient
	physical bool
}

// ReadAt implements Reader.
func (r gdbReader) ReadAt(p []byte, addr Addr) (int, error) {
	return r.c.readMemory(p, addr, r.physical)
}

func (g *gdbCore) Virtual() Reader { return gdbReader{c: g.client} }

// Physical implements Core. A gdbstub's 'm' packet reads virtual addresses
// through the guest CPU's current page tables. Only QEMU's stub can switch
// to physical addresses (Qqemu.PhyMemMode), so other stubs have no
// physical view.
func (g *gdbCore) Physical() Reader {
	if g.client.physMode {
		return gdbReader{c: g.client, physical: true}
	}
	return failingReader{
		reason: "this gdbstub reads only virtual addresses through the guest's page tables (QEMU's stub, which can read physical ones, would list PhyMemMode in reply to qqemu.Supported): read the kernel virtual address instead, or dump the guest's memory",
		err:    errors.ErrUnsupported,
	}
}

func (g *gdbCore) Format() string     { return "gdb-remote" }
func (g *gdbCore) Arch() string       { return g.arch }
func (g *gdbCore) Path() string       { return g.url }
func (g *gdbCore) Close() error       { return g.client.Close() }
func (g *gdbCore) Warnings() []string { return nil }

// isGDBURL reports whether a memory source names a gdbstub.
func isGDBURL(source string) bool {
	return strings.HasPrefix(source, "gdb://") || strings.HasPrefix(source, "gdb+unix://")
}

// openGDB connects to the gdbstub named by a gdb://HOST:PORT or
// gdb+unix:///PATH URL. Only loopback addresses and unix sockets are
// accepted, because the protocol has no authentication.
func openGDB(source string, opts Options) (*gdbCore, error) {
	network, address, err := parseGDBURL(source)
	if err != nil {
		return nil, err
	}
	if opts.Kernel.Arch != "" && opts.Kernel.Arch != "amd64" {
		return nil, fmt.Errorf("%s: the kernel file is for %s, but only amd64 guests are read", source, opts.Kernel.Arch)
	}
	conn, err := net.DialTimeout(network, address, gdbTimeout)
	if err != nil {
		return nil, fmt.Errorf("%s: connecting to the gdbstub: %w (start the guest with one, e.g. QEMU -gdb unix:PATH,server=on,wait=off)", source, err)
	}
	client, err := newGDBClient(conn, source, gdbTimeout)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &gdbCore{client: client, url: source, arch: "amd64"}, nil
}

// parseGDBURL returns the network and address to dial for a gdb URL.
func parseGDBURL(source string) (network, address string, err error) {
	u, err := url.Parse(source)
	if err != nil {
		return "", "", fmt.Errorf("invalid gdbstub URL %q: %w", source, err)
	}
	switch u.Scheme {
	case "gdb+unix":
		if u.Host != "" || u.Path == "" {
			return "", "", fmt.Errorf("invalid gdbstub URL %q: write a unix socket as gdb+unix:///absolute/path", source)
		}
		return "unix", u.Path, nil
	case "gdb":
		host, port := u.Hostname(), u.Port()
		if port == "" || (u.Path != "" && u.Path != "/") {
			return "", "", fmt.Errorf("invalid gdbstub URL %q: write it as gdb://127.0.0.1:PORT", source)
		}
		ip := net.ParseIP(host)
		if host == "localhost" {
			ip = net.IPv4(127, 0, 0, 1)
		}
		if ip == nil || !ip.IsLoopback() {
			return "", "", fmt.Errorf("gdbstub URL %q: host %q is not a loopback address: the gdb protocol has no authentication, so only 127.0.0.0/8, ::1 and unix sockets are accepted (tunnel a remote stub over ssh -L)", source, host)
		}
		return "tcp", net.JoinHostPort(ip.String(), port), nil
	}
	return "", "", fmt.Errorf("invalid gdbstub URL %q: use gdb://127.0.0.1:PORT or gdb+unix:///PATH", source)
}
