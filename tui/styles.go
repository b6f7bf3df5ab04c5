package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles holds every style of the interface. Colours are chosen for the
// terminal's background, which NewStyles takes as isDark.
type Styles struct {
	Header     lipgloss.Style
	HeaderDim  lipgloss.Style
	Panic      lipgloss.Style
	PaneTitle  lipgloss.Style // title of the focused pane
	PaneBlur   lipgloss.Style // title of the other pane
	Selected   lipgloss.Style // cursor line of the focused pane
	SelectBlur lipgloss.Style // cursor line of the other pane
	Dim        lipgloss.Style
	Dying      lipgloss.Style // a vnet that is shutting down
	Error      lipgloss.Style
	Differs    lipgloss.Style // a compare cell that differs from the reference
	TypeName   lipgloss.Style
	Filter     lipgloss.Style
	Status     lipgloss.Style
	Border     color.Color
}

// NewStyles returns the styles for a dark or a light background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	accent := ld(lipgloss.Color("#005fd7"), lipgloss.Color("#5fafff"))
	dim := ld(lipgloss.Color("#6c6c6c"), lipgloss.Color("#9e9e9e"))
	red := ld(lipgloss.Color("#af0000"), lipgloss.Color("#ff5f5f"))
	yellow := ld(lipgloss.Color("#875f00"), lipgloss.Color("#ffd75f"))
	green := ld(lipgloss.Color("#005f00"), lipgloss.Color("#87d787"))
	selBg := ld(lipgloss.Color("#d0d0d0"), lipgloss.Color("#3a3a3a"))
	return Styles{
		Header:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		HeaderDim:  lipgloss.NewStyle().Foreground(dim),
		Panic:      lipgloss.NewStyle().Bold(true).Foreground(red),
		PaneTitle:  lipgloss.NewStyle().Bold(true).Foreground(accent),
		PaneBlur:   lipgloss.NewStyle().Foreground(dim),
		Selected:   lipgloss.NewStyle().Bold(true).Reverse(true),
		SelectBlur: lipgloss.NewStyle().Background(selBg),
		Dim:        lipgloss.NewStyle().Foreground(dim),
		Dying:      lipgloss.NewStyle().Foreground(yellow),
		Error:      lipgloss.NewStyle().Foreground(red),
		Differs:    lipgloss.NewStyle().Bold(true).Foreground(yellow),
		TypeName:   lipgloss.NewStyle().Foreground(green),
		Filter:     lipgloss.NewStyle().Foreground(accent),
		Status:     lipgloss.NewStyle().Foreground(dim),
		Border:     dim,
	}
}
