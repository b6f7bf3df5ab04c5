package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding; it implements help.KeyMap.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Switch                                key.Binding // move focus between panes
	Open                                  key.Binding // open a vnet or variable, follow a pointer
	Expand, Collapse                      key.Binding
	Back                                  key.Binding
	Filter                                key.Binding
	Walk                                  key.Binding // walk a queue(3) list
	Raw                                   key.Binding
	Compare                               key.Binding
	Panic                                 key.Binding
	Search                                key.Binding
	Refresh                               key.Binding // read memory again (live sources)
	Help                                  key.Binding
	Quit                                  key.Binding
}

// DefaultKeyMap returns the key bindings.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		Home:     b([]string{"home", "g"}, "g", "first"),
		End:      b([]string{"end", "G"}, "G", "last"),
		Switch:   b([]string{"tab"}, "tab", "other pane"),
		Open:     b([]string{"enter"}, "enter", "open/follow"),
		Expand:   b([]string{"right", "l", "space"}, "→/space", "expand"),
		Collapse: b([]string{"left", "h"}, "←", "collapse"),
		Back:     b([]string{"esc", "backspace"}, "esc", "back"),
		Filter:   b([]string{"/"}, "/", "filter"),
		Walk:     b([]string{"w"}, "w", "walk list"),
		Raw:      b([]string{"x"}, "x", "raw bytes"),
		Compare:  b([]string{"c"}, "c", "compare vnets"),
		Panic:    b([]string{"p"}, "p", "panic context"),
		Search:   b([]string{"s"}, "s", "search all"),
		Refresh:  b([]string{"r"}, "r", "re-read memory"),
		Help:     b([]string{"?"}, "?", "help"),
		Quit:     b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Filter, k.Compare, k.Search, k.Panic, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Switch, k.Open, k.Expand, k.Collapse, k.Back},
		{k.Filter, k.Walk, k.Raw, k.Compare, k.Search, k.Panic},
		{k.Refresh, k.Help, k.Quit},
	}
}
