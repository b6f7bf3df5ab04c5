package main

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// mainFixture decompresses the main variant's kernel, minidump and oracle.
func mainFixture(t *testing.T) (kernel, core string, oracle map[string]any) {
	t.Helper()
	vdir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel = unzstd(t, findFile(vdir, "kernel"), tmp)
	core = unzstd(t, findFile(vdir, "minidump"), tmp)
	oracle = decodeJSON(t, readAll(t, unzstd(t, findFile(vdir, "oracle.json"), tmp)))
	return kernel, core, oracle
}

// oracleVnetOf returns the oracle's vnet owned by the named jail.
func oracleVnetOf(t *testing.T, oracle map[string]any, jail string) map[string]any {
	t.Helper()
	for _, v := range list(oracle, "vnets") {
		for _, j := range list(obj(v), "jails") {
			if obj(j)["name"] == jail {
				return obj(v)
			}
		}
	}
	t.Fatalf("the oracle has no vnet owned by jail %s", jail)
	return nil
}

func TestDiffAllMatchesOracle(t *testing.T) {
	kernel, core, oracle := mainFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "diff", "--all", "--jail", "web", "--jail", "db", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, []byte(out))
	var names []string
	for _, v := range list(got, "variables") {
		names = append(names, obj(v)["name"].(string))
	}
	bytesOf := func(v map[string]any) map[string]any {
		m := map[string]any{}
		for _, x := range list(v, "variables") {
			m[obj(x)["name"].(string)] = obj(x)["bytes"]
		}
		return m
	}
	web, db := bytesOf(oracleVnetOf(t, oracle, "web")), bytesOf(oracleVnetOf(t, oracle, "db"))
	var want []string
	for name, b := range web {
		if db[name] != b {
			want = append(want, name)
		}
	}
	sort.Strings(want)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("diff --all web db lists %q; gdb's bytes differ in %q", names, want)
	}
	if a := obj(got["a"]); len(list(a, "jails")) != 1 || list(a, "jails")[0] != "web" {
		t.Errorf("a = %v, want web's vnet", a)
	}
}

func TestDiffVarMarksVnet0Differences(t *testing.T) {
	kernel, core, oracle := mainFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "diff", "--format", "json", "V_ip_defttl")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, []byte(out))
	fields := list(got, "fields")
	if len(fields) != 1 || obj(fields[0])["path"] != "ip_defttl" {
		t.Fatalf("fields = %v, want the one leaf ip_defttl", fields)
	}
	vnets := list(oracle, "vnets")
	var ref any
	for _, v := range vnets {
		if obj(v)["vnet0"] == true {
			ref = defttl(obj(v))
		}
	}
	values, differs := list(obj(fields[0]), "values"), list(obj(fields[0]), "differs")
	for i, v := range vnets {
		want := defttl(obj(v))
		if values[i] != want {
			t.Errorf("vnet %v: ip_defttl %v, gdb read %v", obj(v)["address"], values[i], want)
		}
		if d := differs[i] == true; d != (want != ref) {
			t.Errorf("vnet %v: differs = %v, but gdb read %v against vnet0's %v", obj(v)["address"], d, want, ref)
		}
	}
}

func defttl(v map[string]any) any {
	for _, x := range list(v, "variables") {
		if obj(x)["name"] == "ip_defttl" {
			return obj(x)["value"]
		}
	}
	return nil
}

func TestDiffUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"diff"},
		{"diff", "--all", "--jail", "web"},
		{"diff", "--all", "ip_defttl", "--jail", "web", "--jail", "db"},
	} {
		_, _, err := runCLI(t, append([]string{"-N", "k", "-M", "c"}, args...)...)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
}

func TestDiffNotVirtualized(t *testing.T) {
	kernel, core, _ := mainFixture(t)
	_, _, err := runCLI(t, "-N", kernel, "-M", core, "diff", "hz")
	if err == nil || !strings.Contains(err.Error(), "vnet_entry_hz") {
		t.Errorf("diff hz: error %v, want one naming the missing symbol vnet_entry_hz", err)
	}
}
