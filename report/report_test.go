package report

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

func TestUnreadableVnetHasNoInventedFields(t *testing.T) {
	v := &vnetwalk.Vnet{Addr: 0xfffff80000100000, Err: errors.New("read virtual address 0xfffff80000100000: page not in dump")}
	b, err := json.Marshal(NewVnet(v))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, key := range []string{`"magic"`, `"ifcnt"`, `"sockcnt"`, `"shutdown"`, `"data_mem"`, `"data_base"`} {
		if strings.Contains(got, key) {
			t.Errorf("JSON of an unreadable vnet has %s: %s", key, got)
		}
	}
	if !strings.Contains(got, `"error":"read virtual address`) {
		t.Errorf("JSON lacks the error: %s", got)
	}
}

func TestReadVnetKeepsZeroCounts(t *testing.T) {
	v := &vnetwalk.Vnet{Addr: 0x1000, HeaderRead: true, Magic: vnetwalk.VnetMagic}
	b, err := json.Marshal(NewVnet(v))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"magic":"0x5e4a6f28"`, `"ifcnt":0`, `"sockcnt":0`, `"shutdown":false`, `"data_base":"0x0"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
}

func TestHexAddress(t *testing.T) {
	b, _ := json.Marshal(Hex(0xfffff80000409b40))
	if string(b) != `"0xfffff80000409b40"` {
		t.Errorf("Hex = %s", b)
	}
}
