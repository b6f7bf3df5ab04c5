package kvm

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// A physRange is one dump_avail range [Start, End) of physical memory.
type physRange struct {
	Start, End uint64
	firstBit   uint64 // bitmap bit of the page holding Start
}

// A dumpAvail maps physical addresses to minidump bitmap bits. The bitmap
// numbers only the pages inside the kernel's dump_avail ranges, one after
// the other, so that holes in physical memory cost no bits.
type dumpAvail struct {
	ranges []physRange
}

// identityDumpAvail is the layout of minidumps without a dump_avail
// section (amd64 versions 1 and 2): bit i is physical page i.
func identityDumpAvail(nbits uint64) dumpAvail {
	return dumpAvail{ranges: []physRange{{Start: 0, End: nbits * pageSize}}}
}

// parseDumpAvail decodes the dump_avail section: little-endian uint64 pairs
// [start, end), ascending, ending at the first pair whose end is 0. off is
// the section's file offset, for error messages.
func parseDumpAvail(raw []byte, file string, off int64) (dumpAvail, error) {
	var d dumpAvail
	var bit uint64
	for i := 0; i+16 <= len(raw); i += 16 {
		start := binary.LittleEndian.Uint64(raw[i:])
		end := binary.LittleEndian.Uint64(raw[i+8:])
		if end == 0 {
			return d, nil
		}
		bad := ""
		switch {
		case end <= start:
			bad = "its end is not above its start"
		case len(d.ranges) > 0 && start < d.ranges[len(d.ranges)-1].End:
			bad = "it overlaps or precedes the previous range"
		}
		if bad != "" {
			return d, &FormatError{File: file, Offset: off + int64(i),
				Msg: fmt.Sprintf("invalid dump_avail range %d [%#x, %#x): %s", i/16, start, end, bad)}
		}
		d.ranges = append(d.ranges, physRange{Start: start, End: end, firstBit: bit})
		// A range's pages run from the page holding start to the page
		// holding end-1, including partial pages at both ends.
		bit += (end+pageSize-1)/pageSize - start/pageSize
	}
	return d, &FormatError{File: file, Offset: off,
		Msg: fmt.Sprintf("dump_avail section (%d bytes) has no terminating zero pair", len(raw))}
}

// bit returns the bitmap bit of the page holding pa, or false when pa lies
// outside every range, so that the kernel never dumps it.
func (d dumpAvail) bit(pa uint64) (uint64, bool) {
	i := sort.Search(len(d.ranges), func(i int) bool { return d.ranges[i].End > pa })
	if i == len(d.ranges) || pa < d.ranges[i].Start {
		return 0, false
	}
	r := d.ranges[i]
	return r.firstBit + pa/pageSize - r.Start/pageSize, true
}

// physAddr returns the physical address of the page of bitmap bit b.
func (d dumpAvail) physAddr(b uint64) (uint64, bool) {
	for _, r := range d.ranges {
		n := (r.End+pageSize-1)/pageSize - r.Start/pageSize
		if b < r.firstBit+n {
			return (r.Start/pageSize + b - r.firstBit) * pageSize, true
		}
	}
	return 0, false
}
