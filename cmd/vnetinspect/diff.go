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
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

type diffOptions struct {
	all     bool
	changed bool
	jails   []string
	vnets   []string
}

func newDiffCmd(g *globalOptions) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff NAME | diff --all (--jail A | --vnet ADDR) (--jail B | --vnet ADDR)",
		Short: "Compare a V_ variable across vnets field by field, or every V_ variable of two vnets",
		Long: `diff NAME reads one virtualized variable in every vnet (or in those named
with --jail and --vnet), flattens it to its scalar members (paths such as
tcp_cfg.seq_hi or rt_table[1].rt_plen) and marks with * each value that
differs from vnet0's. When vnet0 is not among the vnets compared, the first
one is the reference.

diff --all with exactly two vnets, each named by --jail or --vnet, lists
every virtualized variable whose bytes differ between them, with the
members that differ.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 diff V_tcp_cfg
  vnetinspect -N kernel -M vmcore.0 diff --changed ip_defttl
  vnetinspect -N kernel -M vmcore.0 diff --all --jail web --jail db
  vnetinspect -N kernel -M vmcore.0 diff --all --vnet 0xfffff80000409b40 --jail db --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(g.format, "text", "json"); err != nil {
				return err
			}
			if o.all && len(args) != 0 {
				return usageError{fmt.Errorf("diff --all compares every variable, so it takes no NAME (got %q)", args[0])}
			}
			if !o.all && len(args) != 1 {
				return usageError{fmt.Errorf("diff takes one variable name, or --all with two vnets; got %d arguments", len(args))}
			}
			if o.all && len(o.jails)+len(o.vnets) != 2 {
				return usageError{fmt.Errorf("diff --all needs exactly two vnets, each named by --jail or --vnet; got %d", len(o.jails)+len(o.vnets))}
			}
			s, err := openSession(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			if o.all {
				return s.diffVnets(cmd, g, o)
			}
			return s.diffVar(cmd, g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "compare every V_ variable of the two vnets given with --jail or --vnet")
	f.BoolVar(&o.changed, "changed", false, "show only the members whose values differ somewhere (diff NAME)")
	f.StringArrayVar(&o.jails, "jail", nil, "compare the vnet of this jail (name or JID); repeatable")
	f.StringArrayVar(&o.vnets, "vnet", nil, "compare the vnet at this address (struct vnet *, hex); repeatable")
	return cmd
}

// pickVnets returns the vnets named by --vnet and --jail, --vnet first, or
// every vnet when neither is given.
func pickVnets(w *vnetwalk.Walk, o *diffOptions) ([]*vnetwalk.Vnet, []string, error) {
	if len(o.jails) == 0 && len(o.vnets) == 0 {
		return w.Vnets, nil, nil
	}
	var out []*vnetwalk.Vnet
	var notes []string
	add := func(po *printOptions) error {
		vs, note, err := selectVnets(w, po)
		if err != nil {
			return err
		}
		if note != "" {
			notes = append(notes, note)
		}
		out = append(out, vs...)
		return nil
	}
	for _, a := range o.vnets {
		if err := add(&printOptions{vnet: a}); err != nil {
			return nil, nil, err
		}
	}
	for _, j := range o.jails {
		if err := add(&printOptions{jail: j}); err != nil {
			return nil, nil, err
		}
	}
	return out, notes, nil
}

// vnetLabel names a vnet in a column header: its first jail, or its
// address when no jail owns it.
func vnetLabel(v *vnetwalk.Vnet) string {
	switch {
	case v.Vnet0:
		return "vnet0"
	case len(v.Jails) > 0:
		return v.Jails[0].Name
	}
	return fmt.Sprintf("%#x", v.Addr)
}

// diffVnetRef is a vnet in the JSON of diff.
type diffVnetRef struct {
	Address report.Hex `json:"address"`
	Vnet0   bool       `json:"vnet0"`
	Jails   []string   `json:"jails"`
	Error   string     `json:"error,omitempty"`
}

func newDiffVnetRef(v *vnetwalk.Vnet, x *vnetwalk.Variable) diffVnetRef {
	r := diffVnetRef{Address: report.Hex(v.Addr), Vnet0: v.Vnet0, Jails: []string{}}
	for _, j := range v.Jails {
		r.Jails = append(r.Jails, j.Name)
	}
	if x != nil && x.Err != nil {
		r.Error = x.Err.Error()
	}
	return r
}

// diffRow is one member in the JSON of diff NAME.
type diffRow struct {
	Path    string            `json:"path"`
	Values  []json.RawMessage `json:"values"`
	Differs []bool            `json:"differs"`
}

// diffVarResult is the JSON document of diff NAME.
type diffVarResult struct {
	Kernel    report.Kernel `json:"kernel"`
	Core      report.Core   `json:"core"`
	Name      string        `json:"name"`
	Type      string        `json:"type"`
	Reference report.Hex    `json:"reference"`
	Vnets     []diffVnetRef `json:"vnets"`
	Fields    []diffRow     `json:"fields"`
	Warnings  []string      `json:"warnings"`
}

func (s *session) diffVar(cmd *cobra.Command, g *globalOptions, o *diffOptions, name string) error {
	sym, ok := s.k.VnetSymbol(name)
	if !ok {
		return fmt.Errorf("%s is not a virtualized variable: %s has no symbol %s%s (the vnets command lists the vnets; dump lists every V_ variable)", name, s.syms.Path(), vnetwalk.Prefix, vnetwalk.VnetName(name))
	}
	w, err := s.k.Walk()
	if err != nil {
		return err
	}
	vnets, notes, err := pickVnets(w, o)
	if err != nil {
		return err
	}
	if len(vnets) == 0 {
		return fmt.Errorf("no vnet to compare: vnet_head is empty")
	}
	c := s.k.CompareVar(sym, vnets, s.dec.Limits)
	res := diffVarResult{Name: c.Name, Type: c.Type, Reference: report.Hex(vnets[c.Reference].Addr),
		Vnets: []diffVnetRef{}, Fields: []diffRow{}, Warnings: append(append([]string{}, w.Warnings...), notes...)}
	res.Kernel, res.Core = s.header(g)
	for i, v := range vnets {
		res.Vnets = append(res.Vnets, newDiffVnetRef(v, c.Variables[i]))
	}
	rows := c.Rows
	if o.changed {
		rows = changedRows(rows)
	}
	out := cmd.OutOrStdout()
	if g.format == "json" {
		for _, r := range rows {
			jr := diffRow{Path: r.Path, Differs: r.Differs}
			for _, v := range r.Values {
				jr.Values = append(jr.Values, jsonValue(v))
			}
			res.Fields = append(res.Fields, jr)
		}
		return writeJSON(out, res)
	}
	writeDiffTable(out, c, rows)
	writeWarnings(cmd.ErrOrStderr(), res.Warnings)
	return nil
}

// changedRows keeps the rows where some vnet differs from the reference.
func changedRows(rows []vnetwalk.Row) []vnetwalk.Row {
	var out []vnetwalk.Row
	for _, r := range rows {
		for _, d := range r.Differs {
			if d {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// jsonValue encodes a leaf's typed value, or null.
func jsonValue(v *value.Value) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	b, err := v.MarshalJSON()
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}

// maxCell is the widest value diff's text table shows in full; a longer
// one is cut and ends in "...". --format json always has whole values.
const maxCell = 48

func cell(text string) string {
	if len(text) > maxCell {
		return text[:maxCell-3] + "..."
	}
	return text
}

// writeDiffTable prints one row per member and one column per vnet.
func writeDiffTable(out io.Writer, c *vnetwalk.Comparison, rows []vnetwalk.Row) {
	typ := c.Type
	if typ == "" {
		typ = "no DWARF type"
	}
	ref := c.Vnets[c.Reference]
	fmt.Fprintf(out, "V_%s (%s) in %d vnets; * marks a value that differs from %s's (%#x)\n", c.Name, typ, len(c.Vnets), vnetLabel(ref), ref.Addr)
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	header := []string{"MEMBER"}
	for _, v := range c.Vnets {
		header = append(header, vnetLabel(v))
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		line := []string{r.Path}
		for i, t := range r.Texts {
			switch {
			case r.Values[i] == nil:
				t = "-"
			default:
				t = cell(t)
			}
			if r.Differs[i] {
				t += " *"
			}
			line = append(line, t)
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	tw.Flush()
	for i, x := range c.Variables {
		if x.Err != nil {
			fmt.Fprintf(out, "%s: error: %v\n", describeVnet(c.Vnets[i]), x.Err)
		}
	}
}

// diffField is one differing member in the JSON of diff --all.
type diffField struct {
	Path string          `json:"path"`
	A    json.RawMessage `json:"a"`
	B    json.RawMessage `json:"b"`
}

// diffVariable is one differing variable in the JSON of diff --all.
type diffVariable struct {
	Name   string      `json:"name"`
	Type   string      `json:"type"`
	AError string      `json:"a_error,omitempty"`
	BError string      `json:"b_error,omitempty"`
	Fields []diffField `json:"fields"`
}

// diffVnetsResult is the JSON document of diff --all.
type diffVnetsResult struct {
	Kernel    report.Kernel  `json:"kernel"`
	Core      report.Core    `json:"core"`
	A         diffVnetRef    `json:"a"`
	B         diffVnetRef    `json:"b"`
	Compared  int            `json:"compared"`
	Variables []diffVariable `json:"variables"`
	Warnings  []string       `json:"warnings"`
}

func (s *session) diffVnets(cmd *cobra.Command, g *globalOptions, o *diffOptions) error {
	w, err := s.k.Walk()
	if err != nil {
		return err
	}
	vnets, notes, err := pickVnets(w, o)
	if err != nil {
		return err
	}
	a, b := vnets[0], vnets[1]
	for _, v := range []*vnetwalk.Vnet{a, b} {
		if v.Err != nil {
			return fmt.Errorf("vnet %#x cannot be compared: %w", v.Addr, v.Err)
		}
	}
	entries, err := s.k.VnetVariables()
	if err != nil {
		return err
	}
	diffs, err := s.k.CompareVnets(a, b, s.dec.Limits)
	if err != nil {
		return err
	}
	res := diffVnetsResult{A: newDiffVnetRef(a, nil), B: newDiffVnetRef(b, nil), Compared: len(entries),
		Variables: []diffVariable{}, Warnings: append(append([]string{}, w.Warnings...), notes...)}
	res.Kernel, res.Core = s.header(g)
	if a == b {
		res.Warnings = append(res.Warnings, fmt.Sprintf("both vnets are %#x, so nothing can differ", a.Addr))
	}
	for _, d := range diffs {
		dv := diffVariable{Name: d.Name, Fields: []diffField{}}
		if d.A.Type != nil {
			dv.Type = symbols.TypeName(d.A.Type)
		}
		if d.A.Err != nil {
			dv.AError = d.A.Err.Error()
		}
		if d.B.Err != nil {
			dv.BError = d.B.Err.Error()
		}
		for _, f := range d.Fields {
			dv.Fields = append(dv.Fields, diffField{Path: f.Path, A: jsonValue(f.A), B: jsonValue(f.B)})
		}
		res.Variables = append(res.Variables, dv)
	}
	out := cmd.OutOrStdout()
	if g.format == "json" {
		return writeJSON(out, res)
	}
	writeVnetDiff(out, a, b, len(entries), diffs)
	writeWarnings(cmd.ErrOrStderr(), res.Warnings)
	return nil
}

// writeVnetDiff prints the variables that differ between vnets a and b.
func writeVnetDiff(out io.Writer, a, b *vnetwalk.Vnet, compared int, diffs []vnetwalk.VarDiff) {
	fmt.Fprintf(out, "A: %s\nB: %s\n%d of %d V_ variables differ\n", describeVnet(a), describeVnet(b), len(diffs), compared)
	for _, d := range diffs {
		fmt.Fprintf(out, "\nV_%s\n", d.Name)
		switch {
		case d.A.Err != nil || d.B.Err != nil:
			for _, side := range []struct {
				name string
				x    *vnetwalk.Variable
			}{{"A", d.A}, {"B", d.B}} {
				if side.x.Err != nil {
					fmt.Fprintf(out, "  %s: error: %v\n", side.name, side.x.Err)
				}
			}
			continue
		case len(d.Fields) == 0:
			fmt.Fprintln(out, "  only bytes outside the members differ (padding)")
			continue
		}
		tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "  MEMBER\tA\tB")
		for _, f := range d.Fields {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Path, leafCell(f.A), leafCell(f.B))
		}
		tw.Flush()
	}
}

func leafCell(v *value.Value) string {
	if v == nil {
		return "-"
	}
	return cell(vnetwalk.Leaf{Value: v}.Text())
}
