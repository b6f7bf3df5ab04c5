package kvm

import (
	"encoding/binary"
	"math/bits"
	"testing"
)

// wrapPhys is physical memory below 4 GiB whose byte at pa is
// m[pa mod len(m)], so that a short fuzz input fills every table. Reads at
// 4 GiB and above fault as a dump's missing pages do.
type wrapPhys []byte

func (m wrapPhys) ReadAt(p []byte, addr Addr) (int, error) {
	if len(m) == 0 || uint64(addr) >= 1<<32 || uint64(addr)+uint64(len(p)) > 1<<32 {
		return 0, &FaultError{Addr: addr, Physical: true, Err: ErrNotInDump}
	}
	for i := range p {
		p[i] = m[(uint64(addr)+uint64(i))%uint64(len(m))]
	}
	return len(p), nil
}

// FuzzPageTable4 walks random page tables rooted at physical 0, where
// every entry may point anywhere. A walk may fail but must not panic, and
// a result keeps va's offset in its 4 KiB page.
func FuzzPageTable4(f *testing.F) {
	le := binary.LittleEndian
	entries := func(es ...uint64) []byte {
		b := make([]byte, 8*len(es))
		for i, e := range es {
			le.PutUint64(b[8*i:], e)
		}
		return b
	}
	// Every entry valid and pointing at page 0: a full 4-level walk.
	f.Add(entries(pteValid), uint64(testKERNBASE+0x5018))
	// Alternating 2 MiB and 1 GiB pages and invalid entries.
	f.Add(entries(pteValid|pteLarge|0x40000000, pteValid|0x1000, 0, pteValid|pteLarge|0x200000), uint64(testDmapBase+0x1234))
	f.Add(entries(0), uint64(0))
	f.Fuzz(func(t *testing.T, mem []byte, va uint64) {
		w := &pageTable4{phys: wrapPhys(mem), root: 0}
		pa, fault := w.toPhys(va)
		if fault != nil {
			if fault.reason == "" || fault.err == nil {
				t.Fatalf("fault without a reason or sentinel: %+v", fault)
			}
			return
		}
		if pa%pageSize != va%pageSize {
			t.Fatalf("va %#x translated to %#x, which changes the page offset", va, pa)
		}
	})
}

// FuzzDumpAvail parses random dump_avail sections. For every address a
// valid section maps to a bit, the bit maps back to the address's page,
// as the format requires of the bitmap numbering.
func FuzzDumpAvail(f *testing.F) {
	le := binary.LittleEndian
	seed := make([]byte, 48)
	le.PutUint64(seed[0:], 0)
	le.PutUint64(seed[8:], 0x9f000)
	le.PutUint64(seed[16:], 0x100000)
	le.PutUint64(seed[24:], 0x3fe0000)
	f.Add(seed, uint64(0x200123))
	f.Add(seed, uint64(0x9f000))
	f.Fuzz(func(t *testing.T, raw []byte, pa uint64) {
		d, err := parseDumpAvail(raw, "dump_avail", 0)
		if err != nil {
			return
		}
		b, ok := d.bit(pa)
		if !ok {
			return
		}
		back, ok := d.physAddr(b)
		if !ok {
			t.Fatalf("pa %#x has bit %d, which maps to no address", pa, b)
		}
		if back != pa&^(pageSize-1) {
			t.Fatalf("pa %#x has bit %d, which maps back to %#x", pa, b, back)
		}
	})
}

// FuzzBitmapRank compares the indexed rank with a bit-by-bit count.
func FuzzBitmapRank(f *testing.F) {
	f.Add([]byte{0xff, 0x01, 0, 0x80}, uint64(9))
	f.Add(make([]byte, 300), uint64(2000))
	f.Fuzz(func(t *testing.T, raw []byte, bit uint64) {
		b := newPageBitmap(raw)
		if b.nbits == 0 {
			return
		}
		bit %= b.nbits
		var want uint64
		for i := uint64(0); i < bit; i++ {
			if raw[i/8]&(1<<(i%8)) != 0 {
				want++
			}
		}
		if got := b.rank(bit); got != want {
			t.Fatalf("rank(%d) = %d, want %d", bit, got, want)
		}
		var total int
		for _, c := range raw {
			total += bits.OnesCount8(c)
		}
		if b.count() != uint64(total) {
			t.Fatalf("count() = %d, want %d", b.count(), total)
		}
	})
}
