package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/report"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

func newVnetsCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "vnets",
		Short: "List the vnets with their jails, interface and socket counts and state",
		Example: `  vnetinspect -N kernel -M vmcore.0 vnets
  vnetinspect -N kernel -M vmcore.0 vnets --format json`,
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
			w, err := s.k.Walk()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if g.format == "json" {
				return writeJSON(out, s.walkReport(g, w, false))
			}
			writeVnetTable(out, w)
			writeWarnings(cmd.ErrOrStderr(), w.Warnings)
			return nil
		},
	}
}

// walkReport builds the JSON report of a walk, with or without variables.
func (s *session) walkReport(g *globalOptions, w *vnetwalk.Walk, withVars bool) *report.Report {
	r := &report.Report{Vnets: []report.Vnet{}, Jails: []report.Jail{}, Warnings: append([]string{}, w.Warnings...), Forced: s.forced}
	r.Kernel, r.Core = s.header(g)
	var entries []symbols.Symbol
	if withVars {
		var err error
		if entries, err = s.k.VnetVariables(); err != nil {
			r.Warnings = append(r.Warnings, err.Error())
		}
	}
	for _, v := range w.Vnets {
		rv := report.NewVnet(v)
		if withVars {
			rv.Variables = []report.Variable{}
			for _, e := range entries {
				rv.Variables = append(rv.Variables, s.dec.NewVariable(s.k.ReadVnetVar(e, v)))
			}
		}
		r.Vnets = append(r.Vnets, rv)
	}
	for _, j := range w.Jails {
		r.Jails = append(r.Jails, report.NewJail(j))
	}
	return r
}

// writeVnetTable prints one line per vnet.
func writeVnetTable(out io.Writer, w *vnetwalk.Walk) {
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "VNET\tJID\tJAILS\tIFCNT\tSOCKCNT\tSTATE\tSHUTDOWN\tDATA_BASE")
	for _, v := range w.Vnets {
		jids, names := jailColumns(v)
		state := "-"
		if v.HasState {
			state = fmt.Sprintf("%#x", v.State)
			if v.State == vnetwalk.SISubVnetDone {
				state += " (done)"
			}
		}
		fmt.Fprintf(tw, "%#x\t%s\t%s\t%d\t%d\t%s\t%s\t%#x\n",
			v.Addr, jids, names, v.Ifcnt, v.Sockcnt, state, yesNo(v.Shutdown), v.DataBase)
	}
	tw.Flush()
	// Errors follow the table so that they do not break its columns.
	for _, v := range w.Vnets {
		if v.Err != nil {
			fmt.Fprintf(out, "vnet %#x: error: %v\n", v.Addr, v.Err)
		}
	}
}

// jailColumns returns the JID and name columns of a vnet.
func jailColumns(v *vnetwalk.Vnet) (string, string) {
	if len(v.Jails) == 0 {
		return "-", "-"
	}
	var ids, names []string
	for _, j := range v.Jails {
		ids = append(ids, fmt.Sprint(j.JID))
		name := j.Name
		if j.JID == 0 {
			name = "prison0"
		}
		names = append(names, name)
	}
	if v.Vnet0 {
		names[0] += " (vnet0)"
	}
	for _, j := range v.Sharers {
		ids = append(ids, fmt.Sprint(j.JID))
		names = append(names, j.Name+" (shares)")
	}
	return strings.Join(ids, ","), strings.Join(names, ",")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// writeWarnings prints the reader's doubts after the output.
func writeWarnings(w io.Writer, warnings []string) {
	for _, s := range warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
}

// writeJSON writes one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
