// Package tui is vnetinspect's terminal interface, built on Bubble Tea v2.
//
// The root Model shows a header (kernel version, dump format, panic string)
// above two panes: the vnet list with its jail tree on the left and, on the
// right, the variable list of the selected vnet, the value pane of the
// selected variable, the compare view or the search results. Every read of
// the dump happens inside a tea.Cmd, whose result comes back as a ...Msg;
// View only renders what earlier messages stored.
package tui
