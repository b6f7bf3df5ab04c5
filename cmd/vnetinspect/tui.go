package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vnetinspect/vnetinspect/tui"
	"github.com/vnetinspect/vnetinspect/value"
)

func newTUICmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "tui",
		Short: "Browse vnets, jails and V_ variables in a terminal interface",
		Long: `tui opens the kernel and the core in a full-screen terminal interface:
the vnet list with its jail tree, the variables of the selected vnet with a
fuzzy filter, each value as an expandable tree with pointers followed, a
compare view of one variable across every vnet, a search over every value,
and the panic context. Press ? inside for the keys. Running vnetinspect with
no command does the same when standard output is a terminal.`,
		Example: `  vnetinspect -N kernel -M vmcore.0 tui
  vnetinspect -N kernel -M vmcore.0.zst`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(g, cmd)
		},
	}
}

// runRoot runs vnetinspect without a command: the TUI on a terminal, the
// vnets table otherwise.
func runRoot(g *globalOptions, cmd *cobra.Command) error {
	// On FreeBSD both may be left out to read the running kernel.
	if g.kernel == "" && g.core == "" && runtime.GOOS != "freebsd" {
		cmd.SetOut(cmd.ErrOrStderr())
		_ = cmd.Usage()
		return usageError{fmt.Errorf("no kernel and core given: name them with -N and -M")}
	}
	if !isTerminal(cmd.OutOrStdout()) {
		return runVnetTable(g, cmd)
	}
	return runTUI(g, cmd)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runVnetTable prints what the vnets command prints in text.
func runVnetTable(g *globalOptions, cmd *cobra.Command) error {
	s, err := openSession(g, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer s.Close()
	w, err := s.k.Walk()
	if err != nil {
		return err
	}
	writeVnetTable(cmd.OutOrStdout(), w)
	writeWarnings(cmd.ErrOrStderr(), w.Warnings)
	return nil
}

// runTUI runs the terminal interface until the user quits. The kernel and
// core open inside it, so that decompression progress is shown on screen.
func runTUI(g *globalOptions, cmd *cobra.Command) error {
	// Without a core, openSession reads live memory or returns the usage
	// error. Neither decompresses, so it runs before the interface starts.
	var early *session
	if g.kernel == "" || g.core == "" {
		var err error
		if early, err = openSession(g, io.Discard); err != nil {
			return err
		}
	}

	// The loader runs in the interface's goroutine. Once the interface has
	// quit, the source is closed after any command still reading it.
	var (
		mu  sync.Mutex
		src *tui.Source
		s   *session
	)
	load := func(progress func(stage string, done, total int64)) (*tui.Source, error) {
		opened := early
		if opened == nil {
			var err error
			if opened, err = openSessionProgress(g, progress); err != nil {
				return nil, err
			}
		}
		kf, c := opened.header(g)
		mu.Lock()
		defer mu.Unlock()
		s = opened
		src = &tui.Source{
			Kernel:   opened.k,
			Version:  kf.Version,
			Format:   c.Format,
			Path:     c.Path,
			Warnings: opened.k.Warnings,
			Limits:   value.DefaultLimits(),
		}
		return src, nil
	}

	p := tea.NewProgram(tui.New(load), tea.WithOutput(cmd.OutOrStdout()))
	final, err := p.Run()
	mu.Lock()
	if src != nil {
		src.Close(s.Close)
	}
	// NOTE: a quit while the core still opens leaves that session to the
	// process exit, because the loader cannot be cancelled.
	mu.Unlock()

	if err != nil {
		return err
	}
	if m, ok := final.(tui.Model); ok && m.Err() != nil {
		return m.Err()
	}
	return nil
}

// addCompletionExamples creates cobra's completion command now, in place of
// at Execute, so that its help carries examples like every other command.
// Cobra's scripts would then go to the standard output of this moment, so
// each shell's command is set to write to its command's output instead.
func addCompletionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	examples := map[string]string{
		"completion": `  vnetinspect completion bash > /usr/local/share/bash-completion/completions/vnetinspect
  vnetinspect completion zsh > "${fpath[1]}/_vnetinspect"`,
		"bash": `  source <(vnetinspect completion bash)
  vnetinspect completion bash > /usr/local/share/bash-completion/completions/vnetinspect`,
		"zsh": `  source <(vnetinspect completion zsh)
  vnetinspect completion zsh > "${fpath[1]}/_vnetinspect"`,
		"fish":       `  vnetinspect completion fish > ~/.config/fish/completions/vnetinspect.fish`,
		"powershell": `  vnetinspect completion powershell | Out-String | Invoke-Expression`,
	}
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = examples["completion"]
		for _, sub := range c.Commands() {
			sub.Example = examples[sub.Name()]
			sub.RunE = writeCompletion
		}
	}
}

// writeCompletion writes the completion script of the shell its command is
// named after, with descriptions unless --no-descriptions is given.
func writeCompletion(cmd *cobra.Command, args []string) error {
	out := cmd.OutOrStdout()
	noDesc, _ := cmd.Flags().GetBool("no-descriptions")
	root := cmd.Root()
	switch cmd.Name() {
	case "bash":
		return root.GenBashCompletionV2(out, !noDesc)
	case "zsh":
		if noDesc {
			return root.GenZshCompletionNoDesc(out)
		}
		return root.GenZshCompletion(out)
	case "fish":
		return root.GenFishCompletion(out, !noDesc)
	case "powershell":
		if noDesc {
			return root.GenPowerShellCompletion(out)
		}
		return root.GenPowerShellCompletionWithDesc(out)
	}
	return fmt.Errorf("no completion script for shell %q", cmd.Name())
}
