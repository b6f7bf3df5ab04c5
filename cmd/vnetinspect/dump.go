package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/report"
	"github.com/vnetinspect/vnetinspect/symbols"
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
				return s.streamJSON(g, out, cmd.ErrOrStderr(), w)
			}
			return s.streamNDJSON(out, cmd.ErrOrStderr(), w)
		},
	}
}

// A vnetBatch is one vnet's variables on their way to the output: read by
// streamVnets, converted and encoded by a worker, then written in vnet
// order.
type vnetBatch struct {
	index    int // the vnet's place in the walk
	vnet     report.Vnet
	vars     []*vnetwalk.Variable
	counters []*report.Counters
	lines    []byte
	err      error
	done     chan struct{}
}

// streamNDJSON writes one record per variable of every vnet, vnet by vnet.
func (s *session) streamNDJSON(out, stderr io.Writer, w *vnetwalk.Walk) error {
	warnings := append([]string{}, w.Warnings...)
	entries, err := s.k.VnetVariables()
	if err != nil {
		warnings = append(warnings, err.Error())
	}
	writeWarnings(stderr, warnings)
	return s.streamVnets(out, stderr, w, entries, s.encodeBatch)
}

// streamJSON writes the report that walkReport builds with variables, as
// writeJSON would, but one vnet at a time: the vnets' variables are never
// all in memory at once.
func (s *session) streamJSON(g *globalOptions, out, stderr io.Writer, w *vnetwalk.Walk) error {
	r := s.walkReport(g, w, false)
	entries, err := s.k.VnetVariables()
	if err != nil {
		r.Warnings = append(r.Warnings, err.Error())
	}

	// The document without the vnets, split where their list goes.
	r.Vnets = []report.Vnet{}
	doc, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	const slot = "\n  \"vnets\": []"
	head, tail, ok := bytes.Cut(doc, []byte(slot))
	if !ok {
		return fmt.Errorf("internal error: no vnets list in the report")
	}
	if _, err := out.Write(head); err != nil {
		return err
	}
	if _, err := io.WriteString(out, "\n  \"vnets\": ["); err != nil {
		return err
	}

	if err := s.streamVnets(out, stderr, w, entries, s.encodeBatchJSON); err != nil {
		return err
	}
	end := "]"
	if len(w.Vnets) > 0 {
		end = "\n  ]"
	}
	if _, err := io.WriteString(out, end); err != nil {
		return err
	}
	_, err = out.Write(append(tail, '\n'))
	return err
}

// encodeBatchJSON encodes one vnet with its variables as a member of the
// report's vnets list, indented as writeJSON indents it.
func (s *session) encodeBatchJSON(b *vnetBatch, buf []byte) ([]byte, error) {
	v := b.vnet
	v.Variables = make([]report.Variable, len(b.vars))
	for i, x := range b.vars {
		v.Variables[i] = s.dec.Convert(x, b.counters[i])
	}
	j, err := json.MarshalIndent(v, "    ", "  ")
	if err != nil {
		return nil, err
	}
	if b.index > 0 {
		buf = append(buf, ',')
	}
	buf = append(buf, "\n    "...)
	return append(buf, j...), nil
}

// streamVnets reads every variable of every vnet and writes each vnet as
// encode makes it. This goroutine reads memory; workers on every CPU
// convert and encode the vnets it has read, and a writer writes them in
// order. Memory stays at a few vnets' worth of variables, whatever the
// number of vnets.
func (s *session) streamVnets(out, stderr io.Writer, w *vnetwalk.Walk, entries []symbols.Symbol,
	encode func(*vnetBatch, []byte) ([]byte, error)) error {
	// The output is written as it is made, so the heap stays small and
	// collecting it less often costs little memory but saves time.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var buffers sync.Pool // []byte of written batches, for reuse

	workers := max(runtime.GOMAXPROCS(0), 1)
	jobs := make(chan *vnetBatch, workers)
	ordered := make(chan *vnetBatch, 2*workers)
	for range workers {
		go func() {
			for b := range jobs {
				buf, _ := buffers.Get().([]byte)
				b.lines, b.err = encode(b, buf[:0])
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

	read := 0          // variables read without error
	var firstErr error // the first variable's error
	for i, v := range w.Vnets {
		b := &vnetBatch{index: i, vnet: report.NewVnet(v), done: make(chan struct{})}
		// A vnet that cannot be read still gets a record per variable,
		// each with the reason.
		for _, e := range entries {
			x := s.k.ReadVnetVar(e, v)
			b.vars = append(b.vars, x)
			b.counters = append(b.counters, s.dec.Counters.Read(x))
			if x.Err == nil {
				read++
			} else if firstErr == nil {
				firstErr = x.Err
			}
		}
		ordered <- b
		jobs <- b
	}
	close(jobs)
	close(ordered)
	err := <-writeErr
	if read == 0 && firstErr != nil {
		writeWarnings(stderr, []string{fmt.Sprintf("no copy of any of the %d variables in %d vnets could be read; "+
			"the first error: %v", len(entries), len(w.Vnets), firstErr)})
	}
	return err
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
