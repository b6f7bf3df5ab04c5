// Command vnetinspect reads a FreeBSD kernel and a crash dump (or another
// memory source) and shows every vnet, its jails and the values of its
// virtualized (V_) variables.
//
// Options follow FreeBSD's kvm tools: -N names the kernel, -M the core.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the request failed: unreadable input, unknown name
	exitUsage = 2 // bad command line
)

// usageError marks errors in the command line itself.
type usageError struct{ error }

func main() {
	cmd := newRootCmd()
	if err := cmd.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "vnetinspect: %v\n", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(exitUsage)
		}
		os.Exit(exitError)
	}
}

// globalOptions are the flags every command takes.
type globalOptions struct {
	kernel    string
	core      string
	debugFile string
	format    string
	cacheDir  string
	// modulePath lists directories searched for module files after the
	// kernel's own, separated by ';' or ':'.
	modulePath string
	force      bool
	// warnings returns the open session's warnings, so that a command that
	// fails still prints them before its error.
	warnings func() []string
}

func newRootCmd() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "vnetinspect -N kernel -M core [command]",
		Short: "Inspect the virtualized network stacks (VNET) of a FreeBSD kernel dump",
		Long: `vnetinspect reads a FreeBSD kernel (ELF with DWARF, or a kernel plus its
kernel.debug) and a memory source: a minidump, a full ELF dump, a QEMU guest
dump or a raw physical memory image, plain or compressed (.bz2, .gz, .zst).
It walks the vnet list, names each vnet's jails and decodes every V_
variable of every vnet by its DWARF type.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 vnets
  vnetinspect -N kernel -M vmcore.0 print --jail web V_ifnet
  vnetinspect -N kernel -M vmcore.0.zst dump --format ndjson`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&g.kernel, "kernel", "N", "", "kernel ELF `file`, with DWARF or with kernel.debug beside it")
	pf.StringVarP(&g.core, "core", "M", "", "memory source: crash dump, QEMU dump or raw memory image")
	pf.StringVar(&g.debugFile, "debug-file", "", "separate debug file (default: KERNEL.debug when it exists)")
	pf.StringVar(&g.format, "format", "text", "output `format`: text or json; dump writes json unless given ndjson")
	pf.StringVar(&g.cacheDir, "cache-dir", "", "directory for decompressed cores (default: the user cache directory)")
	pf.StringVar(&g.modulePath, "module-path", "", "directories searched for module files (.ko, .ko.debug) "+
		"after the kernel's, separated by ';' or ':' like kern.module_path")
	pf.BoolVar(&g.force, "force", false, "read the core even when its version string differs from the kernel's (results are marked forced)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})

	root.AddCommand(newVnetsCmd(g), newPrintCmd(g), newDumpCmd(g), newDiffCmd(g), newDmesgCmd(g), newInfoCmd(g))
	root.AddCommand(newModulesCmd(g), newConvertCmd(g))
	root.AddCommand(newTUICmd(g))
	root.AddCommand(newPtypeCmd(g), newWhatisCmd(g), newAddressCmd(g), newBatchCmd(g))
	addCompletionExamples(root)
	for _, c := range root.Commands() {
		if run := c.RunE; run != nil {
			c.RunE = func(cmd *cobra.Command, args []string) error {
				err := run(cmd, args)
				if err != nil && g.warnings != nil {
					writeWarnings(cmd.ErrOrStderr(), g.warnings())
				}
				return err
			}
		}
	}
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, args []string) error { return runRoot(g, cmd) }
	return root
}
