package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/vnetinspect/vnetinspect/value"
	"github.com/vnetinspect/vnetinspect/vnetwalk"
)

// The right pane shows one of these views.
type rightView int

const (
	viewVars rightView = iota
	viewValue
	viewCompare
	viewSearch
	viewPanic
)

// Model is the root model of the interface.
type Model struct {
	load   Loader
	loadCh chan tea.Msg
	src    *Source
	// loadErr is the loader's or the walk's error; the interface then shows
	// it and waits for q.
	loadErr  error
	progress ProgressMsg

	// jump is the search match that enter opened, kept until its vnet's
	// variables are read. Any key cancels it.
	jump *Match

	walk    *vnetwalk.Walk
	panicCx *vnetwalk.PanicContext
	cache   map[*vnetwalk.Vnet]VarsMsg

	width, height int
	styles        Styles
	keys          KeyMap
	help          help.Model
	showHelp      bool
	focusRight    bool
	right         rightView
	status        string

	vnets  vnetPane
	vars   varPane
	value  valuePane
	cmp    comparePane
	search searchPane
}

// New returns the model that opens its source with load.
func New(load Loader) Model {
	return Model{
		load:   load,
		loadCh: make(chan tea.Msg, 1),
		cache:  map[*vnetwalk.Vnet]VarsMsg{},
		width:  80,
		height: 24,
		styles: NewStyles(true),
		keys:   DefaultKeyMap(),
		help:   help.New(),
	}
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd {
	return tea.Batch(loadCmd(m.load, m.loadCh), waitCmd(m.loadCh), tea.RequestBackgroundColor)
}

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return m, nil
	case ProgressMsg:
		m.progress = msg
		return m, waitCmd(m.loadCh)
	case LoadedMsg:
		if msg.Err != nil {
			m.loadErr = msg.Err
			return m, nil
		}
		m.src = msg.Source
		if m.src.Limits == (value.Limits{}) {
			m.src.Limits = value.DefaultLimits()
		}
		return m, m.src.walkCmd()
	case WalkMsg:
		return m.onWalk(msg)
	case PanicMsg:
		m.panicCx = msg.Panic
		return m, nil
	case VarsMsg:
		m.cache[msg.Vnet] = msg
		if msg.Vnet == m.vnets.selected() {
			m.vars.setVars(msg.Vnet, msg.Vars, msg.Err)
		}
		if m.jump != nil && m.jump.Vnet == msg.Vnet {
			hit := *m.jump
			m.jump = nil
			m.openMatch(hit, msg)
		}
		return m, nil
	case FollowMsg:
		if msg.Err != nil {
			m.status = msg.Err.Error()
			return m, nil
		}
		m.value.stack = append(m.value.stack, msg.Frame)
		m.status = ""
		return m, nil
	case CompareMsg:
		m.cmp.cmp = msg.Comparison
		return m, nil
	case SearchMsg:
		m.search.running = false
		m.search.done, m.search.matches, m.search.err = msg.Query, msg.Matches, msg.Err
		m.search.cursor, m.search.offset = 0, 0
		return m, nil
	case tea.MouseWheelMsg:
		return m.onWheel(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return m, nil
}

func (m Model) onWalk(msg WalkMsg) (tea.Model, tea.Cmd) {
	if msg.Err != nil {
		m.loadErr = msg.Err
		return m, nil
	}
	// A refresh keeps the cursor on the vnet it was on, found by address.
	var prev uint64
	if v := m.vnets.selected(); v != nil {
		prev = v.Addr
	}
	m.walk = msg.Walk
	m.vnets = newVnetPane(msg.Walk)
	for _, v := range msg.Walk.Vnets {
		if prev != 0 && v.Addr == prev {
			m.vnets.selectVnet(v)
		}
	}
	if len(msg.Walk.Warnings) > 0 {
		m.status = warningStatus(msg.Walk.Warnings)
	}
	return m, tea.Batch(m.selectVnet(), m.src.panicCmd(msg.Walk))
}

// selectVnet shows the variables of the vnet under the cursor, reading them
// unless they were read before.
func (m *Model) selectVnet() tea.Cmd {
	v := m.vnets.selected()
	if v == nil || v == m.vars.vnet && m.vars.vars != nil {
		return nil
	}
	if r, ok := m.cache[v]; ok {
		m.src.selected.Store(v)
		m.vars.setVars(v, r.Vars, r.Err)
		return nil
	}
	m.vars.setVars(v, nil, nil)
	return m.src.varsCmd(v)
}

func (m Model) onWheel(msg tea.MouseWheelMsg) (tea.Model, tea.Cmd) {
	k := tea.KeyPressMsg{Code: tea.KeyDown}
	if msg.Button == tea.MouseWheelUp {
		k = tea.KeyPressMsg{Code: tea.KeyUp}
	}
	// The wheel scrolls the pane under the pointer.
	m.focusRight = msg.X >= m.leftWidth() || m.right == viewCompare || m.right == viewSearch ||
		m.right == viewValue && m.value.top().raw
	return m.onKey(k)
}

func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	m.jump = nil
	if m.vars.filtering {
		return m.onFilterKey(msg)
	}
	if m.search.editing {
		return m.onSearchKey(msg)
	}
	if key.Matches(msg, m.keys.Quit) {
		return m, tea.Quit
	}
	if key.Matches(msg, m.keys.Help) {
		m.showHelp = !m.showHelp
		return m, nil
	}
	if m.showHelp {
		if key.Matches(msg, m.keys.Back) {
			m.showHelp = false
		}
		return m, nil
	}
	if m.walk == nil {
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Switch):
		m.focusRight = !m.focusRight
		return m, nil
	case key.Matches(msg, m.keys.Refresh):
		// Memory may have changed (a live kernel or a running guest), so
		// everything is read again from the vnet list down.
		m.cache = map[*vnetwalk.Vnet]VarsMsg{}
		m.vars.setVars(nil, nil, nil)
		m.right = viewVars
		m.status = "re-reading the vnet list and variables"
		return m, m.src.walkCmd()
	case key.Matches(msg, m.keys.Panic):
		return m.jumpToPanic()
	case key.Matches(msg, m.keys.Compare) && m.right != viewCompare:
		return m.startCompare()
	case key.Matches(msg, m.keys.Search):
		m.right, m.focusRight = viewSearch, true
		m.search.editing = true
		m.search.query = ""
		return m, nil
	}
	if !m.focusRight {
		return m.onVnetKey(msg)
	}
	switch m.right {
	case viewVars:
		return m.onVarKey(msg)
	case viewValue:
		return m.onValueKey(msg)
	case viewCompare:
		return m.onCompareKey(msg)
	case viewSearch:
		return m.onSearchResultKey(msg)
	case viewPanic:
		if key.Matches(msg, m.keys.Open, m.keys.Back) {
			m.right = viewVars
		}
	}
	return m, nil
}

func (m Model) onVnetKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if c, ok := moveCursor(m.keys, msg, m.vnets.cursor, len(m.vnets.rows), m.bodyHeight()-2); ok {
		m.vnets.cursor = c
		if m.right == viewValue || m.right == viewPanic {
			m.right = viewVars
		}
		return m, m.selectVnet()
	}
	if key.Matches(msg, m.keys.Open, m.keys.Expand) {
		m.focusRight = true
		m.right = viewVars
		return m, m.selectVnet()
	}
	return m, nil
}

func (m Model) onVarKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if c, ok := moveCursor(m.keys, msg, m.vars.cursor, len(m.vars.matching), m.bodyHeight()-2); ok {
		m.vars.cursor = c
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Filter):
		m.vars.filtering = true
	case key.Matches(msg, m.keys.Back):
		if m.vars.filter != "" {
			m.vars.filter = ""
			m.vars.refilter()
		} else {
			m.focusRight = false
		}
	case key.Matches(msg, m.keys.Open, m.keys.Expand):
		if e, ok := m.vars.selected(); ok {
			m.value.open(m.vars.vnet, e)
			m.right = viewValue
		}
	case key.Matches(msg, m.keys.Compare):
		return m.startCompare()
	}
	return m, nil
}

func (m Model) onFilterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "enter":
		m.vars.filtering = false
	case "esc":
		m.vars.filtering = false
		m.vars.filter = ""
		m.vars.refilter()
	case "backspace":
		if r := []rune(m.vars.filter); len(r) > 0 {
			m.vars.filter = string(r[:len(r)-1])
			m.vars.refilter()
		}
	case "up", "down":
		m.vars.cursor, _ = moveCursor(m.keys, msg, m.vars.cursor, len(m.vars.matching), 1)
	default:
		if msg.Text != "" {
			m.vars.filter += msg.Text
			m.vars.cursor = 0
			m.vars.refilter()
		}
	}
	return m, nil
}

func (m Model) onSearchKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "enter":
		m.search.editing = false
		if m.search.query == "" {
			return m, nil
		}
		m.search.running = true
		return m, m.src.searchCmd(m.search.query, m.walk)
	case "esc":
		m.search.editing = false
		if m.search.done == "" {
			m.right = viewVars
		}
	case "backspace":
		if r := []rune(m.search.query); len(r) > 0 {
			m.search.query = string(r[:len(r)-1])
		}
	default:
		m.search.query += msg.Text
	}
	return m, nil
}

func (m Model) onValueKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := m.value.top()
	n := len(f.nodes())
	if f.raw {
		per := hexLineBytes(m.width)
		n = (len(f.Bytes) + per - 1) / per
	}
	if c, ok := moveCursor(m.keys, msg, f.cursor, n, m.bodyHeight()-2); ok {
		f.cursor = c
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Back):
		if len(m.value.stack) > 1 {
			m.value.stack = m.value.stack[:len(m.value.stack)-1]
		} else {
			m.right = viewVars
		}
	case key.Matches(msg, m.keys.Raw):
		f.raw = !f.raw
		f.cursor, f.offset = 0, 0
	case f.raw:
	case key.Matches(msg, m.keys.Expand):
		m.value.toggle(true)
	case key.Matches(msg, m.keys.Collapse):
		m.value.toggle(false)
	case key.Matches(msg, m.keys.Open):
		return m.openNode()
	case key.Matches(msg, m.keys.Walk):
		nd, ok := m.value.current()
		if !ok || nd.expr == "" {
			m.status = "this line has no C expression to walk a list from"
			return m, nil
		}
		return m, m.src.listCmd(m.value.vnet, nd.expr)
	case key.Matches(msg, m.keys.Compare):
		return m.startCompare()
	}
	return m, nil
}

// openNode follows a pointer or toggles a struct or array.
func (m Model) openNode() (tea.Model, tea.Cmd) {
	nd, ok := m.value.current()
	if !ok || nd.v == nil {
		return m, nil
	}
	if nd.v.Kind == value.Pointer {
		title := nd.expr
		if title == "" {
			title = m.value.top().Title + nd.path
		}
		return m, m.src.followCmd(m.value.vnet, title, nd.v)
	}
	f := m.value.top()
	m.value.toggle(!f.expanded[nd.path])
	return m, nil
}

func (m Model) startCompare() (tea.Model, tea.Cmd) {
	e, ok := m.vars.selected()
	if m.right == viewValue {
		e, ok = m.value.entry, true
	}
	if !ok {
		return m, nil
	}
	m.cmp = comparePane{name: e.Name()}
	m.right, m.focusRight = viewCompare, true
	return m, m.src.compareCmd(e.Symbol, m.walk)
}

func (m Model) onCompareKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	n := 0
	if m.cmp.cmp != nil {
		n = len(m.cmp.cmp.Rows)
	}
	if c, ok := moveCursor(m.keys, msg, m.cmp.cursor, n, m.bodyHeight()-3); ok {
		m.cmp.cursor = c
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Back):
		m.right = viewVars
	case key.Matches(msg, m.keys.Expand):
		m.cmp.left++
	case key.Matches(msg, m.keys.Collapse):
		m.cmp.left = max(m.cmp.left-1, 0)
	}
	return m, nil
}

func (m Model) onSearchResultKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if c, ok := moveCursor(m.keys, msg, m.search.cursor, len(m.search.matches), m.bodyHeight()-2); ok {
		m.search.cursor = c
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Back):
		m.right = viewVars
	case key.Matches(msg, m.keys.Open):
		hit, ok := m.search.selected()
		if !ok {
			return m, nil
		}
		m.vnets.selectVnet(hit.Vnet)
		r, ok := m.cache[hit.Vnet]
		if !ok {
			m.jump = &hit
			return m, m.selectVnet()
		}
		m.openMatch(hit, r)
	}
	return m, nil
}

// openMatch shows the variable of a search match, read in r, with the
// matching member selected.
func (m *Model) openMatch(hit Match, r VarsMsg) {
	m.vars.setVars(hit.Vnet, r.Vars, r.Err)
	if m.vars.selectName(hit.Var) {
		e, _ := m.vars.selected()
		m.value.open(hit.Vnet, e)
		m.value.expandTo(strings.TrimPrefix(hit.Path, hit.Var))
		m.right = viewValue
	}
}

// jumpToPanic selects the crashing thread's vnet and shows the panic.
func (m Model) jumpToPanic() (tea.Model, tea.Cmd) {
	m.right, m.focusRight = viewPanic, true
	if m.panicCx == nil || m.panicCx.Vnet == nil {
		return m, nil
	}
	m.vnets.selectVnet(m.panicCx.Vnet)
	return m, m.selectVnet()
}

// Err returns the error that kept the source from opening, or nil.
func (m Model) Err() error { return m.loadErr }
