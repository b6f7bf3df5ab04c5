package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encoderLine is what encoding/json's Encoder writes for r.
func encoderLine(t *testing.T, r *Record) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAppendRecordMatchesEncoder(t *testing.T) {
	var every []byte
	for c := range 256 {
		every = append(every, byte(c))
	}
	tricky := []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
		string(every), "bad \xff\xfe utf8 \xc3", "line\u2028para\u2029sep", "é ü 漢字 🙂", "\x00\x1f\x7f"}
	bytesText := "00ff"
	var recs []Record
	for _, s := range tricky {
		value, err := json.Marshal(map[string]string{"s": s})
		if err != nil {
			t.Fatal(err)
		}
		// A value as value.Value writes it: compact, with <, > and &
		// and the separators unescaped.
		value = bytes.ReplaceAll(value, []byte(`\u003c`), []byte("<"))
		value = bytes.ReplaceAll(value, []byte(`\u003e`), []byte(">"))
		value = bytes.ReplaceAll(value, []byte(`\u0026`), []byte("&"))
		value = bytes.ReplaceAll(value, []byte(`\u2028`), []byte("\u2028"))
		value = bytes.ReplaceAll(value, []byte(`\u2029`), []byte("\u2029"))
		recs = append(recs, Record{Vnet: 0xfffff80000409300, Vnet0: true, JailNames: []string{s, "web"},
			Variable: Variable{Name: s, Symbol: "vnet_entry_" + s, Address: 0xfffffe0080026580, Size: 8,
				Type: "struct " + s, Module: s, Bytes: &bytesText, Value: value, Error: s}})
	}
	recs = append(recs,
		Record{},
		Record{JailNames: []string{}, Variable: Variable{Template: true, Value: json.RawMessage(`[1,-2,{"a":null}]`)}},
		Record{Vnet: 1, Variable: Variable{Counters: &Counters{Sums: []CounterSum{{Value: 3}, {Unavailable: "page <missing>"}},
			CPUs: []int{0, 1}, Fields: []string{"a&b"}}}},
	)
	for i := range recs {
		got, err := AppendRecord(nil, &recs[i])
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if want := encoderLine(t, &recs[i]); string(got) != want {
			t.Errorf("record %d:\ngot  %q\nwant %q", i, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a<b>&\u2028\xff\n")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}
