package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestInfoRealDumps runs info on the real FreeBSD dumps, whose kernels have
// no DWARF, so the thread is found through the exported proc_off_* and
// thread_off_* offsets. Expected values are from the fixtures' README.
func TestInfoRealDumps(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-amd64.bz2"), dir)
	cases := []struct {
		core, dumptid, pid, comm, proc string
	}{
		{"vmcore-amd64-minidump.bz2", "100670", "800", "sysctl", "0xfffff80002c3b528"},
		{"vmcore-amd64-full.bz2", "100659", "806", "sysctl", "0xfffff80002f13528"},
	}
	for _, c := range cases {
		t.Run(c.core, func(t *testing.T) {
			core := unbzip2(t, filepath.Join(lldbFixtures, c.core), dir)
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "info", "--format", "json")
			if err != nil {
				t.Fatal(err)
			}
			got := decodeJSON(t, []byte(out))
			if got["dumptid"] != json.Number(c.dumptid) {
				t.Errorf("dumptid = %v, want %s", got["dumptid"], c.dumptid)
			}
			th := obj(got["thread"])
			if th == nil {
				t.Fatalf("no thread; errors %v", got["errors"])
			}
			if th["tid"] != json.Number(c.dumptid) {
				t.Errorf("thread tid = %v, want %s", th["tid"], c.dumptid)
			}
			p := obj(th["proc"])
			if p["pid"] != json.Number(c.pid) {
				t.Errorf("pid = %v, want %s", p["pid"], c.pid)
			}
			if p["comm"] != c.comm {
				t.Errorf("comm = %v, want %s", p["comm"], c.comm)
			}
			if p["address"] != c.proc {
				t.Errorf("proc address = %v, want %s", p["address"], c.proc)
			}
			errs := obj(got["errors"])
			if got["vnet"] != nil || !strings.Contains(errs["vnet"].(string), "td_vnet") {
				t.Errorf("vnet = %v, error %v; want null with a reason naming td_vnet", got["vnet"], errs["vnet"])
			}
			if got["panicstr"] != nil || !strings.Contains(errs["panicstr"].(string), "panicstr") {
				t.Errorf("panicstr = %v, error %v; want null because the kernel has no panicstr symbol", got["panicstr"], errs["panicstr"])
			}
		})
	}
}

// TestInfoTextUnavailable checks that text output gives the reason an item is
// missing instead of printing an empty or zero value.
func TestInfoTextUnavailable(t *testing.T) {
	dir := t.TempDir()
	kernel := unbzip2(t, filepath.Join(lldbFixtures, "kernel-amd64.bz2"), dir)
	core := unbzip2(t, filepath.Join(lldbFixtures, "vmcore-amd64-minidump.bz2"), dir)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "info")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"time:       unavailable (symbol time_second not found",
		`process:    0xfffff80002c3b528 pid 800 "sysctl"`,
		"dumptid:    100670",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
}

// TestInfoMatchesOracle checks info on the test kernel, in every dump
// format that holds the kernel map, against gdb's reading of its panic
// state.
func TestInfoMatchesOracle(t *testing.T) {
	kernel, _, oracle := mainFixture(t)
	want := obj(oracle["panic"])
	if want == nil {
		t.Fatal("oracle.json has no panic; make fixtures writes it")
	}
	vdir := filepath.Join(coresDir, mainVariant)
	for _, format := range []string{"minidump", "minidump-v2", "full.elf", "qemu.elf", "raw.mem"} {
		t.Run(format, func(t *testing.T) {
			core := unzstd(t, findFile(vdir, format), t.TempDir())
			out, _, err := runCLI(t, "-N", kernel, "-M", core, "info", "--format", "json")
			if err != nil {
				t.Fatal(err)
			}
			checkInfo(t, decodeJSON(t, []byte(out)), want)
		})
	}
}

func checkInfo(t *testing.T, got, want map[string]any) {
	t.Helper()
	if len(obj(got["errors"])) != 0 {
		t.Errorf("errors %v, want none on the test kernel", got["errors"])
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"panicstr", got["panicstr"], want["panicstr"]},
		{"dumptid", got["dumptid"], want["dumptid"]},
		{"time_second", got["time_second"], want["time_second"]},
		{"thread", obj(got["thread"])["address"], want["thread"]},
		{"pid", obj(obj(got["thread"])["proc"])["pid"], want["proc_pid"]},
		{"comm", obj(obj(got["thread"])["proc"])["comm"], want["proc_comm"]},
		{"vnet", obj(got["vnet"])["address"], want["vnet"]},
		{"jail jid", obj(got["jail"])["jid"], obj(want["jail"])["jid"]},
		{"jail name", obj(got["jail"])["name"], obj(want["jail"])["name"]},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, gdb read %v", c.name, c.got, c.want)
		}
	}
	if got["version_matches"] != true {
		t.Errorf("version_matches = %v, want true", got["version_matches"])
	}
}
