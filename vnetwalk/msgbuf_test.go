package vnetwalk

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

const (
	msgbufAddr = 0xfffff80003000000
	msgbufText = 0xfffff80003100000
)

// msgbuf writes a struct msgbuf (layout from the test kernel's DWARF) whose
// text area holds raw, and points msgbufp at it.
func (w *world) msgbuf(raw string, wseq, magic uint32) {
	w.ptr(w.sym("msgbufp"), msgbufAddr)
	b := w.mem.put(msgbufAddr, w.size("struct msgbuf"))
	binary.LittleEndian.PutUint64(b[w.off("struct msgbuf", "msg_ptr"):], msgbufText)
	binary.LittleEndian.PutUint32(b[w.off("struct msgbuf", "msg_magic"):], magic)
	binary.LittleEndian.PutUint32(b[w.off("struct msgbuf", "msg_size"):], uint32(len(raw)))
	binary.LittleEndian.PutUint32(b[w.off("struct msgbuf", "msg_wseq"):], wseq)
	copy(w.mem.put(msgbufText, int64(len(raw))), raw)
}

func TestMsgbufWrapped(t *testing.T) {
	w := newWorld(t)
	// The buffer was written 3 times over and 5 bytes more, so the next
	// write goes to position 5 and the oldest byte is there.
	const oldestFirst = "st\nwrapped line\nla"
	const pos = 5
	raw := oldestFirst[len(oldestFirst)-pos:] + oldestFirst[:len(oldestFirst)-pos]
	w.msgbuf(raw, uint32(len(raw)*3+pos), MsgMagic)
	m, err := New(w.syms, w.mem).ReadMsgbuf()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(m.Data); got != oldestFirst {
		t.Errorf("unwrapped %q, want %q", got, oldestFirst)
	}
	if got, want := m.Text(false), "wrapped line\nla\n"; got != want {
		t.Errorf("Text = %q, want %q (first, cut line dropped; newline added)", got, want)
	}
	if got, want := m.Text(true), "st\nwrapped line\nla\n"; got != want {
		t.Errorf("Text(all) = %q, want %q", got, want)
	}
}

func TestMsgbufNotFull(t *testing.T) {
	w := newWorld(t)
	w.msgbuf("boot\nok\n\x00\x00\x00\x00", 8, MsgMagic)
	m, err := New(w.syms, w.mem).ReadMsgbuf()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Text(false), "boot\nok\n"; got != want {
		t.Errorf("Text = %q, want %q (leading NULs dropped, first line kept)", got, want)
	}
}

func TestMsgbufSyslogPriority(t *testing.T) {
	m := &MessageBuffer{Data: []byte("\x00<6>kernel line\n<14>user line\n<x>odd\n")}
	if got, want := m.Text(false), "kernel line\n<x>odd\n"; got != want {
		t.Errorf("Text = %q, want %q (LOG_USER line dropped)", got, want)
	}
	if got, want := m.Text(true), "kernel line\nuser line\n<x>odd\n"; got != want {
		t.Errorf("Text(all) = %q, want %q", got, want)
	}
}

func TestMsgbufVisEncoding(t *testing.T) {
	m := &MessageBuffer{Data: []byte("\x00a\\b\x01\x7f\xff\xe1\xa0\tc\n")}
	if got, want := m.Text(false), `a\\b\^A\^?\M^?\M-a\240`+"\tc\n"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestMsgbufBadMagic(t *testing.T) {
	w := newWorld(t)
	w.msgbuf("text\n", 5, 0x12345)
	_, err := New(w.syms, w.mem).ReadMsgbuf()
	if err == nil || !strings.Contains(err.Error(), "0x12345") {
		t.Errorf("error %v, want one naming the bad magic 0x12345", err)
	}
}

func TestMsgbufTextUnreadable(t *testing.T) {
	w := newWorld(t)
	w.msgbuf("text\n", 5, MsgMagic)
	delete(w.mem.runs, msgbufText)
	_, err := New(w.syms, w.mem).ReadMsgbuf()
	if err == nil || !strings.Contains(err.Error(), "0xfffff80003100000") {
		t.Errorf("error %v, want one naming msg_ptr 0xfffff80003100000", err)
	}
}

// TestMsgbufMatchesOracle compares the unwrapped buffer and its header
// with gdb's reading of the same stopped kernel.
func TestMsgbufMatchesOracle(t *testing.T) {
	k := openTestDump(t, "minidump")
	want, ok := loadOracle(t)["msgbuf"].(map[string]any)
	if !ok {
		t.Fatal("oracle.json has no msgbuf; make fixtures writes it")
	}
	m, err := k.ReadMsgbuf()
	if err != nil {
		t.Fatal(err)
	}
	if m.Addr != hexValue(t, want["address"]) {
		t.Errorf("struct msgbuf at %#x, gdb found %v", m.Addr, want["address"])
	}
	for _, f := range []struct {
		name string
		got  uint32
	}{{"size", m.Size}, {"wseq", m.Wseq}, {"rseq", m.Rseq}} {
		if n, _ := want[f.name].(json.Number); n.String() != strconv.FormatUint(uint64(f.got), 10) {
			t.Errorf("%s = %d, gdb read %v", f.name, f.got, want[f.name])
		}
	}
	if m.Wseq < m.Size {
		t.Errorf("msg_wseq %d < msg_size %d: the fixture's buffer has not wrapped, so the wrap is untested", m.Wseq, m.Size)
	}
	if got := string(m.Data); got != want["text"] {
		t.Errorf("unwrapped text differs from gdb's (first 200 bytes):\n got %.200q\nwant %.200q", got, want["text"])
	}
}
