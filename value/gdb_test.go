package value

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// testBinaries are built from testdata/values.c by testdata/build.sh.
var testBinaries = []string{
	"values-gcc-dwarf4",
	"values-gcc-dwarf5",
	"values-clang-dwarf4",
	"values-clang-dwarf5",
}

// gdbUnreadable lists variables that gdb 13.1 fails to read in some
// binaries, with the test that checks them against their C initializer
// instead. gdb reports "That operation is not available on integers of more
// than 8 bytes" for the bit-field of packed_val that spans nine bytes.
var gdbUnreadable = map[string]string{
	"packed_val": "TestDecodeNineByteBitfield",
}

// typeNameGaps maps spellings of symbols.TypeName to the different ones
// of gdb 13.1's whatis. gdb rewrites clang's base type name "unsigned
// __int128" but keeps gcc's "__int128 unsigned".
//
// TODO: remove once symbols.TypeName follows gdb here too.
var typeNameGaps = map[string]string{
	"unsigned __int128": "unsigned int __int128",
}

// A gdbRecord is what testdata/gdbvalues.py prints for one variable.
type gdbRecord struct {
	Type     string          `json:"type"`
	Size     int64           `json:"size"`
	Value    json.RawMessage `json:"value"`
	GDBError string          `json:"gdb_error"`
}

func requireGDB(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb is not installed; it is the reference for these tests (apt-get install gdb)")
	}
	return path
}

// runGDBValues runs gdb on binary and returns its JSON record of each
// variable in names. gdbArgs go before the commands.
func runGDBValues(t *testing.T, gdbPath, binary string, names []string, gdbArgs ...string) map[string]gdbRecord {
	t.Helper()
	args := append([]string{"-nx", "-batch"}, gdbArgs...)
	args = append(args,
		"-ex", "source testdata/gdbvalues.py",
		"-ex", "value-json "+strings.Join(names, " "),
		binary)
	cmd := exec.Command(gdbPath, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gdb on %s: %v\n%s", binary, err, stderr.String())
	}
	records := make(map[string]gdbRecord)
	if err := json.Unmarshal(out, &records); err != nil {
		t.Fatalf("gdb output for %s is not JSON: %v\n%s\n%s", binary, err, out, stderr.String())
	}
	return records
}

func TestDecodeMatchesGDB(t *testing.T) {
	gdbPath := requireGDB(t)
	for _, name := range testBinaries {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			bin := openTestBinary(t, path)
			vars := slices.Sorted(slices.Values(bin.vars))
			if len(vars) < 60 {
				t.Fatalf("found %d variables in %s, want the 60 or more of values.c", len(vars), path)
			}
			want := runGDBValues(t, gdbPath, path, vars)

			for _, v := range vars {
				t.Run(v, func(t *testing.T) {
					compareWithGDB(t, bin, v, want[v])
				})
			}
		})
	}
}

func compareWithGDB(t *testing.T, bin *testBinary, name string, want gdbRecord) {
	if want.GDBError != "" {
		if other, ok := gdbUnreadable[name]; ok {
			t.Skipf("gdb could not read %s (%s); %s checks it", name, want.GDBError, other)
		}
		t.Fatalf("gdb could not read %s: %s", name, want.GDBError)
	}
	typ, raw := bin.variable(t, name)
	got := Decode(typ, raw, binary.LittleEndian, 8, DefaultLimits())
	if got.Err != nil {
		t.Fatalf("Decode error: %v", got.Err)
	}
	if got.TypeName != want.Type {
		if gap, ok := typeNameGaps[got.TypeName]; ok && gap == want.Type {
			t.Logf("TypeName = %q, gdb whatis = %q: known difference of symbols.TypeName", got.TypeName, want.Type)
		} else {
			t.Errorf("TypeName = %q, gdb whatis = %q", got.TypeName, want.Type)
		}
	}
	if got.Size != want.Size {
		t.Errorf("Size = %d, gdb sizeof = %d", got.Size, want.Size)
	}
	gotJSON, err := got.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	if !jsonEqual(t, gotJSON, want.Value) {
		t.Errorf("JSON differs from gdb\n got: %s\nwant: %s", gotJSON, want.Value)
	}
}

// jsonEqual compares two JSON texts by value. Numbers compare exactly as
// integers when both are integers, else as float64, so 1.5 and 1.50 match
// and 2^64-1 does not round.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	return reflect.DeepEqual(normalizeJSON(t, a), normalizeJSON(t, b))
}

func normalizeJSON(t *testing.T, text []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %s: %v", text, err)
	}
	return normalizeNumbers(v)
}

func normalizeNumbers(v any) any {
	switch vv := v.(type) {
	case json.Number:
		if n, ok := new(big.Int).SetString(vv.String(), 10); ok {
			return "int:" + n.String()
		}
		f, _ := vv.Float64()
		return f
	case []any:
		for i := range vv {
			vv[i] = normalizeNumbers(vv[i])
		}
	case map[string]any:
		for k := range vv {
			vv[k] = normalizeNumbers(vv[k])
		}
	}
	return v
}

// TestDecodeKernelTemplates decodes the template copy of every VNET
// variable in the test kernel (the vnet_entry_ symbols at their link
// addresses in the file) and compares each with gdb's reading of the same
// file.
func TestDecodeKernelTemplates(t *testing.T) {
	gdbPath := requireGDB(t)
	kernels, _ := filepath.Glob("../testdata/kernel/build/*/kernel")
	if len(kernels) == 0 {
		t.Skip("no test kernel in ../testdata/kernel/build; build it with testdata/kernel/build.sh")
	}
	for _, kernel := range kernels {
		t.Run(filepath.Base(filepath.Dir(kernel)), func(t *testing.T) {
			bin := openTestBinary(t, kernel)
			var vars []string
			for _, s := range bin.table.Symbols() {
				if strings.HasPrefix(s.Name, "vnet_entry_") {
					vars = append(vars, s.Name)
				}
			}
			if len(vars) == 0 {
				t.Fatalf("no vnet_entry_ symbols in %s", kernel)
			}
			// The kernel is marked ELFOSABI_FREEBSD, for which Debian's gdb
			// 13.1 assumes 4-byte pointers unless the OS ABI is unset first.
			want := runGDBValues(t, gdbPath, kernel, vars, "-iex", "set osabi none")
			for _, v := range vars {
				t.Run(strings.TrimPrefix(v, "vnet_entry_"), func(t *testing.T) {
					compareWithGDB(t, bin, v, want[v])
				})
			}
		})
	}
}
