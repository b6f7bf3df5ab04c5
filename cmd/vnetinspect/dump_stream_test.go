package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetinspect/vnetinspect/report"
)

// encoderNDJSON writes r's variables as ndjson with encoding/json's
// Encoder, one record per variable.
func encoderNDJSON(t *testing.T, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, v := range r.Vnets {
		names := make([]string, 0, len(v.Jails))
		for _, j := range v.Jails {
			names = append(names, j.Name)
		}
		if v.Error != "" && len(v.Variables) == 0 {
			rec := report.Record{Vnet: v.Address, Vnet0: v.Vnet0, JailNames: names}
			rec.Error = fmt.Sprintf("vnet not readable: %s", v.Error)
			if err := enc.Encode(rec); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for _, x := range v.Variables {
			if err := enc.Encode(report.Record{Vnet: v.Address, Vnet0: v.Vnet0, JailNames: names, Variable: x}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b.String()
}

func TestDumpOutputMatchesEncoder(t *testing.T) {
	// The streamed JSON document and ndjson equal, byte for byte,
	// encoding/json's encoding of the same report: for a full dump, for a
	// dump whose vnet areas are all unreadable, and for one with a counter
	// page missing.
	dir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel := unzstd(t, findFile(dir, "kernel"), tmp)
	if ko := findFile(dir, "if_vnettest.ko"); ko != "" {
		unzstd(t, ko, tmp)
	}
	for _, core := range []string{"minidump", "minidump-v1", "minidump-nocpu"} {
		t.Run(core, func(t *testing.T) {
			path := unzstd(t, findFile(dir, core), tmp)
			got, _, err := runCLI(t, "-N", kernel, "-M", path, "dump", "--format", "ndjson")
			if err != nil {
				t.Fatal(err)
			}
			g := &globalOptions{kernel: kernel, core: path}
			s, err := openSession(g, os.Stderr)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			w, err := s.k.Walk()
			if err != nil {
				t.Fatal(err)
			}
			r := s.walkReport(g, w, true)
			var doc bytes.Buffer
			if err := writeJSON(&doc, r); err != nil {
				t.Fatal(err)
			}
			gotDoc, stderr, err := runCLI(t, "-N", kernel, "-M", path, "dump")
			if err != nil {
				t.Fatal(err)
			}
			// minidump-v1 cannot map any vnet's data area, and dump warns about it.
			if warned := strings.Contains(stderr, "warning: no copy of any of the"); warned != (core == "minidump-v1") {
				t.Errorf("standard error %q: warning that nothing was read = %v, want %v", stderr, warned, core == "minidump-v1")
			}
			if gotDoc != doc.String() {
				t.Fatalf("dump JSON: %s", firstDifference(gotDoc, doc.String()))
			}
			want := encoderNDJSON(t, r)
			if strings.Count(want, "\n") < 300 {
				t.Fatalf("the reference has only %d records", strings.Count(want, "\n"))
			}
			if got != want {
				t.Fatalf("dump ndjson: %s", firstDifference(got, want))
			}
		})
	}
}

// firstDifference describes the first line where got and want differ.
func firstDifference(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			return fmt.Sprintf("line %d differs:\ngot  %s\nwant %s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines, encoding/json writes %d", len(gl), len(wl))
}
