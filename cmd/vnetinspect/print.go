package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/report"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

type printOptions struct {
	jail string
	vnet string
	all  bool
}

func newPrintCmd(g *globalOptions) *cobra.Command {
	o := &printOptions{}
	cmd := &cobra.Command{
		Use:   "print [--jail NAME | --vnet ADDR | --all] NAME",
		Short: "Print a V_ variable of one vnet, or of all, decoded by its type; or a plain global",
		Long: `print decodes one variable by its DWARF type. A virtualized variable may be
named V_ifnet, ifnet or vnet_entry_ifnet. Without --jail, --vnet or --all it
prints vnet0's copy (the host's) and says so. A name that is not virtualized
is read as a plain kernel global; without DWARF it prints as an unsigned
integer of the symbol's size.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 print V_ip_defttl
  vnetinspect -N kernel -M vmcore.0 print --jail web ifnet
  vnetinspect -N kernel -M vmcore.0 print --all --format json tcbinfo
  vnetinspect -N kernel -M vmcore.0 print hz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("print takes one variable name, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(g.format, "text", "json"); err != nil {
				return err
			}
			n := 0
			for _, set := range []bool{o.jail != "", o.vnet != "", o.all} {
				if set {
					n++
				}
			}
			if n > 1 {
				return usageError{fmt.Errorf("use only one of --jail, --vnet and --all")}
			}
			s, err := openSession(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			return s.print(cmd, g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.jail, "jail", "", "read the copy of the vnet owned by this jail (name or JID)")
	f.StringVar(&o.vnet, "vnet", "", "read the copy of the vnet at this address (struct vnet *, hex)")
	f.BoolVar(&o.all, "all", false, "read the copy of every vnet")
	return cmd
}

// printResult is the JSON document of the print command.
type printResult struct {
	Kernel    report.Kernel   `json:"kernel"`
	Core      report.Core     `json:"core"`
	Variables []report.Record `json:"variables"`
	Warnings  []string        `json:"warnings"`
}

func (s *session) print(cmd *cobra.Command, g *globalOptions, o *printOptions, name string) error {
	out := cmd.OutOrStdout()
	res := printResult{Variables: []report.Record{}, Warnings: []string{}}
	res.Kernel, res.Core = s.header(g)

	sym, virtualized := s.k.VnetSymbol(name)
	if !virtualized {
		if o.jail != "" || o.vnet != "" || o.all {
			return fmt.Errorf("%s is not a virtualized variable (no symbol %s%s), so --jail, --vnet and --all do not apply", name, vnetwalk.Prefix, vnetwalk.VnetName(name))
		}
		x, err := s.k.ReadGlobal(name)
		if err != nil {
			return err
		}
		res.Variables = append(res.Variables, report.Record{Variable: s.dec.NewVariable(x)})
		if g.format == "json" {
			return writeJSON(out, res)
		}
		s.printText(out, x, fmt.Sprintf("%s at %#x", x.Symbol, x.Addr), nil)
		return nil
	}

	w, err := s.k.Walk()
	if err != nil {
		return err
	}
	res.Warnings = append(res.Warnings, w.Warnings...)
	vnets, note, err := selectVnets(w, o)
	if err != nil {
		return err
	}
	if note != "" {
		res.Warnings = append(res.Warnings, note)
	}
	for _, v := range vnets {
		x := s.k.ReadVnetVar(sym, v)
		rv := report.NewVnet(v)
		names := make([]string, 0, len(rv.Jails))
		for _, j := range rv.Jails {
			names = append(names, j.Name)
		}
		res.Variables = append(res.Variables, report.Record{Vnet: rv.Address, Vnet0: v.Vnet0, JailNames: names, Variable: s.dec.NewVariable(x)})
		if g.format != "json" {
			s.printText(out, x, fmt.Sprintf("V_%s in %s at %#x", x.Name, describeVnet(v), x.Addr), w)
		}
	}
	if g.format == "json" {
		return writeJSON(out, res)
	}
	writeWarnings(cmd.ErrOrStderr(), res.Warnings)
	return nil
}

// selectVnets picks the vnets the print options name.
func selectVnets(w *vnetwalk.Walk, o *printOptions) ([]*vnetwalk.Vnet, string, error) {
	switch {
	case o.all:
		return w.Vnets, "", nil
	case o.vnet != "":
		addr, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(o.vnet), "0x"), 16, 64)
		if err != nil {
			return nil, "", usageError{fmt.Errorf("invalid --vnet %q: give the struct vnet address in hex", o.vnet)}
		}
		for _, v := range w.Vnets {
			if v.Addr == addr {
				return []*vnetwalk.Vnet{v}, "", nil
			}
		}
		return nil, "", fmt.Errorf("no vnet at %#x on vnet_head; the vnets command lists them", addr)
	case o.jail != "":
		for _, v := range w.Vnets {
			for _, j := range v.Jails {
				if j.Name == o.jail || strconv.Itoa(int(j.JID)) == o.jail {
					return []*vnetwalk.Vnet{v}, "", nil
				}
			}
		}
		// A jail without PR_VNET uses the vnet of the ancestor that owns one.
		for _, j := range w.Jails {
			if j.Name == o.jail || strconv.Itoa(int(j.JID)) == o.jail {
				for _, v := range w.Vnets {
					if v.Addr == j.VnetAddr {
						return []*vnetwalk.Vnet{v}, fmt.Sprintf("jail %s has no vnet of its own; it uses vnet %#x", o.jail, v.Addr), nil
					}
				}
				return nil, "", fmt.Errorf("jail %s uses vnet %#x, which is not on vnet_head", o.jail, j.VnetAddr)
			}
		}
		return nil, "", fmt.Errorf("no jail named %q; the vnets command lists them", o.jail)
	}
	v0 := w.Vnet0()
	if v0 == nil {
		return nil, "", fmt.Errorf("vnet0 was not found on vnet_head; choose a vnet with --vnet or --all")
	}
	return []*vnetwalk.Vnet{v0}, "no --jail, --vnet or --all given: showing vnet0's copy (the host's)", nil
}

// describeVnet names a vnet for text output.
func describeVnet(v *vnetwalk.Vnet) string {
	var parts []string
	for _, j := range v.Jails {
		name := j.Name
		if j.JID == 0 {
			name = "prison0"
		}
		parts = append(parts, fmt.Sprintf("jail %d %q", j.JID, name))
	}
	s := fmt.Sprintf("vnet %#x", v.Addr)
	if v.Vnet0 {
		s = fmt.Sprintf("vnet0 %#x", v.Addr)
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// printText writes one variable in the form "where (type) = value".
// Pointers in the value are named with what they point to; w, when not nil,
// lets pointers into vnet data areas be named too.
func (s *session) printText(out io.Writer, x *vnetwalk.Variable, where string, w *vnetwalk.Walk) {
	typ := "no DWARF type"
	if x.Type != nil {
		typ = symbols.TypeName(x.Type)
	}
	if x.Err != nil {
		fmt.Fprintf(out, "%s (%s): error: %v\n", where, typ, x.Err)
		return
	}
	fmt.Fprintf(out, "%s (%s) = ", where, typ)
	if x.Type == nil {
		v, _ := s.dec.Value(x)
		if v == nil {
			fmt.Fprintf(out, "%x\n", x.Bytes)
			return
		}
		fmt.Fprintf(out, "%s\n", v)
		return
	}
	v := value.Decode(x.Type, x.Bytes, s.syms.ByteOrder(), s.syms.PtrSize(), s.dec.Limits)
	v.Format(out, value.FormatOptions{Symbolize: func(addr uint64) (string, bool) {
		return s.k.Describe(addr, w)
	}})
	fmt.Fprintln(out)
}
