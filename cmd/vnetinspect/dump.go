package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/report"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
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
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, s.walkReport(g, w, true))
			}
			return s.streamNDJSON(out, cmd.ErrOrStderr(), w)
		},
	}
}

// A vnetBatch is one vnet's variables on their way to ndjson lines: read
// by streamNDJSON, converted and encoded by a worker, then written in vnet
// order.
type vnetBatch struct {
	vnet     report.Vnet
	vars     []*vnetwalk.Variable
	counters []*report.Counters
	lines    []byte
	err      error
	done     chan struct{}
}

// streamNDJSON writes one record per variable of every vnet, vnet by vnet.
// This goroutine reads memory; workers on the other CPUs decode and encode
// the vnets it has read, and a writer writes their lines in order. Memory
// stays at a few vnets' worth of records, whatever the number of vnets.
func (s *session) streamNDJSON(out, stderr io.Writer, w *vnetwalk.Walk) error {
	warnings := append([]string{}, w.Warnings...)
	entries, err := s.k.VnetVariables()
	if err != nil {
		warnings = append(warnings, err.Error())
	}
	writeWarnings(stderr, warnings)

	// The records are written as they are made, so the heap stays small
	// and collecting it less often costs little memory but saves time.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var buffers sync.Pool // []byte of written batches, for reuse

	workers := max(runtime.GOMAXPROCS(0), 1)
	jobs := make(chan *vnetBatch, workers)
	ordered := make(chan *vnetBatch, 2*workers)
	for range workers {
		go func() {
			for b := range jobs {
				buf, _ := buffers.Get().([]byte)
				b.lines, b.err = s.encodeBatch(b, buf[:0])
				b.vars, b.counters = nil, nil
				close(b.done)
			}
		}()
	}
	writeErr := make(chan error, 1)
	go func() {
		var err error
		for b := range ordered {
			<-b.done
			if err == nil {
				err = b.err
			}
			if err == nil {
				_, err = out.Write(b.lines)
			}
			buffers.Put(b.lines)
		}
		writeErr <- err
	}()

	for _, v := range w.Vnets {
		b := &vnetBatch{vnet: report.NewVnet(v), done: make(chan struct{})}
		// A vnet that cannot be read still gets a record per variable,
		// each with the reason.
		for _, e := range entries {
			x := s.k.ReadVnetVar(e, v)
			b.vars = append(b.vars, x)
			b.counters = append(b.counters, s.dec.Counters.Read(x))
		}
		ordered <- b
		jobs <- b
	}
	close(jobs)
	close(ordered)
	return <-writeErr
}

// encodeBatch converts one vnet's variables and encodes them as ndjson
// lines. A vnet that could not be read becomes one record with its error.
func (s *session) encodeBatch(b *vnetBatch, lines []byte) ([]byte, error) {
	v := &b.vnet
	names := make([]string, 0, len(v.Jails))
	for _, j := range v.Jails {
		names = append(names, j.Name)
	}
	if v.Error != "" && len(b.vars) == 0 {
		rec := report.Record{Vnet: v.Address, Vnet0: v.Vnet0, JailNames: names}
		rec.Error = fmt.Sprintf("vnet not readable: %s", v.Error)
		return report.AppendRecord(lines, &rec)
	}
	for i, x := range b.vars {
		rec := report.Record{Vnet: v.Address, Vnet0: v.Vnet0, JailNames: names, Variable: s.dec.Convert(x, b.counters[i])}
		var err error
		if lines, err = report.AppendRecord(lines, &rec); err != nil {
			return nil, err
		}
	}
	return lines, nil
}
