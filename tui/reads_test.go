package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestHeldKeyDropsStaleReads holds the arrow key down over four jails, as
// tea.Program delivers them: every key arrives before the read it started runs.
// Only the read for the jail the cursor stops on may touch the dump, and
// its values must be gdb's. Going back to a skipped jail reads it then.
func TestHeldKeyDropsStaleReads(t *testing.T) {
	d := newDriver(t, 160, 48)
	o := oracle(t)

	m := d.m.(Model)
	var cmds []tea.Cmd
	for range 4 { // web, web.php, web.static, db
		next, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
		m = next.(Model)
		if cmd == nil {
			t.Fatalf("down to %s started no read", vnetLabel(m.vnets.selected()))
		}
		cmds = append(cmds, cmd)
	}
	db := m.vnets.selected()
	if db == nil || len(db.Jails) == 0 || db.Jails[0].Name != "db" {
		t.Fatalf("cursor on %s, want jail db's vnet", vnetLabel(db))
	}

	for i, cmd := range cmds[:len(cmds)-1] {
		if msg := cmd(); msg != nil {
			t.Errorf("read %d of 4, queued before the cursor left its jail, returned %T, want nil", i+1, msg)
		}
	}
	msg, ok := cmds[len(cmds)-1]().(VarsMsg)
	if !ok || msg.Vnet != db {
		t.Fatalf("the last read returned %#v, want the variables of jail db", msg)
	}
	d.m = m
	d.send(msg)
	wantDB := fmt.Sprint(oracleValue(t, o, "db", "ip_defttl"))
	if l, ok := screenLine(d.screen(), "ip_defttl "); !ok || !strings.HasSuffix(strings.TrimSpace(l), " "+wantDB) {
		t.Errorf("jail db's ip_defttl line is %q, want the value %s", l, wantDB)
	}

	d.keys("up", "up", "up") // web.static, web.php, web
	wantWeb := fmt.Sprint(oracleValue(t, o, "web", "ip_defttl"))
	screen := d.screen()
	if !strings.Contains(screen, "VARIABLES of web ") {
		t.Fatalf("after going back to web the title is not web's:\n%s", screen)
	}
	if l, ok := screenLine(screen, "ip_defttl "); !ok || !strings.HasSuffix(strings.TrimSpace(l), " "+wantWeb) {
		t.Errorf("jail web's ip_defttl line is %q, want the value %s", l, wantWeb)
	}
}

// TestSearchOpensUnreadVnet searches from prison0 for web.php's host name.
// The search keeps no vnet's variables, so enter on the match reads jail
// web.php's vnet and then shows gdb's value of its V_vnet_hostname.
func TestSearchOpensUnreadVnet(t *testing.T) {
	d := newDriver(t, 160, 48)
	want := fmt.Sprint(oracleValue(t, oracle(t), "web.php", "vnet_hostname"))

	d.keys("s", "web.php.jail", "enter")
	m := d.m.(Model)
	if len(m.cache) != 1 {
		t.Errorf("after the search %d vnets' variables are kept, want 1 (vnet0, read at start)", len(m.cache))
	}
	if _, ok := screenLine(d.screen(), "> web.php ", "vnet_hostname"); !ok {
		t.Fatalf("the first match is not web.php's vnet_hostname:\n%s", d.screen())
	}

	d.keys("enter")
	screen := d.screen()
	if !strings.Contains(screen, "V_vnet_hostname") || !strings.Contains(screen, "in web.php ") {
		t.Fatalf("enter did not open V_vnet_hostname of web.php:\n%s", screen)
	}
	if !strings.Contains(screen, want) {
		t.Errorf("the value pane does not show gdb's value %s:\n%s", want, screen)
	}
}
