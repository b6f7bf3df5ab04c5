package main

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrintTemplateLabelled prints the template of V_ip_defttl from the
// test kernel. vnet_vars.c defines it as 64 (VNET_DEFINE(int, ip_defttl) =
// 64), and no vnet of the fixture keeps that value, so the output must be
// labelled as the template and carry 64.
func TestPrintTemplateLabelled(t *testing.T) {
	tmp := t.TempDir()
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	core := findFile(vdir, "minidump")

	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", tmp, "print", "--template", "V_ip_defttl")
	if err != nil {
		t.Fatalf("print --template: %v", err)
	}
	if !strings.HasPrefix(out, "template of V_ip_defttl") {
		t.Errorf("output %q does not start with the template label", out)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "= 64") {
		t.Errorf("output %q does not end in = 64", out)
	}

	out, _, err = runCLI(t, "-N", kernel, "-M", core, "--cache-dir", tmp, "print", "--template", "--format", "json", "ip_defttl")
	if err != nil {
		t.Fatalf("print --template --format json: %v", err)
	}
	var r struct {
		Variables []struct {
			Template bool            `json:"template"`
			Vnet0    bool            `json:"vnet0"`
			Jails    []string        `json:"jails"`
			Value    json.RawMessage `json:"value"`
		} `json:"variables"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Variables) != 1 {
		t.Fatalf("%d variables, want 1", len(r.Variables))
	}
	v := r.Variables[0]
	if !v.Template {
		t.Error("template is not set in the JSON record")
	}
	if v.Vnet0 || len(v.Jails) != 0 {
		t.Errorf("template record names vnet0 %v, jails %v", v.Vnet0, v.Jails)
	}
	if string(v.Value) != "64" {
		t.Errorf("value %s, want 64", v.Value)
	}
}

// TestPrintTemplateRejects checks the misuses of --template: with a vnet
// selection, on a plain global, and on an expression.
func TestPrintTemplateRejects(t *testing.T) {
	tmp := t.TempDir()
	vdir := filepath.Join(coresDir, mainVariant)
	kernel := unzstd(t, findFile(vdir, "kernel"), tmp)
	core := findFile(vdir, "minidump")
	cases := []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--template", "--all", "V_ip_defttl"}, "only one of", true},
		{[]string{"--template", "hz"}, "not a virtualized variable", false},
		{[]string{"--template", "V_tcbinfo.ipi_count"}, "one V_ variable name", true},
	}
	for _, tc := range cases {
		args := append([]string{"-N", kernel, "-M", core, "--cache-dir", tmp, "print"}, tc.args...)
		_, _, err := runCLI(t, args...)
		if err == nil {
			t.Errorf("print %v succeeded", tc.args)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("print %v: error %q does not contain %q", tc.args, err, tc.want)
		}
		var u usageError
		if errors.As(err, &u) != tc.usage {
			t.Errorf("print %v: usage error %v, want %v (exit code 2 for usage errors, 1 otherwise)", tc.args, errors.As(err, &u), tc.usage)
		}
	}
}
