// Command runvm boots the vnetinspect test kernel under QEMU (TCG) and
// collects its crash dumps and a gdb oracle of its VNET state.
//
// Usage:
//
//	go run ./tools/runvm -kernel testdata/kernel/build/clang-dwarf5/kernel -out DIR
//
// The kernel writes its minidumps and a full dump to isa-debugcon ports
// and then prints "vnetinspect-test: dumps written" on its console. runvm
// waits for that line, stops the guest over QMP, saves QEMU's own views of
// guest memory, runs the gdb oracle against QEMU's gdbstub and quits QEMU.
// DIR then contains:
//
//	console.log  console output (debugcon port 0xe9)
//	minidump     amd64 minidump version 3 written by the kernel (port 0x4e9)
//	full.elf     full ELF dump written by the kernel (port 0x4ea), empty with -fulldump=false
//	minidump-v1  the same state as an amd64 minidump version 1 (port 0x4eb), empty with -olddumps=false
//	minidump-v2  the same state as an amd64 minidump version 2 (port 0x4ec), empty with -olddumps=false
//	minidump-nocpu  version 3 without one CPU's counter page of one vnet (port 0x4ed), empty with -nocpudump=false
//	qemu.elf     QEMU dump-guest-memory with paging off: ELF core of physical memory
//	raw.mem      QEMU pmemsave of all RAM from physical address 0
//	oracle.json  output of testdata/oracle/oracle.py, unless the script is missing
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"
)

// options are the command-line settings.
type options struct {
	kernel   string
	out      string
	qemu     string
	gdb      string
	oracle   string
	memoryMB int
	fullDump bool
	oldDumps bool
	// noCPUDump lets the kernel write minidump-nocpu.
	noCPUDump bool
	timeout   time.Duration
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("runvm: ")

	var opt options
	flag.StringVar(&opt.kernel, "kernel", "", "test kernel ELF file to boot (required)")
	flag.StringVar(&opt.out, "out", "", "directory for the dumps, console log and oracle (required; created if missing)")
	flag.StringVar(&opt.qemu, "qemu", "qemu-system-x86_64", "QEMU system emulator to run")
	flag.StringVar(&opt.gdb, "gdb", "gdb", "gdb to run the oracle with")
	flag.StringVar(&opt.oracle, "oracle", "testdata/oracle/oracle.py", "gdb oracle script; skipped with a message if the file does not exist")
	flag.IntVar(&opt.memoryMB, "memory", 64, "guest RAM in MiB")
	flag.BoolVar(&opt.fullDump, "fulldump", true, "let the kernel write the full dump (takes minutes under TCG); false passes fulldump=0 on the kernel command line")
	flag.BoolVar(&opt.oldDumps, "olddumps", true, "let the kernel write minidump versions 1 and 2 as well; false passes olddumps=0 on the kernel command line")
	flag.BoolVar(&opt.noCPUDump, "nocpudump", true, "let the kernel write minidump-nocpu, a version 3 minidump without one counter page; false passes nocpudump=0 on the kernel command line")
	flag.DurationVar(&opt.timeout, "timeout", 30*time.Minute, "limit for the whole run, including the dumps and the oracle")
	flag.Parse()

	if opt.kernel == "" || opt.out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: runvm -kernel KERNEL -out DIR [flags]")
		flag.PrintDefaults()
		os.Exit(2)
	}
	if err := run(opt); err != nil {
		log.Fatal(err)
	}
}

func run(opt options) error {
	ctx, cancel := context.WithTimeout(context.Background(), opt.timeout)
	defer cancel()

	kernel, err := filepath.Abs(opt.kernel)
	if err != nil {
		return err
	}
	if _, err := os.Stat(kernel); err != nil {
		return fmt.Errorf("kernel: %w (build it with testdata/kernel/build.sh)", err)
	}
	out, err := filepath.Abs(opt.out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	sockets, err := os.MkdirTemp("", "runvm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(sockets)

	vm, err := startVM(ctx, opt, kernel, out, sockets)
	if err != nil {
		return err
	}
	defer vm.kill()

	if err := collect(ctx, vm, opt, kernel, out); err != nil {
		return err
	}
	return vm.quit(ctx)
}

// collect waits for the kernel's dumps, then saves QEMU's memory images
// and runs the oracle while the guest is stopped.
func collect(ctx context.Context, vm *vm, opt options, kernel, out string) error {
	start := time.Now()
	if err := vm.waitForMarker(ctx); err != nil {
		return err
	}
	log.Printf("kernel wrote its dumps after %s", time.Since(start).Round(time.Second))

	if _, err := vm.qmp.Execute(ctx, "stop", nil); err != nil {
		return err
	}
	if err := vm.saveMemory(ctx, out); err != nil {
		return err
	}

	if _, err := os.Stat(opt.oracle); errors.Is(err, os.ErrNotExist) {
		log.Printf("oracle skipped: %s does not exist", opt.oracle)
		return nil
	}
	return runOracle(ctx, opt, vm.gdbSocket, kernel, filepath.Join(out, "oracle.json"))
}
