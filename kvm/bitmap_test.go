package kvm

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// naiveRank counts the set bits below bit one at a time, from the bytes.
func naiveRank(raw []byte, bit uint64) uint64 {
	var n uint64
	for b := uint64(0); b < bit; b++ {
		if raw[b/8]&(1<<(b%8)) != 0 {
			n++
		}
	}
	return n
}

func randomBitmap(rng *rand.Rand, size int, density float64) []byte {
	raw := make([]byte, size)
	for b := 0; b < size*8; b++ {
		if rng.Float64() < density {
			raw[b/8] |= 1 << (b % 8)
		}
	}
	return raw
}

func TestRankMatchesNaiveCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Sizes around word and 1024-bit block boundaries, including sizes that
	// are not a multiple of 8 bytes.
	sizes := []int{1, 7, 8, 9, 120, 127, 128, 129, 255, 256, 257, 1000, 4096}
	densities := []float64{0, 0.01, 0.5, 0.99, 1}
	for _, size := range sizes {
		for _, d := range densities {
			raw := randomBitmap(rng, size, d)
			bm := newPageBitmap(raw)
			if got, want := bm.count(), naiveRank(raw, uint64(size)*8); got != want {
				t.Fatalf("size %d density %v: count() = %d, want %d", size, d, got, want)
			}
			var running uint64
			for bit := uint64(0); bit < uint64(size)*8; bit++ {
				if got := bm.rank(bit); got != running {
					t.Fatalf("size %d density %v: rank(%d) = %d, want %d", size, d, bit, got, running)
				}
				set := raw[bit/8]&(1<<(bit%8)) != 0
				if bm.isSet(bit) != set {
					t.Fatalf("size %d: isSet(%d) = %v, want %v", size, bit, !set, set)
				}
				if set {
					running++
				}
			}
		}
	}
}

// Spot checks against the plain count on a large bitmap.
func TestRankLargeBitmap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	raw := randomBitmap(rng, 1<<16, 0.3)
	bm := newPageBitmap(raw)
	for range 200 {
		bit := rng.Uint64N(uint64(len(raw)) * 8)
		if got, want := bm.rank(bit), naiveRank(raw, bit); got != want {
			t.Fatalf("rank(%d) = %d, want %d", bit, got, want)
		}
	}
}

func TestBitmapOutOfRange(t *testing.T) {
	bm := newPageBitmap([]byte{0xff})
	if bm.isSet(8) {
		t.Error("isSet(8) on an 8-bit bitmap = true")
	}
	if last, ok := bm.lastSet(); !ok || last != 7 {
		t.Errorf("lastSet() = %d, %v, want 7, true", last, ok)
	}
	if _, ok := newPageBitmap(make([]byte, 16)).lastSet(); ok {
		t.Error("lastSet() of an empty bitmap reports a bit")
	}
}

func TestDumpAvailBits(t *testing.T) {
	// Ranges that start and end inside pages: each range counts every page
	// it touches.
	var raw []byte
	for _, v := range []uint64{0x0, 0x9fc00, 0x100800, 0x200000, 0x1000000, 0x1001000, 0, 0} {
		raw = binary.LittleEndian.AppendUint64(raw, v)
	}
	d, err := parseDumpAvail(raw, "vmcore", pageSize)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pa   uint64
		bit  uint64
		ok   bool
		name string
	}{
		{0, 0, true, "first page"},
		{0x9fbff, 0x9f, true, "last byte of a partial page"},
		{0x9fc00, 0, false, "end of the first range"},
		{0xa0000, 0, false, "gap"},
		{0x100800, 0xa0, true, "start inside a page"},
		{0x1ff000, 0xa0 + 0xff, true, "last page of the second range"},
		{0x1000000, 0xa0 + 0x100, true, "third range"},
		{0x1001000, 0, false, "past the last range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := d.bit(tc.pa)
			if ok != tc.ok || got != tc.bit {
				t.Errorf("bit(%#x) = %#x, %v, want %#x, %v", tc.pa, got, ok, tc.bit, tc.ok)
			}
			if !tc.ok {
				return
			}
			if pa, ok := d.physAddr(tc.bit); !ok || pa != tc.pa&^(pageSize-1) {
				t.Errorf("physAddr(%#x) = %#x, %v, want %#x", tc.bit, pa, ok, tc.pa&^(pageSize-1))
			}
		})
	}
}

func BenchmarkRank(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	raw := randomBitmap(rng, 1<<20, 0.5) // 8 Mi pages, 32 GiB of RAM
	bm := newPageBitmap(raw)
	bits := make([]uint64, 4096)
	for i := range bits {
		bits[i] = rng.Uint64N(uint64(len(raw)) * 8)
	}
	b.ResetTimer()
	var sink uint64
	for i := range b.N {
		sink += bm.rank(bits[i%len(bits)])
	}
	_ = sink
}
