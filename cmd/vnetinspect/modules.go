package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vnetinspect/vnetinspect/report"
)

func newModulesCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "modules",
		Short: "List the loaded kernel modules, their files on disk and their V_ variables",
		Long: `modules lists the kernel's linker files (what kldstat shows): id, load
address, size, file name and linker class, the module file found on disk and
how many virtualized (V_) variables it defines. Module files are looked for
next to the kernel, then in each --module-path directory, as NAME.debug,
NAME.symbols and NAME. A module whose file is not found keeps its variables
out of print and dump, and a warning names the paths tried.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 modules
  vnetinspect -N kernel -M vmcore.0 --module-path /usr/lib/debug/boot/kernel modules --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(g.format, "text", "json"); err != nil {
				return err
			}
			s, err := openSession(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			res := s.modulesResult(g)
			if g.format == "json" {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			writeModuleTable(cmd.OutOrStdout(), res.Modules)
			writeWarnings(cmd.ErrOrStderr(), res.Warnings)
			return nil
		},
	}
}

// modulesResult is the JSON document of the modules command.
type modulesResult struct {
	Kernel   report.Kernel  `json:"kernel"`
	Core     report.Core    `json:"core"`
	Modules  []moduleRecord `json:"modules"`
	Warnings []string       `json:"warnings"`
}

// A moduleRecord is one linker file.
type moduleRecord struct {
	Address  report.Hex `json:"address"` // the struct linker_file
	ID       *int32     `json:"id"`
	Filename string     `json:"filename"`
	Pathname string     `json:"pathname"`
	Base     report.Hex `json:"address_base"`
	Size     *uint64    `json:"size"`
	Class    string     `json:"class"`
	Kernel   bool       `json:"kernel,omitempty"`
	File     string     `json:"file,omitempty"` // the file read on this machine
	Tried    []string   `json:"tried,omitempty"`
	Vars     int        `json:"variables"`
	Error    string     `json:"error,omitempty"`
}

// modulesResult converts the session's linker files.
func (s *session) modulesResult(g *globalOptions) modulesResult {
	res := modulesResult{Modules: []moduleRecord{}, Warnings: append([]string{}, s.moduleWarnings...)}
	res.Kernel, res.Core = s.header(g)
	mods := s.k.Modules()
	if mods == nil {
		return res
	}
	kernelVars := 0
	if set, err := s.syms.Vnet(); err == nil {
		kernelVars = len(set.Entries)
	}
	for _, f := range mods.Files {
		r := moduleRecord{
			Address:  report.Hex(f.Addr),
			Filename: f.Filename,
			Pathname: f.Pathname,
			Base:     report.Hex(f.Address),
			Class:    f.Class,
			Kernel:   f.Kernel,
			File:     f.Path,
			Tried:    f.Tried,
			Vars:     len(f.Vars),
		}
		if f.HasID {
			id := f.ID
			r.ID = &id
		}
		if f.HasSize {
			size := f.Size
			r.Size = &size
		}
		if f.Kernel {
			r.File, r.Vars = g.kernel, kernelVars
		}
		if f.Err != nil {
			r.Error = f.Err.Error()
		}
		res.Modules = append(res.Modules, r)
	}
	return res
}

// writeModuleTable prints one line per linker file.
func writeModuleTable(out io.Writer, mods []moduleRecord) {
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tSIZE\tFILENAME\tCLASS\tFILE\tV_VARS")
	for _, m := range mods {
		id, size, class, file := "-", "-", m.Class, m.File
		if m.ID != nil {
			id = fmt.Sprint(*m.ID)
		}
		if m.Size != nil {
			size = fmt.Sprint(*m.Size)
		}
		if class == "" {
			class = "-"
		}
		if file == "" {
			file = "not found"
		}
		fmt.Fprintf(tw, "%s\t%#x\t%s\t%s\t%s\t%s\t%d\n", id, uint64(m.Base), size, m.Filename, class, file, m.Vars)
		if m.Error != "" && m.File != "" {
			fmt.Fprintf(tw, "  error: %s\n", m.Error)
		}
	}
	tw.Flush()
}
