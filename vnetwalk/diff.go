package vnetwalk

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
)

// A Leaf is one scalar part of a decoded variable: an integer, pointer,
// enum, bool, char array or a part that could not be decoded. Path names it
// from the variable down, as C would: "tcp_cfg.seq_hi", "ip_rsvp_ports[2]",
// "rt_table[1].rt_dst.s_addr", or the variable's name for a scalar.
type Leaf struct {
	Path  string
	Value *value.Value
}

// Text returns the leaf's value as print writes it, with pointers as bare
// hex addresses.
func (l Leaf) Text() string {
	v := l.Value
	if v != nil && v.Err == nil && (v.Kind == value.Pointer || v.Kind == value.FuncPointer) {
		return "0x" + strconv.FormatUint(v.Ptr, 16)
	}
	return v.String()
}

// Flatten lists the leaves of v in declaration and element order. Members
// of anonymous structs and unions appear under their parent's path, as
// value.Decode merges them.
func Flatten(name string, v *value.Value) []Leaf {
	var out []Leaf
	flatten(name, v, &out)
	return out
}

func flatten(path string, v *value.Value, out *[]Leaf) {
	if v == nil || v.Err != nil && len(v.Fields) == 0 && len(v.Elems) == 0 {
		*out = append(*out, Leaf{Path: path, Value: v})
		return
	}
	switch v.Kind {
	case value.Struct, value.Union:
		for _, f := range v.Fields {
			flatten(path+"."+f.Name, f.Value, out)
		}
	case value.Array:
		for i, e := range v.Elems {
			flatten(path+"["+strconv.Itoa(i)+"]", e, out)
		}
	default:
		*out = append(*out, Leaf{Path: path, Value: v})
		return
	}
	if v.Err != nil || v.Truncated {
		// The leaves above are what was decoded; say where the rest is.
		*out = append(*out, Leaf{Path: path + " (rest)", Value: v})
	}
}

// decodeVar decodes a variable read without error; it returns nil when the
// kernel has no DWARF type for it.
func (k *Kernel) decodeVar(x *Variable, lim value.Limits) *value.Value {
	if x.Err != nil || x.Type == nil {
		return nil
	}
	return value.Decode(x.Type, x.Bytes, k.order, k.ptrSize, lim)
}

// A Row is one leaf of a variable across several vnets.
type Row struct {
	Path string
	// Values holds one value per vnet of the comparison, nil where that
	// vnet's copy could not be read or has no such leaf.
	Values []*value.Value
	// Texts holds Values as Leaf.Text writes them, "" where Values is nil.
	Texts []string
	// Differs[i] is true when vnet i's text differs from the reference
	// vnet's. The reference vnet's own entry is always false.
	Differs []bool
}

// A Comparison is one virtualized variable read in several vnets and
// flattened to leaves, compared with one of them (the reference).
type Comparison struct {
	Name      string // without prefix
	Type      string // C spelling of the DWARF type, "" without DWARF
	Vnets     []*Vnet
	Variables []*Variable // one per vnet, each possibly with Err
	Reference int         // index into Vnets of the vnet compared against
	Rows      []Row
}

// CompareVar reads sym in every vnet of vnets and lines up the leaves of
// the copies. The reference is vnet0 when it is among vnets, else the
// first. Without DWARF the one leaf is the variable's bytes in hex.
func (k *Kernel) CompareVar(sym symbols.Symbol, vnets []*Vnet, lim value.Limits) *Comparison {
	c := &Comparison{Name: VnetName(sym.Name), Vnets: vnets}
	for i, v := range vnets {
		if v.Vnet0 {
			c.Reference = i
			break
		}
	}
	index := map[string]int{}
	for i, v := range vnets {
		x := k.ReadVnetVar(sym, v)
		c.Variables = append(c.Variables, x)
		if x.Type != nil {
			c.Type = symbols.TypeName(x.Type)
		}
		for _, l := range k.leaves(x, lim) {
			j, ok := index[l.Path]
			if !ok {
				j = len(c.Rows)
				index[l.Path] = j
				c.Rows = append(c.Rows, Row{Path: l.Path, Values: make([]*value.Value, len(vnets)), Texts: make([]string, len(vnets))})
			}
			c.Rows[j].Values[i] = l.Value
			c.Rows[j].Texts[i] = l.Text()
		}
	}
	for j := range c.Rows {
		r := &c.Rows[j]
		r.Differs = make([]bool, len(vnets))
		for i := range vnets {
			if i != c.Reference {
				r.Differs[i] = r.Values[i] == nil || r.Values[c.Reference] == nil || r.Texts[i] != r.Texts[c.Reference]
			}
		}
	}
	return c
}

// leaves flattens a variable that was read. A variable without DWARF type
// is one leaf holding its bytes as an array of unsigned chars' hex text.
func (k *Kernel) leaves(x *Variable, lim value.Limits) []Leaf {
	if x.Err != nil {
		return nil
	}
	if v := k.decodeVar(x, lim); v != nil {
		return Flatten(x.Name, v)
	}
	return []Leaf{{Path: x.Name, Value: rawValue(x.Bytes)}}
}

// rawValue wraps bytes without a type as a string value of their hex.
func rawValue(b []byte) *value.Value {
	s := fmt.Sprintf("%x", b)
	return &value.Value{Kind: value.String, TypeName: "bytes", Size: int64(len(b)), Str: s, StrBytes: []byte(s), Text: true}
}

// A FieldDiff is one leaf whose value differs between two vnets.
type FieldDiff struct {
	Path string
	A, B *value.Value // nil where that side has no such leaf
}

// A VarDiff is a virtualized variable whose bytes differ between two vnets,
// or that could not be read in one of them.
type VarDiff struct {
	Name   string
	A, B   *Variable
	Fields []FieldDiff // the differing leaves; empty when either read failed
}

// CompareVnets reads every virtualized variable in vnets a and b and
// returns those whose bytes differ, with the leaves that differ, sorted by
// name. A variable that cannot be read in one vnet is listed with its error.
func (k *Kernel) CompareVnets(a, b *Vnet, lim value.Limits) ([]VarDiff, error) {
	syms, err := k.VnetVariables()
	if err != nil {
		return nil, err
	}
	var out []VarDiff
	for _, sym := range syms {
		xa, xb := k.ReadVnetVar(sym, a), k.ReadVnetVar(sym, b)
		if xa.Err == nil && xb.Err == nil && bytes.Equal(xa.Bytes, xb.Bytes) {
			continue
		}
		d := VarDiff{Name: VnetName(sym.Name), A: xa, B: xb}
		if xa.Err == nil && xb.Err == nil {
			d.Fields = diffLeaves(k.leaves(xa, lim), k.leaves(xb, lim))
		}
		out = append(out, d)
	}
	return out, nil
}

// diffLeaves pairs leaves by path and keeps those whose text differs.
func diffLeaves(a, b []Leaf) []FieldDiff {
	byPath := make(map[string]Leaf, len(b))
	for _, l := range b {
		byPath[l.Path] = l
	}
	var out []FieldDiff
	seen := make(map[string]bool, len(a))
	for _, la := range a {
		seen[la.Path] = true
		lb, ok := byPath[la.Path]
		if !ok {
			out = append(out, FieldDiff{Path: la.Path, A: la.Value})
			continue
		}
		if la.Text() != lb.Text() {
			out = append(out, FieldDiff{Path: la.Path, A: la.Value, B: lb.Value})
		}
	}
	for _, lb := range b {
		if !seen[lb.Path] {
			out = append(out, FieldDiff{Path: lb.Path, B: lb.Value})
		}
	}
	return out
}
