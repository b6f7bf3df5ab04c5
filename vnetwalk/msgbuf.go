package vnetwalk

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// MsgMagic is MSG_MAGIC from sys/sys/msgbuf.h: the msg_magic of a valid
// struct msgbuf.
const MsgMagic = 0x063062

// maxMsgbufSize bounds msg_size, so that a corrupt value cannot make the
// reader allocate without limit. NOTE: 64 MiB is a guess far above the
// buffers seen (the real amd64 dumps in the test fixtures have 98232 bytes).
const maxMsgbufSize = 64 << 20

// A MessageBuffer is the kernel's message buffer, the struct msgbuf that
// msgbufp points to, with its text area read.
type MessageBuffer struct {
	Addr  uint64 // the struct msgbuf
	Ptr   uint64 // msg_ptr: the text area
	Size  uint32 // msg_size: bytes in the text area
	Wseq  uint32 // msg_wseq: write sequence number
	Rseq  uint32 // msg_rseq: read sequence number (what syslogd has read)
	Magic uint32
	// Data is the text area unwrapped, oldest byte first: the bytes from
	// the write position to the end, then those before it.
	Data []byte
}

// A fieldAt is a struct member's offset and size, for kernels without DWARF.
type fieldAt struct{ off, size int64 }

// msgbufFallback is the start of struct msgbuf on LP64 FreeBSD since
// msg_wseq replaced msg_bufx (char *msg_ptr, then u_int msg_magic,
// msg_size, msg_wseq, msg_rseq), used when the kernel has no DWARF.
var msgbufFallback = map[string]fieldAt{"msg_ptr": {0, 8}, "msg_magic": {8, 4}, "msg_size": {12, 4}, "msg_wseq": {16, 4}, "msg_rseq": {20, 4}}

// ReadMsgbuf reads the message buffer through the symbol msgbufp, the way
// dmesg -M does.
func (k *Kernel) ReadMsgbuf() (*MessageBuffer, error) {
	sym, ok := k.Syms.Lookup("msgbufp")
	if !ok {
		return nil, fmt.Errorf("symbol msgbufp not found in %s, so the message buffer cannot be located", k.Syms.Path())
	}
	addr, err := k.readPtr(sym.Addr)
	if err != nil {
		return nil, fmt.Errorf("msgbufp at %#x: %w", sym.Addr, err)
	}
	if addr == 0 {
		return nil, fmt.Errorf("msgbufp at %#x is NULL: the kernel crashed before msgbufinit", sym.Addr)
	}
	m := &MessageBuffer{Addr: addr}
	if !k.Syms.HasDWARF() && k.ptrSize != 8 {
		return nil, fmt.Errorf("%s has no DWARF, and the fallback layout of struct msgbuf is known only for 64-bit kernels", k.Syms.Path())
	}
	fields, err := k.readFields("struct msgbuf", addr, msgbufFallback, "msg_ptr", "msg_magic", "msg_size", "msg_wseq", "msg_rseq")
	if err != nil {
		return nil, err
	}
	m.Ptr = fields[0]
	m.Magic, m.Size, m.Wseq, m.Rseq = uint32(fields[1]), uint32(fields[2]), uint32(fields[3]), uint32(fields[4])
	if m.Magic != MsgMagic {
		return nil, fmt.Errorf("struct msgbuf at %#x has magic %#x, not MSG_MAGIC %#x: msgbufp does not point to a message buffer", addr, m.Magic, MsgMagic)
	}
	if m.Size == 0 || m.Size > maxMsgbufSize {
		return nil, fmt.Errorf("struct msgbuf at %#x has msg_size %d, outside 1 to %d bytes", addr, m.Size, maxMsgbufSize)
	}
	raw := make([]byte, m.Size)
	if err := k.read(raw, m.Ptr); err != nil {
		return nil, fmt.Errorf("message buffer text (msg_ptr %#x, %d bytes): %w", m.Ptr, m.Size, err)
	}
	// MSGBUF_SEQ_TO_POS: the next byte is written at msg_wseq % msg_size,
	// so the oldest byte is there too once the buffer has wrapped.
	pos := m.Wseq % m.Size
	m.Data = append(append(make([]byte, 0, m.Size), raw[pos:]...), raw[:pos]...)
	return m, nil
}

// readFields reads integer members of a struct at addr, placed by DWARF or,
// when the kernel has no DWARF, by the fallback table.
func (k *Kernel) readFields(typeName string, addr uint64, fallback map[string]fieldAt, names ...string) ([]uint64, error) {
	out := make([]uint64, len(names))
	if k.Syms.HasDWARF() {
		r, err := k.readRecord(typeName, addr)
		if err != nil {
			return nil, err
		}
		for i, n := range names {
			if out[i], err = r.uint(n); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for i, n := range names {
		f, ok := fallback[n]
		if !ok {
			return nil, fmt.Errorf("%s.%s: the kernel has no DWARF and no fallback offset is known", typeName, n)
		}
		b := make([]byte, f.size)
		if err := k.read(b, addr+uint64(f.off)); err != nil {
			return nil, fmt.Errorf("%s.%s at %#x: %w", typeName, n, addr+uint64(f.off), err)
		}
		out[i] = k.word(b)
	}
	return out, nil
}

// logKern is LOG_KERN, the kernel's syslog facility (sys/sys/syslog.h).
const logKern = 0

// Text returns the buffer as FreeBSD's dmesg -M prints it. Leading NULs
// (a buffer that never filled) are dropped; otherwise the first line, which
// the wrap has probably cut, is dropped unless all is set. A "<N>" syslog
// priority at a line start is removed, and the line is dropped when its
// facility is not LOG_KERN, unless all is set. Bytes that are not printable
// are written as vis(3) writes them by default.
func (m *MessageBuffer) Text(all bool) string {
	b := append([]byte{}, m.Data...)
	if len(b) == 0 || b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	switch {
	case b[0] == 0:
		b = bytes.TrimLeft(b, "\x00")
	case !all:
		b = b[bytes.IndexByte(b, '\n')+1:]
	}
	var out strings.Builder
	for len(b) > 0 {
		n := bytes.IndexByte(b, '\n') + 1
		line := b[:n]
		b = b[n:]
		if rest, pri, ok := syslogPriority(line); ok {
			if (pri&0x3f8)>>3 != logKern && !all {
				continue
			}
			line = rest
		}
		writeVis(&out, line)
	}
	return out.String()
}

// syslogPriority parses a leading "<N>" and returns the line after it.
func syslogPriority(line []byte) ([]byte, int, bool) {
	if len(line) < 3 || line[0] != '<' || line[1] < '0' || line[1] > '9' {
		return nil, 0, false
	}
	end := bytes.IndexByte(line, '>')
	if end < 0 {
		return nil, 0, false
	}
	pri, err := strconv.ParseInt(string(line[1:end]), 10, 32)
	if err != nil || pri < 0 || pri == 1<<31-1 {
		return nil, 0, false
	}
	return line[end+1:], int(pri), true
}

// writeVis writes b with vis(3)'s default encoding. Graphic characters,
// space, tab and newline stay as they are and a backslash is doubled. A
// control character becomes \^C and DEL \^?. A byte with the high bit set
// becomes \M- or \M^ and its low seven bits, except meta space, \240.
func writeVis(out *strings.Builder, b []byte) {
	for _, c := range b {
		switch {
		case c == '\\':
			out.WriteString(`\\`)
		case c > ' ' && c < 0x7f, c == ' ', c == '\t', c == '\n':
			out.WriteByte(c)
		case c&0x7f == ' ':
			fmt.Fprintf(out, `\%03o`, c)
		default:
			out.WriteByte('\\')
			if c&0x80 != 0 {
				out.WriteByte('M')
				c &= 0x7f
			}
			switch {
			case c == 0x7f:
				out.WriteString("^?")
			case c < ' ':
				out.WriteByte('^')
				out.WriteByte(c + '@')
			default:
				out.WriteByte('-')
				out.WriteByte(c)
			}
		}
	}
}
