package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vnetinspect/vnetinspect/internal/qmp"
)

// marker is the console line the test kernel prints after both dumps.
const marker = "vnetinspect-test: dumps written"

// A vm is a running QEMU process with its QMP connection.
type vm struct {
	cmd       *exec.Cmd
	qmp       *qmp.Client
	console   string        // console log path
	gdbSocket string        // gdbstub Unix socket path
	exited    chan struct{} // closed when the process has exited
	waitErr   error         // cmd.Wait result, valid after exited is closed
	stderr    *lockedBuffer
}

// lockedBuffer collects QEMU's stderr while the process runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}

// dumpPorts maps the kernel's dump I/O ports to output file names.
var dumpPorts = []struct {
	port string
	file string
}{
	{"0x4e9", "minidump"},
	{"0x4ea", "full.elf"},
	{"0x4eb", "minidump-v1"},
	{"0x4ec", "minidump-v2"},
	{"0x4ed", "minidump-nocpu"},
}

// qemuArgs returns the QEMU command line: TCG, no display or serial, the
// console on debugcon port 0xe9 and one debugcon device per dump port.
func qemuArgs(opt options, kernel, out, qmpSocket, gdbSocket string) []string {
	args := []string{
		"-accel", "tcg", "-m", fmt.Sprint(opt.memoryMB), "-kernel", kernel,
		"-display", "none", "-serial", "none", "-monitor", "none", "-no-reboot",
		"-debugcon", "file:" + filepath.Join(out, "console.log"),
		"-qmp", "unix:" + qmpSocket + ",server=on,wait=off",
		"-chardev", "socket,id=g,path=" + gdbSocket + ",server=on,wait=off",
		"-gdb", "chardev:g",
	}
	for i, d := range dumpPorts {
		id := fmt.Sprintf("dump%d", i)
		args = append(args,
			"-chardev", "file,id="+id+",path="+filepath.Join(out, d.file),
			"-device", "isa-debugcon,iobase="+d.port+",chardev="+id)
	}
	var cmdline []string
	if !opt.fullDump {
		cmdline = append(cmdline, "fulldump=0")
	}
	if !opt.oldDumps {
		cmdline = append(cmdline, "olddumps=0")
	}
	if !opt.noCPUDump {
		cmdline = append(cmdline, "nocpudump=0")
	}
	if len(cmdline) > 0 {
		args = append(args, "-append", strings.Join(cmdline, " "))
	}
	return args
}

// startVM starts QEMU and connects to its QMP socket. On error QEMU is
// killed before returning.
func startVM(ctx context.Context, opt options, kernel, out, sockets string) (*vm, error) {
	v := &vm{
		console:   filepath.Join(out, "console.log"),
		gdbSocket: filepath.Join(sockets, "gdb.sock"),
		exited:    make(chan struct{}),
		stderr:    &lockedBuffer{},
	}
	qmpSocket := filepath.Join(sockets, "qmp.sock")
	v.cmd = exec.Command(opt.qemu, qemuArgs(opt, kernel, out, qmpSocket, v.gdbSocket)...)
	v.cmd.Stdout = v.stderr
	v.cmd.Stderr = v.stderr
	if err := v.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", opt.qemu, err)
	}
	log.Printf("started %s, pid %d", opt.qemu, v.cmd.Process.Pid)
	go func() {
		v.waitErr = v.cmd.Wait()
		close(v.exited)
	}()

	client, err := v.dialQMP(ctx, qmpSocket)
	if err != nil {
		v.kill()
		return nil, err
	}
	v.qmp = client
	return v, nil
}

// dialQMP connects to QEMU's QMP socket, retrying until QEMU has created it.
func (v *vm) dialQMP(ctx context.Context, path string) (*qmp.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		client, err := qmp.Dial(ctx, path)
		if err == nil {
			return client, nil
		}
		select {
		case <-v.exited:
			return nil, v.exitError("before accepting QMP connections")
		case <-ctx.Done():
			return nil, fmt.Errorf("QEMU QMP socket %s: %w (last error: %v)", path, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitForMarker polls the console log until the kernel prints marker.
func (v *vm) waitForMarker(ctx context.Context) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		data, err := os.ReadFile(v.console)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if bytes.Contains(data, []byte(marker)) {
			return nil
		}
		select {
		case <-v.exited:
			return v.exitError("before the kernel wrote its dumps; console log:\n" + lastLines(string(data), 20))
		case <-ctx.Done():
			return fmt.Errorf("waiting for %q in %s: %w; console log ends:\n%s", marker, v.console, ctx.Err(), lastLines(string(data), 20))
		case <-tick.C:
		}
	}
}

// saveMemory writes QEMU's ELF core of physical memory and a raw image of
// all RAM into out. The guest must be stopped.
func (v *vm) saveMemory(ctx context.Context, out string) error {
	core := filepath.Join(out, "qemu.elf")
	args := map[string]any{"paging": false, "protocol": "file:" + core}
	if _, err := v.qmp.Execute(ctx, "dump-guest-memory", args); err != nil {
		return err
	}

	raw, err := v.qmp.Execute(ctx, "query-memory-size-summary", nil)
	if err != nil {
		return err
	}
	var summary struct {
		BaseMemory uint64 `json:"base-memory"`
	}
	if err := json.Unmarshal(raw, &summary); err != nil || summary.BaseMemory == 0 {
		return fmt.Errorf("query-memory-size-summary returned %s without base-memory", raw)
	}
	image := filepath.Join(out, "raw.mem")
	args = map[string]any{"val": 0, "size": summary.BaseMemory, "filename": image}
	if _, err := v.qmp.Execute(ctx, "pmemsave", args); err != nil {
		return err
	}
	log.Printf("saved %s and %s (%d bytes of RAM)", core, image, summary.BaseMemory)
	return nil
}

// quit sends the QMP quit command and waits up to 30 seconds for QEMU to
// exit. The caller kills QEMU if it is still running after that.
func (v *vm) quit(ctx context.Context) error {
	if _, err := v.qmp.Execute(ctx, "quit", nil); err != nil {
		return err
	}
	select {
	case <-v.exited:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("QEMU pid %d did not exit within 30s of the quit command", v.cmd.Process.Pid)
	}
}

// kill ends QEMU if it is still running and waits for it. It is safe to
// call more than once and after quit.
func (v *vm) kill() {
	if v.qmp != nil {
		v.qmp.Close()
	}
	select {
	case <-v.exited:
		return
	default:
	}
	v.cmd.Process.Kill()
	<-v.exited
}

func (v *vm) exitError(when string) error {
	return fmt.Errorf("QEMU exited %s (%v); QEMU output: %s", when, v.waitErr, v.stderr.String())
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
