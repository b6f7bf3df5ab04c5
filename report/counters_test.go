package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestCounterSumJSON(t *testing.T) {
	b, err := json.Marshal([]CounterSum{{Value: 1<<64 - 1}, {Unavailable: "CPU 2's slot not read"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[18446744073709551615,{"unavailable":"CPU 2's slot not read"}]`; got != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
}

func TestCountersText(t *testing.T) {
	c := &Counters{
		Sums:   []CounterSum{{Value: 5}, {Unavailable: "page not in dump"}},
		Fields: []string{"tcps_accepts", "tcps_drops"},
		CPUs:   []int{0, 1},
	}
	var b bytes.Buffer
	c.WriteText(&b, "  ")
	for _, want := range []string{"[0] tcps_accepts = 5", "[1] tcps_drops = unavailable (page not in dump)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "tcps_drops = 0") {
		t.Errorf("an unavailable sum was written as 0:\n%s", b.String())
	}
}
