package symbols

import (
	"debug/dwarf"
	"debug/elf"
)

// mapDWARF reads the DWARF sections in place from a read-only mapping of
// the debug file, instead of copying them into memory, and reports whether
// it did. Only linked files (ET_EXEC) with plain sections qualify:
// relocatable files such as kernel modules need their relocations applied
// to a copy, and compressed sections need inflating; [elf.File.DWARF]
// handles both.
func (t *Table) mapDWARF() bool {
	if t.debug.Type != elf.ET_EXEC {
		return false
	}
	f := t.debugFile
	if f == nil {
		f = t.kernelFile
	}
	names := []string{".debug_info", ".debug_abbrev", ".debug_str", ".debug_line", ".debug_ranges",
		".debug_addr", ".debug_line_str", ".debug_str_offsets", ".debug_rnglists", ".debug_types", ".debug_names"}
	for _, s := range t.debug.Sections {
		if len(s.Name) > 7 && s.Name[:7] == ".zdebug" {
			return false
		}
	}
	secs := make(map[string]*elf.Section)
	for _, n := range names {
		s := t.debug.Section(n)
		if s == nil {
			continue
		}
		if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_COMPRESSED != 0 {
			return false
		}
		secs[n] = s
	}
	if secs[".debug_info"] == nil || secs[".debug_abbrev"] == nil {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	for _, s := range secs {
		if s.Offset > uint64(st.Size()) || s.Size > uint64(st.Size())-s.Offset {
			return false // elf.File.DWARF reports this as a read error
		}
	}
	data, err := mapFile(f)
	if err != nil {
		return false
	}
	sec := func(n string) []byte {
		s := secs[n]
		if s == nil {
			return nil
		}
		return data[s.Offset : s.Offset+s.Size : s.Offset+s.Size]
	}
	info := sec(".debug_info")
	units, err := listUnits(info)
	if err != nil {
		unmapFile(data)
		return false // let elf.File.DWARF report the error
	}
	t.mapped, t.rawUnits, t.unitDatas = data, units, make([]*dwarf.Data, len(units))
	t.unitTables = make([][]abbrev, len(units))
	t.rawSections = make(map[string][]byte)
	for _, n := range names {
		t.rawSections[n] = sec(n)
	}
	t.raw = &rawDWARF{info: sec(".debug_info"), abbrev: sec(".debug_abbrev"), str: sec(".debug_str"),
		lineStr: sec(".debug_line_str"), strOffsets: sec(".debug_str_offsets"), mapped: true}
	return true
}
