package tui

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"

	"github.com/vnetinspect/vnetinspect/eval"
	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// A Source is an opened kernel and core, as the interface reads them.
type Source struct {
	Kernel  *vnetwalk.Kernel
	Version string // the kernel's version string, first line shown
	Format  string // the core's format, as kvm.Core.Format names it
	Path    string // the core's file
	// Warnings are problems found while opening, shown in the status line.
	Warnings []string
	Limits   value.Limits

	// mu serializes the dump reads of concurrent commands, because
	// vnetwalk.Kernel caches state without locks of its own.
	mu     sync.Mutex
	closed bool

	// selected is the vnet whose variables the vnet list shows. A read queued
	// for another vnet is dropped, so that a held arrow key does not queue
	// one read per jail it passes.
	selected atomic.Pointer[vnetwalk.Vnet]
}

// Close runs closeFn, which closes the kernel and the core, once no command
// is reading them. Commands that run afterwards read nothing and return nil.
func (s *Source) Close(closeFn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	closeFn()
}

// A Loader opens the kernel and the core. It calls progress during long
// work (decompression), with done and total in bytes, total -1 if unknown.
type Loader func(progress func(stage string, done, total int64)) (*Source, error)

// ProgressMsg reports the loader's progress.
type ProgressMsg struct {
	Stage       string
	Done, Total int64
}

// LoadedMsg carries the opened source, or the reason it could not be opened.
type LoadedMsg struct {
	Source *Source
	Err    error
}

// WalkMsg carries the vnet and jail lists.
type WalkMsg struct {
	Walk *vnetwalk.Walk
	Err  error
}

// PanicMsg carries the panic context of the dump.
type PanicMsg struct{ Panic *vnetwalk.PanicContext }

// VarsMsg carries every variable of one vnet, read and decoded.
type VarsMsg struct {
	Vnet *vnetwalk.Vnet
	Vars []VarEntry
	Err  error
}

// A VarEntry is one virtualized variable read in one vnet.
type VarEntry struct {
	Symbol symbols.Symbol
	Var    *vnetwalk.Variable
	Value  *value.Value // nil when Var.Err is set or the kernel has no DWARF
}

// Name returns the variable's name without the vnet_entry_ prefix.
func (e VarEntry) Name() string { return e.Var.Name }

// FollowMsg carries the object a pointer points to.
type FollowMsg struct {
	Frame Frame
	Err   error
}

// CompareMsg carries one variable compared across every vnet.
type CompareMsg struct{ Comparison *vnetwalk.Comparison }

// SearchMsg carries the matches of a search over every vnet.
type SearchMsg struct {
	Query   string
	Matches []Match
	Err     error
}

// A Match is one leaf or variable name that matches a search.
type Match struct {
	Vnet *vnetwalk.Vnet
	Var  string // variable name without prefix
	Path string // the leaf's C path, "" when the name matched
	Text string // the leaf's value
}

// loadCmd runs the loader in its own goroutine and sends its progress and
// result on ch, which waitCmd drains.
func loadCmd(load Loader, ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		go func() {
			src, err := load(func(stage string, done, total int64) {
				// A report is dropped while the channel still holds an
				// unread one, so that decompression never waits on the
				// interface.
				select {
				case ch <- ProgressMsg{Stage: stage, Done: done, Total: total}:
				default:
				}
			})
			ch <- LoadedMsg{Source: src, Err: err}
		}()
		return nil
	}
}

// waitCmd returns the next message of the loader.
func waitCmd(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg { return <-ch }
}

// walkCmd walks the vnet and jail lists.
func (s *Source) walkCmd() tea.Cmd {
	return func() tea.Msg {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return nil
		}
		w, err := s.Kernel.Walk()
		return WalkMsg{Walk: w, Err: err}
	}
}

// panicCmd reads the panic string and the crashing thread's vnet.
func (s *Source) panicCmd(w *vnetwalk.Walk) tea.Cmd {
	return func() tea.Msg {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return nil
		}
		return PanicMsg{Panic: s.Kernel.PanicContext(w)}
	}
}

// varsCmd reads and decodes every virtualized variable of v. It reads
// nothing and returns nil when, by the time the dump is free, the vnet list
// shows another vnet.
func (s *Source) varsCmd(v *vnetwalk.Vnet) tea.Cmd {
	s.selected.Store(v)
	return func() tea.Msg {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed || s.selected.Load() != v {
			return nil
		}
		vars, err := s.readVars(v)
		return VarsMsg{Vnet: v, Vars: vars, Err: err}
	}
}

func (s *Source) readVars(v *vnetwalk.Vnet) ([]VarEntry, error) {
	syms, err := s.Kernel.VnetVariables()
	if err != nil {
		return nil, err
	}
	out := make([]VarEntry, 0, len(syms))
	for _, sym := range syms {
		x := s.Kernel.ReadVnetVar(sym, v)
		out = append(out, VarEntry{Symbol: sym, Var: x, Value: s.decode(x)})
	}
	return out, nil
}

func (s *Source) decode(x *vnetwalk.Variable) *value.Value {
	if x.Err != nil || x.Type == nil {
		return nil
	}
	syms := s.Kernel.Syms
	return value.Decode(x.Type, x.Bytes, syms.ByteOrder(), syms.PtrSize(), s.Limits)
}

// followCmd reads the object that pointer p points to, in vnet v. title
// names p in the frame's title and in errors.
func (s *Source) followCmd(v *vnetwalk.Vnet, title string, p *value.Value) tea.Cmd {
	return func() tea.Msg {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return nil
		}
		ev := &eval.Evaluator{Kernel: s.Kernel, Vnet: v, Limits: s.Limits}
		targets, _ := ev.FollowPointers(p, 1)
		if len(targets) == 0 {
			return FollowMsg{Err: fmt.Errorf("%s: %#x cannot be followed (NULL, void or function pointer, or a type without size)", title, p.Ptr)}
		}
		t := targets[0]
		if t.Err != nil {
			return FollowMsg{Err: fmt.Errorf("%s: %w", title, t.Err)}
		}
		f := Frame{Title: "*" + title, Addr: t.Addr, Value: t.Value}
		if strings.HasSuffix(p.TypeName, "*") {
			// A cast of the address reads the target again, so that lists
			// can be walked from its members.
			f.Expr = fmt.Sprintf("(*(%s)%#x)", p.TypeName, t.Addr)
		}
		f.Bytes = s.readBytes(t.Addr, t.Value.Size)
		return FollowMsg{Frame: f}
	}
}

// readBytes reads size bytes at addr for the raw view; nil when unreadable.
func (s *Source) readBytes(addr uint64, size int64) []byte {
	if size <= 0 || size > 1<<20 {
		return nil
	}
	b := make([]byte, size)
	n, _ := s.Kernel.Mem.ReadAt(b, kvm.Addr(addr))
	return b[:n]
}

// listCmd walks the queue(3) list whose head or entry is expr in vnet v.
func (s *Source) listCmd(v *vnetwalk.Vnet, expr string) tea.Cmd {
	return func() tea.Msg {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return nil
		}
		ev := &eval.Evaluator{Kernel: s.Kernel, Vnet: v, Limits: s.Limits}
		o, err := ev.EvalString(expr)
		if err != nil {
			return FollowMsg{Err: err}
		}
		l := ev.WalkList(o, eval.ListOptions{})
		if l.Err != nil && len(l.Elements) == 0 {
			return FollowMsg{Err: fmt.Errorf("walk %s: %w", expr, l.Err)}
		}
		return FollowMsg{Frame: listFrame(expr, l)}
	}
}

// compareCmd reads the variable sym in every vnet of w.
func (s *Source) compareCmd(sym symbols.Symbol, w *vnetwalk.Walk) tea.Cmd {
	return func() tea.Msg {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return nil
		}
		return CompareMsg{Comparison: s.Kernel.CompareVar(sym, w.Vnets, s.Limits)}
	}
}

// searchCmd looks for query in the names and leaf values of every variable
// of every vnet. It keeps only the matches, because keeping every vnet's
// decoded variables took 2.5 GB of memory on a dump with 1,000 vnets.
func (s *Source) searchCmd(query string, w *vnetwalk.Walk) tea.Cmd {
	return func() tea.Msg {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return nil
		}
		msg := SearchMsg{Query: query}
		for _, v := range w.Vnets {
			vars, err := s.readVars(v)
			if err != nil {
				msg.Err = err
				return msg
			}
			msg.Matches = append(msg.Matches, searchVars(query, v, vars)...)
		}
		return msg
	}
}
