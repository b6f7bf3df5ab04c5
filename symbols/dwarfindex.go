package symbols

import (
	"debug/dwarf"
	"fmt"
	"strings"
	"sync"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// A dwarfIndex maps names to the DIEs that define them. It covers the
// entries directly below each compilation unit, which is where C compilers
// put global variables and file-scope types. It is made on the first type
// or variable lookup: from debug/dwarf's reader into maps, or, for a
// mapped debug file, by the skimmer, with .debug_names consulted first
// when the file has one.
type dwarfIndex struct {
	vars  map[string][]varRef
	types map[string][]typeRef

	raw      *rawDWARF
	names    *debugNames // nil when the file has no readable .debug_names
	check    *skimmer    // reads the DIEs .debug_names lists
	skimOnce sync.Once
	skim     *skimmedIndex // started on the first lookup that .debug_names cannot resolve
	skimErr  error
}

// skimmed starts the skimmer on first use and returns it.
func (idx *dwarfIndex) skimmed() (*skimmedIndex, error) {
	idx.skimOnce.Do(func() { idx.skim, idx.skimErr = skimIndex(idx.raw) })
	return idx.skim, idx.skimErr
}

// typeRefs returns the type DIEs whose key is key, in file order, up to
// and including the first for which stop returns true (all of them when
// stop is nil). Results from .debug_names list definitions only, so a key
// it does not know goes to the skimmer, which also finds declarations.
func (idx *dwarfIndex) typeRefs(key string, stop func(typeRef) bool) ([]typeRef, error) {
	if idx.raw == nil {
		return upTo(idx.types[key], stop), nil
	}
	if idx.names != nil {
		// A list that does not reach the DIE ending the search is whole
		// only when every unit with types is covered by an index.
		refs, err := idx.namesTypeRefs(key, stop)
		reached := len(refs) > 0 && stop != nil && stop(refs[len(refs)-1])
		whole := len(refs) > 0 && stop == nil && idx.names.complete
		if err == nil && (reached || whole) {
			return refs, nil
		}
		if err != nil {
			idx.names = nil // a damaged index: the skimmer reads the DIEs themselves
		}
	}
	sk, err := idx.skimmed()
	if err != nil {
		return nil, err
	}
	return sk.typeRefs(key, stop)
}

// varRefs returns the variable DIEs named name as typeRefs does.
func (idx *dwarfIndex) varRefs(name string, stop func(varRef) bool) ([]varRef, error) {
	if idx.raw == nil {
		return upTo(idx.vars[name], stop), nil
	}
	if idx.names != nil {
		// .debug_names leaves out declarations and definitions without
		// DW_AT_location (clang drops a static that is only stored to), so
		// its list is the result only when it reaches the DIE that ends
		// the search. NOTE: a global definition without DW_AT_location
		// that comes before that DIE is still missed.
		refs, err := idx.namesVarRefs(name, stop)
		if err == nil && len(refs) > 0 && stop != nil && stop(refs[len(refs)-1]) {
			return refs, nil
		}
		if err != nil {
			idx.names = nil // a damaged index: the skimmer reads the DIEs themselves
		}
	}
	sk, err := idx.skimmed()
	if err != nil {
		return nil, err
	}
	return sk.varRefs(name, stop)
}

// upTo returns refs up to and including the first for which stop returns
// true.
func upTo[R any](refs []R, stop func(R) bool) []R {
	if stop == nil {
		return refs
	}
	for i, r := range refs {
		if stop(r) {
			return refs[:i+1]
		}
	}
	return refs
}

// A varRef is one DW_TAG_variable DIE for a name.
type varRef struct {
	off      dwarf.Offset // the variable's DIE
	unit     dwarf.Offset // its compilation unit's DIE, for DW_AT_addr_base
	decl     bool         // only an extern declaration (DW_AT_declaration)
	external bool         // visible outside its file (DW_AT_external)
}

// rank orders variable DIEs by preference: a global definition, then a
// static one, then a declaration.
func (v varRef) rank() int {
	switch {
	case v.decl:
		return 2
	case v.external:
		return 0
	}
	return 1
}

// A typeRef is one named type DIE.
type typeRef struct {
	off  dwarf.Offset
	decl bool // a forward declaration with no members
}

// dwarfIdx starts the index on first use and returns it. The caller holds
// t.dwarfMu.
func (t *Table) dwarfIdx() (*dwarfIndex, error) {
	if !t.hasDWARFData() {
		return nil, t.dwarfErr
	}
	t.indexOnce.Do(func() {
		if t.raw == nil {
			t.index, t.indexErr = buildIndex(t.dwarf, t.debugInfoSize())
			if t.indexErr != nil {
				t.indexErr = t.indexError(t.indexErr)
			}
			return
		}
		t.index = &dwarfIndex{raw: t.raw, check: &skimmer{raw: t.raw, units: t.rawUnits}}
		// An unreadable .debug_names is not an error: the skimmer reads
		// the DIEs themselves.
		if sec := t.rawSections[".debug_names"]; len(sec) > 0 {
			if names, err := parseDebugNames(sec, t.raw.str); err == nil {
				names.setCoverage(t.raw, t.rawUnits)
				t.index.names = names
			}
		}
	})
	return t.index, t.indexErr
}

// indexError words an error met while indexing the DWARF.
func (t *Table) indexError(err error) error {
	return fmt.Errorf("index DWARF of %s: %w", t.DebugPath(), err)
}

// buildIndex reads every DIE in order, tracking the nesting depth itself
// instead of calling SkipChildren, which follows DW_AT_sibling offsets that
// a corrupt file may point backwards. Each DIE takes at least one byte, so
// more than maxEntries DIEs means debug/dwarf's reader has stopped
// advancing: Go 1.26's reader returns endless null entries when
// .debug_info ends inside a LEB128 number.
func buildIndex(d *dwarf.Data, maxEntries int64) (*dwarfIndex, error) {
	idx := &dwarfIndex{vars: make(map[string][]varRef), types: make(map[string][]typeRef)}
	r := d.Reader()
	var unit dwarf.Offset
	depth := 0 // 1 for the direct children of a unit
	for n := int64(0); ; n++ {
		if n > maxEntries {
			return nil, fmt.Errorf("corrupt .debug_info: more than %d entries in %d bytes "+
				"(a LEB128 number runs past the end of the section)", maxEntries, maxEntries)
		}
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return idx, nil
		}
		switch e.Tag {
		case 0:
			depth = max(depth-1, 0)
			continue
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit, dwarf.TagTypeUnit:
			unit, depth = e.Offset, 0
		default:
			if depth == 1 {
				if err := idx.add(d, e, unit); err != nil {
					return nil, err
				}
			}
		}
		if e.Children {
			depth++
		}
	}
}

// add records e if it is a variable or a named type.
func (idx *dwarfIndex) add(d *dwarf.Data, e *dwarf.Entry, unit dwarf.Offset) error {
	name, _ := e.Val(dwarf.AttrName).(string)
	decl, _ := e.Val(dwarf.AttrDeclaration).(bool)
	switch e.Tag {
	case dwarf.TagVariable:
		external, _ := e.Val(dwarf.AttrExternal).(bool)
		// gcc writes a definition that follows an extern declaration in the
		// same file as a nameless DIE pointing at the declaration.
		if spec, ok := e.Val(dwarf.AttrSpecification).(dwarf.Offset); ok {
			s, err := entryAt(d, spec)
			if err != nil {
				return fmt.Errorf("DW_AT_specification of variable DIE %#x: %w", e.Offset, err)
			}
			if name == "" {
				name, _ = s.Val(dwarf.AttrName).(string)
			}
			ext, _ := s.Val(dwarf.AttrExternal).(bool)
			external = external || ext
		}
		if name != "" {
			idx.vars[name] = append(idx.vars[name], varRef{e.Offset, unit, decl, external})
		}
	case dwarf.TagStructType:
		idx.addType("struct", name, e.Offset, decl)
	case dwarf.TagUnionType:
		idx.addType("union", name, e.Offset, decl)
	case dwarf.TagEnumerationType:
		idx.addType("enum", name, e.Offset, decl)
	case dwarf.TagTypedef:
		idx.addType("", name, e.Offset, decl)
	case dwarf.TagBaseType:
		idx.addType("", name, e.Offset, decl)
		if c := canonicalBaseName(name); c != name {
			idx.addType("", c, e.Offset, decl)
		}
	}
	return nil
}

func (idx *dwarfIndex) addType(keyword, name string, off dwarf.Offset, decl bool) {
	if name == "" {
		return
	}
	if keyword != "" {
		name = keyword + " " + name
	}
	idx.types[name] = append(idx.types[name], typeRef{off, decl})
}

// entryAt reads the single DIE at off.
func entryAt(d *dwarf.Data, off dwarf.Offset) (*dwarf.Entry, error) {
	r := d.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil {
		return nil, err
	}
	if e == nil || e.Offset != off {
		return nil, fmt.Errorf("no DWARF entry starts at offset %#x", off)
	}
	return e, nil
}

// Type returns the DWARF type with this C name: "struct vnet",
// "union sockaddr_union", "enum vnet_state", a typedef name such as
// "u_int", or a base type such as "unsigned long" (gcc's spelling "long
// unsigned int" works too). A complete definition is preferred over a
// forward declaration; if only declarations exist, the result is a
// *godwarf.StructType with Incomplete set.
func (t *Table) Type(name string) (godwarf.Type, error) {
	t.dwarfMu.Lock()
	defer t.dwarfMu.Unlock()
	idx, err := t.dwarfIdx()
	if err != nil {
		return nil, err
	}
	key := strings.Join(strings.Fields(name), " ")
	definition := func(r typeRef) bool { return !r.decl }
	refs, err := idx.typeRefs(key, definition)
	if err == nil && len(refs) == 0 {
		refs, err = idx.typeRefs(canonicalBaseName(key), definition)
	}
	if err != nil {
		return nil, t.indexError(err)
	}
	if len(refs) == 0 {
		return nil, &LookupError{Kind: "type", Name: name, File: t.DebugPath()}
	}
	best := refs[0]
	for _, r := range refs {
		if !r.decl {
			best = r
			break
		}
	}
	return t.typeAt(best.off)
}

// VariableType returns the DWARF type of the global or static variable
// with this name, for example "vnet_entry_ifnet" or "hz". A global
// definition is preferred over a static one and both over an extern
// declaration. When static variables of several files share the name, use
// [Table.VariableTypeAt].
func (t *Table) VariableType(name string) (godwarf.Type, error) {
	t.dwarfMu.Lock()
	defer t.dwarfMu.Unlock()
	// The first global definition is the preferred DIE, so the search can
	// end there.
	refs, err := t.variableRefs(name, func(r varRef) bool { return r.rank() == 0 })
	if err != nil {
		return nil, err
	}
	return t.preferredVariableType(refs)
}

// preferredVariableType returns the type of the best-ranked DIE in refs.
func (t *Table) preferredVariableType(refs []varRef) (godwarf.Type, error) {
	best := refs[0]
	for _, r := range refs[1:] {
		if r.rank() < best.rank() {
			best = r
		}
	}
	return t.variableType(best)
}

// VariableTypeAt returns the type of the variable with this name whose
// DW_AT_location is the link address addr, as found in the symbol table.
// It distinguishes static variables of different files that share a name.
// If the name has only one definition, that definition's type is returned
// without comparing addresses.
func (t *Table) VariableTypeAt(name string, addr uint64) (godwarf.Type, error) {
	t.dwarfMu.Lock()
	defer t.dwarfMu.Unlock()
	// The first definition at addr is the result whether or not other
	// definitions follow, so the search can end there.
	refs, err := t.variableRefs(name, func(r varRef) bool {
		if r.decl {
			return false
		}
		a, ok := t.variableAddr(r)
		return ok && a == addr
	})
	if err != nil {
		return nil, err
	}
	var defs []varRef
	for _, r := range refs {
		if !r.decl {
			defs = append(defs, r)
		}
	}
	if len(defs) == 1 {
		return t.variableType(defs[0])
	}
	for _, r := range defs {
		if a, ok := t.variableAddr(r); ok && a == addr {
			return t.variableType(r)
		}
	}
	if len(defs) == 0 {
		return t.preferredVariableType(refs)
	}
	return nil, fmt.Errorf("none of the %d DWARF definitions of variable %q in %s is at %#x: "+
		"check that the debug file belongs to this kernel", len(defs), name, t.DebugPath(), addr)
}

func (t *Table) variableRefs(name string, stop func(varRef) bool) ([]varRef, error) {
	idx, err := t.dwarfIdx()
	if err != nil {
		return nil, err
	}
	refs, err := idx.varRefs(name, stop)
	if err != nil {
		return nil, t.indexError(err)
	}
	if len(refs) == 0 {
		return nil, &LookupError{Kind: "variable", Name: name, File: t.DebugPath()}
	}
	return refs, nil
}

// variableType builds the type named by the variable DIE's DW_AT_type, or by
// its declaration's when the definition has none.
func (t *Table) variableType(v varRef) (godwarf.Type, error) {
	e, err := t.entryAt(v.off)
	if err != nil {
		return nil, fmt.Errorf("read variable DIE in %s: %w", t.DebugPath(), err)
	}
	if _, ok := e.Val(dwarf.AttrType).(dwarf.Offset); !ok {
		if spec, ok := e.Val(dwarf.AttrSpecification).(dwarf.Offset); ok {
			if e, err = t.entryAt(spec); err != nil {
				return nil, fmt.Errorf("read variable DIE in %s: %w", t.DebugPath(), err)
			}
		}
	}
	switch off := e.Val(dwarf.AttrType).(type) {
	case dwarf.Offset:
		return t.typeAt(off)
	case nil:
		return &godwarf.VoidType{CommonType: godwarf.CommonType{Name: "void"}}, nil
	default:
		return nil, fmt.Errorf("variable DIE %#x in %s: DW_AT_type refers to a type unit, "+
			"which is not supported", v.off, t.DebugPath())
	}
}
