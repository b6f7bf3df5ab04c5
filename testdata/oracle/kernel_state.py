"""Oracle sections for per-CPU counters, the panic context, the message buffer
and queue(3) lists, read through gdb.

oracle.py calls these functions after it has read the vnets. Each takes the
oracle's Target (memory reads and warnings) and returns JSON data; README.md
describes the format. Every value comes from gdb's reading of the debug
information and target memory.
"""

import gdb

MAX_LIST_ITEMS = 10000
COUNTER_TYPE_NAME = "counter_u64_t"
U64_MASK = (1 << 64) - 1

# Queue(3) head and entry shapes: member names in declaration order
# (sys/sys/queue.h without QUEUE_MACRO_DEBUG_TRACE).
QUEUE_HEADS = {
    ("slh_first",): "SLIST",
    ("stqh_first", "stqh_last"): "STAILQ",
    ("lh_first",): "LIST",
    ("tqh_first", "tqh_last"): "TAILQ",
}
QUEUE_ENTRIES = {
    "SLIST": ("sle_next",),
    "STAILQ": ("stqe_next",),
    "LIST": ("le_next", "le_prev"),
    "TAILQ": ("tqe_next", "tqe_prev"),
}


def hex_address(number):
    return "0x%x" % number


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


def read_variable(target, name):
    """Return the gdb.Value of global `name` read from target memory, or None if missing."""
    symbol = lookup_variable(name)
    if symbol is None:
        return None
    value, _ = target.load(int(symbol.value().address), symbol.type)
    return value


def c_string(data):
    end = data.find(b"\0")
    return (data if end < 0 else data[:end]).decode("utf-8", "replace")


def char_member(target, address, type_, name):
    """Read char array member `name` of the `type_` object at `address` as a C string."""
    field = member_field(type_, name)
    return c_string(target.read(address + field.bitpos // 8, field.type.sizeof))


def member_field(type_, name):
    for field in type_.strip_typedefs().fields():
        if field.name == name:
            return field
    raise gdb.GdbError("%s has no member %s in the debug information" % (type_, name))


def walk(target, first, next_of, list_name):
    """Yield the addresses of a linked list, stopping on NULL, a cycle or MAX_LIST_ITEMS."""
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
            target.warn("%s: next pointer of %s unreadable: %s"
                        % (list_name, hex_address(address), error))
            return


def read_u64(target, address):
    """Return the 64-bit unsigned integer at `address`, in the target's byte order."""
    raw = target.read(address & U64_MASK, 8)
    return int(gdb.Value(raw, gdb.lookup_type("unsigned long long")))


def read_pointer(target, address):
    """Return the pointer at `address`, read with the target's pointer size (4 on i386)."""
    pointer_type = gdb.lookup_type("void").pointer()
    raw = target.read(address & U64_MASK, pointer_type.sizeof)
    return int(gdb.Value(raw, pointer_type))


# ---------------------------------------------------------------------------
# counter(9)

class PerCpu:
    """The per-CPU layout: &__pcpu[0], the slot stride and which CPUs are present."""

    def __init__(self, target):
        symbol = lookup_variable("__pcpu")
        if symbol is None:
            raise gdb.GdbError("__pcpu not found with debug information")
        type_ = symbol.type.strip_typedefs()
        if type_.code == gdb.TYPE_CODE_PTR:
            # FreeBSD 13 and later: a pointer to CPU 0's struct pcpu.
            self.base = int(target.load(int(symbol.value().address), symbol.type)[0])
            pcpu_type = type_.target()
        else:
            self.base = int(symbol.value().address)
            pcpu_type = type_.target()
        # counter(9) on amd64 requires sizeof(struct pcpu) == UMA_PCPU_ALLOC_SIZE.
        self.stride = pcpu_type.strip_typedefs().sizeof
        self.maxid = int(read_variable(target, "mp_maxid"))
        table = lookup_variable("cpuid_to_pcpu")
        entries, _ = target.load(int(table.value().address), table.type)
        self.present = [int(entries[cpu]) != 0 for cpu in range(self.maxid + 1)]

    def slot(self, offset, cpu):
        """Return the address of CPU `cpu`'s slot of the counter whose value is `offset`."""
        return (self.base + offset + cpu * self.stride) & U64_MASK


def is_counter_type(type_):
    return type_.name == COUNTER_TYPE_NAME


def counter_elements(variable):
    """Return [(index, byte offset)] of the counter_u64_t values in a variable, or []."""
    symbol = variable.symbol
    if symbol is None:
        return []
    type_ = symbol.type
    if is_counter_type(type_):
        return [(None, 0)]
    plain = type_.strip_typedefs()
    if plain.code == gdb.TYPE_CODE_ARRAY and is_counter_type(plain.target()):
        low, high = plain.range()
        size = plain.target().sizeof
        return [(i, (i - low) * size) for i in range(low, high + 1)]
    return []


def counter_record(target, pcpu, vnet, name, index, address):
    record = {"vnet": vnet["address"], "name": name, "index": index,
              "address": hex_address(address)}
    # A counter_u64_t is a pointer (uint64_t *), so it is 4 bytes on ILP32,
    # while every slot it leads to is 8 bytes on all architectures.
    try:
        offset = read_pointer(target, address)
    except gdb.MemoryError as error:
        record["error"] = "counter at %s unreadable: %s" % (hex_address(address), error)
        return record
    record["offset"] = hex_address(offset)
    slots = []
    total = 0
    for cpu in range(pcpu.maxid + 1):
        if not pcpu.present[cpu]:
            slots.append(None)
            continue
        try:
            value = read_u64(target, pcpu.slot(offset, cpu))
        except gdb.MemoryError as error:
            record["error"] = "CPU %d slot at %s unreadable: %s" % (
                cpu, hex_address(pcpu.slot(offset, cpu)), error)
            slots.append(None)
            continue
        slots.append(value)
        total = (total + value) & U64_MASK
    record["slots"] = slots
    record["sum"] = None if "error" in record else total
    return record


def counters_section(target, vnets, variables, prefix):
    """Return one record per counter_u64_t (or array element) per vnet."""
    counted = [(v, counter_elements(v)) for v in variables]
    counted = [(v, e) for v, e in counted if e]
    if not counted:
        return []
    pcpu = PerCpu(target)
    records = []
    for vnet in vnets:
        data_base = int(vnet["data_base"], 16)
        for variable, elements in counted:
            name = variable.name[len(prefix):]
            for index, offset in elements:
                address = (data_base + variable.address + offset) & U64_MASK
                records.append(counter_record(target, pcpu, vnet, name, index, address))
    return records


def missing_counter_page(target):
    """Return the counter page minidump-nocpu leaves out, or None if it wrote none."""
    vnet = read_variable(target, "minidump_nocpu_vnet")
    if vnet is None or int(vnet) == 0:
        return None
    return {
        "vnet": hex_address(int(vnet)),
        "cpu": int(read_variable(target, "minidump_nocpu_cpu")),
        "address": hex_address(int(read_variable(target, "minidump_nocpu_va"))),
    }


# ---------------------------------------------------------------------------
# Processes, threads and the panic

def thread_vnet(target, thread):
    """Return (td_vnet, current vnet, prison address) of a struct thread value."""
    td_vnet = int(thread["td_vnet"])
    prison = 0
    ucred = int(thread["td_ucred"])
    prison_vnet = 0
    if ucred != 0:
        ucred_value = target.load(ucred, thread["td_ucred"].type.target())[0]
        prison = int(ucred_value["cr_prison"])
        if prison != 0:
            prison_type = ucred_value["cr_prison"].type.target()
            prison_vnet = int(target.load(prison, prison_type)[0]["pr_vnet"])
    return td_vnet, (td_vnet if td_vnet != 0 else prison_vnet), prison


def jail_of(target, prison_address, prison_type):
    if prison_address == 0:
        return None
    return {"jid": int(target.load(prison_address, prison_type)[0]["pr_id"]),
            "name": char_member(target, prison_address, prison_type, "pr_name")}


def threads_section(target):
    """Return every thread of every process on allproc, in list order."""
    allproc = lookup_variable("allproc")
    if allproc is None:
        return []
    head, _ = target.load(int(allproc.value().address), allproc.type)
    proc_type = head["lh_first"].type.target().strip_typedefs()
    p_list = member_field(proc_type, "p_list")
    p_threads = member_field(proc_type, "p_threads")
    thread_type = p_threads.type.strip_typedefs()["tqh_first"].type.target().strip_typedefs()
    td_plist = member_field(thread_type, "td_plist")
    ucred_type = member_field(thread_type, "td_ucred").type.target()
    prison_type = member_field(ucred_type, "cr_prison").type.target()

    def next_proc(address):
        return int(target.load(address + p_list.bitpos // 8, p_list.type)[0]["le_next"])

    def next_thread(address):
        return int(target.load(address + td_plist.bitpos // 8, td_plist.type)[0]["tqe_next"])

    threads = []
    for proc_address in walk(target, int(head["lh_first"]), next_proc, "allproc"):
        proc, _ = target.load(proc_address, proc_type)
        comm = char_member(target, proc_address, proc_type, "p_comm")
        first = int(proc["p_threads"]["tqh_first"])
        for address in walk(target, first, next_thread, "p_threads of pid %d" % int(proc["p_pid"])):
            thread, _ = target.load(address, thread_type)
            td_vnet, vnet, prison = thread_vnet(target, thread)
            threads.append({
                "address": hex_address(address),
                "tid": int(thread["td_tid"]),
                "name": char_member(target, address, thread_type, "td_name"),
                "proc": hex_address(proc_address),
                "pid": int(proc["p_pid"]),
                "comm": comm,
                "oncpu": int(thread["td_oncpu"]),
                "td_vnet": hex_address(td_vnet),
                "vnet": hex_address(vnet),
                "jail": jail_of(target, prison, prison_type),
            })
    return threads


def panic_section(target, threads):
    """Return the panicking thread (dumptid), its vnet and jail, panicstr and time_second."""
    dumptid = read_variable(target, "dumptid")
    panicstr = read_variable(target, "panicstr")
    time_second = read_variable(target, "time_second")
    result = {
        "dumptid": None if dumptid is None else int(dumptid),
        "thread": None, "proc_pid": None, "proc_comm": None,
        "td_vnet": None, "vnet": None, "jail": None,
        "panicstr": None,
        "time_second": None if time_second is None else int(time_second),
    }
    if panicstr is not None and int(panicstr) != 0:
        result["panicstr"] = panicstr.string(errors="replace")
    matches = [t for t in threads if dumptid is not None and t["tid"] == int(dumptid)]
    if not matches:
        if threads:
            target.warn("no thread on allproc has td_tid %s (dumptid)" % result["dumptid"])
        return result
    thread = matches[0]
    result.update({
        "thread": thread["address"], "proc_pid": thread["pid"],
        "proc_comm": thread["comm"], "td_vnet": thread["td_vnet"],
        "vnet": thread["vnet"], "jail": thread["jail"],
    })
    return result


# ---------------------------------------------------------------------------
# Message buffer

def msgbuf_section(target):
    """Return the message buffer and its text in order, read as dmesg(8) reads a core."""
    pointer = read_variable(target, "msgbufp")
    if pointer is None or int(pointer) == 0:
        return None
    msgbuf, _ = target.load(int(pointer), pointer.type.target())
    size = int(msgbuf["msg_size"])
    wseq = int(msgbuf["msg_wseq"])
    data = target.read(int(msgbuf["msg_ptr"]), size)
    # The oldest byte sits where the next one will be written.
    position = wseq % size
    ordered = (data[position:] + data[:position]).replace(b"\0", b"")
    return {
        "address": hex_address(int(pointer)),
        "magic": hex_address(int(msgbuf["msg_magic"])),
        "size": size,
        "wseq": wseq,
        "rseq": int(msgbuf["msg_rseq"]),
        "text": ordered.decode("utf-8", "replace"),
    }


# ---------------------------------------------------------------------------
# queue(3) lists

def field_names(type_):
    return tuple(f.name for f in type_.strip_typedefs().fields())


def queue_head_kind(type_):
    """Return (kind, element type) if `type_` is a queue(3) head, else None."""
    plain = type_.strip_typedefs()
    if plain.code != gdb.TYPE_CODE_STRUCT:
        return None
    kind = QUEUE_HEADS.get(field_names(plain))
    if kind is None:
        return None
    first = plain.fields()[0].type.strip_typedefs()
    if first.code != gdb.TYPE_CODE_PTR:
        return None
    element = first.target().strip_typedefs()
    if element.code != gdb.TYPE_CODE_STRUCT:
        return None
    return kind, first.target()


def is_entry_of(type_, kind, element):
    """Return whether `type_` is the kind's *_ENTRY shape whose next pointer points to `element`."""
    plain = type_.strip_typedefs()
    if plain.code != gdb.TYPE_CODE_STRUCT or field_names(plain) != QUEUE_ENTRIES[kind]:
        return False
    next_type = plain.fields()[0].type.strip_typedefs()
    return (next_type.code == gdb.TYPE_CODE_PTR
            and next_type.target().strip_typedefs() == element.strip_typedefs())


def link_member(kind, element):
    """Return the unique member of `element` that links it on a `kind` list, or None."""
    links = [f for f in element.strip_typedefs().fields()
             if f.name is not None and is_entry_of(f.type, kind, element)]
    return links[0] if len(links) == 1 else None


def queue_heads(type_, path):
    """Yield (path, byte offset, kind, element type) of heads in a variable, one member level deep."""
    found = queue_head_kind(type_)
    if found is not None:
        yield path, 0, found[0], found[1]
        return
    plain = type_.strip_typedefs()
    if plain.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        return
    for field in plain.fields():
        if field.name is None or field.bitsize != 0:
            continue
        found = queue_head_kind(field.type)
        if found is not None:
            yield "%s.%s" % (path, field.name), field.bitpos // 8, found[0], found[1]


def list_record(target, vnet, path, address, kind, element):
    link = link_member(kind, element)
    record = {"vnet": vnet["address"], "path": path, "address": hex_address(address),
              "kind": kind, "element_type": str(element), "link": None, "elements": []}
    if link is None:
        target.warn("%s in vnet %s: no unique %s_ENTRY member in %s"
                    % (path, vnet["address"], kind, element))
        return record
    record["link"] = link.name
    link_offset = link.bitpos // 8
    next_name = QUEUE_ENTRIES[kind][0]

    def next_element(item):
        entry, _ = target.load(item + link_offset, link.type)
        return int(entry[next_name])

    first = read_pointer(target, address)
    name = "%s of vnet %s" % (path, vnet["address"])
    record["elements"] = [hex_address(a) for a in walk(target, first, next_element, name)]
    return record


def lists_section(target, vnets, variables, prefix):
    """Return every queue(3) head reachable as a V_ variable or one member down, per vnet."""
    heads = []
    for variable in variables:
        if variable.symbol is None:
            continue
        name = variable.name[len(prefix):]
        for path, offset, kind, element in queue_heads(variable.symbol.type, name):
            heads.append((variable, path, offset, kind, element))
    records = []
    for vnet in vnets:
        data_base = int(vnet["data_base"], 16)
        for variable, path, offset, kind, element in heads:
            address = (data_base + variable.address + offset) & U64_MASK
            try:
                records.append(list_record(target, vnet, path, address, kind, element))
            except gdb.MemoryError as error:
                target.warn("%s in vnet %s unreadable: %s" % (path, vnet["address"], error))
    return records
