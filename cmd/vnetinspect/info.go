package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/report"
)

func newInfoCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Show the kernel version, dump format, time, panic string and the crashing thread with its vnet",
		Long: `info reports what the dump says about the crash: the kernel's version
string in the file and in memory, the dump format, time_second, the panic
string, dumptid, the crashing thread (the one whose td_tid is dumptid, found
on allproc) with its process, and the vnet that thread was using: td_vnet
when set, else td_ucred->cr_prison->pr_vnet, with its jail.

Offsets come from DWARF; without DWARF the proc_off_* and thread_off_*
offsets FreeBSD exports are used, which do not cover the thread's vnet.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 info
  vnetinspect -N kernel -M vmcore.0 info --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(g.format, "text", "json"); err != nil {
				return err
			}
			s, err := openSession(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			res := s.info(g)
			out := cmd.OutOrStdout()
			if g.format == "json" {
				return writeJSON(out, res)
			}
			writeInfo(out, res)
			writeWarnings(cmd.ErrOrStderr(), res.Warnings)
			return nil
		},
	}
}

// infoThread is the crashing thread in the JSON of info.
type infoThread struct {
	Address report.Hex `json:"address"`
	TID     int32      `json:"tid"`
	Name    string     `json:"name"`
	Proc    infoProc   `json:"proc"`
}

type infoProc struct {
	Address report.Hex `json:"address"`
	PID     int32      `json:"pid"`
	Comm    string     `json:"comm"`
}

// infoVnet is the crashing thread's vnet in the JSON of info.
type infoVnet struct {
	Address report.Hex       `json:"address"`
	From    string           `json:"from"`
	Vnet0   bool             `json:"vnet0"`
	Jails   []report.JailRef `json:"jails"`
}

// infoJail is the crashing thread's prison in the JSON of info.
type infoJail struct {
	Address report.Hex `json:"address"`
	JID     int32      `json:"jid"`
	Name    string     `json:"name"`
}

// infoResult is the JSON document of info. A member that could not be
// read is null and its reason is in errors under the same key.
type infoResult struct {
	Kernel         report.Kernel     `json:"kernel"`
	Core           report.Core       `json:"core"`
	MemoryVersion  *string           `json:"memory_version"`
	VersionMatches *bool             `json:"version_matches"`
	TimeSecond     *int64            `json:"time_second"`
	Time           *string           `json:"time"`
	Panicstr       *string           `json:"panicstr"`
	DumpTID        *int32            `json:"dumptid"`
	Thread         *infoThread       `json:"thread"`
	Vnet           *infoVnet         `json:"vnet"`
	Jail           *infoJail         `json:"jail"`
	DumpRecord     *infoDumpRecord   `json:"dump_record"`
	Errors         map[string]string `json:"errors"`
	Warnings       []string          `json:"warnings"`
}

// infoDumpRecord is the kernel's record of the dump outside memory: the
// kerneldumpheader of a dump device, or savecore(8)'s info.N file.
type infoDumpRecord struct {
	Source      string `json:"source"`
	Version     string `json:"version"`
	PanicString string `json:"panic_string"`
	DumpTime    string `json:"dump_time"`
	Hostname    string `json:"hostname"`
}

func (s *session) info(g *globalOptions) *infoResult {
	res := &infoResult{Errors: map[string]string{}, Warnings: []string{}}
	res.Kernel, res.Core = s.header(g)
	vc, mismatch := s.k.CheckVersion()
	if vc.Checked {
		v := vc.Memory
		same := mismatch == nil
		res.MemoryVersion, res.VersionMatches = &v, &same
		if !same {
			res.Warnings = append(res.Warnings, mismatch.Error())
		}
	} else {
		res.Errors["memory_version"] = vc.Reason
	}

	if d, err := kvm.ReadDumpInfo(s.core); err == nil {
		res.DumpRecord = &infoDumpRecord{Source: d.Source, Version: d.VersionString, PanicString: d.PanicString, DumpTime: d.DumpTime, Hostname: d.Hostname}
		if res.Kernel.Version != "" && d.VersionString != "" && d.VersionString != res.Kernel.Version {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s records version %q, but the kernel file has %q", d.Source, d.VersionString, res.Kernel.Version))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		res.Errors["dump_record"] = err.Error()
	}

	// The walk names the vnet; a kernel without VIMAGE has none.
	w, werr := s.k.Walk()
	if werr != nil {
		w = nil
	} else {
		res.Warnings = append(res.Warnings, w.Warnings...)
	}
	pc := s.k.PanicContext(w)
	res.Warnings = append(res.Warnings, pc.Warnings...)
	if pc.TimeErr != nil {
		res.Errors["time_second"] = pc.TimeErr.Error()
	} else {
		t := pc.TimeSecond
		res.TimeSecond = &t
		ts := time.Unix(t, 0).UTC().Format(time.RFC3339)
		res.Time = &ts
	}
	switch {
	case pc.PanicErr != nil:
		res.Errors["panicstr"] = pc.PanicErr.Error()
	case pc.HasPanicstr:
		res.Panicstr = &pc.Panicstr
	default:
		res.Errors["panicstr"] = "panicstr is NULL: the dump was not taken by a panic"
	}
	if pc.TIDErr != nil {
		res.Errors["dumptid"] = pc.TIDErr.Error()
	} else {
		res.DumpTID = &pc.DumpTID
	}
	if t := pc.Thread; t != nil {
		res.Thread = &infoThread{Address: report.Hex(t.Addr), TID: t.TID, Name: t.Name,
			Proc: infoProc{Address: report.Hex(t.Proc.Addr), PID: t.Proc.PID, Comm: t.Proc.Comm}}
	} else {
		res.Errors["thread"] = pc.ThreadErr.Error()
	}
	if pc.Vnet != nil {
		v := &infoVnet{Address: report.Hex(pc.VnetAddr), From: pc.VnetFrom, Vnet0: pc.Vnet.Vnet0, Jails: []report.JailRef{}}
		for _, j := range pc.Vnet.Jails {
			v.Jails = append(v.Jails, report.JailRef{JID: j.JID, Name: j.Name})
		}
		res.Vnet = v
	} else {
		msg := pc.VnetErr.Error()
		if werr != nil {
			msg += fmt.Sprintf(" (vnets not walked: %v)", werr)
		}
		res.Errors["vnet"] = msg
	}
	if j := pc.Jail; j != nil && j.Err == nil {
		res.Jail = &infoJail{Address: report.Hex(j.Addr), JID: j.JID, Name: j.Name}
	} else if pc.Thread != nil {
		res.Errors["jail"] = "the thread's prison (td_ucred->cr_prison) is unknown"
		if j != nil {
			res.Errors["jail"] = j.Err.Error()
		}
	}
	return res
}

// writeInfo prints the info report, one item a line.
func writeInfo(out io.Writer, r *infoResult) {
	unavailable := func(key string) string {
		return "unavailable (" + r.Errors[key] + ")"
	}
	fmt.Fprintf(out, "kernel:     %s\n", r.Kernel.Path)
	if r.Kernel.Version == "" {
		fmt.Fprintln(out, "version:    unknown (the kernel file has no version string)")
	} else {
		fmt.Fprintf(out, "version:    %s\n", indentLines(r.Kernel.Version))
	}
	switch {
	case r.MemoryVersion == nil:
		fmt.Fprintf(out, "in memory:  %s\n", unavailable("memory_version"))
	case *r.VersionMatches:
		fmt.Fprintln(out, "in memory:  the same")
	default:
		fmt.Fprintf(out, "in memory:  %s (differs)\n", indentLines(*r.MemoryVersion))
	}
	fmt.Fprintf(out, "core:       %s (%s, %s)\n", r.Core.Path, r.Core.Format, r.Core.Arch)
	if r.Time != nil {
		fmt.Fprintf(out, "time:       %s (time_second %d)\n", *r.Time, *r.TimeSecond)
	} else {
		fmt.Fprintf(out, "time:       %s\n", unavailable("time_second"))
	}
	if r.Panicstr != nil {
		fmt.Fprintf(out, "panic:      %s\n", *r.Panicstr)
	} else {
		fmt.Fprintf(out, "panic:      %s\n", unavailable("panicstr"))
	}
	if r.DumpTID != nil {
		fmt.Fprintf(out, "dumptid:    %d\n", *r.DumpTID)
	} else {
		fmt.Fprintf(out, "dumptid:    %s\n", unavailable("dumptid"))
	}
	if t := r.Thread; t != nil {
		fmt.Fprintf(out, "thread:     %#x tid %d %q\n", uint64(t.Address), t.TID, t.Name)
		fmt.Fprintf(out, "process:    %#x pid %d %q\n", uint64(t.Proc.Address), t.Proc.PID, t.Proc.Comm)
	} else {
		fmt.Fprintf(out, "thread:     %s\n", unavailable("thread"))
	}
	if v := r.Vnet; v != nil {
		var names []string
		for _, j := range v.Jails {
			names = append(names, fmt.Sprintf("jail %d %q", j.JID, j.Name))
		}
		label := fmt.Sprintf("%#x", uint64(v.Address))
		if v.Vnet0 {
			label = "vnet0 " + label
		}
		owners := ""
		if len(names) > 0 {
			owners = " (owned by " + strings.Join(names, ", ") + ")"
		}
		fmt.Fprintf(out, "vnet:       %s from %s%s\n", label, v.From, owners)
	} else {
		fmt.Fprintf(out, "vnet:       %s\n", unavailable("vnet"))
	}
	if j := r.Jail; j != nil {
		fmt.Fprintf(out, "jail:       %d %q (prison %#x)\n", j.JID, j.Name, uint64(j.Address))
	} else if _, ok := r.Errors["jail"]; ok {
		fmt.Fprintf(out, "jail:       %s\n", unavailable("jail"))
	}
	if d := r.DumpRecord; d != nil {
		fmt.Fprintf(out, "record:     %s\n", d.Source)
		fmt.Fprintf(out, "  version:  %s\n", indentLines(d.Version))
		fmt.Fprintf(out, "  panic:    %s\n", d.PanicString)
		fmt.Fprintf(out, "  dumped:   %s on %s\n", d.DumpTime, d.Hostname)
	} else if _, ok := r.Errors["dump_record"]; ok {
		fmt.Fprintf(out, "record:     %s\n", unavailable("dump_record"))
	}
}

// indentLines aligns the continuation lines of a multi-line value.
func indentLines(s string) string {
	return strings.ReplaceAll(s, "\n", "\n            ")
}
