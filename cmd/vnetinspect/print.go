package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/eval"
	"github.com/vnetinspect/vnetinspect/report"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

type printOptions struct {
	jail string
	vnet string
	all  bool
	// template reads the initial value from the kernel image instead of
	// any vnet's copy.
	template bool

	list      string // "auto" for --list without a type
	link      string
	maxList   int
	deref     bool
	depth     int
	maxArray  int
	maxString int
}

// listAuto is the value of a bare --list: infer the element type.
const listAuto = "auto"

func newPrintCmd(g *globalOptions) *cobra.Command {
	o := &printOptions{}
	cmd := &cobra.Command{
		Use:   "print [--jail NAME | --vnet ADDR | --all | --template] [--list [TYPE]] EXPRESSION",
		Short: "Print a V_ variable or a C expression in one vnet, or in all, decoded by its type",
		Long: `print decodes one variable by its DWARF type. A virtualized variable may be
named V_ifnet, ifnet or vnet_entry_ifnet. Without --jail, --vnet or --all it
prints vnet0's copy (the host's) and says so. A name that is not virtualized
is read as a plain kernel global; without DWARF it prints as an unsigned
integer of the symbol's size.

The argument may also be a C expression, as in kgdb: member access with .
and ->, indexing with [], * and &, casts such as (struct inpcb *)0x...,
and parentheses. Quote it for the shell.

--list walks a queue(3) list (LIST, TAILQ, STAILQ or SLIST) from its head,
an entry, or a pointer to the first element, and prints every element. The
element type comes from the head's first-element pointer. The link member
is the element's only entry of that list kind, or for a LIST or TAILQ with
several, the one whose prev pointer in the first element points back at
the head. Name them with --list 'struct TYPE' and --link MEMBER when that
does not work.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 print V_ip_defttl
  vnetinspect -N kernel -M vmcore.0 print --jail web ifnet
  vnetinspect -N kernel -M vmcore.0 print --all --format json tcbinfo
  vnetinspect -N kernel -M vmcore.0 print --template V_ip_defttl
  vnetinspect -N kernel -M vmcore.0 print hz
  vnetinspect -N kernel -M vmcore.0 print 'V_tcbinfo.ipi_listhead.lh_first->inp_lport'
  vnetinspect -N kernel -M vmcore.0 print '*(struct inpcb *)0xfffff8000040c340'
  vnetinspect -N kernel -M vmcore.0 print --deref V_ip_defttl_ptr
  vnetinspect -N kernel -M vmcore.0 print --list V_tcbinfo.ipi_listhead
  vnetinspect -N kernel -M vmcore.0 print --list 'struct inpcb' --link inp_list V_tcbinfo.ipi_listhead`,
		Args: func(cmd *cobra.Command, args []string) error {
			// A bare --list takes no value, so pflag leaves the element
			// type of --list 'struct inpcb' EXPR among the arguments.
			if o.list == listAuto && len(args) == 2 {
				return nil
			}
			if len(args) != 1 {
				return usageError{fmt.Errorf("print takes one variable name or expression, got %d arguments", len(args))}
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
			if o.template {
				n++
			}
			if n > 1 {
				return usageError{fmt.Errorf("use only one of --jail, --vnet, --all and --template")}
			}
			if cmd.Flags().Changed("jail") && o.jail == "" {
				return usageError{fmt.Errorf("--jail needs a jail name or JID; the vnets command lists them")}
			}
			if len(args) == 2 {
				o.list, args = args[0], args[1:]
			}
			if o.link != "" && o.list == "" {
				return usageError{fmt.Errorf("--link names the link member of a list walk: add --list")}
			}
			if o.deref && o.list != "" {
				return usageError{fmt.Errorf("--deref follows the pointers of one value and does not apply to --list")}
			}
			if o.maxList < 1 || o.depth < 1 || o.maxArray < 1 || o.maxString < 1 {
				return usageError{fmt.Errorf("--max-list, --depth, --max-array and --max-string must be at least 1")}
			}
			s, err := openSession(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			s.dec.Limits = value.Limits{MaxDepth: o.depth, MaxArray: o.maxArray, MaxString: o.maxString}
			name, plain := plainName(args[0])
			if o.template && (!plain || o.list != "" || o.deref) {
				return usageError{fmt.Errorf("--template takes one V_ variable name, without --list or --deref")}
			}
			if plain && o.list == "" && !o.deref {
				return s.print(cmd, g, o, name)
			}
			return s.printExpr(cmd, g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.jail, "jail", "", "read the copy of the vnet owned by this jail (name or JID)")
	f.StringVar(&o.vnet, "vnet", "", "read the copy of the vnet at this address (struct vnet *, hex)")
	f.BoolVar(&o.all, "all", false, "read the copy of every vnet")
	f.BoolVar(&o.template, "template", false, "read the variable's template: its initial value in the kernel image (for a module's variable, the master copy), which is no vnet's value")
	f.StringVar(&o.list, "list", "", "walk the queue(3) list EXPRESSION names; a value names the element type, as --list 'struct inpcb'")
	f.Lookup("list").NoOptDefVal = listAuto
	f.StringVar(&o.link, "link", "", "element member that links a --list walk, as inp_list (default: the element's only entry of that list kind)")
	f.IntVar(&o.maxList, "max-list", eval.DefaultMaxList, "elements read from one list at most")
	f.BoolVar(&o.deref, "deref", false, "also print what each non-NULL pointer in the value points to, one level deep")
	lim := value.DefaultLimits()
	f.IntVar(&o.depth, "depth", lim.MaxDepth, "nesting levels of structs, unions and arrays decoded at most")
	f.IntVar(&o.maxArray, "max-array", lim.MaxArray, "elements decoded from one array at most")
	f.IntVar(&o.maxString, "max-string", lim.MaxString, "bytes kept from one char array at most")
	return cmd
}

// printResult is the JSON document of the print command.
type printResult struct {
	Kernel    report.Kernel   `json:"kernel"`
	Core      report.Core     `json:"core"`
	Variables []report.Record `json:"variables"`
	Warnings  []string        `json:"warnings"`
}

// unknownName explains a name that is neither a virtualized variable nor a
// plain symbol, or returns nil when name is a plain symbol.
func (s *session) unknownName(name string) error {
	if _, ok := s.syms.Lookup(name); ok {
		return nil
	}
	entry := vnetEntryName(name)
	if _, err := s.syms.Vnet(); errors.Is(err, symbols.ErrNotVIMAGE) {
		return fmt.Errorf("no symbol %s or %s in %s, which was not built with options VIMAGE "+
			"(it has no set_vnet), so it has no V_ variables", name, entry, s.syms.Path())
	}
	return fmt.Errorf("no variable %s: %s has neither a symbol %s nor %s; check the spelling "+
		"(dump lists every V_ variable)", name, s.syms.Path(), entry, name)
}

func (s *session) print(cmd *cobra.Command, g *globalOptions, o *printOptions, name string) error {
	out := cmd.OutOrStdout()
	res := printResult{Variables: []report.Record{}, Warnings: []string{}}
	res.Kernel, res.Core = s.header(g)

	sym, virtualized := s.k.VnetSymbol(name)
	if o.template {
		if !virtualized {
			if err := s.unknownName(name); err != nil {
				return err
			}
			return fmt.Errorf("%s is not a virtualized variable (no symbol %s%s), so it has no template", name, vnetwalk.Prefix, vnetwalk.VnetName(name))
		}
		return s.printTemplate(cmd, g, res, sym)
	}
	if !virtualized {
		if o.jail != "" || o.vnet != "" || o.all {
			if err := s.unknownName(name); err != nil {
				return err
			}
			return fmt.Errorf("%s is not a virtualized variable (no symbol %s%s), so --jail, --vnet and --all do not apply", name, vnetwalk.Prefix, vnetwalk.VnetName(name))
		}
		x, err := s.k.ReadGlobal(name)
		var lookup *symbols.LookupError
		if errors.As(err, &lookup) {
			if uerr := s.unknownName(name); uerr != nil {
				return uerr
			}
		}
		if err != nil {
			return err
		}
		res.Variables = append(res.Variables, report.Record{JailNames: []string{}, Variable: s.dec.NewVariable(x)})
		res.Warnings = append(res.Warnings, s.k.Warnings...)
		if g.format == "json" {
			if err := writeJSON(out, res); err != nil {
				return err
			}
		} else {
			s.printText(out, x, fmt.Sprintf("%s at %#x", x.Symbol, x.Addr), nil)
			writeWarnings(cmd.ErrOrStderr(), res.Warnings)
		}
		if x.Err != nil {
			return fmt.Errorf("%s could not be read", x.Symbol)
		}
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
		if err := writeJSON(out, res); err != nil {
			return err
		}
	} else {
		writeWarnings(cmd.ErrOrStderr(), res.Warnings)
	}
	for _, r := range res.Variables {
		if r.Error == "" {
			return nil
		}
	}
	return fmt.Errorf("no copy of V_%s could be read (the errors are above)", vnetwalk.VnetName(name))
}

// printTemplate prints the template of a virtualized variable, labelled
// so that it is never taken for a vnet's value.
func (s *session) printTemplate(cmd *cobra.Command, g *globalOptions, res printResult, sym symbols.Symbol) error {
	out := cmd.OutOrStdout()
	x := s.k.ReadTemplate(sym)
	res.Variables = append(res.Variables, report.Record{JailNames: []string{}, Variable: s.dec.NewVariable(x)})
	res.Warnings = append(res.Warnings, s.k.Warnings...)
	if g.format == "json" {
		if err := writeJSON(out, res); err != nil {
			return err
		}
	} else {
		s.printText(out, x, fmt.Sprintf("template of V_%s (initial value, not any vnet's copy) at %#x", x.Name, x.Addr), nil)
		writeWarnings(cmd.ErrOrStderr(), res.Warnings)
	}
	if x.Err != nil {
		return fmt.Errorf("the template of V_%s could not be read", x.Name)
	}
	return nil
}

// jailMatches reports whether a --jail value names j: its name, its JID,
// or "prison0" for the jail with JID 0, whose pr_name is "0".
func jailMatches(j *vnetwalk.Jail, name string) bool {
	return j.Name == name || strconv.Itoa(int(j.JID)) == name || (j.JID == 0 && name == "prison0")
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
				if jailMatches(j, o.jail) {
					return []*vnetwalk.Vnet{v}, "", nil
				}
			}
		}
		// A jail without PR_VNET uses the vnet of the ancestor that owns one.
		for _, j := range w.Jails {
			if jailMatches(j, o.jail) {
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
	if c := s.dec.Counters.Read(x); c != nil {
		c.WriteText(out, "  ")
	}
}

// plainName returns the variable name when arg is a bare name, possibly in
// gdb's single quotes, rather than an expression.
func plainName(arg string) (string, bool) {
	e, err := eval.Parse(arg)
	if err != nil {
		return "", false
	}
	id, ok := e.(*eval.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}

// exprResult is the JSON document of print with an expression.
type exprResult struct {
	Kernel   report.Kernel `json:"kernel"`
	Core     report.Core   `json:"core"`
	Results  []exprRecord  `json:"results"`
	Warnings []string      `json:"warnings"`
}

// exprRecord is an expression's result in one vnet.
type exprRecord struct {
	Vnet       report.Hex      `json:"vnet"`
	Vnet0      bool            `json:"vnet0"`
	JailNames  []string        `json:"jails"`
	Expression string          `json:"expression"`
	Address    *report.Hex     `json:"address"`
	Type       string          `json:"type"`
	Value      json.RawMessage `json:"value,omitempty"`
	Error      string          `json:"error,omitempty"`
	Deref      []targetRecord  `json:"deref,omitempty"`
	List       *listRecord     `json:"list,omitempty"`
}

// targetRecord is the object one pointer points to, for --deref.
type targetRecord struct {
	Path    string          `json:"path"`
	Address report.Hex      `json:"address"`
	Type    string          `json:"type"`
	Value   json.RawMessage `json:"value,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// listRecord is a walked queue(3) list.
type listRecord struct {
	Kind        string          `json:"kind"`
	ElementType string          `json:"element_type"`
	Link        string          `json:"link"`
	Elements    []elementRecord `json:"elements"`
	Truncated   bool            `json:"truncated"`
	Error       string          `json:"error,omitempty"`
	Warnings    []string        `json:"warnings,omitempty"`
}

type elementRecord struct {
	Address report.Hex      `json:"address"`
	Value   json.RawMessage `json:"value"`
}

// printExpr evaluates an expression in the vnets the options select, or
// once when it names no virtualized variable.
func (s *session) printExpr(cmd *cobra.Command, g *globalOptions, o *printOptions, text string) error {
	expr, err := eval.Parse(text)
	if err != nil {
		return usageError{err}
	}
	res := exprResult{Results: []exprRecord{}, Warnings: []string{}}
	res.Kernel, res.Core = s.header(g)
	out := cmd.OutOrStdout()

	var w *vnetwalk.Walk
	vnets := []*vnetwalk.Vnet{nil}
	if eval.Virtualized(s.k, expr) {
		if w, err = s.k.Walk(); err != nil {
			return err
		}
		res.Warnings = append(res.Warnings, w.Warnings...)
		var note string
		if vnets, note, err = selectVnets(w, o); err != nil {
			return err
		}
		if note != "" {
			res.Warnings = append(res.Warnings, note)
		}
	} else if o.jail != "" || o.vnet != "" || o.all {
		return fmt.Errorf("%s names no virtualized variable, so --jail, --vnet and --all do not apply", text)
	}

	// With one vnet, an error is the command's error and is not written
	// to standard output as well.
	errorLines := len(vnets) > 1
	failed := 0
	for _, v := range vnets {
		rec, warn := s.evalIn(out, g.format != "json", errorLines, o, expr, v, w)
		if rec.Error != "" {
			failed++
		}
		res.Warnings = append(res.Warnings, warn...)
		res.Results = append(res.Results, rec)
	}
	if g.format == "json" {
		if err := writeJSON(out, res); err != nil {
			return err
		}
	} else {
		writeWarnings(cmd.ErrOrStderr(), res.Warnings)
	}
	// One vnet is a single request, so its failure is the command's.
	if failed == len(vnets) && len(vnets) == 1 {
		return fmt.Errorf("%s", res.Results[0].Error)
	}
	return nil
}

// evalIn evaluates expr in one vnet (nil for none), writes the text form
// when text is set (errors only with errorLines), and returns the JSON
// record and any warnings.
func (s *session) evalIn(out io.Writer, text, errorLines bool, o *printOptions, expr eval.Expr, v *vnetwalk.Vnet, w *vnetwalk.Walk) (exprRecord, []string) {
	ev := &eval.Evaluator{Kernel: s.k, Vnet: v, Limits: s.dec.Limits}
	rec := exprRecord{Expression: expr.String(), JailNames: []string{}}
	where := expr.String()
	if v != nil {
		rv := report.NewVnet(v)
		rec.Vnet, rec.Vnet0 = rv.Address, v.Vnet0
		for _, j := range rv.Jails {
			rec.JailNames = append(rec.JailNames, j.Name)
		}
		where += " in " + describeVnet(v)
	}
	fail := func(err error) (exprRecord, []string) {
		rec.Error = err.Error()
		if text && errorLines {
			fmt.Fprintf(out, "%s: error: %v\n", where, err)
		}
		return rec, nil
	}

	obj, err := ev.Eval(expr)
	if err != nil {
		return fail(err)
	}
	rec.Type = symbols.TypeName(obj.Type)
	if obj.Addressable {
		a := report.Hex(obj.Addr)
		rec.Address = &a
		where += fmt.Sprintf(" at %#x", obj.Addr)
	}
	if o.list != "" {
		return s.printList(out, text, ev, o, obj, where, rec, w)
	}
	val, err := ev.Value(obj)
	if err != nil {
		return fail(err)
	}
	if rec.Value, err = val.MarshalJSON(); err != nil {
		return fail(err)
	}
	sym := s.symbolizer(w, nil)
	if text {
		fmt.Fprintf(out, "%s (%s) = ", where, rec.Type)
		val.Format(out, value.FormatOptions{Symbolize: sym})
		fmt.Fprintln(out)
	}
	if o.deref {
		rec.Deref = s.printTargets(out, text, ev, val, expr, sym)
	}
	return rec, nil
}

// printTargets follows the pointers in val one level for --deref.
func (s *session) printTargets(out io.Writer, text bool, ev *eval.Evaluator, val *value.Value, expr eval.Expr, sym func(uint64) (string, bool)) []targetRecord {
	targets, cut := ev.FollowPointers(val, 0)
	recs := []targetRecord{}
	for _, t := range targets {
		r := targetRecord{Path: t.Path, Address: report.Hex(t.Addr), Type: symbols.TypeName(t.Type)}
		name := "*" + postfixBase(expr) + t.Path
		if t.Err != nil {
			r.Error = t.Err.Error()
			if text {
				fmt.Fprintf(out, "  %s at %#x (%s): error: %v\n", name, t.Addr, r.Type, t.Err)
			}
		} else {
			r.Value, _ = t.Value.MarshalJSON()
			if text {
				fmt.Fprintf(out, "  %s at %#x (%s) = ", name, t.Addr, r.Type)
				t.Value.Format(out, value.FormatOptions{Symbolize: sym})
				fmt.Fprintln(out)
			}
		}
		recs = append(recs, r)
	}
	if cut && text {
		fmt.Fprintf(out, "  (only the first %d pointers were followed)\n", eval.DefaultMaxTargets)
	}
	return recs
}

// postfixBase spells e so that member and index suffixes bind to all of
// it: a cast or a unary expression is parenthesized.
func postfixBase(e eval.Expr) string {
	switch e.(type) {
	case *eval.Ident, *eval.Member, *eval.Index, *eval.Paren, *eval.Number:
		return e.String()
	}
	return "(" + e.String() + ")"
}

// printList walks the list obj names and writes its elements.
func (s *session) printList(out io.Writer, text bool, ev *eval.Evaluator, o *printOptions, obj *eval.Object, where string, rec exprRecord, w *vnetwalk.Walk) (exprRecord, []string) {
	opts := eval.ListOptions{Link: o.link, Max: o.maxList}
	if o.list != listAuto {
		opts.ElementType = o.list
	}
	l := ev.WalkList(obj, opts)
	lr := &listRecord{Kind: string(l.Kind), Link: l.Link, Elements: []elementRecord{}, Truncated: l.Truncated}
	if l.ElementType != nil {
		lr.ElementType = symbols.TypeName(l.ElementType)
	}
	var spans []elementSpan
	for i, e := range l.Elements {
		b, err := e.Value.MarshalJSON()
		if err != nil {
			b = nil
		}
		lr.Elements = append(lr.Elements, elementRecord{Address: report.Hex(e.Addr), Value: b})
		spans = append(spans, elementSpan{addr: e.Addr, size: uint64(symbols.Sizeof(l.ElementType)), name: fmt.Sprintf("element %d of the list", i)})
	}
	rec.List = lr
	var warnings []string
	if l.Err != nil {
		lr.Error = l.Err.Error()
		if errors.Is(l.Err, eval.ErrCycle) {
			warnings = append(warnings, fmt.Sprintf("%s: %v", where, l.Err))
		}
	}
	if l.Truncated {
		warnings = append(warnings, fmt.Sprintf("%s: list cut at %d elements, so raise --max-list to read more", where, o.maxList))
	}
	lr.Warnings = l.Warnings
	for _, lw := range l.Warnings {
		warnings = append(warnings, where+": "+lw)
	}
	if !text {
		return rec, warnings
	}

	sym := s.symbolizer(w, spans)
	if l.Kind != "" {
		fmt.Fprintf(out, "%s: %s of %s linked by %s, %d elements\n", where, l.Kind, lr.ElementType, l.Link, len(l.Elements))
	}
	for i, e := range l.Elements {
		fmt.Fprintf(out, "[%d] (%s *) %#x = ", i, lr.ElementType, e.Addr)
		e.Value.Format(out, value.FormatOptions{Symbolize: sym})
		fmt.Fprintln(out)
	}
	if l.Err != nil {
		fmt.Fprintf(out, "%s: error: %v\n", where, l.Err)
	}
	return rec, warnings
}

// elementSpan is a list element, so that pointers into it can be named.
type elementSpan struct {
	addr, size uint64
	name       string
}

// symbolizer names addresses as list elements first, then with
// vnetwalk.Kernel.Describe.
func (s *session) symbolizer(w *vnetwalk.Walk, spans []elementSpan) func(uint64) (string, bool) {
	return func(addr uint64) (string, bool) {
		for _, sp := range spans {
			if addr >= sp.addr && addr-sp.addr < sp.size {
				if addr == sp.addr {
					return sp.name, true
				}
				return fmt.Sprintf("%s+%#x", sp.name, addr-sp.addr), true
			}
		}
		return s.k.Describe(addr, w)
	}
}
