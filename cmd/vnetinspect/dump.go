package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/report"
)

func newDumpCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "dump",
		Short: "Write every vnet with every V_ variable decoded, as JSON or ndjson",
		Long: `dump writes every vnet, its jails and the value of every virtualized
variable in it. --format json (the default for dump) writes one document;
--format ndjson writes one variable per line, each with its vnet's address
and jail names. docs/json.md describes both.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 dump > vnets.json
  vnetinspect -N kernel -M vmcore.0 dump --format ndjson | grep '"name":"ifnet"'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format := g.format
			if !cmd.Flags().Changed("format") {
				format = "json"
			}
			if err := checkFormat(format, "json", "ndjson"); err != nil {
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
			r := s.walkReport(g, w, true)
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, r)
			}
			writeWarnings(cmd.ErrOrStderr(), r.Warnings)
			return writeNDJSON(out, r)
		},
	}
}

// writeNDJSON writes one variable record per line.
func writeNDJSON(out io.Writer, r *report.Report) error {
	enc := json.NewEncoder(out)
	for _, v := range r.Vnets {
		names := make([]string, 0, len(v.Jails))
		for _, j := range v.Jails {
			names = append(names, j.Name)
		}
		if v.Error != "" && len(v.Variables) == 0 {
			rec := report.Record{Vnet: v.Address, Vnet0: v.Vnet0, JailNames: names}
			rec.Error = fmt.Sprintf("vnet not readable: %s", v.Error)
			if err := enc.Encode(rec); err != nil {
				return err
			}
			continue
		}
		for _, x := range v.Variables {
			rec := report.Record{Vnet: v.Address, Vnet0: v.Vnet0, JailNames: names, Variable: x}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
	}
	return nil
}
