package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// AppendRecord appends r and a newline to dst, byte for byte as
// encoding/json's Encoder writes a Record, but without reflection and
// without re-reading the value's JSON. A dump of a thousand vnets writes
// over a million records, and the Encoder took a third of its time.
func AppendRecord(dst []byte, r *Record) ([]byte, error) {
	dst = append(dst, `{"vnet":`...)
	dst = appendHex(dst, uint64(r.Vnet))
	dst = append(dst, `,"vnet0":`...)
	dst = strconv.AppendBool(dst, r.Vnet0)
	dst = append(dst, `,"jails":`...)
	if r.JailNames == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, n := range r.JailNames {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, n)
		}
		dst = append(dst, ']')
	}

	v := &r.Variable
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, v.Name)
	dst = append(dst, `,"symbol":`...)
	dst = appendString(dst, v.Symbol)
	if v.Address != 0 {
		dst = append(dst, `,"address":`...)
		dst = appendHex(dst, uint64(v.Address))
	}
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, v.Size, 10)
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, v.Type)
	if v.Template {
		dst = append(dst, `,"template":true`...)
	}
	if v.Module != "" {
		dst = append(dst, `,"module":`...)
		dst = appendString(dst, v.Module)
	}
	if v.Bytes != nil {
		dst = append(dst, `,"bytes":`...)
		dst = appendString(dst, *v.Bytes)
	}
	if len(v.Value) > 0 {
		// Value comes from value.Value's writer, which writes compact,
		// valid JSON. TestDumpOutputMatchesEncoder checks this on dumps.
		dst = append(dst, `,"value":`...)
		dst = appendRaw(dst, v.Value)
	}
	if v.Counters != nil {
		c, err := json.Marshal(v.Counters)
		if err != nil {
			return dst, fmt.Errorf("counters of %s: %w", v.Symbol, err)
		}
		dst = append(dst, `,"counters":`...)
		dst = append(dst, c...)
	}
	if v.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = appendString(dst, v.Error)
	}
	return append(dst, "}\n"...), nil
}

// appendHex appends a Hex value as its MarshalJSON writes it.
func appendHex(dst []byte, x uint64) []byte {
	dst = append(dst, `"0x`...)
	dst = strconv.AppendUint(dst, x, 16)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the ASCII bytes that appendString copies unescaped.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendString appends s as a JSON string with encoding/json's escapes:
// the short forms for quote, backslash, \b, \f, \n, \r and \t; \u00XX for
// other control bytes and for <, > and & (HTML-safe output); \ufffd for
// each invalid UTF-8 byte; \u2028 and \u2029 for the line and paragraph
// separators.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if plainASCII[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, `\b`...)
			case '\f':
				dst = append(dst, `\f`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, `\u00`...)
				dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendRaw appends compact, valid JSON as encoding/json copies a
// RawMessage: with <, > and & and the line and paragraph separators
// escaped. Those characters can only occur inside strings.
func appendRaw(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); i++ {
		switch b := raw[i]; {
		case b == '<' || b == '>' || b == '&':
			dst = append(dst, raw[start:i]...)
			dst = append(dst, `\u00`...)
			dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
			start = i + 1
		case b == 0xe2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xa8:
			dst = append(dst, raw[start:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hexDigits[raw[i+2]&0xf])
			i += 2
			start = i + 1
		}
	}
	return append(dst, raw[start:]...)
}
