package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/report"
)

// dmesgResult is the JSON document of the dmesg command.
type dmesgResult struct {
	Kernel  report.Kernel `json:"kernel"`
	Core    report.Core   `json:"core"`
	Address report.Hex    `json:"address"`
	Buffer  report.Hex    `json:"buffer"`
	Size    uint32        `json:"size"`
	Wseq    uint32        `json:"wseq"`
	Rseq    uint32        `json:"rseq"`
	Text    string        `json:"text"`
}

func newDmesgCmd(g *globalOptions) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "dmesg [-a]",
		Short: "Print the kernel message buffer, oldest line first, as dmesg -M does",
		Long: `dmesg reads the struct msgbuf that msgbufp points to and prints its text
area from the oldest byte on, like FreeBSD's dmesg -M. Without -a it drops
the first line when the buffer has wrapped (it is probably cut), drops
lines whose syslog facility is not the kernel's, and removes the "<N>"
priority prefix of the others. Unprintable bytes are written as vis(3)
does.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 dmesg
  vnetinspect -N kernel -M vmcore.0 dmesg -a --format json`,
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
			m, err := s.k.ReadMsgbuf()
			if err != nil {
				return fmt.Errorf("%s: %w", s.core.Path(), err)
			}
			text := m.Text(all)
			out := cmd.OutOrStdout()
			if g.format == "json" {
				res := dmesgResult{Address: report.Hex(m.Addr), Buffer: report.Hex(m.Ptr), Size: m.Size, Wseq: m.Wseq, Rseq: m.Rseq, Text: text}
				res.Kernel, res.Core = s.header(g)
				return writeJSON(out, res)
			}
			_, err = fmt.Fprint(out, text)
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "keep the first line and lines of every syslog facility, as dmesg -a")
	return cmd
}
