package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestRootPlainWhenNotTerminal checks that vnetinspect without a command
// prints the vnets table when standard output is not a terminal.
func TestRootPlainWhenNotTerminal(t *testing.T) {
	kernel, core, oracle := mainFixture(t)
	out, _, err := runCLI(t, "-N", kernel, "-M", core, "--cache-dir", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "VNET ") {
		t.Errorf("output does not start with the vnets table header:\n%s", out)
	}
	for _, v := range list(oracle, "vnets") {
		addr := obj(v)["address"].(string)
		if !strings.Contains(out, addr+" ") {
			t.Errorf("table lacks vnet %s that gdb found on vnet_head:\n%s", addr, out)
		}
	}
}

func TestRootWithoutInputIsUsageError(t *testing.T) {
	_, stderr, err := runCLI(t)
	var u usageError
	if !errors.As(err, &u) {
		t.Fatalf("error %v (%T), want a usage error", err, err)
	}
	if !strings.Contains(stderr, "Usage:") {
		t.Errorf("stderr lacks the usage text:\n%s", stderr)
	}
}

// tmuxSession runs a command in a detached tmux session on a private socket.
type tmuxSession struct {
	t    *testing.T
	sock string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string {
	return s.tmux("capture-pane", "-p", "-t", "e2e")
}

// waitFor polls the screen until it contains every part, and fails after a
// generous deadline, which only bounds a hung interface.
func (s *tmuxSession) waitFor(parts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		screen := s.screen()
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(screen, p)
		}
		if ok {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q:\n%s", parts, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// line returns the screen line that contains every part, or fails.
func line(t *testing.T, screen string, parts ...string) string {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return l
		}
	}
	t.Fatalf("no screen line contains %q:\n%s", parts, screen)
	return ""
}

// TestTUIInTmux drives the real binary in tmux on the bundled dump: it opens
// jail db, filters to V_tcp_cfg, expands it and opens the compare view,
// and checks the values on screen against gdb's in oracle.json.
func TestTUIInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: run scripts/install-deps.sh or apt-get install tmux")
	}
	kernel, core, oracle := mainFixture(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "vnetinspect")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, sock: filepath.Join(tmp, "tmux.sock")}
	run := fmt.Sprintf("%s -N %s -M %s --cache-dir %s; echo \"exit status $?\"; sleep 600", bin, kernel, core, filepath.Join(tmp, "cache"))
	s.tmux("new-session", "-d", "-s", "e2e", "-x", "160", "-y", "48", "sh", "-c", run)
	t.Cleanup(func() { exec.Command("tmux", "-S", s.sock, "kill-server").Run() })

	s.waitFor("VNETS AND JAILS", "59 variables")
	// The jail tree lists prison0, web, web.php, web.static, then db.
	s.tmux("send-keys", "-t", "e2e", "Down", "Down", "Down", "Down", "Enter")
	s.waitFor("VARIABLES of db")
	s.tmux("send-keys", "-t", "e2e", "/")
	s.tmux("send-keys", "-t", "e2e", "-l", "tcp_cfg")
	s.tmux("send-keys", "-t", "e2e", "Enter")
	s.waitFor("filter: tcp_cfg (")
	s.tmux("send-keys", "-t", "e2e", "Enter")
	screen := s.waitFor("V_tcp_cfg", "seq_hi = ")

	want := oracleVar(t, oracleVnetOf(t, oracle, "db"), "tcp_cfg")
	for _, f := range []string{"seq_hi", "drift", "rexmit_slop", "mss_shift", "rtt_adjust"} {
		line(t, screen, fmt.Sprintf("%s = %v", f, want[f]))
	}

	s.tmux("send-keys", "-t", "e2e", "c")
	screen = s.waitFor("COMPARE V_tcp_cfg", "tcp_cfg.seq_hi ")
	head := strings.Fields(line(t, screen, "LEAF"))[1:]
	for _, field := range []string{"seq_hi", "drift", "mss_shift"} {
		cells := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line(t, screen, "tcp_cfg."+field+" ")), ">"))[1:]
		if len(cells) != len(head) {
			t.Fatalf("row %s has %d cells for columns %v", field, len(cells), head)
		}
		for i, jail := range head {
			if jail == "prison0" {
				jail = "0" // oracle.json names prison0 by its pr_name
			}
			w := oracleVar(t, oracleVnetOf(t, oracle, jail), "tcp_cfg")[field]
			got, _ := strings.CutPrefix(cells[i], "*") // * marks a difference from vnet0
			if got != fmt.Sprint(w) {
				t.Errorf("compare %s of jail %s shows %s, gdb read %v", field, jail, got, w)
			}
		}
	}

	s.tmux("send-keys", "-t", "e2e", "q")
	s.waitFor("exit status 0")
}

// oracleVar returns the value of the named variable of an oracle vnet.
func oracleVar(t *testing.T, vnet map[string]any, name string) map[string]any {
	t.Helper()
	for _, x := range list(vnet, "variables") {
		if obj(x)["name"] == name {
			return obj(obj(x)["value"])
		}
	}
	t.Fatalf("the oracle vnet has no variable %s", name)
	return nil
}

// TestCompletionScripts checks that cobra's completion command writes
// scripts for bash and zsh that name vnetinspect's commands' function.
func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "__start_vnetinspect", "zsh": "#compdef vnetinspect"} {
		out, _, err := runCLI(t, "completion", shell)
		if err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if !strings.Contains(out, marker) {
			t.Errorf("completion %s output lacks %q", shell, marker)
		}
	}
	// The shell scripts call the hidden __complete command for candidates.
	out, _, err := runCLI(t, "__complete", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tui", "vnets", "print"} {
		if !strings.Contains(out, "\n"+name+"\t") && !strings.HasPrefix(out, name+"\t") {
			t.Errorf("__complete does not offer %s:\n%s", name, out)
		}
	}
}

// TestEveryCommandHasExamples checks that --help of every command shows
// examples.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() != "help" && !c.Hidden && c.Example == "" {
			t.Errorf("command %q has no examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}

// TestManPageListsEveryCommand checks that vnetinspect.1 describes every
// command of the binary.
func TestManPageListsEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../../vnetinspect.1")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, c := range newRootCmd().Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		if !strings.Contains(page, ".It Cm "+c.Name()) {
			t.Errorf("vnetinspect.1 has no entry .It Cm %s", c.Name())
		}
	}
}
