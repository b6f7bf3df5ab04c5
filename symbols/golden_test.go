package symbols

import (
	"bufio"
	"compress/bzip2"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A variant is one build of testdata/kern.c and kern2.c (see
// testdata/build.sh) with the gdb and llvm-nm output that describes it.
type variant struct {
	name   string // subtest name
	kernel string // kernel file under testdata/elf
	golden string // base name of testdata/golden/NAME.gdb and NAME.nm
	arch   string
	ptr    int
}

var variants = []variant{
	{"clang-dwarf4", "amd64-clang-dwarf4", "amd64-clang-dwarf4", "amd64", 8},
	{"clang-dwarf5", "amd64-clang-dwarf5", "amd64-clang-dwarf5", "amd64", 8},
	{"clang-dwarf5-lldb", "amd64-clang-dwarf5-lldb", "amd64-clang-dwarf5-lldb", "amd64", 8},
	{"clang-dwarf5-names", "amd64-clang-dwarf5-names", "amd64-clang-dwarf5-names", "amd64", 8},
	{"gcc-dwarf4", "amd64-gcc-dwarf4", "amd64-gcc-dwarf4", "amd64", 8},
	{"gcc-dwarf5", "amd64-gcc-dwarf5", "amd64-gcc-dwarf5", "amd64", 8},
	{"i386-clang-dwarf4", "i386-clang-dwarf4", "i386-clang-dwarf4", "i386", 4},
	// The split kernels are objcopy'd from the gcc and clang DWARF 5 builds,
	// so the same gdb output describes them.
	{"split-debug", "split/kernel", "amd64-gcc-dwarf5", "amd64", 8},
	{"symbols-from-debug", "nosyms/kernel", "amd64-clang-dwarf5", "amd64", 8},
}

// forEachVariant opens every variant and runs f on it in a subtest.
func forEachVariant(t *testing.T, f func(t *testing.T, tab *Table, g *golden)) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			tab := openVariant(t, v)
			f(t, tab, loadGolden(t, v.golden))
		})
	}
}

func openVariant(t testing.TB, v variant) *Table {
	t.Helper()
	tab, err := Open(filepath.Join("testdata", "elf", v.kernel), "")
	if err != nil {
		t.Fatalf("Open(%s): %v", v.kernel, err)
	}
	t.Cleanup(func() { tab.Close() })
	return tab
}

// golden holds one gdb transcript from testdata/gdb-golden.sh. Each block
// starts with a line "@kind argument" and holds gdb's output lines for it.
type golden struct {
	file   string
	blocks map[string][]string // "kind argument" -> output lines
	order  []string            // block keys in file order
	nm     []nmSymbol
}

type nmSymbol struct {
	addr, size uint64
	kind       byte // llvm-nm's letter: upper case for global symbols
	name       string
}

func loadGolden(t testing.TB, name string) *golden {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".gdb")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g := &golden{file: path, blocks: make(map[string][]string)}
	var key string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "@") {
			key = line[1:]
			g.order = append(g.order, key)
			continue
		}
		if key != "" {
			g.blocks[key] = append(g.blocks[key], line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	g.nm = loadNM(t, filepath.Join("testdata", "golden", name+".nm"))
	return g
}

// keys returns the arguments of every block of this kind, in file order.
// It fails the test if there are none, so a loop over them cannot pass by
// checking nothing.
func (g *golden) keys(t testing.TB, kind string) []string {
	t.Helper()
	var out []string
	for _, k := range g.order {
		if rest, ok := strings.CutPrefix(k, kind+" "); ok {
			out = append(out, rest)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no @%s blocks", g.file, kind)
	}
	return out
}

// result returns the value gdb printed for a block: the text after
// "$N = " or "type = " on its first line.
func (g *golden) result(t testing.TB, kind, arg string) string {
	t.Helper()
	lines := g.blocks[kind+" "+arg]
	if len(lines) == 0 {
		t.Fatalf("%s has no @%s %s block", g.file, kind, arg)
	}
	line := lines[0]
	if i := strings.Index(line, " = "); i >= 0 && (strings.HasPrefix(line, "$") || strings.HasPrefix(line, "type")) {
		return line[i+3:]
	}
	return line
}

func (g *golden) number(t testing.TB, kind, arg string) int64 {
	t.Helper()
	s := g.result(t, kind, arg)
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		u, uerr := strconv.ParseUint(s, 0, 64)
		if uerr != nil {
			t.Fatalf("%s: @%s %s: %q is not a number", g.file, kind, arg, s)
		}
		n = int64(u)
	}
	return n
}

func loadNM(t testing.TB, path string) []nmSymbol {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []nmSymbol
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("%s: unexpected line %q", path, line)
		}
		addr, err1 := strconv.ParseUint(f[0], 16, 64)
		size, err2 := strconv.ParseUint(f[1], 16, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: unexpected line %q", path, line)
		}
		out = append(out, nmSymbol{addr, size, f[2][0], f[3]})
	}
	return out
}

// unpackFixture decompresses testdata/freebsd-lldb/NAME.bz2 into a
// temporary file and returns its path.
func unpackFixture(t testing.TB, name string) string {
	t.Helper()
	in, err := os.Open(filepath.Join("testdata", "freebsd-lldb", name+".bz2"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	path := filepath.Join(t.TempDir(), name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, bzip2.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGoldenFilesAreCurrent reruns testdata/gdb-golden.sh and compares its
// output with the committed golden files, so they cannot drift from the
// committed kernels.
func TestGoldenFilesAreCurrent(t *testing.T) {
	for _, tool := range []string{"gdb", "llvm-nm", "bzip2"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed, so the golden files cannot be regenerated", tool)
		}
	}
	if testing.Short() {
		t.Skip("runs gdb on every test kernel, which takes seconds; skipped with -short")
	}
	out := t.TempDir()
	cmd := exec.Command("sh", filepath.Join("testdata", "gdb-golden.sh"), out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gdb-golden.sh: %v\n%s", err, msg)
	}

	// Another gdb or llvm-nm version may word its output differently.
	recorded, err := os.ReadFile(filepath.Join("testdata", "golden", "versions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	current, err := os.ReadFile(filepath.Join(out, "versions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(recorded) != string(current) {
		t.Skipf("golden files come from\n%sbut this machine has\n%s", recorded, current)
	}
	fresh, err := filepath.Glob(filepath.Join(out, "*"))
	if err != nil {
		t.Fatal(err)
	}
	committed, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if len(fresh) != len(committed) {
		t.Errorf("gdb-golden.sh writes %d files, testdata/golden has %d", len(fresh), len(committed))
	}
	for _, f := range fresh {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		got, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			t.Errorf("testdata/golden/%s is missing: run testdata/gdb-golden.sh", name)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("testdata/golden/%s differs from gdb's current output: run testdata/gdb-golden.sh", name)
		}
	}
}
