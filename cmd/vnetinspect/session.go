package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/term"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/report"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// A session is an opened kernel and core.
type session struct {
	forced bool // --force read a core whose version differs from the kernel's
	syms   *symbols.Table
	core   kvm.Core
	k      *vnetwalk.Kernel
	dec    report.Decoder
	// moduleWarnings are LoadModules' problems, also in s.k.Warnings.
	moduleWarnings []string
}

func (s *session) Close() {
	if s.k != nil {
		s.k.Modules().Close()
	}
	if s.core != nil {
		s.core.Close()
	}
	if s.syms != nil {
		s.syms.Close()
	}
}

// openSession opens the kernel and the core named by the global options,
// with decompression progress on stderr when it is a terminal.
func openSession(g *globalOptions, stderr io.Writer) (*session, error) {
	var progress func(stage string, done, total int64)
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress = progressPrinter(stderr)
	}
	return openSessionProgress(g, progress)
}

// openSessionProgress is openSession with decompression progress sent to
// progress, which may be nil.
func openSessionProgress(g *globalOptions, progress func(stage string, done, total int64)) (*session, error) {
	// Without -M on FreeBSD, the running kernel is read through /dev/kmem,
	// and -N defaults to the kernel it booted from.
	live := g.core == "" && runtime.GOOS == "freebsd"
	if live && g.kernel == "" {
		if k, err := kvm.LiveKernelFile(); err == nil {
			g.kernel = k
		}
	}
	if g.kernel == "" {
		return nil, usageError{fmt.Errorf("no kernel given: name it with -N, e.g. -N /boot/kernel/kernel")}
	}
	if g.core == "" && !live {
		return nil, usageError{fmt.Errorf("no core given: name one with -M, e.g. -M /var/crash/vmcore.0 (live memory is read only on FreeBSD)")}
	}
	syms, err := symbols.Open(g.kernel, g.debugFile)
	if err != nil {
		return nil, err
	}
	s := &session{syms: syms}
	opts := kvm.Options{Kernel: kernelInfo(syms), CacheDir: g.cacheDir, Progress: progress}
	var core kvm.Core
	if live {
		core, err = kvm.OpenLive()
	} else {
		core, err = kvm.Open(g.core, opts)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.core = core
	s.k = vnetwalk.New(syms, core.Virtual())
	s.k.Warnings = append(s.k.Warnings, core.Warnings()...)
	g.warnings = func() []string { return s.k.Warnings }
	if err := s.checkKernel(g); err != nil {
		s.Close()
		return nil, err
	}
	s.loadModules(g)
	s.dec = report.Decoder{Syms: syms, Limits: value.DefaultLimits(), Counters: report.NewCounterReader(s.k)}
	return s, nil
}

// kernelInfo collects what physical-only memory sources need from the kernel.
func kernelInfo(syms *symbols.Table) kvm.KernelInfo {
	ki := kvm.KernelInfo{Arch: syms.Arch()}
	if s, ok := syms.Lookup("kernbase"); ok {
		ki.KernBase = s.Addr
	}
	if s, ok := syms.Lookup("KPML4phys"); ok {
		ki.KPML4physAddr = s.Addr
	}
	if s, ok := syms.Lookup("kernphys"); ok {
		ki.KernPhysAddr = s.Addr
	}
	if s, ok := syms.Lookup("IdlePTD"); ok {
		ki.IdlePTDAddr = s.Addr
	}
	if s, ok := syms.Lookup("IdlePDPT"); ok {
		ki.IdlePDPTAddr = s.Addr
	}
	// The start of .text identifies the kernel in a raw memory image.
	for _, sec := range syms.Sections() {
		if sec.Name != ".text" || sec.Size == 0 {
			continue
		}
		n := min(sec.Size, 16<<10)
		b := make([]byte, n)
		if m, err := syms.ReadImage(b, sec.Addr); err == nil && uint64(m) == n {
			ki.Text = append(ki.Text, kvm.Segment{Addr: kvm.Addr(sec.Addr), Data: b})
		}
	}
	return ki
}

// progressPrinter reports long work on one terminal line.
func progressPrinter(w io.Writer) func(stage string, done, total int64) {
	return func(stage string, done, total int64) {
		if total > 0 {
			fmt.Fprintf(w, "\r%s: %d of %d MiB (%d%%)", stage, done>>20, total>>20, done*100/total)
		} else {
			fmt.Fprintf(w, "\r%s: %d MiB", stage, done>>20)
		}
		if total > 0 && done >= total {
			fmt.Fprintln(w)
		}
	}
}

// kernelVersion returns the kernel file's version string without its
// trailing newline.
func kernelVersion(syms *symbols.Table) string {
	s, ok := syms.Lookup("version")
	if !ok || s.Size == 0 || s.Size > 4096 {
		return ""
	}
	b := make([]byte, s.Size)
	n, _ := syms.ReadImage(b, s.Addr)
	b = b[:n]
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return strings.TrimRight(string(b), "\n")
}

// header returns the report's kernel and core description.
func (s *session) header(g *globalOptions) (report.Kernel, report.Core) {
	return report.Kernel{Path: g.kernel, Version: kernelVersion(s.syms)},
		report.Core{Path: s.core.Path(), Format: s.core.Format(), Arch: s.core.Arch()}
}

// checkFormat rejects an unknown --format value.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageError{fmt.Errorf("invalid --format %q: use one of %s", format, strings.Join(allowed, ", "))}
}

// loadModules maps the V_ variables of the loaded modules. What went wrong
// becomes a warning of every walk, because the kernel's own variables do
// not depend on the modules.
func (s *session) loadModules(g *globalOptions) {
	cfg := vnetwalk.ModuleConfig{
		KernelDir:  filepath.Dir(g.kernel),
		SearchPath: vnetwalk.SplitModulePath(g.modulePath),
	}
	mods, err := s.k.LoadModules(cfg)
	if err != nil {
		s.moduleWarnings = []string{fmt.Sprintf("module variables not read: %v", err)}
	} else {
		s.moduleWarnings = mods.Warnings
	}
	s.k.Warnings = append(s.k.Warnings, s.moduleWarnings...)
}

// checkKernel refuses a core whose version string differs from the kernel
// file's, unless --force is given; then every result is marked forced.
func (s *session) checkKernel(g *globalOptions) error {
	c, err := s.k.CheckVersion()
	switch {
	case err != nil && !g.force:
		return err
	case err != nil:
		s.forced = true
		s.k.Warnings = append(s.k.Warnings, fmt.Sprintf("forced: %v", err))
	case !c.Checked:
		s.k.Warnings = append(s.k.Warnings, fmt.Sprintf("the kernel could not be matched to the core: %s", c.Reason))
	}
	return nil
}
