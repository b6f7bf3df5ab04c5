// Package value decodes the bytes of a C object according to its DWARF type
// into a tree of typed values, and writes that tree as JSON or as gdb-like
// text.
//
// It sits above package symbols, which supplies the godwarf types, and below
// package vnetwalk, which reads the bytes of each VNET variable from a dump
// and hands them here. It never reads memory itself and never follows
// pointers: a pointer is decoded as the address it contains.
//
// # Security
//
// Both the bytes and the types may come from a damaged dump or a damaged
// debug file. Decode checks every size and offset against the bytes it was
// given, caps the work with [Limits], and reports problems in [Value.Err]
// instead of panicking.
package value

import (
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// A Kind is the C category of a decoded value, after typedefs and
// qualifiers are stripped.
type Kind int

// Kinds of values. String is a char array (element type char, signed char or
// unsigned char); every other array is Array.
const (
	Invalid Kind = iota
	Int
	Uint
	Bool
	Enum
	Pointer
	FuncPointer
	Struct
	Union
	Array
	String
	Float
	Void
)

var kindNames = [...]string{
	Invalid:     "invalid",
	Int:         "int",
	Uint:        "uint",
	Bool:        "bool",
	Enum:        "enum",
	Pointer:     "pointer",
	FuncPointer: "function pointer",
	Struct:      "struct",
	Union:       "union",
	Array:       "array",
	String:      "string",
	Float:       "float",
	Void:        "void",
}

// String returns the kind's lower-case name, for example "function pointer".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// A Value is one decoded C object. Which fields are set depends on Kind.
type Value struct {
	Kind     Kind
	Type     godwarf.Type // type as declared, typedefs and qualifiers included
	TypeName string       // C spelling of Type, as gdb's whatis prints it
	Size     int64        // size in bytes (for a bit-field, the size of its declared type)

	// Int is the exact number of an Int, Uint or Enum value, bit-fields
	// included, and the stored number of a Bool (0 for false).
	Int *big.Int

	Bool bool

	// Enumerator is the name of the enumerator whose value equals Int.
	// HasEnumerator is false when no enumerator matches.
	Enumerator    string
	HasEnumerator bool

	Float float64

	// Ptr is the address held by a Pointer or FuncPointer.
	Ptr uint64

	// StrBytes holds the bytes of a char array, at most Limits.MaxString of
	// them. When Text is true, the bytes before the first NUL are printable
	// ASCII and every byte after it is zero, and Str holds those bytes (at
	// most Limits.MaxString of them).
	Str      string
	StrBytes []byte
	Text     bool

	// Fields are the members of a Struct or Union in declaration order.
	// The members of an anonymous struct or union member are merged in at
	// its place, and unnamed bit-fields (padding) are left out.
	Fields []Field

	// Elems are the elements of an Array, at most Limits.MaxArray of them.
	Elems []*Value

	// Truncated is set when Limits cut the value: an Array or String has
	// more elements than it shows, or a Struct, Union or Array lies deeper
	// than Limits.MaxDepth and was not decoded at all.
	Truncated bool

	// Err is the problem that kept this value from being decoded fully:
	// an unsupported type, or bytes missing. Members and elements that were
	// decoded before the problem stay in Fields and Elems.
	Err error

	signedChars bool // StrBytes elements are signed when written as numbers
}

// A Field is one member of a struct or union.
type Field struct {
	Name  string
	Value *Value

	// ByteOffset is the member's offset from the start of the outermost
	// struct or union being listed, anonymous members included. For a
	// bit-field, ByteOffset is the byte that holds its lowest bit, BitOffset
	// is that bit's number in the byte (0 = least significant), and BitSize
	// is the width. Both are 0 for other members.
	ByteOffset, BitOffset, BitSize int64
}

// Limits caps the work Decode does on one value. A field that is zero or
// negative takes its value from [DefaultLimits].
type Limits struct {
	// MaxDepth is the deepest nesting of structs, unions and arrays that
	// is decoded. The outermost value is depth 0.
	MaxDepth int
	// MaxArray is the number of elements decoded from one array.
	MaxArray int
	// MaxString is the number of bytes kept from one char array.
	MaxString int
}

// DefaultLimits returns limits meant never to cut a VNET variable of a
// FreeBSD kernel. MaxArray and MaxString allow 2^20 elements, 8 times the
// module area vnet_entry_modspace (a char array of 8*PAGE_SIZE bytes, so
// 128 KiB with 16 KiB pages). MaxDepth allows 64 levels of nesting.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 64, MaxArray: 1 << 20, MaxString: 1 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxArray <= 0 {
		l.MaxArray = d.MaxArray
	}
	if l.MaxString <= 0 {
		l.MaxString = d.MaxString
	}
	return l
}

// Decode decodes b as a value of type t. The bytes start at the value's
// first byte and should be at least as long as the type; extra bytes are
// ignored. order is the target's byte order and ptrSize its pointer size in
// bytes, used for pointer types whose DWARF entry has no size.
//
// Decode always returns a Value. Problems are reported in the Err field of
// the value they concern, and offsets in error messages count from the
// start of b. A panic inside Decode, which would be a bug, is returned as
// the Err of the outermost value.
func Decode(t godwarf.Type, b []byte, order binary.ByteOrder, ptrSize int, lim Limits) (v *Value) {
	defer func() {
		if r := recover(); r != nil {
			v = &Value{Kind: Invalid, Type: t, Err: fmt.Errorf("decode %T of %d bytes: internal error (please report): %v", t, len(b), r)}
		}
	}()
	if order == nil {
		return &Value{Kind: Invalid, Type: t, Err: fmt.Errorf("decode: byte order is nil")}
	}
	if ptrSize != 4 && ptrSize != 8 {
		return &Value{Kind: Invalid, Type: t, Err: fmt.Errorf("decode: pointer size %d is not 4 or 8", ptrSize)}
	}
	d := &decoder{
		buf:     b,
		order:   order,
		little:  isLittleEndian(order),
		ptrSize: int64(ptrSize),
		lim:     lim.withDefaults(),
		budget:  valuesPerByte*len(b) + minValueBudget,
	}
	return d.decode(t, 0, 0)
}
