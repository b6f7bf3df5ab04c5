package tui

import (
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// scaleDirEnv names the directory that scripts/bench-scale.sh fills with
// the scale test kernel (1,000 vnets) and its dumps.
const scaleDirEnv = "VNETINSPECT_SCALE_DIR"

// scaleLoader returns a loader for the scale kernel and its minidump, and
// skips the benchmark when the directory is not set or lacks the files.
func scaleLoader(b *testing.B) Loader {
	b.Helper()
	dir := os.Getenv(scaleDirEnv)
	if dir == "" {
		b.Skipf("%s is not set; scripts/bench-scale.sh builds the scale kernel and its dumps", scaleDirEnv)
	}
	kernel, dump := filepath.Join(dir, "kernel"), filepath.Join(dir, "minidump")
	for _, p := range []string{kernel, dump} {
		if _, err := os.Stat(p); err != nil {
			b.Skipf("%s: %v", p, err)
		}
	}
	return func(progress func(string, int64, int64)) (*Source, error) {
		syms, err := symbols.Open(kernel, "")
		if err != nil {
			return nil, err
		}
		b.Cleanup(func() { syms.Close() })
		c, err := kvm.Open(dump, kvm.Options{Kernel: kvm.KernelInfo{Arch: syms.Arch()}, Progress: progress})
		if err != nil {
			return nil, err
		}
		b.Cleanup(func() { c.Close() })
		return &Source{
			Kernel: vnetwalk.New(syms, c.Virtual()),
			Format: c.Format(),
			Path:   dump,
			Limits: value.DefaultLimits(),
		}, nil
	}
}

// replay feeds messages to a model as tea.Program does, rendering after
// every message. Commands returned by Update are kept in pending until
// flush runs them, so that a burst of keys can arrive before the reads
// they started finish, as when a key is held down.
type replay struct {
	b       *testing.B
	m       Model
	pending []tea.Cmd
}

func (r *replay) send(msg tea.Msg) {
	next, cmd := r.m.Update(msg)
	r.m = next.(Model)
	_ = r.m.Render()
	if cmd != nil {
		r.pending = append(r.pending, cmd)
	}
}

// flush runs every pending command, and the commands their messages
// return, until none is left.
func (r *replay) flush() {
	for len(r.pending) > 0 {
		cmd := r.pending[0]
		r.pending = r.pending[1:]
		msg := cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			r.pending = append(r.pending, batch...)
			continue
		}
		if msg != nil {
			r.send(msg)
		}
	}
}

// keys sends each key: a name from the table below, or text typed one rune
// at a time. It runs no command.
func (r *replay) keys(keys ...string) {
	named := map[string]rune{
		"enter": tea.KeyEnter, "down": tea.KeyDown, "up": tea.KeyUp,
		"esc": tea.KeyEscape, "right": tea.KeyRight, "left": tea.KeyLeft,
	}
	for _, k := range keys {
		if code, ok := named[k]; ok {
			r.send(tea.KeyPressMsg{Code: code})
			continue
		}
		for _, c := range k {
			r.send(tea.KeyPressMsg{Code: c, Text: string(c)})
		}
	}
}

// BenchmarkScaleTUI replays the keys of the interactive steps on the scale
// dump at 160x48. Each step starts from the model as the first screen
// shows it, with no vnet's variables cached but vnet0's.
func BenchmarkScaleTUI(b *testing.B) {
	load := scaleLoader(b)
	start := replay{b: b, m: New(load)}
	start.send(tea.WindowSizeMsg{Width: 160, Height: 48})
	start.pending = append(start.pending, start.m.Init())
	start.flush()
	if start.m.walk == nil || len(start.m.walk.Vnets) != 1000 {
		b.Fatalf("scale dump not loaded: walk %v, error %v", start.m.walk, start.m.loadErr)
	}
	vnet0 := start.m.cache[start.m.vnets.selected()]

	fresh := func() *replay {
		r := start
		r.m.cache = map[*vnetwalk.Vnet]VarsMsg{vnet0.Vnet: vnet0}
		r.pending = nil
		return &r
	}
	down50 := make([]string, 50)
	for i := range down50 {
		down50[i] = "down"
	}
	steps := []struct {
		name string
		prep []string // keys sent and flushed before the timer starts
		keys []string
	}{
		{"down-x50-held", nil, down50},
		{"down-x50-each", nil, nil},
		{"G-last-jail", nil, []string{"G"}},
		{"filter-tcp", []string{"enter"}, []string{"/", "tcp"}},
		{"open-tcp_cfg", []string{"enter", "/", "tcp", "enter"}, []string{"enter"}},
		{"expand-a_words", []string{"enter", "/", "tcp_addr", "enter", "enter", "down", "down", "down"}, []string{"right"}},
		{"compare-tcp_cfg", []string{"enter", "/", "tcp", "enter"}, []string{"c"}},
		{"refresh", nil, []string{"r"}},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				r := fresh()
				r.keys(st.prep...)
				r.flush()
				b.StartTimer()
				if st.name == "down-x50-each" {
					// One key at a time, each read finishing before the next.
					for range 50 {
						r.keys("down")
						r.flush()
					}
					continue
				}
				r.keys(st.keys...)
				r.flush()
			}
		})
	}
}
