// Package tui is vnetinspect's terminal interface, built on Bubble Tea v2.
//
// The root Model shows a header (kernel version, dump format, panic string)
// above two panes. The left pane is the vnet list with its jail tree. The
// right pane shows the variable list of the selected vnet, the value pane of
// the selected variable or the panic context, and the compare view and the
// search results take the whole width. Every read of the dump happens inside
// a tea.Cmd, whose result comes back as a ...Msg, and View only renders what
// earlier messages stored.
package tui
