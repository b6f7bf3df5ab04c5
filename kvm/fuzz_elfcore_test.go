package kvm

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// FuzzELFCoreHeader opens ELF cores whose header fields and program
// headers come from the fuzzer, followed by four pages of memory. Inputs
// stay small, so the fuzzer explores header values and segment layouts.
// Open may fail; reads through a core it returns must not panic.
func FuzzELFCoreHeader(f *testing.F) {
	le := binary.LittleEndian
	phdr := func(typ uint32, off, paddr, filesz, memsz uint64) []byte {
		p := make([]byte, elfPhdrSize)
		le.PutUint32(p, typ)
		le.PutUint64(p[8:], off)
		le.PutUint64(p[24:], paddr)
		le.PutUint64(p[32:], filesz)
		le.PutUint64(p[40:], memsz)
		return p
	}
	note := elfNote(qemuNoteName, 0, make([]byte, 8))
	// Two PT_LOAD segments over the pages after the headers, and for the
	// QEMU seed a PT_NOTE over the note bytes placed in the last page.
	full := append(phdr(elfPTLoad, pageSize, 0, 2*pageSize, 2*pageSize), phdr(elfPTLoad, 3*pageSize, 0x100000, pageSize, 2*pageSize)...)
	qemu := append(phdr(elfPTNote, 4*pageSize, 0, uint64(len(note)), 0), full...)
	f.Add(byte(elfOSABIStand), uint16(elfMachineAMD), uint16(2), uint16(elfPhdrSize), uint64(0), full, []byte{0x01})
	f.Add(byte(elfOSABISysV), uint16(elfMachineAMD), uint16(3), uint16(elfPhdrSize), uint64(0), qemu, note)
	f.Add(byte(elfOSABIStand), uint16(elfMachineAMD), uint16(elfPNXNum), uint16(elfPhdrSize), uint64(pageSize), full, []byte{})

	_, k := testMachine(0x200000, false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, osabi byte, machine, phnum, phentsize uint16, shoff uint64, phdrs, fill []byte) {
		if len(phdrs) > pageSize-elfHeaderSize {
			phdrs = phdrs[:pageSize-elfHeaderSize]
		}
		data := make([]byte, 5*pageSize)
		copy(data, "\x7fELF")
		data[4], data[5], data[6], data[7] = elfClass64, elfDataLSB, 1, osabi
		le.PutUint16(data[16:], elfTypeCore)
		le.PutUint16(data[18:], machine)
		le.PutUint64(data[32:], elfHeaderSize)
		le.PutUint64(data[40:], shoff)
		le.PutUint16(data[54:], phentsize)
		le.PutUint16(data[56:], phnum)
		copy(data[elfHeaderSize:], phdrs)
		if len(fill) > 0 {
			for i := pageSize; i < len(data); i++ {
				data[i] = fill[i%len(fill)]
			}
		}
		path := filepath.Join(dir, "vmcore")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Open(path, Options{Kernel: k, CacheDir: filepath.Join(dir, "cache")})
		if err != nil {
			if c != nil {
				t.Fatalf("Open failed (%v) but returned a Core", err)
			}
			return
		}
		defer c.Close()
		buf := make([]byte, pageSize+8)
		for _, a := range []uint64{0, 0xff8, 0x100ff8, testKERNBASE + 0x200000, testDmapBase + 0x1ff8} {
			for _, r := range []Reader{c.Virtual(), c.Physical()} {
				if n, err := r.ReadAt(buf, Addr(a)); err == nil && n != len(buf) {
					t.Fatalf("read at %#x returned %d bytes and no error", a, n)
				}
			}
		}
	})
}
