package eval

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// maxObjectSize caps one read, as vnetwalk caps a variable: a pointer in a
// damaged dump may claim a type of any size.
const maxObjectSize = 64 << 20

// An Evaluator evaluates expressions against one kernel and, for V_ names,
// one vnet.
type Evaluator struct {
	Kernel *vnetwalk.Kernel
	// Vnet is the instance whose copy a virtualized name reads. Nil makes
	// such names an error.
	Vnet   *vnetwalk.Vnet
	Limits value.Limits
}

// An Object is the result of an expression: a typed C object in kernel
// memory (an lvalue, Addressable set), or a computed value such as &x, a
// cast or a bit-field.
type Object struct {
	Expr        string       // the expression, spelled as C
	Type        godwarf.Type // DWARF type as declared
	Addr        uint64       // address of the object, valid if Addressable
	Addressable bool

	bytes []byte       // contents; nil until read for an lvalue
	val   *value.Value // decoded bit-field member, which has no bytes of its own
}

// An Error reports the step of an expression that failed.
type Error struct {
	Expr string // the sub-expression, as "V_tcbinfo.ipi_listhead.lh_first->inp_list"
	Err  error
}

func (e *Error) Error() string { return e.Expr + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// ErrNoVnet means a virtualized name was used without a vnet to read it in.
var ErrNoVnet = errors.New("virtualized variable needs a vnet: choose one with --jail, --vnet or --all")

// Eval evaluates an expression. The result's bytes are read on demand by
// [Evaluator.Value] and [Evaluator.Bytes].
func (ev *Evaluator) Eval(e Expr) (*Object, error) {
	switch e := e.(type) {
	case *Ident:
		return ev.ident(e)
	case *Number:
		return ev.number(e), nil
	case *Paren:
		o, err := ev.Eval(e.X)
		if err != nil {
			return nil, err
		}
		c := *o
		c.Expr = e.String()
		return &c, nil
	case *Member:
		return ev.member(e)
	case *Index:
		return ev.index(e)
	case *Deref:
		x, err := ev.Eval(e.X)
		if err != nil {
			return nil, err
		}
		return ev.deref(x, e.String())
	case *AddrOf:
		return ev.addrOf(e)
	case *Cast:
		return ev.cast(e)
	case *objectExpr:
		return e.o, nil
	}
	return nil, fmt.Errorf("unknown expression node %T", e)
}

// EvalString parses and evaluates s.
func (ev *Evaluator) EvalString(s string) (*Object, error) {
	e, err := Parse(s)
	if err != nil {
		return nil, err
	}
	return ev.Eval(e)
}

// Virtualized reports whether e names a virtualized variable anywhere, and
// so needs a vnet to be evaluated.
func Virtualized(k *vnetwalk.Kernel, e Expr) bool {
	switch e := e.(type) {
	case *Ident:
		_, virt, _ := resolveName(k, e.Name)
		return virt
	case *Member:
		return Virtualized(k, e.X)
	case *Index:
		return Virtualized(k, e.X) || Virtualized(k, e.Index)
	case *Deref:
		return Virtualized(k, e.X)
	case *AddrOf:
		return Virtualized(k, e.X)
	case *Cast:
		return Virtualized(k, e.X)
	case *Paren:
		return Virtualized(k, e.X)
	}
	return false
}

// resolveName finds the symbol of a name. V_x and vnet_entry_x must be
// virtualized; a bare x is virtualized when vnet_entry_x exists and a
// plain global otherwise, as in the print command.
func resolveName(k *vnetwalk.Kernel, name string) (symbols.Symbol, bool, error) {
	explicit := strings.HasPrefix(name, "V_") || strings.HasPrefix(name, vnetwalk.Prefix)
	if sym, ok := k.VnetSymbol(name); ok {
		return sym, true, nil
	}
	if explicit {
		return symbols.Symbol{}, true, fmt.Errorf("no virtualized variable %s: the kernel has no symbol %s%s", name, vnetwalk.Prefix, vnetwalk.VnetName(name))
	}
	sym, ok := k.Syms.Lookup(name)
	if !ok {
		return symbols.Symbol{}, false, &symbols.LookupError{Kind: "symbol", Name: name, File: k.Syms.Path()}
	}
	return sym, false, nil
}

func (ev *Evaluator) ident(e *Ident) (*Object, error) {
	k := ev.Kernel
	sym, virt, err := resolveName(k, e.Name)
	if err != nil {
		return nil, &Error{e.Name, err}
	}
	if !virt {
		return ev.global(e.Name, sym)
	}
	if ev.Vnet == nil {
		return nil, &Error{e.Name, ErrNoVnet}
	}
	x := k.ReadVnetVar(sym, ev.Vnet)
	if x.Type == nil {
		return nil, &Error{e.Name, fmt.Errorf("%s has no DWARF type, so cast its address, as *(TYPE *)ADDRESS", sym.Name)}
	}
	if x.Err != nil && x.Addr == 0 {
		return nil, &Error{e.Name, x.Err}
	}
	// A read error of the whole variable is left for the step that needs
	// the bytes: &V_x and V_x.member may still work.
	return &Object{Expr: e.Name, Type: x.Type, Addr: x.Addr, Addressable: true, bytes: x.Bytes}, nil
}

// global resolves a plain kernel variable. Without DWARF, a symbol with a
// size becomes an array of that many unsigned chars, so that &x and casts
// such as *(int *)&hz still work.
func (ev *Evaluator) global(name string, sym symbols.Symbol) (*Object, error) {
	t, err := ev.Kernel.Syms.VariableType(sym.Name)
	if err != nil {
		if sym.Size == 0 || sym.Size > maxObjectSize {
			return nil, &Error{name, fmt.Errorf("no DWARF type for %s (%w), so cast its address, as *(TYPE *)%#x", sym.Name, err, sym.Addr)}
		}
		t = &godwarf.ArrayType{
			CommonType: godwarf.CommonType{ByteSize: int64(sym.Size)},
			Type:       baseType("unsigned char", 1),
			Count:      int64(sym.Size),
		}
	}
	return &Object{Expr: name, Type: t, Addr: sym.Addr, Addressable: true}, nil
}

// number makes an integer literal an unsigned long, wide enough for an
// address.
func (ev *Evaluator) number(e *Number) *Object {
	t := ev.ulongType()
	return &Object{Expr: e.Text, Type: t, bytes: ev.encode(e.Value, symbols.Sizeof(t))}
}

func (ev *Evaluator) ulongType() godwarf.Type {
	if t, err := ev.Kernel.Syms.Type("unsigned long"); err == nil && symbols.Sizeof(t) == int64(ev.ptrSize()) {
		return t
	}
	return &godwarf.UintType{BasicType: godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: int64(ev.ptrSize()), Name: "unsigned long"}}}
}

func (ev *Evaluator) ptrSize() int { return ev.Kernel.Syms.PtrSize() }

func (ev *Evaluator) order() binary.ByteOrder { return ev.Kernel.Syms.ByteOrder() }

// encode writes n as a size-byte integer in the kernel's byte order.
func (ev *Evaluator) encode(n uint64, size int64) []byte {
	b := make([]byte, 8)
	ev.order().PutUint64(b, n)
	if ev.order() == binary.BigEndian {
		return b[8-size:]
	}
	return b[:size]
}

// member evaluates X.name and X->name. Like gdb, it accepts either
// operator on a struct and on a pointer to one.
func (ev *Evaluator) member(e *Member) (*Object, error) {
	x, err := ev.Eval(e.X)
	if err != nil {
		return nil, err
	}
	if _, ok := symbols.Resolve(x.Type).(*godwarf.PtrType); ok {
		// A failure to follow the pointer is reported as the step e.
		if x, err = ev.deref(x, e.String()); err != nil {
			return nil, err
		}
		x.Expr = "(*" + e.X.String() + ")"
	}
	st, ok := symbols.Resolve(x.Type).(*godwarf.StructType)
	if !ok {
		return nil, &Error{e.String(), fmt.Errorf("%s is of type %s, not a struct or union or a pointer to one", e.X, symbols.TypeName(x.Type))}
	}
	if st.Incomplete {
		return nil, &Error{e.String(), fmt.Errorf("%s is only declared in the kernel's DWARF, so its members are unknown", symbols.TypeName(x.Type))}
	}
	f, ok := symbols.Member(st, e.Name)
	if !ok {
		return nil, &Error{e.String(), fmt.Errorf("%s has no member %s", symbols.TypeName(x.Type), e.Name)}
	}
	if f.BitSize != 0 {
		return ev.bitfield(x, e)
	}
	return ev.part(x, e.String(), f.Type, f.ByteOffset)
}

// part returns the object of type t at off bytes into x.
func (ev *Evaluator) part(x *Object, expr string, t godwarf.Type, off int64) (*Object, error) {
	o := &Object{Expr: expr, Type: t, Addressable: x.Addressable, Addr: x.Addr + uint64(off)}
	if x.bytes != nil || !x.Addressable {
		size := symbols.Sizeof(t)
		if off < 0 || off+size > int64(len(x.bytes)) {
			return nil, &Error{expr, fmt.Errorf("bytes %d to %d lie outside the %d bytes of %s", off, off+size, len(x.bytes), x.Expr)}
		}
		o.bytes = x.bytes[off : off+size]
	}
	return o, nil
}

// bitfield decodes x and picks the member out, because a bit-field has no
// address or bytes of its own.
func (ev *Evaluator) bitfield(x *Object, e *Member) (*Object, error) {
	v, err := ev.Value(x)
	if err != nil {
		var stepErr *Error
		if errors.As(err, &stepErr) {
			err = stepErr.Err
		}
		return nil, &Error{e.String(), err}
	}
	for _, f := range v.Fields {
		if f.Name == e.Name {
			return &Object{Expr: e.String(), Type: f.Value.Type, val: f.Value}, nil
		}
	}
	return nil, &Error{e.String(), fmt.Errorf("bit-field %s was not decoded from %s", e.Name, x.Expr)}
}

func (ev *Evaluator) index(e *Index) (*Object, error) {
	x, err := ev.Eval(e.X)
	if err != nil {
		return nil, err
	}
	iobj, err := ev.Eval(e.Index)
	if err != nil {
		return nil, err
	}
	i, err := ev.integer(iobj)
	if err != nil {
		return nil, &Error{e.String(), err}
	}
	switch t := symbols.Resolve(x.Type).(type) {
	case *godwarf.ArrayType:
		if t.Count >= 0 && (i < 0 || i >= t.Count) {
			return nil, &Error{e.String(), fmt.Errorf("index %d is outside the %d elements of %s", i, t.Count, symbols.TypeName(x.Type))}
		}
		return ev.part(x, e.String(), t.Type, i*symbols.Sizeof(t.Type))
	case *godwarf.PtrType:
		base, err := ev.pointer(x)
		if err != nil {
			return nil, &Error{e.String(), err}
		}
		size := symbols.Sizeof(t.Type)
		if size == 0 {
			return nil, &Error{e.String(), fmt.Errorf("cannot index %s: its element type has no size", symbols.TypeName(x.Type))}
		}
		return &Object{Expr: e.String(), Type: t.Type, Addressable: true, Addr: base + uint64(i*size)}, nil
	}
	return nil, &Error{e.String(), fmt.Errorf("%s is of type %s, not an array or a pointer", e.X, symbols.TypeName(x.Type))}
}

// deref evaluates *x for a pointer, or x[0] for an array.
func (ev *Evaluator) deref(x *Object, expr string) (*Object, error) {
	switch t := symbols.Resolve(x.Type).(type) {
	case *godwarf.ArrayType:
		return ev.part(x, expr, t.Type, 0)
	case *godwarf.PtrType:
		elem := t.Type
		if _, ok := symbols.Resolve(elem).(*godwarf.VoidType); ok || elem == nil {
			return nil, &Error{expr, fmt.Errorf("%s is a void pointer, so cast it first, as *(struct TYPE *)%s", x.Expr, x.Expr)}
		}
		if _, ok := symbols.Resolve(elem).(*godwarf.FuncType); ok {
			return nil, &Error{expr, fmt.Errorf("%s points to a function, which has no value to read", x.Expr)}
		}
		addr, err := ev.pointer(x)
		if err != nil {
			return nil, &Error{expr, err}
		}
		if addr == 0 {
			return nil, &Error{expr, fmt.Errorf("%s is NULL", x.Expr)}
		}
		return &Object{Expr: expr, Type: elem, Addressable: true, Addr: addr}, nil
	}
	return nil, &Error{expr, fmt.Errorf("%s is of type %s, not a pointer", x.Expr, symbols.TypeName(x.Type))}
}

func (ev *Evaluator) addrOf(e *AddrOf) (*Object, error) {
	x, err := ev.Eval(e.X)
	if err != nil {
		return nil, err
	}
	if !x.Addressable {
		return nil, &Error{e.String(), fmt.Errorf("%s is a computed value, not an object in memory, so it has no address", x.Expr)}
	}
	t := &godwarf.PtrType{CommonType: godwarf.CommonType{ByteSize: int64(ev.ptrSize())}, Type: x.Type}
	return &Object{Expr: e.String(), Type: t, bytes: ev.encode(x.Addr, int64(ev.ptrSize()))}, nil
}

func (ev *Evaluator) cast(e *Cast) (*Object, error) {
	t, err := ev.castType(e.Type)
	if err != nil {
		return nil, &Error{e.String(), err}
	}
	x, err := ev.Eval(e.X)
	if err != nil {
		return nil, err
	}
	var n uint64
	if _, ok := symbols.Resolve(x.Type).(*godwarf.ArrayType); ok && x.Addressable {
		n = x.Addr // an array decays to the address of its first element
	} else {
		i, err := ev.integer(x)
		if err != nil {
			return nil, &Error{e.String(), err}
		}
		n = uint64(i)
	}
	switch symbols.Resolve(t).(type) {
	case *godwarf.PtrType, *godwarf.IntType, *godwarf.UintType, *godwarf.CharType, *godwarf.UcharType, *godwarf.BoolType, *godwarf.EnumType:
	default:
		return nil, &Error{e.String(), fmt.Errorf("cannot cast to %s because only pointer and integer casts are supported, so read a struct at an address with *(%s *)ADDRESS", e.Type, e.Type)}
	}
	size := symbols.Sizeof(t)
	if size <= 0 || size > 8 {
		return nil, &Error{e.String(), fmt.Errorf("cannot cast to %s of %d bytes", e.Type, size)}
	}
	return &Object{Expr: e.String(), Type: t, bytes: ev.encode(n, size)}, nil
}

// castType looks up the type of a cast in the kernel's DWARF.
func (ev *Evaluator) castType(tn TypeName) (godwarf.Type, error) {
	var t godwarf.Type
	if tn.Base == "void" {
		t = &godwarf.VoidType{CommonType: godwarf.CommonType{Name: "void"}}
	} else {
		var err error
		if t, err = ev.Kernel.Syms.Type(tn.Base); err != nil {
			// C's integer types need no DWARF, so a kernel without it still has them.
			size, ok := cIntegerSize(tn.Base, int64(ev.ptrSize()))
			if !ok {
				return nil, err
			}
			t = baseType(strings.Join(strings.Fields(tn.Base), " "), size)
		}
	}
	for range tn.Pointers {
		t = &godwarf.PtrType{CommonType: godwarf.CommonType{ByteSize: int64(ev.ptrSize())}, Type: t}
	}
	return t, nil
}

// cIntegerSize returns the size of a C integer type spelled with keywords,
// on an LP64 target when ptrSize is 8 and on ILP32 when it is 4.
func cIntegerSize(name string, ptrSize int64) (int64, bool) {
	var longs, shorts, chars, ints, signs int
	for _, w := range strings.Fields(name) {
		switch w {
		case "signed", "unsigned":
			signs++
		case "long":
			longs++
		case "short":
			shorts++
		case "char":
			chars++
		case "int":
			ints++
		default:
			return 0, false
		}
	}
	switch {
	case signs > 1 || ints > 1:
		return 0, false
	case chars == 1 && longs+shorts+ints == 0:
		return 1, true
	case chars > 0:
		return 0, false
	case shorts == 1 && longs == 0:
		return 2, true
	case shorts > 0:
		return 0, false
	case longs == 1:
		return ptrSize, true
	case longs == 2:
		return 8, true
	case longs == 0 && signs+ints > 0:
		return 4, true
	}
	return 0, false
}

// baseType makes a C integer type that the kernel's DWARF lacks.
func baseType(name string, size int64) godwarf.Type {
	basic := godwarf.BasicType{CommonType: godwarf.CommonType{ByteSize: size, Name: name}}
	unsigned := strings.Contains(name, "unsigned")
	switch {
	case size == 1 && unsigned:
		return &godwarf.UcharType{BasicType: basic}
	case size == 1:
		return &godwarf.CharType{BasicType: basic}
	case unsigned:
		return &godwarf.UintType{BasicType: basic}
	}
	return &godwarf.IntType{BasicType: basic}
}

// Bytes returns the contents of o, reading them from memory if needed.
func (ev *Evaluator) Bytes(o *Object) ([]byte, error) {
	if o.bytes != nil || !o.Addressable {
		return o.bytes, nil
	}
	size := symbols.Sizeof(o.Type)
	if size <= 0 {
		return nil, &Error{o.Expr, fmt.Errorf("type %s has no size to read", symbols.TypeName(o.Type))}
	}
	if size > maxObjectSize {
		return nil, &Error{o.Expr, fmt.Errorf("type %s claims %d bytes, more than the %d MiB read at once", symbols.TypeName(o.Type), size, maxObjectSize>>20)}
	}
	b := make([]byte, size)
	if err := ev.read(b, o.Addr); err != nil {
		return nil, &Error{o.Expr, err}
	}
	o.bytes = b
	return b, nil
}

// read fills b from kernel memory at addr and treats a short read as an
// error.
func (ev *Evaluator) read(b []byte, addr uint64) error {
	n, err := ev.Kernel.Mem.ReadAt(b, kvm.Addr(addr))
	if err != nil {
		return err
	}
	if n < len(b) {
		return fmt.Errorf("short read at %#x: %d of %d bytes", addr, n, len(b))
	}
	return nil
}

// Value decodes o by its type.
func (ev *Evaluator) Value(o *Object) (*value.Value, error) {
	if o.val != nil {
		return o.val, nil
	}
	b, err := ev.Bytes(o)
	if err != nil {
		return nil, err
	}
	return value.Decode(o.Type, b, ev.order(), ev.ptrSize(), ev.Limits), nil
}

// pointer returns the address a pointer object holds.
func (ev *Evaluator) pointer(o *Object) (uint64, error) {
	v, err := ev.Value(o)
	if err != nil {
		return 0, err
	}
	if v.Err != nil {
		return 0, v.Err
	}
	if v.Kind != value.Pointer && v.Kind != value.FuncPointer {
		return 0, fmt.Errorf("%s is of type %s, not a pointer", o.Expr, v.TypeName)
	}
	return v.Ptr, nil
}

// integer returns the number an integer, enum, bool or pointer object
// holds.
func (ev *Evaluator) integer(o *Object) (int64, error) {
	v, err := ev.Value(o)
	if err != nil {
		return 0, err
	}
	if v.Err != nil {
		return 0, v.Err
	}
	switch v.Kind {
	case value.Pointer, value.FuncPointer:
		return int64(v.Ptr), nil
	case value.Int, value.Uint, value.Enum, value.Bool:
		if v.Int == nil {
			return 0, fmt.Errorf("%s has no integer value", o.Expr)
		}
		if v.Int.IsInt64() {
			return v.Int.Int64(), nil
		}
		if v.Int.IsUint64() {
			return int64(v.Int.Uint64()), nil // an address above 2^63
		}
		return 0, fmt.Errorf("%s holds %s, which does not fit in 64 bits", o.Expr, v.Int)
	}
	return 0, fmt.Errorf("%s is of type %s, not an integer or a pointer", o.Expr, v.TypeName)
}
