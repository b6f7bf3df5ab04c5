package kvm

import (
	"encoding/binary"
	"math/bits"
)

// rankBlockBits is the number of bitmap bits per prefix count. libkvm uses
// the same 1024-bit (16-word) blocks, and counts from whichever end of the
// block is nearer, so a rank costs at most 8 word popcounts.
const (
	rankBlockBits  = 1024
	rankBlockWords = rankBlockBits / 64
)

// A pageBitmap is a minidump's page bitmap with a rank index: bit b is set
// when the dump holds page b, and the page's place in the data area is the
// number of set bits before b.
type pageBitmap struct {
	words []uint64
	nbits uint64   // bits the header declares; bits past it count as clear
	bins  []uint64 // bins[k] = set bits in [0, k*rankBlockBits); the last entry is the total
}

// newPageBitmap indexes raw, the bitmap's bytes as stored: bit b is in byte
// b/8 under mask 1<<(b%8). The kernel writes native little-endian words,
// so reading whole little-endian words gives the same bit numbering.
func newPageBitmap(raw []byte) *pageBitmap {
	b := &pageBitmap{
		words: make([]uint64, (len(raw)+7)/8),
		nbits: uint64(len(raw)) * 8,
	}
	for i := range b.words {
		var w [8]byte
		copy(w[:], raw[i*8:])
		b.words[i] = binary.LittleEndian.Uint64(w[:])
	}

	nblocks := (len(b.words) + rankBlockWords - 1) / rankBlockWords
	b.bins = make([]uint64, nblocks+1)
	var total uint64
	for i, w := range b.words {
		if i%rankBlockWords == 0 {
			b.bins[i/rankBlockWords] = total
		}
		total += uint64(bits.OnesCount64(w))
	}
	b.bins[nblocks] = total
	return b
}

// isSet reports whether bit is set.
func (b *pageBitmap) isSet(bit uint64) bool {
	return bit < b.nbits && b.words[bit/64]&(1<<(bit%64)) != 0
}

// count returns the number of set bits.
func (b *pageBitmap) count() uint64 { return b.bins[len(b.bins)-1] }

// rank returns the number of set bits below bit, which must be less than
// b.nbits.
func (b *pageBitmap) rank(bit uint64) uint64 {
	block := bit / rankBlockBits
	word := bit / 64
	below := uint64(1)<<(bit%64) - 1

	if bit%rankBlockBits < rankBlockBits/2 {
		n := b.bins[block]
		for _, w := range b.words[block*rankBlockWords : word] {
			n += uint64(bits.OnesCount64(w))
		}
		return n + uint64(bits.OnesCount64(b.words[word]&below))
	}

	// Count down from the next block's prefix: subtract the bits at or
	// above bit up to the end of this block.
	end := min((block+1)*rankBlockWords, uint64(len(b.words)))
	n := b.bins[block+1] - uint64(bits.OnesCount64(b.words[word]&^below))
	for _, w := range b.words[word+1 : end] {
		n -= uint64(bits.OnesCount64(w))
	}
	return n
}

// lastSet returns the highest set bit, or false when none is set.
func (b *pageBitmap) lastSet() (uint64, bool) {
	for i := len(b.words) - 1; i >= 0; i-- {
		if w := b.words[i]; w != 0 {
			return uint64(i)*64 + uint64(63-bits.LeadingZeros64(w)), true
		}
	}
	return 0, false
}
