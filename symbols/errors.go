package symbols

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers branch on with errors.Is.
var (
	// ErrNotVIMAGE means the kernel has no set_vnet linker set, so it was
	// built without options VIMAGE and has no per-vnet variables.
	ErrNotVIMAGE = errors.New("kernel has no set_vnet linker set (built without options VIMAGE)")

	// ErrNoDebugInfo means neither the kernel nor its debug file has DWARF.
	ErrNoDebugInfo = errors.New("no DWARF debug information")

	// ErrNotInImage means an address lies outside every allocated section of
	// the kernel file.
	ErrNotInImage = errors.New("address is not in any allocated section of the kernel file")
)

// A LookupError reports a name that the kernel's symbol table or DWARF does
// not define.
type LookupError struct {
	Kind string // "symbol", "type" or "variable"
	Name string // the name as requested
	File string // the file that was searched
}

// Error names the missing thing, the file searched and what to try next.
func (e *LookupError) Error() string {
	switch e.Kind {
	case "symbol":
		return fmt.Sprintf("symbol %q not found in the symbol table of %s: check the name, "+
			"and that the kernel file matches the dump", e.Name, e.File)
	case "type":
		return fmt.Sprintf("type %q not found in the DWARF of %s: write struct, union and enum "+
			"types with their keyword (\"struct vnet\") and check that the debug file belongs "+
			"to this kernel", e.Name, e.File)
	case "variable":
		return fmt.Sprintf("variable %q not found in the DWARF of %s: use the ELF symbol name "+
			"(vnet_entry_ifnet for V_ifnet) and check that the debug file belongs to this kernel",
			e.Name, e.File)
	}
	return fmt.Sprintf("%s %q not found in %s", e.Kind, e.Name, e.File)
}
