package vnetwalk

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestPanicContextMatchesOracle(t *testing.T) {
	k := openTestDump(t, "minidump")
	want, ok := loadOracle(t)["panic"].(map[string]any)
	if !ok {
		t.Fatal("oracle.json has no panic; make fixtures writes it")
	}
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	pc := k.PanicContext(w)
	for _, e := range []error{pc.PanicErr, pc.TIDErr, pc.TimeErr, pc.ThreadErr, pc.VnetErr} {
		if e != nil {
			t.Fatal(e)
		}
	}
	if pc.Panicstr != want["panicstr"] {
		t.Errorf("panicstr %q, gdb read %q", pc.Panicstr, want["panicstr"])
	}
	if n := want["dumptid"].(json.Number).String(); n != strconv.Itoa(int(pc.DumpTID)) {
		t.Errorf("dumptid %d, gdb read %s", pc.DumpTID, n)
	}
	if n := want["time_second"].(json.Number).String(); n != strconv.FormatInt(pc.TimeSecond, 10) {
		t.Errorf("time_second %d, gdb read %s", pc.TimeSecond, n)
	}
	if pc.Thread.Addr != hexValue(t, want["thread"]) {
		t.Errorf("thread %#x, gdb found %v", pc.Thread.Addr, want["thread"])
	}
	if n := want["proc_pid"].(json.Number).String(); n != strconv.Itoa(int(pc.Thread.Proc.PID)) {
		t.Errorf("pid %d, gdb read %s", pc.Thread.Proc.PID, n)
	}
	if pc.Thread.Proc.Comm != want["proc_comm"] {
		t.Errorf("comm %q, gdb read %q", pc.Thread.Proc.Comm, want["proc_comm"])
	}
	if pc.Thread.VnetAddr != hexValue(t, want["td_vnet"]) {
		t.Errorf("td_vnet %#x, gdb read %v", pc.Thread.VnetAddr, want["td_vnet"])
	}
	if pc.VnetAddr != hexValue(t, want["vnet"]) || pc.Vnet == nil {
		t.Errorf("vnet %#x (walked: %v), gdb read %v", pc.VnetAddr, pc.Vnet != nil, want["vnet"])
	}
	checkJail(t, "crashing thread", pc.Jail, want["jail"])
}

// checkJail compares a jail with the oracle's {"jid": n, "name": s}.
func checkJail(t *testing.T, where string, j *Jail, want any) {
	t.Helper()
	m, _ := want.(map[string]any)
	if j == nil || m == nil {
		t.Errorf("%s: jail %v, gdb read %v", where, j, want)
		return
	}
	if strconv.Itoa(int(j.JID)) != m["jid"].(json.Number).String() || j.Name != m["name"] {
		t.Errorf("%s: jail %d %q, gdb read %v", where, j.JID, j.Name, m)
	}
}

// TestFindThreadMatchesOracle looks up every thread gdb listed and checks
// the vnet each uses, including threads whose td_vnet is NULL, whose vnet
// comes from td_ucred->cr_prison->pr_vnet.
func TestFindThreadMatchesOracle(t *testing.T) {
	k := openTestDump(t, "minidump")
	threads, ok := loadOracle(t)["threads"].([]any)
	if !ok || len(threads) == 0 {
		t.Fatal("oracle.json has no threads; make fixtures writes them")
	}
	w, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	fromUcred := 0
	for _, x := range threads {
		m := x.(map[string]any)
		tid64, _ := m["tid"].(json.Number).Int64()
		tc := k.FindThread(int32(tid64), w)
		where := "tid " + m["tid"].(json.Number).String()
		if tc.ThreadErr != nil || tc.VnetErr != nil {
			t.Errorf("%s: %v, %v", where, tc.ThreadErr, tc.VnetErr)
			continue
		}
		if tc.Thread.Addr != hexValue(t, m["address"]) || tc.Thread.Proc.Addr != hexValue(t, m["proc"]) {
			t.Errorf("%s: thread %#x of proc %#x, gdb found %v of %v", where, tc.Thread.Addr, tc.Thread.Proc.Addr, m["address"], m["proc"])
		}
		if tc.Thread.Name != m["name"] || tc.Thread.Proc.Comm != m["comm"] {
			t.Errorf("%s: names %q, %q; gdb read %v, %v", where, tc.Thread.Name, tc.Thread.Proc.Comm, m["name"], m["comm"])
		}
		if tc.VnetAddr != hexValue(t, m["vnet"]) {
			t.Errorf("%s: vnet %#x, gdb's TD_TO_VNET gives %v", where, tc.VnetAddr, m["vnet"])
		}
		wantFrom := "td_vnet"
		if hexValue(t, m["td_vnet"]) == 0 {
			wantFrom = "td_ucred->cr_prison->pr_vnet"
			fromUcred++
		}
		if tc.VnetFrom != wantFrom {
			t.Errorf("%s: vnet from %s, want %s", where, tc.VnetFrom, wantFrom)
		}
		checkJail(t, where, tc.Jail, m["jail"])
	}
	if fromUcred == 0 {
		t.Error("no thread of the oracle has a NULL td_vnet, so the ucred path is untested")
	}
}

const (
	procA   = 0xfffff80004000000
	procB   = 0xfffff80004100000
	threadA = 0xfffff80004200000
	threadB = 0xfffff80004300000
)

// proc writes a struct proc at addr.
func (w *world) proc(addr, next, firstThread uint64, pid int32, comm string) {
	b := w.mem.put(addr, w.size("struct proc"))
	binary.LittleEndian.PutUint64(b[w.off("struct proc", "p_list.le_next"):], next)
	binary.LittleEndian.PutUint64(b[w.off("struct proc", "p_threads.tqh_first"):], firstThread)
	binary.LittleEndian.PutUint32(b[w.off("struct proc", "p_pid"):], uint32(pid))
	copy(b[w.off("struct proc", "p_comm"):], comm)
}

// thread writes a struct thread at addr.
func (w *world) thread(addr, next uint64, tid int32, vnet uint64) {
	b := w.mem.put(addr, w.size("struct thread"))
	binary.LittleEndian.PutUint64(b[w.off("struct thread", "td_plist.tqe_next"):], next)
	binary.LittleEndian.PutUint32(b[w.off("struct thread", "td_tid"):], uint32(tid))
	binary.LittleEndian.PutUint64(b[w.off("struct thread", "td_vnet"):], vnet)
	copy(b[w.off("struct thread", "td_name"):], "worker")
}

func TestFindThreadProcCycle(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("allproc"), procA)
	w.proc(procA, procB, 0, 10, "a")
	w.proc(procB, procA, 0, 11, "b") // back to A
	tc := New(w.syms, w.mem).FindThread(100, nil)
	if tc.Thread != nil || tc.ThreadErr == nil {
		t.Fatalf("found %v, want no thread and an error", tc.Thread)
	}
	if tc.Procs != 2 {
		t.Errorf("walked %d processes, want the 2 before the cycle", tc.Procs)
	}
	if !strings.Contains(strings.Join(tc.Warnings, "\n"), "cycle") {
		t.Errorf("no cycle warning in %q", tc.Warnings)
	}
}

func TestFindThreadThreadCycle(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("allproc"), procA)
	w.proc(procA, procB, threadA, 10, "a")
	w.thread(threadA, threadB, 1, 0)
	w.thread(threadB, threadA, 2, 0) // back to threadA
	w.proc(procB, 0, 0, 11, "b")
	tc := New(w.syms, w.mem).FindThread(100, nil)
	if tc.Thread != nil {
		t.Fatalf("found thread %#x, want none", tc.Thread.Addr)
	}
	if !strings.Contains(strings.Join(tc.Warnings, "\n"), "p_threads cycle") {
		t.Errorf("no p_threads cycle warning in %q", tc.Warnings)
	}
	if tc.Procs != 2 {
		t.Errorf("walked %d processes, want both: a thread cycle must not end the process walk", tc.Procs)
	}
}

func TestFindThreadTdVnet(t *testing.T) {
	w := newWorld(t)
	w.ptr(w.sym("allproc"), procA)
	w.proc(procA, 0, threadA, 77, "nginx")
	w.thread(threadA, threadB, 1, 0)
	w.thread(threadB, 0, 100, vnetA)
	w.ptr(w.sym("vnet_head"), vnetA)
	w.ptr(w.sym("vnet0"), vnetA)
	w.vnet(vnetA, 0, VnetMagic, 0x1000)
	k := New(w.syms, w.mem)
	walk, err := k.Walk()
	if err != nil {
		t.Fatal(err)
	}
	tc := k.FindThread(100, walk)
	if tc.ThreadErr != nil {
		t.Fatal(tc.ThreadErr)
	}
	if tc.Thread.Addr != threadB || tc.Thread.Proc.PID != 77 || tc.Thread.Proc.Comm != "nginx" {
		t.Errorf("thread %#x pid %d %q, want %#x pid 77 nginx", tc.Thread.Addr, tc.Thread.Proc.PID, tc.Thread.Proc.Comm, uint64(threadB))
	}
	if tc.VnetAddr != vnetA || tc.VnetFrom != "td_vnet" || tc.Vnet == nil {
		t.Errorf("vnet %#x from %q (walked %v), want %#x from td_vnet", tc.VnetAddr, tc.VnetFrom, tc.Vnet != nil, uint64(vnetA))
	}
	if tc.Jail != nil {
		t.Errorf("jail %+v, want none: td_ucred is NULL", tc.Jail)
	}
}

func TestPanicContextNoDumptid(t *testing.T) {
	w := newWorld(t)
	w.mem.put(w.sym("dumptid"), 4) // 0: no thread recorded
	pc := New(w.syms, w.mem).PanicContext(nil)
	if pc.ThreadErr == nil || !strings.Contains(pc.ThreadErr.Error(), "dumptid is 0") {
		t.Errorf("thread error %v, want one saying dumptid is 0", pc.ThreadErr)
	}
	if pc.PanicErr == nil {
		t.Error("panicstr is not in memory, but no error was reported")
	}
}
