package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
)

// runOracle runs the gdb oracle script against QEMU's gdbstub with the
// kernel as gdb's program file; the script writes its JSON to output.
//
// Debian's gdb has no FreeBSD OS ABI handler, so it would read the kernel's
// FreeBSD-tagged ELF file as 32-bit. "set osabi none" before the file loads
// keeps the 64-bit addresses.
func runOracle(ctx context.Context, opt options, gdbSocket, kernel, output string) error {
	args := []string{
		"-nx", "-batch",
		"-iex", "set osabi none",
		"-ex", "set pagination off",
		"-ex", "target remote " + gdbSocket,
		"-ex", "source " + opt.oracle,
		"-ex", "vnet-oracle " + output,
		kernel,
	}
	if err := os.Remove(output); err != nil && !os.IsNotExist(err) {
		return err
	}
	cmd := exec.CommandContext(ctx, opt.gdb, args...)
	combined, err := cmd.CombinedOutput()
	text := strings.TrimSpace(string(combined))
	if err != nil {
		return fmt.Errorf("gdb oracle %s: %w; gdb output:\n%s", opt.oracle, err, lastLines(text, 30))
	}
	info, statErr := os.Stat(output)
	if statErr != nil || info.Size() == 0 {
		return fmt.Errorf("gdb oracle %s wrote no %s; gdb output:\n%s", opt.oracle, output, lastLines(text, 30))
	}
	log.Printf("oracle wrote %s (%d bytes)", output, info.Size())
	return nil
}
