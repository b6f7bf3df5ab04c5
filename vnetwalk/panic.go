package vnetwalk

import (
	"errors"
	"fmt"
)

// Bounds on the allproc walk. PID_MAX is 99999 (sys/sys/proc.h), so a
// longer process list is corrupt or cyclic in a way the seen-set missed.
const (
	maxProcs   = 200000
	maxThreads = 1 << 20 // over all processes
	maxCString = 4096    // bytes read from a char * such as panicstr
)

// A Proc is one struct proc on allproc.
type Proc struct {
	Addr    uint64
	PID     int32
	Comm    string // p_comm
	Threads int    // threads seen on p_threads
}

// A Thread is one struct thread on a process's p_threads list.
type Thread struct {
	Addr uint64
	TID  int32
	Name string // td_name
	Proc *Proc
	// VnetAddr is td_vnet: the vnet set by CURVNET_SET, 0 outside such a
	// section. HasVnet is false when the kernel's layout is not known.
	VnetAddr uint64
	HasVnet  bool
	// UcredAddr is td_ucred, 0 when unknown.
	UcredAddr uint64
}

// A PanicContext is what a crash dump records about the crash: the panic
// string, the crashing thread (the one whose td_tid is dumptid) with its
// process, and the vnet that thread was using. A part that cannot be read
// has its error set and the rest is still filled in.
type PanicContext struct {
	Panicstr    string
	HasPanicstr bool // false when panicstr is NULL: a dump taken without a panic
	PanicErr    error

	DumpTID int32
	TIDErr  error

	TimeSecond int64 // time_second: seconds since the Epoch when the dump was taken
	TimeErr    error

	ThreadContext
}

// A ThreadContext is one thread found on allproc by its td_tid, with the
// vnet it is using and its jail.
type ThreadContext struct {
	Thread    *Thread // nil when not found
	ThreadErr error

	// VnetAddr is the thread's current vnet, from VnetFrom:
	// "td_vnet", or "td_ucred->cr_prison->pr_vnet" when td_vnet is NULL.
	VnetAddr uint64
	VnetFrom string
	Vnet     *Vnet // the walked vnet at VnetAddr, nil if not on vnet_head
	// Jail is the thread's prison (td_ucred->cr_prison), nil if unknown.
	Jail    *Jail
	VnetErr error

	Procs    int      // processes walked on allproc
	Warnings []string // problems in the allproc walk that did not stop it
}

// procFallback and threadFallback give struct proc and struct thread
// members through the offsets FreeBSD exports as symbols (proc_off_p_pid
// and the like, in sys/kern/kern_proc.c and kern_thread.c) for debuggers
// that have no DWARF. Each entry is the symbol, the offset of the wanted
// word inside that member, and the size read.
type exportedOffset struct {
	symbol string
	inner  int64
	size   int64
}

var procFallback = map[string]exportedOffset{
	"p_list.le_next":      {"proc_off_p_list", 0, 8},
	"p_threads.tqh_first": {"proc_off_p_threads", 0, 8},
	"p_pid":               {"proc_off_p_pid", 0, 4},
	"p_comm":              {"proc_off_p_comm", 0, 20}, // MAXCOMLEN + 1
}

var threadFallback = map[string]exportedOffset{
	"td_plist.tqe_next": {"thread_off_td_plist", 0, 8},
	"td_tid":            {"thread_off_td_tid", 0, 4},
	"td_name":           {"thread_off_td_name", 0, 20}, // MAXCOMLEN + 1
}

// errNoLayout reports a member whose place is known neither from DWARF nor
// from an exported offset.
var errNoLayout = errors.New("not in DWARF and not among the exported proc_off_/thread_off_ offsets")

// layoutFields resolves the members of a kernel struct: from DWARF when
// the kernel has the type, else from FreeBSD's exported offsets. Members
// that cannot be placed are left out of the result.
func (k *Kernel) layoutFields(typeName string, paths []string, fallback map[string]exportedOffset) (map[string]fieldAt, error) {
	out := map[string]fieldAt{}
	if k.Syms.HasDWARF() {
		l, err := k.layoutOf(typeName)
		if err == nil {
			for _, p := range paths {
				off, size, err := memberPath(l.typ, p)
				if err == nil {
					out[p] = fieldAt{off, size}
				}
			}
			return out, nil
		}
	}
	if k.ptrSize != 8 {
		return nil, fmt.Errorf("%s: no DWARF type, and the exported offsets are used only on 64-bit kernels", typeName)
	}
	for _, p := range paths {
		e, ok := fallback[p]
		if !ok {
			continue
		}
		off, err := k.readExportedInt(e.symbol)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", typeName, p, err)
		}
		out[p] = fieldAt{off + e.inner, e.size}
	}
	return out, nil
}

// readExportedInt reads a const int such as proc_off_p_pid: from the dump
// first, and from the kernel image when the dump lacks the page.
func (k *Kernel) readExportedInt(name string) (int64, error) {
	sym, ok := k.Syms.Lookup(name)
	if !ok {
		return 0, fmt.Errorf("symbol %s not found in %s", name, k.Syms.Path())
	}
	b := make([]byte, 4)
	if err := k.read(b, sym.Addr); err != nil {
		if n, ierr := k.Syms.ReadImage(b, sym.Addr); ierr != nil || n < 4 {
			return 0, fmt.Errorf("%s at %#x: %w", name, sym.Addr, err)
		}
	}
	v := int64(int32(k.order.Uint32(b)))
	if v < 0 || v > 1<<16 {
		return 0, fmt.Errorf("%s at %#x holds %d, not a plausible struct offset", name, sym.Addr, v)
	}
	return v, nil
}

// fieldReader reads members of one struct type placed by layoutFields.
type fieldReader struct {
	k        *Kernel
	typeName string
	fields   map[string]fieldAt
}

func (f fieldReader) has(path string) bool {
	_, ok := f.fields[path]
	return ok
}

// uint reads an integer or pointer member of the struct at addr.
func (f fieldReader) uint(addr uint64, path string) (uint64, error) {
	fa, ok := f.fields[path]
	if !ok {
		return 0, fmt.Errorf("%s.%s: %w", f.typeName, path, errNoLayout)
	}
	if fa.size != 1 && fa.size != 2 && fa.size != 4 && fa.size != 8 {
		return 0, fmt.Errorf("%s.%s: member of %d bytes is not an integer", f.typeName, path, fa.size)
	}
	b := make([]byte, fa.size)
	if err := f.k.read(b, addr+uint64(fa.off)); err != nil {
		return 0, fmt.Errorf("%s.%s of %#x: %w", f.typeName, path, addr, err)
	}
	return f.k.word(b), nil
}

// cstring reads a char array member of the struct at addr up to its NUL.
func (f fieldReader) cstring(addr uint64, path string) (string, error) {
	fa, ok := f.fields[path]
	if !ok {
		return "", fmt.Errorf("%s.%s: %w", f.typeName, path, errNoLayout)
	}
	b := make([]byte, fa.size)
	if err := f.k.read(b, addr+uint64(fa.off)); err != nil {
		return "", fmt.Errorf("%s.%s of %#x: %w", f.typeName, path, addr, err)
	}
	return cstr(b), nil
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

var (
	procPaths   = []string{"p_list.le_next", "p_threads.tqh_first", "p_pid", "p_comm"}
	threadPaths = []string{"td_plist.tqe_next", "td_tid", "td_name", "td_vnet", "td_ucred"}
)

// PanicContext reads the panic string, dumptid, time_second and the
// crashing thread, and finds the vnet that thread was using. w, when not
// nil, supplies the vnets and jails to name that vnet with.
func (k *Kernel) PanicContext(w *Walk) *PanicContext {
	pc := &PanicContext{}
	pc.Panicstr, pc.HasPanicstr, pc.PanicErr = k.readPanicstr()
	if tid, err := k.readGlobalInt("dumptid", 4); err != nil {
		pc.TIDErr = err
	} else {
		pc.DumpTID = int32(tid)
	}
	if t, err := k.readGlobalInt("time_second", 8); err != nil {
		pc.TimeErr = err
	} else {
		pc.TimeSecond = t
	}

	switch {
	case pc.TIDErr != nil:
		pc.ThreadErr = fmt.Errorf("dumptid unknown: %w", pc.TIDErr)
		pc.VnetErr = errors.New("the crashing thread is unknown")
	case pc.DumpTID == 0:
		pc.ThreadErr = errors.New("dumptid is 0: no thread was recorded as the one taking the dump")
		pc.VnetErr = errors.New("the crashing thread is unknown")
	default:
		pc.ThreadContext = *k.FindThread(pc.DumpTID, w)
	}
	return pc
}

// FindThread walks allproc for the thread whose td_tid is tid and finds
// the vnet it is using. w, when not nil, supplies the vnets and jails to
// name that vnet with.
func (k *Kernel) FindThread(tid int32, w *Walk) *ThreadContext {
	tc := &ThreadContext{}
	tc.Thread, tc.ThreadErr = k.findThread(tid, tc)
	if tc.Thread != nil {
		k.threadVnet(tc, w)
	} else {
		tc.VnetErr = errors.New("the thread was not found")
	}
	return tc
}

// readPanicstr reads the string panicstr points to.
func (k *Kernel) readPanicstr() (string, bool, error) {
	sym, ok := k.Syms.Lookup("panicstr")
	if !ok {
		return "", false, fmt.Errorf("symbol panicstr not found in %s", k.Syms.Path())
	}
	p, err := k.readPtr(sym.Addr)
	if err != nil {
		return "", false, fmt.Errorf("panicstr at %#x: %w", sym.Addr, err)
	}
	if p == 0 {
		return "", false, nil
	}
	s, err := k.readCString(p, maxCString)
	if err != nil {
		return "", false, fmt.Errorf("panic string at %#x (panicstr): %w", p, err)
	}
	return s, true, nil
}

// readGlobalInt reads a signed integer global of the given size, or of the
// size DWARF gives it.
func (k *Kernel) readGlobalInt(name string, size int) (int64, error) {
	sym, ok := k.Syms.Lookup(name)
	if !ok {
		return 0, fmt.Errorf("symbol %s not found in %s", name, k.Syms.Path())
	}
	if k.Syms.HasDWARF() {
		if t, err := k.Syms.VariableType(name); err == nil && (t.Size() == 4 || t.Size() == 8) {
			size = int(t.Size())
		}
	}
	b := make([]byte, size)
	if err := k.read(b, sym.Addr); err != nil {
		return 0, fmt.Errorf("%s at %#x: %w", name, sym.Addr, err)
	}
	if size == 4 {
		return int64(int32(k.order.Uint32(b))), nil
	}
	return int64(k.order.Uint64(b)), nil
}

// findThread walks allproc and each process's p_threads for the thread
// whose td_tid is tid.
func (k *Kernel) findThread(tid int32, pc *ThreadContext) (*Thread, error) {
	head, ok := k.Syms.Lookup("allproc")
	if !ok {
		return nil, fmt.Errorf("symbol allproc not found in %s", k.Syms.Path())
	}
	pf, err := k.layoutFields("struct proc", procPaths, procFallback)
	if err != nil {
		return nil, err
	}
	tf, err := k.layoutFields("struct thread", threadPaths, threadFallback)
	if err != nil {
		return nil, err
	}
	procs := fieldReader{k, "struct proc", pf}
	threads := fieldReader{k, "struct thread", tf}
	for _, p := range procPaths {
		if !procs.has(p) {
			return nil, fmt.Errorf("struct proc.%s: %w", p, errNoLayout)
		}
	}
	for _, p := range threadPaths[:3] {
		if !threads.has(p) {
			return nil, fmt.Errorf("struct thread.%s: %w", p, errNoLayout)
		}
	}

	first, err := k.readPtr(head.Addr) // lh_first
	if err != nil {
		return nil, fmt.Errorf("allproc at %#x: %w", head.Addr, err)
	}
	seenProcs := map[uint64]bool{}
	seenThreads := map[uint64]bool{}
	for p := first; p != 0; {
		if pc.Procs >= maxProcs {
			pc.Warnings = append(pc.Warnings, fmt.Sprintf("allproc: stopped after %d processes (the limit)", pc.Procs))
			break
		}
		if seenProcs[p] {
			pc.Warnings = append(pc.Warnings, fmt.Sprintf("allproc: cycle detected at proc %#x; stopped after %d processes", p, pc.Procs))
			break
		}
		seenProcs[p] = true
		pc.Procs++
		next, err := procs.uint(p, "p_list.le_next")
		if err != nil {
			pc.Warnings = append(pc.Warnings, fmt.Sprintf("allproc: list ends early: %v", err))
			break
		}
		if td, err := k.searchProc(p, tid, procs, threads, seenThreads); err != nil {
			pc.Warnings = append(pc.Warnings, err.Error())
		} else if td != nil {
			return td, nil
		}
		if len(seenThreads) >= maxThreads {
			pc.Warnings = append(pc.Warnings, fmt.Sprintf("allproc: stopped after %d threads (the limit)", len(seenThreads)))
			break
		}
		p = next
	}
	return nil, fmt.Errorf("no thread with td_tid %d among the threads of %d processes on allproc", tid, pc.Procs)
}

// searchProc looks for tid on one process's p_threads list.
func (k *Kernel) searchProc(p uint64, tid int32, procs, threads fieldReader, seen map[uint64]bool) (*Thread, error) {
	td, err := procs.uint(p, "p_threads.tqh_first")
	if err != nil {
		return nil, err
	}
	n := 0
	for ; td != 0; n++ {
		if seen[td] {
			return nil, fmt.Errorf("proc %#x: p_threads cycle at thread %#x", p, td)
		}
		if len(seen) >= maxThreads {
			return nil, nil
		}
		seen[td] = true
		id, err := threads.uint(td, "td_tid")
		if err != nil {
			return nil, err
		}
		if int32(id) == tid {
			return k.readThread(p, td, procs, threads, n+1)
		}
		if td, err = threads.uint(td, "td_plist.tqe_next"); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// readThread fills in the thread found and its process.
func (k *Kernel) readThread(p, td uint64, procs, threads fieldReader, seen int) (*Thread, error) {
	t := &Thread{Addr: td, Proc: &Proc{Addr: p, Threads: seen}}
	id, err := threads.uint(td, "td_tid")
	if err != nil {
		return nil, err
	}
	t.TID = int32(id)
	if t.Name, err = threads.cstring(td, "td_name"); err != nil {
		return nil, err
	}
	pid, err := procs.uint(p, "p_pid")
	if err != nil {
		return nil, err
	}
	t.Proc.PID = int32(pid)
	if t.Proc.Comm, err = procs.cstring(p, "p_comm"); err != nil {
		return nil, err
	}
	if threads.has("td_vnet") {
		if t.VnetAddr, err = threads.uint(td, "td_vnet"); err == nil {
			t.HasVnet = true
		}
	}
	if threads.has("td_ucred") {
		t.UcredAddr, _ = threads.uint(td, "td_ucred")
	}
	return t, nil
}

// threadVnet finds the crashing thread's vnet as the kernel's TD_TO_VNET
// does: td_vnet when set, else td_ucred->cr_prison->pr_vnet.
func (k *Kernel) threadVnet(pc *ThreadContext, w *Walk) {
	t := pc.Thread
	if !t.HasVnet {
		pc.VnetErr = fmt.Errorf("struct thread.td_vnet: %w", errNoLayout)
		return
	}
	prison, err := k.threadPrison(t)
	if err == nil {
		pc.Jail = k.namedJail(prison, w)
	}
	switch {
	case t.VnetAddr != 0:
		pc.VnetAddr, pc.VnetFrom = t.VnetAddr, "td_vnet"
	case err != nil:
		pc.VnetErr = fmt.Errorf("td_vnet is NULL and the thread's prison is unknown: %w", err)
		return
	case pc.Jail.Err != nil:
		pc.VnetErr = fmt.Errorf("td_vnet is NULL and the thread's prison %#x cannot be read: %w", prison, pc.Jail.Err)
		return
	default:
		pc.VnetAddr, pc.VnetFrom = pc.Jail.VnetAddr, "td_ucred->cr_prison->pr_vnet"
	}
	if w != nil {
		for _, v := range w.Vnets {
			if v.Addr == pc.VnetAddr {
				pc.Vnet = v
			}
		}
	}
	if pc.Vnet == nil {
		pc.VnetErr = fmt.Errorf("vnet %#x (from %s) is not on vnet_head", pc.VnetAddr, pc.VnetFrom)
	}
}

// threadPrison returns td_ucred->cr_prison.
func (k *Kernel) threadPrison(t *Thread) (uint64, error) {
	if t.UcredAddr == 0 {
		return 0, errors.New("td_ucred is NULL or unknown")
	}
	cr, err := k.readRecord("struct ucred", t.UcredAddr)
	if err != nil {
		return 0, err
	}
	p, err := cr.uint("cr_prison")
	if err != nil {
		return 0, err
	}
	if p == 0 {
		return 0, fmt.Errorf("cr_prison of ucred %#x is NULL", t.UcredAddr)
	}
	return p, nil
}

// namedJail returns the walked jail at addr, or reads it when the walk
// does not have it.
func (k *Kernel) namedJail(addr uint64, w *Walk) *Jail {
	if w != nil {
		for _, j := range w.Jails {
			if j.Addr == addr {
				return j
			}
		}
	}
	j, _ := k.readJail(addr)
	return j
}
