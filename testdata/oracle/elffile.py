"""A small read-only ELF reader: header, section headers and symbol tables.

oracle.py uses it to list symbols by prefix, which gdb's Python API cannot do,
and to compare the program's read-only sections with target memory. It needs
only the Python standard library, so it also runs outside gdb:

    python3 elffile.py FILE PREFIX    # prints "value size name" per symbol

Field layouts follow the System V gABI (ELF-64 and ELF-32, either byte order).
"""

import collections
import struct
import sys

ET_EXEC = 2
SHT_PROGBITS = 1
SHT_SYMTAB = 2
SHT_DYNSYM = 11
SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHN_UNDEF = 0
STT_SECTION = 3
STT_FILE = 4

Section = collections.namedtuple(
    "Section", "name type flags address offset size link entsize")
Symbol = collections.namedtuple("Symbol", "name value size")


class ElfError(Exception):
    """An unreadable or malformed ELF file. The message names the file and offset."""


class ElfFile:
    """An ELF file opened read-only. Use it as a context manager."""

    def __init__(self, path):
        self.path = path
        self._file = open(path, "rb")
        try:
            self._read_header()
            self.sections = self._read_sections()
        except Exception:
            self._file.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._file.close()

    def read_at(self, offset, size):
        """Return `size` bytes at file offset `offset`. Raises ElfError if the file is shorter."""
        self._file.seek(offset)
        data = self._file.read(size)
        if len(data) != size:
            raise ElfError("%s: file ends before offset %#x + %d bytes" % (self.path, offset, size))
        return data

    def _read_header(self):
        ident = self._file.read(16)
        if len(ident) < 16 or ident[:4] != b"\x7fELF":
            raise ElfError("%s: not an ELF file (no \\x7fELF magic at offset 0)" % self.path)
        if ident[4] not in (1, 2) or ident[5] not in (1, 2):
            raise ElfError("%s: unsupported ELF class %d or data encoding %d at offset 4"
                           % (self.path, ident[4], ident[5]))
        self.is64 = ident[4] == 2
        self.order = "<" if ident[5] == 1 else ">"
        if self.is64:
            fields = struct.unpack(self.order + "HHIQQQIHHHHHH", self.read_at(16, 48))
        else:
            fields = struct.unpack(self.order + "HHIIIIIHHHHHH", self.read_at(16, 36))
        self.type = fields[0]
        self._shoff = fields[5]
        self._shentsize, self._shnum, self._shstrndx = fields[10], fields[11], fields[12]

    def _read_sections(self):
        if self._shoff == 0:
            return []
        layout = self.order + ("IIQQQQIIQQ" if self.is64 else "IIIIIIIIII")
        if self._shentsize < struct.calcsize(layout):
            raise ElfError("%s: section header size %d at offset %#x is too small"
                           % (self.path, self._shentsize, self._shoff))

        def section_at(index):
            raw = self.read_at(self._shoff + index * self._shentsize, struct.calcsize(layout))
            name, kind, flags, address, offset, size, link, _, _, entsize = struct.unpack(layout, raw)
            return Section(name, kind, flags, address, offset, size, link, entsize)

        # With 0xff00 or more sections, e_shnum and e_shstrndx move into section 0.
        count, names_index = self._shnum, self._shstrndx
        if count == 0:
            count = section_at(0).size
        if names_index == 0xFFFF:
            names_index = section_at(0).link
        sections = [section_at(i) for i in range(count)]

        names = b""
        if 0 < names_index < count:
            names = self.read_at(sections[names_index].offset, sections[names_index].size)
        return [s._replace(name=_string_at(names, s.name)) for s in sections]

    def symbols(self, prefix):
        """Return the defined symbols whose name starts with `prefix`, from .symtab.

        Falls back to .dynsym when the file has no .symtab.
        """
        tables = [s for s in self.sections if s.type == SHT_SYMTAB]
        if not tables:
            tables = [s for s in self.sections if s.type == SHT_DYNSYM]
        found = []
        for table in tables:
            if table.link >= len(self.sections):
                raise ElfError("%s: symbol table at offset %#x links to missing string table %d"
                               % (self.path, table.offset, table.link))
            strings = self.section_data(self.sections[table.link])
            found.extend(self._parse_symbols(table, self.section_data(table), strings, prefix))
        return found

    def section_data(self, section):
        return self.read_at(section.offset, section.size)

    def _parse_symbols(self, table, data, strings, prefix):
        layout = self.order + ("IBBHQQ" if self.is64 else "IIIBBH")
        entsize = max(table.entsize, struct.calcsize(layout))
        prefix_bytes = prefix.encode()
        found = []
        for offset in range(0, len(data) - entsize + 1, entsize):
            fields = struct.unpack_from(layout, data, offset)
            if self.is64:
                name_offset, info, _, shndx, value, size = fields
            else:
                name_offset, value, size, info, _, shndx = fields
            if shndx == SHN_UNDEF or (info & 0xF) in (STT_SECTION, STT_FILE):
                continue
            if strings.startswith(prefix_bytes, name_offset):
                found.append(Symbol(_string_at(strings, name_offset), value, size))
        return found

    def read_only_sections(self):
        """Return the sections that are loaded, not writable and stored in the file: code and constants."""
        return [s for s in self.sections
                if s.type == SHT_PROGBITS and s.flags & SHF_ALLOC
                and not s.flags & SHF_WRITE and s.size > 0 and s.address != 0]


def _string_at(strings, offset):
    end = strings.find(b"\0", offset)
    return strings[offset:end if end >= 0 else len(strings)].decode("ascii", "replace")


def main(arguments):
    if len(arguments) != 2:
        sys.exit("usage: python3 elffile.py FILE PREFIX")
    try:
        with ElfFile(arguments[0]) as elf:
            for symbol in sorted(elf.symbols(arguments[1])):
                print("%016x %d %s" % (symbol.value, symbol.size, symbol.name))
    except (OSError, ElfError) as error:
        sys.exit("elffile.py: %s" % error)


if __name__ == "__main__":
    main(sys.argv[1:])
