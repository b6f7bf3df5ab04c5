package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/vnetinspect/vnetinspect/kvm"
)

// bootTestKernel boots the clang-dwarf5 test kernel under QEMU with its
// gdbstub on a unix socket, waits until the kernel has written its dumps
// and halted, and returns the kernel file and the socket path. The kernel
// halts with interrupts off after its marker line, so its memory no longer
// changes.
func bootTestKernel(t *testing.T) (kernel, sock string) {
	t.Helper()
	if testing.Short() {
		t.Skip("boots QEMU (about 20 s); skipped with -short")
	}
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
	vdir := filepath.Join(coresDir, mainVariant)
	tmp := t.TempDir()
	kernel = unzstd(t, findFile(vdir, "kernel"), tmp)
	// The oracle and vnetinspect read the module from the kernel's directory.
	unzstd(t, findFile(vdir, "if_vnettest.ko"), tmp)

	// A unix socket path must stay under about 100 bytes.
	sockDir, err := os.MkdirTemp("", "vi-gdb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock = filepath.Join(sockDir, "gdb.sock")
	console := filepath.Join(tmp, "console.log")

	// fulldump=0 olddumps=0 nocpudump=0 leave out the slow extra dumps; the
	// dump ports then have no device and the writes are dropped.
	cmd := exec.Command(qemu, "-accel", "tcg", "-m", "64", "-kernel", kernel,
		"-display", "none", "-serial", "none", "-monitor", "none", "-no-reboot",
		"-debugcon", "file:"+console,
		"-gdb", "unix:"+sock+",server=on,wait=off",
		"-append", "fulldump=0 olddumps=0 nocpudump=0")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	deadline := time.Now().Add(90 * time.Second)
	for {
		data, _ := os.ReadFile(console)
		if bytes.Contains(data, []byte("vnetinspect-test: dumps written")) {
			return kernel, sock
		}
		select {
		case <-exited:
			t.Fatalf("QEMU exited before the kernel wrote its dumps: %s; console:\n%s", stderr.String(), data)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kernel did not print its marker within 90 s; console:\n%s", data)
		}
	}
}

// runOracle runs testdata/oracle/oracle.py under gdb through the stub and
// returns its JSON.
func runOracle(t *testing.T, kernel, sock string) map[string]any {
	t.Helper()
	gdb, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb not installed")
	}
	oracle, err := filepath.Abs("../../testdata/oracle/oracle.py")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "oracle.json")
	cmd := exec.Command(gdb, "-nx", "-batch", "-iex", "set osabi none",
		"-ex", "set pagination off", "-ex", "target remote "+sock,
		"-ex", "source "+oracle, "-ex", "vnet-oracle "+out, kernel)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gdb oracle: %v\n%s", err, b)
	}
	return decodeJSON(t, readAll(t, out))
}

// TestGDBStubMatchesOracle reads every vnet and V_ variable of a running
// guest through QEMU's gdbstub and compares them with what gdb's oracle
// read through the same stub in the same boot.
func TestGDBStubMatchesOracle(t *testing.T) {
	kernel, sock := bootTestKernel(t)
	want := runOracle(t, kernel, sock)

	out, _, err := runCLI(t, "-N", kernel, "-M", "gdb+unix://"+sock, "dump", "--format", "json")
	if err != nil {
		t.Fatalf("dump through the gdbstub: %v", err)
	}
	got := decodeJSON(t, []byte(out))
	if f := obj(got["core"])["format"]; f != "gdb-remote" {
		t.Errorf("core format %v, want gdb-remote", f)
	}

	// The module sits beside the kernel, so its variables are in each vnet's
	// list; gdb's oracle keeps them in modules.variables.
	wantModule := map[string][]any{}
	for _, x := range list(obj(want["modules"]), "variables") {
		v := fmt.Sprint(obj(x)["vnet"])
		wantModule[v] = append(wantModule[v], x)
	}
	moduleVars := 0
	for _, vx := range list(got, "vnets") {
		v := obj(vx)
		var kernelVars, modVars []any
		for _, x := range list(v, "variables") {
			if _, ok := obj(x)["module"]; ok {
				modVars = append(modVars, x)
			} else {
				kernelVars = append(kernelVars, x)
			}
		}
		v["variables"] = kernelVars
		where := fmt.Sprintf("vnet %v module", v["address"])
		compareModuleVariables(t, where, modVars, wantModule[fmt.Sprint(v["address"])])
		moduleVars += len(modVars)
	}
	if moduleVars == 0 {
		t.Error("no module variables read through the gdbstub, although if_vnettest.ko sits beside the kernel")
	}
	compareWithOracle(t, got, want)

	checkPhysicalThroughStub(t, kernel, sock, want)
}

// checkPhysicalThroughStub reads hz at its virtual address and at its
// physical address through QEMU's stub; both must equal gdb's value. The
// kernel image is loaded at kernphys, so a variable's physical address is
// its address - (kernbase + 2 MiB) + kernphys.
func checkPhysicalThroughStub(t *testing.T, kernel, sock string, want map[string]any) {
	t.Helper()
	f, err := elf.Open(kernel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]uint64{}
	for _, s := range syms {
		addr[s.Name] = s.Value
	}
	globals := obj(want["globals"])
	kernphys, err := strconv.ParseUint(fmt.Sprint(globals["kernphys"]), 0, 64)
	if err != nil || addr["hz"] == 0 || addr["kernbase"] == 0 {
		t.Fatalf("need hz and kernbase in the kernel and kernphys in the oracle: %v", err)
	}
	pa := addr["hz"] - (addr["kernbase"] + 0x200000) + kernphys

	c, err := kvm.Open("gdb+unix://"+sock, kvm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, r := range []struct {
		name string
		rd   kvm.Reader
		at   uint64
	}{{"virtual", c.Virtual(), addr["hz"]}, {"physical", c.Physical(), pa}} {
		var b [4]byte
		if _, err := r.rd.ReadAt(b[:], kvm.Addr(r.at)); err != nil {
			t.Errorf("%s read of hz at %#x: %v", r.name, r.at, err)
			continue
		}
		if got := fmt.Sprint(binary.LittleEndian.Uint32(b[:])); got != fmt.Sprint(globals["hz"]) {
			t.Errorf("%s read of hz at %#x = %s, gdb read %v", r.name, r.at, got, globals["hz"])
		}
	}
}

// compareModuleVariables checks one vnet's module variables, matched by name.
func compareModuleVariables(t *testing.T, where string, got, want []any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d variables, gdb read %d", where, len(got), len(want))
	}
	byName := map[string]map[string]any{}
	for _, x := range got {
		byName[fmt.Sprint(obj(x)["name"])] = obj(x)
	}
	for _, x := range want {
		w := obj(x)
		g, ok := byName[fmt.Sprint(w["name"])]
		if !ok {
			t.Errorf("%s: variable %v missing", where, w["name"])
			continue
		}
		for _, k := range []string{"symbol", "address", "size", "type", "bytes", "value"} {
			if !reflect.DeepEqual(g[k], w[k]) {
				t.Errorf("%s: V_%v: %s = %v, gdb read %v", where, w["name"], k, g[k], w[k])
			}
		}
	}
}
