package eval

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/vnetinspect/vnetinspect/symbols"
	"github.com/vnetinspect/vnetinspect/value"
)

// DefaultMaxTargets is the default number of pointers FollowPointers
// follows in one value.
const DefaultMaxTargets = 1000

// A Target is the object one pointer in a value points to.
type Target struct {
	// Path is the pointer's place in the value as C spells it, relative
	// to the value: "" for the value itself, ".if_vnet", ".rt_table[2].rt_ifp".
	Path  string
	Addr  uint64
	Type  godwarf.Type // the pointed-to type
	Value *value.Value // nil when Err is set
	Err   error
}

// FollowPointers reads what each non-NULL data pointer in v points to,
// one level deep: the pointer itself when v is one, else its members and
// elements at any depth. Function pointers, void pointers and pointers to
// types without size are left out. At most max pointers are followed, or
// DefaultMaxTargets when max is zero or less. The second result is true
// when that bound left some pointers out.
func (ev *Evaluator) FollowPointers(v *value.Value, max int) ([]Target, bool) {
	if max <= 0 {
		max = DefaultMaxTargets
	}
	f := &follower{ev: ev, max: max}
	f.visit(v, "")
	return f.out, f.cut
}

type follower struct {
	ev  *Evaluator
	max int
	out []Target
	cut bool
}

func (f *follower) visit(v *value.Value, path string) {
	if v == nil {
		return
	}
	switch v.Kind {
	case value.Pointer:
		f.follow(v, path)
	case value.Struct, value.Union:
		for _, fl := range v.Fields {
			f.visit(fl.Value, path+"."+fl.Name)
		}
	case value.Array:
		for i, e := range v.Elems {
			f.visit(e, path+"["+strconv.Itoa(i)+"]")
		}
	}
}

func (f *follower) follow(v *value.Value, path string) {
	if v.Ptr == 0 {
		return
	}
	pt, ok := symbols.Resolve(v.Type).(*godwarf.PtrType)
	if !ok || symbols.Sizeof(pt.Type) == 0 {
		return // void *, pointers to functions or to incomplete types
	}
	if _, ok := symbols.Resolve(pt.Type).(*godwarf.FuncType); ok {
		return
	}
	if len(f.out) == f.max {
		f.cut = true
		return
	}
	t := Target{Path: path, Addr: v.Ptr, Type: pt.Type}
	size := symbols.Sizeof(pt.Type)
	if isChar(pt.Type) {
		t.Type, t.Value, t.Err = f.ev.cString(pt.Type, v.Ptr)
		f.out = append(f.out, t)
		return
	}
	if size > maxObjectSize {
		t.Err = fmt.Errorf("type %s claims %d bytes, more than the %d MiB read at once", symbols.TypeName(pt.Type), size, maxObjectSize>>20)
	} else {
		b := make([]byte, size)
		if err := f.ev.read(b, v.Ptr); err != nil {
			t.Err = err
		} else {
			t.Value = value.Decode(pt.Type, b, f.ev.order(), f.ev.ptrSize(), f.ev.Limits)
		}
	}
	f.out = append(f.out, t)
}

// maxCString caps the bytes read for a string that a char pointer points
// to, below the decoder's own MaxString.
const maxCString = 4096

// isChar reports whether t is a one-byte char type, after typedefs and
// qualifiers.
func isChar(t godwarf.Type) bool {
	switch symbols.Resolve(t).(type) {
	case *godwarf.CharType, *godwarf.UcharType:
		return symbols.Sizeof(t) == 1
	}
	return false
}

// cString reads the NUL-terminated string at addr, as gdb shows what a
// char pointer points to. It reads page by page, so that a string which
// ends before an unreadable page is still read, and returns the string as
// a char array of its length with the NUL.
func (ev *Evaluator) cString(elem godwarf.Type, addr uint64) (godwarf.Type, *value.Value, error) {
	const page = 4096
	limit := min(maxCString, ev.Limits.MaxString)
	if limit <= 0 {
		limit = maxCString
	}
	var buf []byte
	for len(buf) < limit {
		cur := addr + uint64(len(buf))
		n := min(page-int(cur%page), limit-len(buf))
		chunk := make([]byte, n)
		if err := ev.read(chunk, cur); err != nil {
			if len(buf) == 0 {
				return elem, nil, err
			}
			break // the string runs into an unreadable page
		}
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			buf = append(buf, chunk[:i+1]...)
			break
		}
		buf = append(buf, chunk...)
	}
	at := &godwarf.ArrayType{CommonType: godwarf.CommonType{ByteSize: int64(len(buf))}, Type: elem, Count: int64(len(buf))}
	return at, value.Decode(at, buf, ev.order(), ev.ptrSize(), ev.Limits), nil
}
