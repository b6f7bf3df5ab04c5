package value

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// MarshalJSON implements json.Marshaler. The encoding is:
//
//   - struct and union: an object keyed by member name in declaration order,
//     with the members of anonymous struct and union members merged in;
//   - array: a list;
//   - char array: a string when Text is set, else a list of the byte values
//     as numbers (negative for bytes above 0x7f when char is signed);
//   - integer and bit-field: a number with every digit, even above 2^53;
//   - bool: true or false;
//   - enum: {"name": enumerator or null, "value": number};
//   - pointer and function pointer: a string "0x%x";
//   - float: a number, or the string "nan", "inf" or "-inf";
//   - a value with Err: {"error": message}.
//
// Where Limits cut a value, a list ends with the string "...", a string
// ends with the characters "...", and a struct, union or array past
// MaxDepth is the string "..." itself.
func (v *Value) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	v.writeJSON(&buf)
	return buf.Bytes(), nil
}

func (v *Value) writeJSON(buf *bytes.Buffer) {
	switch {
	case v == nil:
		buf.WriteString("null")
		return
	case v.Err != nil:
		buf.WriteString(`{"error":`)
		writeJSONString(buf, v.Err.Error())
		buf.WriteByte('}')
		return
	case v.Truncated && v.Fields == nil && v.Elems == nil && v.Kind != String:
		buf.WriteString(`"..."`)
		return
	}

	switch v.Kind {
	case Int, Uint, Bool, Enum:
		v.writeJSONNumber(buf)
	case Pointer, FuncPointer:
		buf.WriteString(`"0x`)
		buf.WriteString(strconv.FormatUint(v.Ptr, 16))
		buf.WriteByte('"')
	case Float:
		writeJSONFloat(buf, v.Float)
	case Struct, Union:
		v.writeJSONObject(buf)
	case Array:
		v.writeJSONList(buf)
	case String:
		v.writeJSONChars(buf)
	default:
		buf.WriteString("null")
	}
}

func (v *Value) writeJSONNumber(buf *bytes.Buffer) {
	switch v.Kind {
	case Bool:
		buf.WriteString(strconv.FormatBool(v.Bool))
	case Enum:
		buf.WriteString(`{"name":`)
		if v.HasEnumerator {
			writeJSONString(buf, v.Enumerator)
		} else {
			buf.WriteString("null")
		}
		buf.WriteString(`,"value":`)
		writeJSONInt(buf, v.Int)
		buf.WriteByte('}')
	default:
		writeJSONInt(buf, v.Int)
	}
}

// writeJSONInt writes n in decimal, or null for nil. strconv formats the
// 64-bit cases, because big.Int's formatting took 4% of the CPU time of
// dumping every variable of the scale test kernel.
func writeJSONInt(buf *bytes.Buffer, n *big.Int) {
	switch {
	case n == nil:
		buf.WriteString("null")
	case n.IsInt64():
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), n.Int64(), 10))
	case n.IsUint64():
		buf.Write(strconv.AppendUint(buf.AvailableBuffer(), n.Uint64(), 10))
	default:
		buf.Write(n.Append(buf.AvailableBuffer(), 10))
	}
}

func writeJSONFloat(buf *bytes.Buffer, f float64) {
	switch {
	case math.IsNaN(f):
		buf.WriteString(`"nan"`)
	case math.IsInf(f, 1):
		buf.WriteString(`"inf"`)
	case math.IsInf(f, -1):
		buf.WriteString(`"-inf"`)
	default:
		buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
}

func (v *Value) writeJSONObject(buf *bytes.Buffer) {
	buf.WriteByte('{')
	for i, f := range v.Fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, f.Name)
		buf.WriteByte(':')
		f.Value.writeJSON(buf)
	}
	buf.WriteByte('}')
}

func (v *Value) writeJSONList(buf *bytes.Buffer) {
	buf.WriteByte('[')
	for i, e := range v.Elems {
		if i > 0 {
			buf.WriteByte(',')
		}
		e.writeJSON(buf)
	}
	if v.Truncated {
		if len(v.Elems) > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"..."`)
	}
	buf.WriteByte(']')
}

func (v *Value) writeJSONChars(buf *bytes.Buffer) {
	if v.Text {
		text := v.Str
		if v.Truncated {
			text += "..."
		}
		writeJSONString(buf, text)
		return
	}
	buf.WriteByte('[')
	for i, c := range v.StrBytes {
		if i > 0 {
			buf.WriteByte(',')
		}
		if v.signedChars {
			buf.WriteString(strconv.Itoa(int(int8(c))))
		} else {
			buf.WriteString(strconv.Itoa(int(c)))
		}
	}
	if v.Truncated {
		if len(v.StrBytes) > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"..."`)
	}
	buf.WriteByte(']')
}

// writeJSONString writes s as a JSON string. Unlike json.Marshal it does
// not escape <, > and &, so member names and text stay readable. Invalid
// UTF-8 becomes U+FFFD, as with json.Marshal.
func writeJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"' || r == '\\':
			buf.WriteByte('\\')
			buf.WriteRune(r)
		case r < 0x20:
			buf.WriteString(`\u00`)
			buf.WriteByte(hexDigits[r>>4])
			buf.WriteByte(hexDigits[r&0xf])
		case r == utf8.RuneError && isInvalidUTF8At(s, i):
			buf.WriteString(`\ufffd`)
		default:
			buf.WriteRune(r)
		}
	}
	buf.WriteByte('"')
}

const hexDigits = "0123456789abcdef"

func isInvalidUTF8At(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 1
}
