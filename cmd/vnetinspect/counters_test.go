package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestDumpCountersMatchOracle checks the "counters" member of dump's
// variable records against gdb's sums of every CPU's slot.
func TestDumpCountersMatchOracle(t *testing.T) {
	kernel, core, oracle := mainFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "dump")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, []byte(out))
	sums := map[string][]any{} // "vnet name" -> sums
	for _, v := range list(got, "vnets") {
		for _, x := range list(obj(v), "variables") {
			if c := obj(obj(x)["counters"]); c != nil {
				sums[fmt.Sprint(obj(v)["address"], " ", obj(x)["name"])] = list(c, "sums")
			}
		}
	}
	want := list(oracle, "counters")
	if len(want) == 0 {
		t.Fatal("oracle.json has no counters; make fixtures writes them")
	}
	for _, x := range want {
		o := obj(x)
		key := fmt.Sprint(o["vnet"], " ", o["name"])
		index := 0
		if n, ok := o["index"].(json.Number); ok {
			i, _ := n.Int64()
			index = int(i)
		}
		s := sums[key]
		if index >= len(s) {
			t.Errorf("%s[%d]: dump has %d sums", key, index, len(s))
			continue
		}
		if s[index] != o["sum"] {
			t.Errorf("%s[%d]: sum %v, gdb's slots sum to %v", key, index, s[index], o["sum"])
		}
	}
}

// TestPrintCounterMissingPage reads the minidump that lacks one CPU's
// counter page: the affected vnet's sum is unavailable with the reason,
// in text and JSON, and never printed as a number.
func TestPrintCounterMissingPage(t *testing.T) {
	kernel, _, oracle := mainFixture(t)
	core := unzstd(t, findFile(filepath.Join(coresDir, mainVariant), "minidump-nocpu"), t.TempDir())
	miss := obj(oracle["missing_counter_page"])
	if miss == nil {
		t.Fatal("oracle.json has no missing_counter_page")
	}
	vnet := miss["vnet"].(string)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "print", "--vnet", vnet, "tcp_syncache_overflows")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "= unavailable (CPU "+miss["cpu"].(json.Number).String()+"'s slot") {
		t.Errorf("text output lacks the unavailable sum naming CPU %v:\n%s", miss["cpu"], out)
	}
	out, _, err = runCLI(t, "-N", kernel, "-M", core, "print", "--vnet", vnet, "--format", "json", "tcp_syncache_overflows")
	if err != nil {
		t.Fatal(err)
	}
	rec := obj(list(decodeJSON(t, []byte(out)), "variables")[0])
	sums := list(obj(rec["counters"]), "sums")
	if len(sums) != 1 || obj(sums[0])["unavailable"] == nil {
		t.Errorf("sums = %v, want one {\"unavailable\": reason}", sums)
	}
}
