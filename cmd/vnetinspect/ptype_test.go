package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// gdbBinary returns a gdb that reads every architecture of the test
// kernels, or skips the test.
func gdbBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"gdb-multiarch", "gdb"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("gdb is not installed: the ptype, whatis and address tests compare with it")
	return ""
}

// gdbAnswers runs gdb once on kernel with every question and returns its
// output per question ("ptype struct vnet").
func gdbAnswers(t *testing.T, gdb, kernel string, questions []string) map[string]string {
	t.Helper()
	args := []string{"-nx", "-batch"}
	for _, q := range questions {
		args = append(args, "-ex", "echo @@ "+q+"\\n", "-ex", gdbCommand(q))
	}
	args = append(args, kernel)
	out, err := exec.Command(gdb, args...).Output() // gdb's warnings go to stderr
	if err != nil {
		t.Fatalf("gdb on %s: %v", kernel, err)
	}
	answers := make(map[string]string)
	var cur string
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if q, ok := strings.CutPrefix(line, "@@ "); ok {
			cur = strings.TrimSuffix(q, "\n")
			continue
		}
		answers[cur] += line
	}
	return answers
}

// gdbCommand turns "address NAME" into gdb's "info address NAME".
func gdbCommand(q string) string {
	if name, ok := strings.CutPrefix(q, "address "); ok {
		return "info address " + name
	}
	return q
}

// compareWithGDB runs vnetinspect on each question gdb answered and compares
// the outputs line for line. Questions gdb could not answer are skipped.
func compareWithGDB(t *testing.T, kernel string, questions []string) {
	t.Helper()
	answers := gdbAnswers(t, gdbBinary(t), kernel, questions)
	compared := 0
	for _, q := range questions {
		want := answers[q]
		if want == "" || strings.HasPrefix(want, "No ") {
			continue
		}
		cmd, name, _ := strings.Cut(q, " ")
		got, _, err := runCLI(t, "-N", kernel, cmd, name)
		if err != nil {
			t.Errorf("%s: %v\ngdb says:\n%s", q, err, want)
			continue
		}
		if got != want {
			t.Errorf("%s on %s:\ngot:\n%s\ngdb:\n%s", q, filepath.Base(kernel), got, want)
		}
		compared++
	}
	if compared < len(questions)/2 {
		t.Errorf("only %d of %d questions could be compared with gdb", compared, len(questions))
	}
}

// kernQuestions covers symbols/testdata/kern.c: bitfields (gcc's
// DW_AT_bit_offset, DWARF 5's DW_AT_data_bit_offset), anonymous members
// nested two deep, enums with explicit values, typedef chains, function
// pointers and qualified pointers.
var kernQuestions = func() []string {
	var qs []string
	for _, n := range []string{"struct flags", "union word", "struct packet", "struct ops", "enum color",
		"enum big", "struct vnet", "struct listed", "struct arrays", "u_int", "stat_t", "flags_p",
		"flags_t", "handler_t", "printer_t", "unsigned long", "long unsigned int"} {
		qs = append(qs, "ptype "+n, "whatis "+n)
	}
	for _, n := range []string{"ops", "arrays", "vnet0", "grid_sum", "packet", "word", "color", "big",
		"ratio", "big_value", "bss_buf", "huge_buf", "sval", "scval", "llval", "shared", "flags_init",
		"vnet_entry_vflags", "vnet_entry_vname", "vnet_entry_vpacket"} {
		qs = append(qs, "ptype "+n, "whatis "+n, "address "+n)
	}
	return append(qs, "address helper", "address vnet_bytes", "address __start_set_vnet")
}()

func TestTypeQueriesMatchGDB(t *testing.T) {
	for _, k := range []string{"amd64-gcc-dwarf4", "amd64-gcc-dwarf5", "amd64-clang-dwarf4",
		"amd64-clang-dwarf5", "amd64-clang-dwarf5-names", "i386-clang-dwarf4", "riscv64-clang-dwarf4"} {
		t.Run(k, func(t *testing.T) {
			compareWithGDB(t, filepath.Join("..", "..", "symbols", "testdata", "elf", k), kernQuestions)
		})
	}
}

// gdbListing matches the type and variable lines of gdb's info types and
// info variables: "123:	struct vnet;" and "45:	static int hz;".
var (
	gdbTypeLine = regexp.MustCompile(`^\d+:\s+((?:struct|union|enum) \w+);$`)
	gdbVarLine  = regexp.MustCompile(`^\d+:\s+.*?(\w+)(?:\[\d*\])*;$`)
	// "12:	typedef unsigned int u_int;", but not typedefs of function types.
	gdbTypedefLine = regexp.MustCompile(`^\d+:\s+typedef [^()]*?(\w+);$`)
)

// TestTypeQueriesOnTestKernels compares the output for every struct, union and
// enum and every variable of the FreeBSD test kernels, as gdb lists them.
// Addresses are compared on arm64 only: gdb 13 without FreeBSD support
// prints amd64 FreeBSD kernel addresses cut to 32 bits.
func TestTypeQueriesOnTestKernels(t *testing.T) {
	gdb := gdbBinary(t)
	for _, v := range []string{"gcc-dwarf4", "gcc-dwarf5", "clang-dwarf4", "clang-dwarf5", "arm64-clang-dwarf5"} {
		t.Run(v, func(t *testing.T) {
			kernel := unzstd(t, filepath.Join("..", "..", "testdata", "cores", v, "kernel.zst"), t.TempDir())
			out, err := exec.Command(gdb, "-nx", "-batch", "-ex", "info types .", "-ex", "info variables .", kernel).Output()
			if err != nil {
				t.Fatalf("gdb: %v", err)
			}
			var qs, vars, typedefs []string
			inVars := false
			for _, line := range strings.Split(string(out), "\n") {
				inVars = inVars || strings.HasPrefix(line, "All defined variables")
				if m := gdbTypeLine.FindStringSubmatch(line); m != nil && !inVars {
					qs = append(qs, "ptype "+m[1], "whatis "+m[1])
				} else if m := gdbTypedefLine.FindStringSubmatch(line); m != nil && !inVars {
					typedefs = append(typedefs, m[1])
				} else if m := gdbVarLine.FindStringSubmatch(line); m != nil && inVars {
					vars = append(vars, m[1])
				}
			}
			// Static variables that share a name in several files are
			// ambiguous without a scope; gdb and vnetinspect may pick
			// different ones.
			for _, n := range unique(vars) {
				qs = append(qs, "ptype "+n, "whatis "+n)
				if strings.HasPrefix(v, "arm64") {
					qs = append(qs, "address "+n)
				}
			}
			for _, n := range unique(typedefs) {
				qs = append(qs, "ptype "+n, "whatis "+n, "address "+n)
			}
			slices.Sort(qs)
			qs = slices.Compact(qs)
			if len(qs) < 100 {
				t.Fatalf("gdb listed only %d questions for %s", len(qs), v)
			}
			compareWithGDB(t, kernel, qs)
		})
	}
}

func TestTypeQueriesNeedKernel(t *testing.T) {
	_, _, err := runCLI(t, "ptype", "struct vnet")
	if err == nil || !strings.Contains(err.Error(), "-N") {
		t.Errorf("ptype without -N: got %v, want an error naming -N", err)
	}
	k := filepath.Join("..", "..", "symbols", "testdata", "elf", "amd64-clang-dwarf5")
	_, _, err = runCLI(t, "-N", k, "whatis", "no_such_name")
	if err == nil || !strings.Contains(err.Error(), "no_such_name") || !strings.Contains(err.Error(), k) {
		t.Errorf("whatis of an unknown name: got %v, want an error naming it and the file", err)
	}
}

// unique returns the names that occur once in names.
func unique(names []string) []string {
	slices.Sort(names)
	var out []string
	for i, n := range names {
		if (i > 0 && names[i-1] == n) || (i+1 < len(names) && names[i+1] == n) {
			continue
		}
		out = append(out, n)
	}
	return out
}

func TestBatchMatchesGDB(t *testing.T) {
	// One process answers every question gdb answered, in order, with the
	// same text gdb printed.
	kernel := filepath.Join("..", "..", "symbols", "testdata", "elf", "amd64-gcc-dwarf5")
	answers := gdbAnswers(t, gdbBinary(t), kernel, kernQuestions)
	args := []string{"-N", kernel, "batch"}
	var want strings.Builder
	for _, q := range kernQuestions {
		if a := answers[q]; a != "" && !strings.HasPrefix(a, "No ") {
			args = append(args, gdbCommand(q))
			want.WriteString(a)
		}
	}
	if len(args) < 3+len(kernQuestions)/2 {
		t.Fatalf("gdb answered only %d of %d questions", len(args)-3, len(kernQuestions))
	}
	got, _, err := runCLI(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if got != want.String() {
		t.Errorf("batch output differs from gdb's:\ngot:\n%s\ngdb:\n%s", got, want.String())
	}
}

func TestBatchReportsFailedQuestion(t *testing.T) {
	kernel := filepath.Join("..", "..", "symbols", "testdata", "elf", "amd64-gcc-dwarf5")
	got, stderr, err := runCLI(t, "-N", kernel, "batch", "ptype struct no_such_type", "address vnet0")
	if err == nil {
		t.Fatal("batch with an unknown type succeeded")
	}
	if !strings.Contains(stderr, `ptype struct no_such_type: type "struct no_such_type" not found`) {
		t.Errorf("stderr does not name the failed question: %q", stderr)
	}
	if !strings.HasPrefix(got, `Symbol "vnet0" is static storage at address 0x`) {
		t.Errorf("the question after the failure was not answered: %q", got)
	}
	if _, _, err := runCLI(t, "-N", kernel, "batch", "frob x"); err == nil {
		t.Error("batch accepted a question with an unknown command")
	}
}

func TestTypeQueriesTakeVNames(t *testing.T) {
	// V_vflags and vflags name vnet_entry_vflags, as the kernel's V_ macro
	// does, so the output equals gdb's for vnet_entry_vflags.
	kernel := filepath.Join("..", "..", "symbols", "testdata", "elf", "amd64-gcc-dwarf5")
	questions := []string{"whatis vnet_entry_vflags", "ptype vnet_entry_vpacket"}
	answers := gdbAnswers(t, gdbBinary(t), kernel, questions)
	for _, c := range []struct{ cmd, name, gdbQuestion string }{
		{"whatis", "V_vflags", questions[0]},
		{"whatis", "vflags", questions[0]},
		{"ptype", "V_vpacket", questions[1]},
	} {
		want := answers[c.gdbQuestion]
		if want == "" || strings.HasPrefix(want, "No ") {
			t.Fatalf("gdb could not answer %q: %q", c.gdbQuestion, want)
		}
		got, _, err := runCLI(t, "-N", kernel, c.cmd, c.name)
		if err != nil {
			t.Errorf("%s %s: %v", c.cmd, c.name, err)
			continue
		}
		if got != want {
			t.Errorf("%s %s:\ngot:\n%s\ngdb (%s):\n%s", c.cmd, c.name, got, c.gdbQuestion, want)
		}
	}
	got, _, err := runCLI(t, "-N", kernel, "address", "V_vflags")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "template of V_vflags") {
		t.Errorf("address V_vflags does not say the address is the template's: %q", got)
	}
}

func TestTypeQueriesRejectUsage(t *testing.T) {
	kernel := filepath.Join("..", "..", "symbols", "testdata", "elf", "amd64-gcc-dwarf5")
	var u usageError
	for _, args := range [][]string{
		{"-N", kernel, "ptype"},
		{"-N", kernel, "whatis"},
		{"-N", kernel, "address"},
		{"-N", kernel, "batch"},
		{"-N", kernel, "--format", "json", "ptype", "vnet0"},
		{"-N", kernel, "ptype", "struct vnet *"},
		{"-N", kernel, "whatis", "vnet0->vnet_magic_n"},
	} {
		if _, _, err := runCLI(t, args...); !errors.As(err, &u) {
			t.Errorf("%v: error %v, want a usage error (exit 2)", args, err)
		}
	}
	if _, _, err := runCLI(t, "-N", kernel, "address", "no_such_symbol"); err == nil ||
		!strings.Contains(err.Error(), "check the spelling") || strings.Contains(err.Error(), "dump") {
		t.Errorf("address of a missing symbol: %v, want advice on the name without mentioning a dump", err)
	}
	// gdb's habit of writing the type unquoted works.
	got, _, err := runCLI(t, "-N", kernel, "ptype", "struct", "vnet")
	if err != nil || !strings.HasPrefix(got, "type = struct vnet {") {
		t.Errorf("ptype struct vnet (two words) = %q, %v", got, err)
	}
}
