package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/kvm"
	"github.com/vnetinspect/vnetinspect/symbols"
)

func newConvertCmd(g *globalOptions) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "convert --to elf OUT",
		Short: "Write the core's kernel memory as an ELF core that stock gdb reads",
		Long: `convert writes every kernel virtual page the core holds (the kernel map
and the direct map, found through the page tables) to OUT as an ELF core
(ET_CORE, EM_X86_64) whose PT_LOAD segments carry kernel virtual addresses.
gdb then reads kernel variables from it. A gdb without FreeBSD support
needs the GNU/Linux OS ABI for its amd64 core file support:

  gdb -iex 'set osabi GNU/Linux' KERNEL OUT

OUT must not exist; --force overwrites it.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 convert --to elf vmcore.0.elf`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("convert takes one output file, e.g. %s", strings.TrimSpace(cmd.Example))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if to != "elf" {
				return usageError{fmt.Errorf("invalid --to %q: only elf is supported", to)}
			}
			return runConvert(g, args[0])
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "output format: elf (required)")
	return cmd
}

// runConvert opens the kernel and core named by g and writes the ELF core.
func runConvert(g *globalOptions, out string) error {
	if g.kernel == "" || g.core == "" {
		return usageError{errors.New("convert needs the kernel (-N) and the core (-M)")}
	}
	syms, err := symbols.Open(g.kernel, g.debugFile)
	if err != nil {
		return err
	}
	defer syms.Close()
	core, err := kvm.Open(g.core, kvm.Options{Kernel: kernelInfo(syms), CacheDir: g.cacheDir})
	if err != nil {
		return err
	}
	defer core.Close()

	ranges, err := kvm.KernelRanges(core)
	if err != nil {
		return err
	}
	if len(ranges) == 0 {
		return fmt.Errorf("%s: the page tables map no page that the core holds: is -N the kernel that wrote it?", g.core)
	}

	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if g.force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(out, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: choose another name or pass --force to overwrite it", out)
	}
	if err != nil {
		return err
	}
	if err := kvm.WriteELFCore(f, core.Virtual(), ranges); err != nil {
		f.Close()
		os.Remove(out)
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return f.Close()
}
