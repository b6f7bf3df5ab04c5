"""gdb command `vnet-oracle FILE`: expected VNET and jail values for vnetinspect's tests.

Load it into gdb with the kernel (or the mock in mock/) as the program and a stopped
target, then run the command:

    gdb -nx -batch -iex 'set osabi none' -ex 'target remote SOCKET' \
        -ex 'source testdata/oracle/oracle.py' -ex 'vnet-oracle OUT.json' KERNEL

Every value comes from gdb's own reading of the debug information and target memory.
The names of the vnet_entry_ variables come from the ELF symbol table of the program
file (read by elffile.py), because gdb's symbol lookups need a name to start from.
README.md describes the JSON format and its value encoding.
"""

import json
import os
import sys

import gdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elffile  # noqa: E402 (the module sits next to this script, found through sys.path)
import kernel_state  # noqa: E402

VNET_SYMBOL_PREFIX = "vnet_entry_"
VNET_MAGIC_N = 0x5E4A6F28
PR_VNET = 0x10  # sys/sys/jail.h: the jail has its own network stack.
MAX_LIST_ITEMS = 10000
CHAR_TYPE_NAMES = ("char", "signed char", "unsigned char")
IMAGE_CHECK_BYTES = 64 * 1024


class OracleError(Exception):
    """A failure that ends the whole command, with a message for the user."""


def hex_address(number):
    return "0x%x" % number


def program_files():
    """Return the main program file and its separate debug file, if gdb loaded one."""
    main = gdb.current_progspace().filename
    if not main:
        raise OracleError("no program file loaded: pass the kernel file to gdb")
    files = [main]
    for objfile in gdb.objfiles():
        if objfile.owner is not None and objfile.owner.filename == main:
            files.append(objfile.filename)
    return files


# ---------------------------------------------------------------------------
# Target access

class Target:
    """Target memory access through gdb, the program's pointer width and the warnings so far."""

    def __init__(self):
        self.inferior = gdb.selected_inferior()
        self.pointer_size = gdb.lookup_type("void").pointer().sizeof
        self.address_mask = (1 << (8 * self.pointer_size)) - 1
        self.warnings = []

    def read(self, address, size):
        """Return `size` bytes at `address`. Raises gdb.MemoryError when unreadable."""
        if size == 0:
            return b""
        return bytes(self.inferior.read_memory(address, size))

    def load(self, address, type_):
        """Read an object of `type_` at `address` once. Returns (gdb.Value, raw bytes)."""
        raw = self.read(address, type_.sizeof)
        return gdb.Value(raw, type_), raw

    def warn(self, message):
        self.warnings.append(message)


def is_data_symbol(symbol):
    """Return whether `symbol` is a variable, or an extern declaration gdb resolves by address.

    gcc describes a use of an extern variable in another file with a
    declaration, and gdb may return that declaration (LOC_UNRESOLVED) first.
    """
    return symbol.is_variable or symbol.addr_class == gdb.SYMBOL_LOC_UNRESOLVED


def lookup_variable(name):
    """Return the gdb.Symbol of global or static variable `name`, or None."""
    symbol = gdb.lookup_global_symbol(name, gdb.SYMBOL_VAR_DOMAIN)
    if symbol is None:
        symbol = gdb.lookup_static_symbol(name, gdb.SYMBOL_VAR_DOMAIN)
    if symbol is None or not is_data_symbol(symbol):
        return None
    return symbol


def symbol_address(symbol):
    return int(symbol.value().address)


def address_of(expression):
    """Return the address of a symbol that may lack debug information, or None."""
    try:
        return int(gdb.parse_and_eval("&%s" % expression)) & ((1 << 64) - 1)
    except gdb.error:
        return None


def require_variable(name):
    symbol = lookup_variable(name)
    if symbol is None:
        raise OracleError("symbol %s not found with debug information in %s: "
                          "load a kernel built with -g (or its kernel.debug)"
                          % (name, gdb.current_progspace().filename))
    return symbol


def list_walk(target, first, next_of, list_name):
    """Yield the non-NULL addresses of a linked list, at most MAX_LIST_ITEMS, stopping on a cycle."""
    seen = set()
    address = first
    while address != 0:
        if address in seen:
            target.warn("%s: cycle at %s, walk stopped" % (list_name, hex_address(address)))
            return
        if len(seen) >= MAX_LIST_ITEMS:
            target.warn("%s: more than %d items, walk stopped" % (list_name, MAX_LIST_ITEMS))
            return
        seen.add(address)
        yield address
        try:
            address = next_of(address)
        except gdb.MemoryError as error:
            target.warn("%s: next pointer of %s unreadable: %s" % (list_name, hex_address(address), error))
            return


# ---------------------------------------------------------------------------
# Typed value encoding

def encode_value(value, type_, raw, offset):
    """Encode gdb.Value `value` of `type_` as JSON data, following README.md.

    `raw` contains the bytes the value was built from and `offset` is the value's
    position in it. Char arrays are taken from `raw`, because indexing a large
    array element by element through gdb is slow.
    """
    type_ = type_.strip_typedefs().unqualified()
    code = type_.code
    if code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        return encode_members(value, type_, raw, offset)
    if code == gdb.TYPE_CODE_ARRAY:
        return encode_array(value, type_, raw, offset)
    if code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR):
        return int(value)
    if code == gdb.TYPE_CODE_BOOL:
        return int(value) != 0
    if code == gdb.TYPE_CODE_ENUM:
        number = int(value)
        names = [f.name for f in type_.fields() if f.enumval == number]
        return {"name": names[0] if names else None, "value": number}
    if code == gdb.TYPE_CODE_PTR:
        return hex_address(int(value))
    if code == gdb.TYPE_CODE_FLT:
        return float(value)
    raise OracleError("no JSON encoding for gdb type code %d (type %s)" % (code, type_))


def encode_members(value, type_, raw, offset):
    members = {}
    for field in type_.fields():
        member_offset = offset + field.bitpos // 8
        if field.name is None:
            # An anonymous struct or union contributes its members; any other
            # unnamed member is bitfield padding and has no value.
            inner = field.type.strip_typedefs().unqualified()
            if inner.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                members.update(encode_members(value[field], inner, raw, member_offset))
            continue
        members[field.name] = encode_value(value[field], field.type, raw, member_offset)
    return members


def array_length(type_):
    low, high = type_.range()
    return max(0, high - low + 1), low


def encode_array(value, type_, raw, offset):
    count, low = array_length(type_)
    element = type_.target()
    plain = element.strip_typedefs().unqualified()
    if plain.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR) and plain.name in CHAR_TYPE_NAMES:
        text = char_array_text(raw[offset:offset + count])
        if text is not None:
            return text
    return [encode_value(value[low + i], element, raw, offset + i * element.sizeof)
            for i in range(count)]


def char_array_text(data):
    """Return the C string in `data` when it is printable ASCII followed only by NULs, else None."""
    end = data.find(b"\0")
    text, rest = (data, b"") if end < 0 else (data[:end], data[end:])
    if any(byte < 0x20 or byte > 0x7E for byte in text) or rest.count(0) != len(rest):
        return None
    return text.decode("ascii")


def c_string(data):
    """Decode the bytes before the first NUL as UTF-8, replacing invalid bytes with U+FFFD."""
    end = data.find(b"\0")
    return (data if end < 0 else data[:end]).decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# Oracle sections

def kernel_section(target):
    symbol = lookup_variable("version")
    if symbol is None:
        target.warn("version: symbol not found")
        return {"version": None}
    type_ = symbol.type.strip_typedefs()
    if type_.code == gdb.TYPE_CODE_ARRAY:
        data = target.read(symbol_address(symbol), type_.sizeof)
        return {"version": c_string(data)}
    return {"version": symbol.value().string(errors="replace")}


GLOBALS = (("hz", False), ("dumptid", False), ("KPML4phys", True), ("kernphys", True))


def globals_section(target):
    result = {}
    for name, as_address in GLOBALS:
        symbol = lookup_variable(name)
        if symbol is None:
            continue
        value, _ = target.load(symbol_address(symbol), symbol.type)
        number = int(value)
        result[name] = hex_address(number) if as_address else number
    return result


class VnetSymbol:
    """A vnet_entry_ variable: its ELF name, link address and gdb symbol (None without debug info)."""

    def __init__(self, name, address, elf_size, symbol):
        self.name = name
        self.address = address
        self.elf_size = elf_size
        self.symbol = symbol


class ProgramFiles:
    """The data oracle.py takes from the program's ELF files instead of from gdb."""

    def __init__(self, vnet_symbols, bias, main, read_only_sections):
        self.vnet_symbols = vnet_symbols  # set of elffile.Symbol
        self.bias = bias  # load bias: runtime address minus ELF address
        self.main = main
        self.read_only_sections = read_only_sections  # [(elffile.Section, bytes)]


def read_program_files(set_start):
    """Read the vnet_entry_ symbols, load bias and read-only sections of the program files."""
    vnet_symbols = set()
    start_values = set()
    paths = program_files()
    try:
        for path in paths:
            with elffile.ElfFile(path) as elf:
                vnet_symbols.update(elf.symbols(VNET_SYMBOL_PREFIX))
                start_values.update(s.value for s in elf.symbols("__start_set_vnet")
                                    if s.name == "__start_set_vnet")
        with elffile.ElfFile(paths[0]) as elf:
            file_type = elf.type
            sections = [(s, elf.section_data(s)) for s in elf.read_only_sections()]
    except (OSError, elffile.ElfError) as error:
        raise OracleError(str(error))
    if not vnet_symbols:
        raise OracleError("no %s symbols in the ELF symbol table of %s"
                          % (VNET_SYMBOL_PREFIX, ", ".join(paths)))

    # A position-independent program runs at a load bias from its ELF addresses.
    bias = 0
    if len(start_values) == 1:
        elf_start = start_values.pop()
        bias = set_start - elf_start
    if bias != 0 and file_type == elffile.ET_EXEC:
        raise OracleError(
            "gdb places __start_set_vnet at %s, but the ELF symbol table of %s (an "
            "ET_EXEC file, which is never relocated) gives %s. gdb read the symbols "
            "for the wrong architecture: a gdb without FreeBSD OS ABI support reads "
            "a FreeBSD kernel with 32-bit addresses. Start gdb with "
            "-iex 'set osabi none' so that the setting applies before the kernel "
            "file loads" % (hex_address(set_start), paths[0], hex_address(elf_start)))
    return ProgramFiles(vnet_symbols, bias, paths[0], sections)


def check_program_image(target, program):
    """Raise OracleError unless target memory contains the program file's read-only sections.

    A kernel file rebuilt after the kernel booted would otherwise give
    plausible-looking but wrong expected values. Writable sections are not
    compared because the program changes them. A descriptor table placed in
    a read-only section also fails the check, because the CPU writes its
    accessed bits. Only the first IMAGE_CHECK_BYTES of each section are
    compared, to bound the time spent on large kernels.
    """
    compared = 0
    for section, data in program.read_only_sections:
        address = (section.address + program.bias) & target.address_mask
        size = min(len(data), IMAGE_CHECK_BYTES)
        try:
            memory = target.read(address, size)
        except gdb.MemoryError as error:
            target.warn("section %s at %s not compared with %s: %s"
                        % (section.name, hex_address(address), program.main, error))
            continue
        if memory != data[:size]:
            index = next(i for i in range(size) if memory[i] != data[i])
            raise OracleError(
                "target memory at %s differs from section %s of %s (byte %#x is %#x in "
                "memory, %#x in the file): the running program is not this file. "
                "Was the file rebuilt after it was started? Rerun with the file "
                "that is running" % (hex_address(address + index), section.name, program.main,
                                     index, memory[index], data[index]))
        compared += 1
    if compared == 0:
        target.warn("no read-only section of %s could be compared with target memory"
                    % program.main)


def find_vnet_symbols(target, program):
    """Return the vnet_entry_ variables of the program, sorted by name, then address."""
    variables = []
    for name, value, size in sorted(program.vnet_symbols):
        address = (value + program.bias) & target.address_mask
        symbol = match_debug_symbol(name, address)
        if symbol is None:
            target.warn("%s at %s: no debug information, value not decoded"
                        % (name, hex_address(address)))
        elif size != 0 and symbol.type.sizeof != size:
            target.warn("%s at %s: ELF size %d differs from the type's size %d"
                        % (name, hex_address(address), size, symbol.type.sizeof))
        variables.append(VnetSymbol(name, address, size, symbol))
    variables.sort(key=lambda v: (v.name, v.address))
    return variables


def match_debug_symbol(name, address):
    """Return the gdb.Symbol for `name` at `address`: static symbols may repeat across files."""
    candidates = list(gdb.lookup_static_symbols(name, gdb.SYMBOL_VAR_DOMAIN))
    symbol = gdb.lookup_global_symbol(name, gdb.SYMBOL_VAR_DOMAIN)
    if symbol is not None:
        candidates.append(symbol)
    for candidate in candidates:
        if is_data_symbol(candidate) and symbol_address(candidate) == address:
            return candidate
    return None


def variable_record(target, variable, address):
    """Read one variable at `address` and return its JSON record."""
    symbol = variable.symbol
    type_ = symbol.type if symbol is not None else None
    size = type_.sizeof if type_ is not None else variable.elf_size
    record = {
        "name": variable.name[len(VNET_SYMBOL_PREFIX):],
        "symbol": variable.name,
        "address": hex_address(address),
        "size": size,
        "type": str(type_) if type_ is not None else None,
        "bytes": None,
        "value": None,
    }
    try:
        raw = target.read(address, size)
    except gdb.MemoryError as error:
        record["error"] = "read of %d bytes at %s failed: %s" % (size, hex_address(address), error)
        return record
    record["bytes"] = raw.hex()
    if type_ is not None:
        record["value"] = encode_value(gdb.Value(raw, type_), type_, raw, 0)
    return record


def jail_record(target, prison_type, address):
    prison, raw = target.load(address, prison_type)
    name_field = field_named(prison_type, "pr_name")
    name_offset = name_field.bitpos // 8
    flags = int(prison["pr_flags"])
    parent = int(prison["pr_parent"])
    parent_jid = None
    if parent != 0:
        try:
            parent_value, _ = target.load(parent, prison_type)
            parent_jid = int(parent_value["pr_id"])
        except gdb.MemoryError as error:
            target.warn("jail at %s: parent %s unreadable: %s"
                        % (hex_address(address), hex_address(parent), error))
    return {
        "address": hex_address(address),
        "jid": int(prison["pr_id"]),
        "name": c_string(raw[name_offset:name_offset + name_field.type.sizeof]),
        "flags": flags,
        "parent_jid": parent_jid,
        "vnet": hex_address(int(prison["pr_vnet"])),
        "vnet_owner": (flags & PR_VNET) != 0,
    }


def field_named(type_, name):
    for field in type_.strip_typedefs().fields():
        if field.name == name:
            return field
    raise OracleError("%s has no member %s in the debug information" % (type_, name))


def jails_section(target):
    prison0 = require_variable("prison0")
    prison_type = prison0.type.strip_typedefs()
    prison0_address = symbol_address(prison0)
    jails = [jail_record(target, prison_type, prison0_address)]
    # prison0 is the root of the jail tree, whatever its pr_parent contains.
    jails[0]["parent_jid"] = None

    allprison = require_variable("allprison")
    head, _ = target.load(symbol_address(allprison), allprison.type)
    link = field_named(prison_type, "pr_list")

    def next_prison(address):
        entry, _ = target.load(address + link.bitpos // 8, link.type)
        return int(entry["tqe_next"])

    for address in list_walk(target, int(head["tqh_first"]), next_prison, "allprison"):
        if address == prison0_address:
            target.warn("allprison contains prison0, listed once")
            continue
        try:
            jails.append(jail_record(target, prison_type, address))
        except gdb.MemoryError as error:
            target.warn("jail at %s unreadable: %s" % (hex_address(address), error))
            break
    return jails


def vnet_record(target, vnet_type, address, vnet0, jails, variables):
    vnet, _ = target.load(address, vnet_type)
    members = {f.name for f in vnet_type.fields()}

    def member(name, convert):
        return convert(vnet[name]) if name in members else None

    data_base = int(vnet["vnet_data_base"]) & target.address_mask
    if address == vnet0:
        owners = [jails[0]]
    else:
        owners = [j for j in jails[1:] if j["vnet_owner"] and int(j["vnet"], 16) == address]
    magic = int(vnet["vnet_magic_n"])
    if magic != VNET_MAGIC_N:
        target.warn("vnet at %s: magic %s, expected %s"
                    % (hex_address(address), hex_address(magic), hex_address(VNET_MAGIC_N)))
    return {
        "address": hex_address(address),
        "vnet0": address == vnet0,
        "magic": hex_address(magic),
        "ifcnt": int(vnet["vnet_ifcnt"]),
        "sockcnt": int(vnet["vnet_sockcnt"]),
        "state": member("vnet_state", int),
        "shutdown": member("vnet_shutdown", lambda v: int(v) != 0),
        "data_mem": hex_address(int(vnet["vnet_data_mem"])),
        "data_base": hex_address(data_base),
        "jails": [{"jid": j["jid"], "name": j["name"]} for j in owners],
        "variables": [variable_record(target, v, (data_base + v.address) & target.address_mask)
                      for v in variables],
    }


def vnets_section(target, jails, variables):
    head_symbol = require_variable("vnet_head")
    vnet0_symbol = require_variable("vnet0")
    vnet0 = int(target.load(symbol_address(vnet0_symbol), vnet0_symbol.type)[0])
    head, _ = target.load(symbol_address(head_symbol), head_symbol.type)
    first = head["lh_first"]
    vnet_type = first.type.strip_typedefs().target().strip_typedefs()
    link = field_named(vnet_type, "vnet_le")

    def next_vnet(address):
        entry, _ = target.load(address + link.bitpos // 8, link.type)
        return int(entry["le_next"])

    vnets = []
    for address in list_walk(target, int(first), next_vnet, "vnet_head"):
        try:
            vnets.append(vnet_record(target, vnet_type, address, vnet0, jails, variables))
        except gdb.MemoryError as error:
            target.warn("vnet at %s unreadable: %s" % (hex_address(address), error))
            break
    return vnets


# ---------------------------------------------------------------------------
# Kernel modules

OBJ_CLASS = "elf64_obj"  # link_elf_obj.c: relocatable (amd64) modules
OBJ_LOADER_FILE = "link_elf_obj.c"


# Static variables of link_elf_obj.c: FreeBSD's class object, then the test kernel's.
OBJ_LOADER_VARIABLES = ("link_elf_class", "link_elf_obj_class")


def obj_elf_file_type():
    """Return link_elf_obj.c's struct elf_file, which differs from link_elf.c's of the same name.

    The type is looked up in the static block of link_elf_obj.c, found
    through one of its static variables.
    """
    for name in OBJ_LOADER_VARIABLES:
        for symbol in gdb.lookup_static_symbols(name, gdb.SYMBOL_VAR_DOMAIN):
            symtab = symbol.symtab
            if symtab is not None and symtab.filename.endswith(OBJ_LOADER_FILE):
                return gdb.lookup_type("struct elf_file", symtab.static_block())
    return None


def linker_file_record(target, address, file_type):
    lf, _ = target.load(address, file_type)
    ops = int(lf["ops"])
    class_name = None
    if ops != 0:
        kobj_ops, _ = target.load(ops, lf["ops"].type.strip_typedefs().target())
        cls = int(kobj_ops["cls"])
        if cls != 0:
            kobj_class, _ = target.load(cls, kobj_ops["cls"].type.strip_typedefs().target())
            class_name = kobj_class["name"].string()
    return {
        "address": hex_address(address),
        "filename": lf["filename"].string(),
        "pathname": lf["pathname"].string(),
        "address_base": hex_address(int(lf["address"])),
        "size": int(lf["size"]),
        "class": class_name,
    }


def progtab_entries(target, address, obj_type):
    """Return [{name, addr, size}] of a link_elf_obj file's progtab."""
    ef, _ = target.load(address, obj_type)
    entry_type = ef["progtab"].type.strip_typedefs().target()
    entries = []
    for i in range(int(ef["nprogtab"])):
        entry, _ = target.load(int(ef["progtab"]) + i * entry_type.sizeof, entry_type)
        entries.append({"name": entry["name"].string(), "addr": hex_address(int(entry["addr"])),
                        "size": int(entry["size"])})
    return entries


def load_module_symbols(target, path, progtab):
    """Load the module's symbols with each progtab section at its kernel address."""
    text = [e for e in progtab if e["name"] == ".text"]
    if not text:
        target.warn("%s: no .text in progtab, symbols not loaded" % path)
        return False
    command = "add-symbol-file %s %s" % (path, text[0]["addr"])
    for entry in progtab:
        if entry["name"] != ".text":
            command += " -s %s %s" % (entry["name"], entry["addr"])
    gdb.execute(command, to_string=True)
    return True


def module_variables(target, path, progtab, vnets):
    """Read the module's vnet_entry_ variables in every vnet through gdb's view of the .ko."""
    set_vnet = [e for e in progtab if e["name"] == "set_vnet"]
    if not set_vnet:
        return []
    try:
        with elffile.ElfFile(path) as elf:
            symbols = sorted(elf.symbols(VNET_SYMBOL_PREFIX))
    except (OSError, elffile.ElfError) as error:
        target.warn("module %s not read: %s" % (path, error))
        return []
    if not load_module_symbols(target, path, progtab):
        return []
    base = int(set_vnet[0]["addr"], 16)
    variables = []
    for name, value, size in symbols:
        # In the ET_REL file a set_vnet symbol's value is its offset in the section.
        address = base + value
        symbol = match_debug_symbol(name, address)
        if symbol is None:
            target.warn("module %s: %s at %s has no debug information"
                        % (path, name, hex_address(address)))
        variables.append(VnetSymbol(name, address, size, symbol))
    records = []
    for vnet in vnets:
        data_base = int(vnet["data_base"], 16)
        for variable in variables:
            record = {"vnet": vnet["address"], "module": os.path.basename(path)}
            record.update(variable_record(target, variable,
                                          (data_base + variable.address) & target.address_mask))
            records.append(record)
    return records


def modules_section(target, vnets):
    """Return linker_files and the variables of each relocatable module in every vnet."""
    head_symbol = lookup_variable("linker_files")
    if head_symbol is None:
        return None
    head, _ = target.load(symbol_address(head_symbol), head_symbol.type)
    file_type = head["tqh_first"].type.target().strip_typedefs()
    link = field_named(file_type, "link")
    obj_type = obj_elf_file_type()

    def next_file(address):
        entry, _ = target.load(address + link.bitpos // 8, link.type)
        return int(entry["tqe_next"])

    kernel_dir = os.path.dirname(os.path.abspath(gdb.current_progspace().filename))
    files, variables = [], []
    for address in list_walk(target, int(head["tqh_first"]), next_file, "linker_files"):
        record = linker_file_record(target, address, file_type)
        files.append(record)
        if record["class"] != OBJ_CLASS or obj_type is None:
            continue
        record["progtab"] = progtab_entries(target, address, obj_type)
        # kgdb looks for a module next to the kernel file first.
        path = os.path.join(kernel_dir, record["filename"])
        if not os.path.exists(path):
            target.warn("module %s not found at %s, its variables are left out"
                        % (record["filename"], path))
            continue
        variables.extend(module_variables(target, path, record["progtab"], vnets))
    return {"linker_files": files, "variables": variables}


def build_oracle():
    target = Target()
    start = address_of("__start_set_vnet")
    stop = address_of("__stop_set_vnet")
    if start is None or stop is None:
        raise OracleError("__start_set_vnet or __stop_set_vnet not found in %s: "
                          "the program has no set_vnet section (not a VIMAGE kernel?)"
                          % gdb.current_progspace().filename)

    program = read_program_files(start)
    check_program_image(target, program)
    variables = find_vnet_symbols(target, program)
    for variable in variables:
        if not start <= variable.address < stop:
            target.warn("%s at %s lies outside set_vnet [%s, %s)"
                        % (variable.name, hex_address(variable.address),
                           hex_address(start), hex_address(stop)))

    jails = jails_section(target)
    vnets = vnets_section(target, jails, variables)
    threads = kernel_state.threads_section(target)
    result = {
        "kernel": kernel_section(target),
        "globals": globals_section(target),
        "vnet_set": {"start": hex_address(start), "stop": hex_address(stop)},
        "jails": jails,
        "vnets": vnets,
        "templates": [variable_record(target, v, v.address) for v in variables],
        "counters": kernel_state.counters_section(target, vnets, variables, VNET_SYMBOL_PREFIX),
        "missing_counter_page": kernel_state.missing_counter_page(target),
        "panic": kernel_state.panic_section(target, threads),
        "threads": threads,
        "msgbuf": kernel_state.msgbuf_section(target),
        "lists": kernel_state.lists_section(target, vnets, variables, VNET_SYMBOL_PREFIX),
        # Last, because loading the module's symbols changes gdb's symbol tables.
        "modules": modules_section(target, vnets),
    }
    result["warnings"] = target.warnings
    return result


class VnetOracleCommand(gdb.Command):
    """Write the VNET and jail state of the stopped target as JSON to FILE.

Usage: vnet-oracle FILE"""

    def __init__(self):
        super().__init__("vnet-oracle", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        arguments = gdb.string_to_argv(argument)
        if len(arguments) != 1:
            raise gdb.GdbError("usage: vnet-oracle FILE")
        path = arguments[0]
        try:
            result = build_oracle()
        except OracleError as error:
            raise gdb.GdbError("vnet-oracle: %s" % error)

        temporary = path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=1)
            out.write("\n")
        os.replace(temporary, path)
        gdb.write("vnet-oracle: wrote %d jails, %d vnets, %d variables to %s (%d warnings)\n"
                  % (len(result["jails"]), len(result["vnets"]), len(result["templates"]),
                     path, len(result["warnings"])))
        for warning in result["warnings"]:
            gdb.write("vnet-oracle: warning: %s\n" % warning)


VnetOracleCommand()
