package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// The ptype, whatis and address commands answer questions about the kernel
// file alone, as gdb's commands of the same names do, so they need -N but no
// core.

func newPtypeCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "ptype NAME",
		Short: "Print a type or a variable's type with its members, as gdb's ptype does (needs only -N)",
		Example: `  vnetinspect -N kernel ptype 'struct vnet'
  vnetinspect -N kernel ptype vnet0
  vnetinspect -N kernel ptype V_ip_defttl`,
		Args: nameArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTypeQuery(g, cmd.OutOrStdout(), strings.Join(args, " "), true)
		},
	}
}

func newWhatisCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "whatis NAME",
		Short: "Print the type of a variable, or unroll one typedef, as gdb's whatis does (needs only -N)",
		Example: `  vnetinspect -N kernel whatis vnet0
  vnetinspect -N kernel whatis u_int`,
		Args: nameArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTypeQuery(g, cmd.OutOrStdout(), strings.Join(args, " "), false)
		},
	}
}

func newAddressCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "address NAME",
		Short:   "Print where a variable or function is, as gdb's info address does (needs only -N)",
		Example: `  vnetinspect -N kernel address vnet0`,
		Args:    nameArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("address takes one name, not %d words", len(args))}
			}
			tab, err := openKernelOnly(g)
			if err != nil {
				return err
			}
			defer tab.Close()
			line, err := describeAddress(tab, args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), line)
			return err
		},
	}
}

func newBatchCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "batch QUESTION...",
		Short: "Answer several ptype, whatis and address questions in one process, as gdb -batch -ex does (needs only -N)",
		Long: `batch opens the kernel once and answers each QUESTION in turn. A question
is a command and its name: "ptype struct vnet", "whatis u_int",
"address vnet0" ("info address vnet0" works too). A question that fails
prints its error and the others still run; the exit status is then 1.`,
		Example: `  vnetinspect -N kernel batch 'ptype struct vnet' 'address vnet0'`,
		Args:    nameArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBatch(g, cmd.OutOrStdout(), cmd.ErrOrStderr(), args)
		},
	}
}

// runBatch runs each question against one open kernel.
func runBatch(g *globalOptions, w, errw io.Writer, questions []string) error {
	type question struct{ verb, name, err string }
	parsed := make([]question, len(questions))
	for i, q := range questions {
		words := strings.Fields(q)
		if len(words) >= 2 && words[0] == "info" && words[1] == "address" {
			words = append([]string{"address"}, words[2:]...)
		}
		if len(words) < 2 || (words[0] != "ptype" && words[0] != "whatis" && words[0] != "address") {
			parsed[i] = question{err: fmt.Sprintf("batch question %q: expected ptype, whatis or address and a name, "+
				"as in 'ptype struct vnet'", q)}
			continue
		}
		parsed[i] = question{verb: words[0], name: strings.Join(words[1:], " ")}
	}
	tab, err := openKernelOnly(g)
	if err != nil {
		return err
	}
	defer tab.Close()
	failed := 0
	for _, q := range parsed {
		if q.err != "" {
			failed++
			fmt.Fprintf(errw, "vnetinspect: %s\n", q.err)
			continue
		}
		var out string
		var err error
		if q.verb == "address" {
			out, err = describeAddress(tab, q.name)
		} else {
			out, err = typeQuery(tab, q.name, q.verb == "ptype")
		}
		if err != nil {
			failed++
			fmt.Fprintf(errw, "vnetinspect: %s %s: %v\n", q.verb, q.name, err)
			continue
		}
		if _, err := fmt.Fprintln(w, out); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d questions failed", failed, len(parsed))
	}
	return nil
}

// nameArgs requires at least one argument, as a usage error.
func nameArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		example, _, _ := strings.Cut(strings.TrimSpace(cmd.Example), "\n")
		return usageError{fmt.Errorf("%s needs a name, e.g. %s", cmd.Name(), example)}
	}
	return nil
}

// openKernelOnly opens the kernel named by -N without a core.
func openKernelOnly(g *globalOptions) (*symbols.Table, error) {
	if err := checkFormat(g.format, "text"); err != nil {
		return nil, err
	}
	if g.kernel == "" {
		return nil, usageError{errors.New("-N KERNEL is required: name the kernel file to read")}
	}
	return symbols.Open(g.kernel, g.debugFile)
}

func runTypeQuery(g *globalOptions, w io.Writer, name string, expand bool) error {
	tab, err := openKernelOnly(g)
	if err != nil {
		return err
	}
	defer tab.Close()
	out, err := typeQuery(tab, name, expand)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, out)
	return err
}

// typeQuery returns the output of ptype NAME (expand) or whatis NAME, as
// gdb prints it.
func typeQuery(tab *symbols.Table, name string, expand bool) (string, error) {
	typ, isType, err := lookupTypeOrVariable(tab, name)
	if err != nil {
		return "", err
	}
	var out string
	switch {
	case expand:
		out = ptypeString(typ)
	case isType:
		out = whatisTypeString(typ)
	default:
		out = symbols.TypeName(typ)
	}
	return "type = " + out, nil
}

// lookupTypeOrVariable resolves name as gdb's parser does for a bare name.
// A name of several words, such as "struct vnet", is a type. A single word
// is a variable if one has that name, and a type otherwise.
func lookupTypeOrVariable(tab *symbols.Table, name string) (godwarf.Type, bool, error) {
	name = strings.Join(strings.Fields(name), " ")
	if strings.ContainsAny(name, "*&[]().-+") {
		return nil, false, usageError{fmt.Errorf("%q is an expression: ptype and whatis take a type or variable "+
			"name, such as 'struct vnet' or vnet0 (print evaluates expressions in a core)", name)}
	}
	if strings.Contains(name, " ") {
		t, err := tab.Type(name)
		return t, true, err
	}
	vt, verr := tab.VariableType(name)
	if verr == nil {
		return vt, false, nil
	}
	var lookup *symbols.LookupError
	if !errors.As(verr, &lookup) {
		return nil, false, verr
	}
	t, err := tab.Type(name)
	if err != nil {
		if !errors.As(err, &lookup) {
			return nil, false, err
		}
		// V_foo and foo name the virtualized variable vnet_entry_foo.
		if vt, verr := tab.VariableType(vnetEntryName(name)); verr == nil {
			return vt, false, nil
		}
		return nil, false, fmt.Errorf("no variable or type named %q in the DWARF of %s: "+
			"check the spelling, or add struct, union or enum before a tag name", name, tab.DebugPath())
	}
	return t, true, nil
}

// vnetEntryName returns the symbol of the virtualized variable that the
// kernel source calls V_foo: vnet_entry_foo, for V_foo or foo.
func vnetEntryName(name string) string {
	return vnetwalk.Prefix + vnetwalk.VnetName(name)
}

// whatisTypeString prints a type named on the command line: a typedef is
// unrolled by one level, as gdb's whatis does, and other types print as
// their name.
func whatisTypeString(t godwarf.Type) string {
	if td, ok := t.(*godwarf.TypedefType); ok {
		return symbols.TypeName(td.Type)
	}
	return symbols.TypeName(t)
}

// ptypeString prints t as gdb's ptype does. The base type under any
// pointers, arrays, functions and typedefs is expanded when it is a struct,
// union or enum. Members keep their declared type names, except anonymous
// structs, unions and enums, which are expanded in place.
func ptypeString(t godwarf.Type) string {
	return declString(stripBaseTypedefs(t, 0), "", 0, 1)
}

// stripBaseTypedefs returns t with the typedefs on the way to its base
// type resolved, copying the pointer, array, qualifier and function types
// above them: for a pointer to a typedef of a function type, gdb's ptype
// prints "int (*)(void *, int)".
func stripBaseTypedefs(t godwarf.Type, depth int) godwarf.Type {
	if depth > 1000 {
		return t
	}
	switch tt := t.(type) {
	case *godwarf.TypedefType:
		return stripBaseTypedefs(tt.Type, depth+1)
	case *godwarf.PtrType:
		c := *tt
		c.Type = stripBaseTypedefs(tt.Type, depth+1)
		return &c
	case *godwarf.ArrayType:
		c := *tt
		c.Type = stripBaseTypedefs(tt.Type, depth+1)
		return &c
	case *godwarf.QualType:
		c := *tt
		c.Type = stripBaseTypedefs(tt.Type, depth+1)
		return &c
	case *godwarf.FuncType:
		c := *tt
		c.ReturnType = stripBaseTypedefs(tt.ReturnType, depth+1)
		return &c
	}
	return t
}

// declString spells a declaration of name with type t at indentation level
// (in spaces). show counts like gdb's: 1 for the type ptype was asked about,
// whose base type is expanded even when it has a name, and one less for
// each level of members. An anonymous struct, union or enum is expanded at
// show 0 and abbreviated to "{...}" below.
func declString(t godwarf.Type, name string, level, show int) string {
	top := show > 0
	spelled := symbols.TypeName(t)
	if name != "" {
		spelled = spellWithName(t, name)
	}
	base := innermost(t)
	var body string
	switch r := base.(type) {
	case *godwarf.StructType:
		if top || r.StructName == "" && show == 0 {
			body = structBody(r, level, show)
		}
	case *godwarf.EnumType:
		if top || r.EnumName == "" && show == 0 {
			body = enumBody(r)
		}
	}
	if body == "" {
		return spelled
	}
	// Replace the base type's name, which TypeName puts after any
	// qualifiers and before the declarator, with its expansion.
	oldBase := symbols.TypeName(base)
	if i := strings.Index(spelled, oldBase); i >= 0 {
		return spelled[:i] + body + spelled[i+len(oldBase):]
	}
	return spelled
}

// spellWithName spells a declaration of name with type t, as in
// "void (*handler)(int)" or "char name[16]".
func spellWithName(t godwarf.Type, name string) string {
	return insertName(t, symbols.TypeName(t), name)
}

// insertName puts name into the abstract declarator of t: after the last
// '*' of a pointer run and before any array or parameter suffix.
func insertName(t godwarf.Type, abstract, name string) string {
	// abstract is "[qualifiers ]base[ declarator]"; the qualifier words and
	// the base's name come first.
	base := symbols.TypeName(innermost(t))
	head := ""
	rest := abstract
	for {
		w, after, ok := strings.Cut(rest, " ")
		if !ok || !isQualifier(w) || strings.HasPrefix(rest, base) {
			break
		}
		head += w + " "
		rest = after
	}
	if !strings.HasPrefix(rest, base) || len(rest) == len(base) {
		return abstract + " " + name
	}
	base = head + base
	rest = rest[len(base)-len(head):]
	// rest starts with " " and is the declarator, such as " *", " [4]",
	// " (*)(int)", " *[4]" or " * const".
	decl := rest[1:]
	switch {
	case strings.Contains(decl, "(*"):
		// The name goes before the parenthesis closing the innermost
		// pointer run: "(*)(int)" -> "(*fn)(int)".
		i := strings.Index(decl, "(*")
		j := i + 2
		for j < len(decl) && decl[j] != ')' && decl[j] != '(' && decl[j] != '[' {
			j++
		}
		inner := decl[i+1 : j]
		sep := ""
		if strings.HasSuffix(inner, "const") || strings.HasSuffix(inner, "volatile") ||
			strings.HasSuffix(inner, "restrict") {
			sep = " "
		}
		return base + " " + decl[:j] + sep + name + decl[j:]
	case strings.HasPrefix(decl, "["):
		return base + " " + name + decl
	default:
		// A run of stars, possibly qualified, then maybe an array suffix.
		i := strings.IndexAny(decl, "[")
		if i < 0 {
			i = len(decl)
		}
		stars := decl[:i]
		sep := ""
		if !strings.HasSuffix(stars, "*") {
			sep = " "
		}
		return base + " " + stars + sep + name + decl[i:]
	}
}

func isQualifier(w string) bool {
	switch w {
	case "const", "volatile", "restrict", "_Atomic":
		return true
	}
	return false
}

// innermost follows pointers, arrays, qualifiers and function return
// types to the type that TypeName prints as the base, keeping typedefs.
func innermost(t godwarf.Type) godwarf.Type {
	for range 1000 {
		switch tt := t.(type) {
		case *godwarf.PtrType:
			t = tt.Type
		case *godwarf.ArrayType:
			t = tt.Type
		case *godwarf.QualType:
			t = tt.Type
		case *godwarf.FuncType:
			t = tt.ReturnType
		default:
			return t
		}
	}
	return t
}

func structBody(s *godwarf.StructType, level, show int) string {
	var b strings.Builder
	b.WriteString(s.Kind)
	if s.StructName != "" {
		b.WriteString(" " + s.StructName)
	}
	b.WriteString(" {\n")
	pad := strings.Repeat(" ", level+4)
	if len(s.Field) == 0 {
		if s.Incomplete {
			b.WriteString(pad + "<incomplete type>\n")
		} else {
			b.WriteString(pad + "<no data fields>\n")
		}
	}
	for _, f := range s.Field {
		b.WriteString(pad)
		b.WriteString(declString(f.Type, f.Name, level+4, show-1))
		if f.BitSize > 0 {
			b.WriteString(" : " + strconv.FormatInt(f.BitSize, 10))
		}
		b.WriteString(";\n")
	}
	b.WriteString(strings.Repeat(" ", level) + "}")
	return b.String()
}

// enumBody lists the enumerators, writing a value only where it is not one
// more than the previous value (the first is compared with 0).
func enumBody(e *godwarf.EnumType) string {
	var b strings.Builder
	b.WriteString("enum ")
	if e.EnumName != "" {
		b.WriteString(e.EnumName + " ")
	}
	b.WriteString("{")
	var next int64
	for i, v := range e.Val {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Name)
		if v.Val != next {
			b.WriteString(" = " + strconv.FormatInt(v.Val, 10))
		}
		next = v.Val + 1
	}
	b.WriteString("}")
	return b.String()
}

// describeAddress words where name is as gdb's info address does for a
// kernel without a running process.
func describeAddress(tab *symbols.Table, name string) (string, error) {
	sym, err := tab.LookupErr(name)
	if err != nil && !strings.HasPrefix(name, vnetwalk.Prefix) {
		// V_foo and foo name the virtualized variable vnet_entry_foo,
		// whose address is its template's.
		entry := vnetEntryName(name)
		if s, serr := tab.LookupErr(entry); serr == nil {
			line, derr := describeAddress(tab, entry)
			if derr != nil {
				return "", derr
			}
			return fmt.Sprintf("%s %s is the template of V_%s: each vnet's copy is at its vnet_data_base plus %#x.",
				line, entry, strings.TrimPrefix(name, "V_"), s.Addr), nil
		}
	}
	if err != nil {
		// A variable the compiler kept in DWARF but gave no storage.
		if tab.HasDWARF() {
			if _, verr := tab.VariableType(name); verr == nil {
				return fmt.Sprintf("Symbol %q is optimized out.", name), nil
			}
			if t, terr := tab.Type(name); terr == nil {
				if _, ok := t.(*godwarf.TypedefType); ok {
					return fmt.Sprintf("Symbol %q is a typedef.", name), nil
				}
			}
		}
		var lookup *symbols.LookupError
		if errors.As(err, &lookup) {
			return "", fmt.Errorf("no symbol %q in %s: check the spelling; address takes the name of a "+
				"variable or function (V_foo and foo name vnet_entry_foo)", name, lookup.File)
		}
		return "", err
	}
	addr := "0x" + strconv.FormatUint(sym.Addr, 16)
	if sym.Type == elf.STT_FUNC {
		return fmt.Sprintf("Symbol %q is a function at address %s.", name, addr), nil
	}
	if tab.HasDWARF() {
		if _, err := tab.VariableTypeAt(name, sym.Addr); err == nil {
			return fmt.Sprintf("Symbol %q is static storage at address %s.", name, addr), nil
		}
	}
	return fmt.Sprintf("Symbol %q is at %s in a file compiled without debugging.", name, addr), nil
}
