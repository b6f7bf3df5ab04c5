# gdb command "value-json VAR..." that prints one JSON object mapping each
# global variable to {"type": whatis spelling, "size": sizeof, "value": the
# value}. The value follows the encoding of vnetinspect's value package, but
# every member, element and bit-field is read through gdb's own type and
# value machinery, so gdb is the independent reference.
import json

import gdb


def is_char_type(t):
    t = t.strip_typedefs().unqualified()
    return t.code == gdb.TYPE_CODE_INT and t.sizeof == 1 and t.name in (
        "char", "signed char", "unsigned char")


def encode(v):
    t = v.type.strip_typedefs()
    code = t.code
    if code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        out = {}
        for f in t.fields():
            if not f.name:
                inner = f.type.strip_typedefs().code
                if f.bitsize == 0 and inner in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                    out.update(encode(v[f]))
                continue
            out[f.name] = encode(v[f.name])
        return out
    if code == gdb.TYPE_CODE_ARRAY:
        low, high = t.range()
        elems = [v[i] for i in range(low, high + 1)]
        if is_char_type(t.target()):
            raw = bytes(int(e) & 0xFF for e in elems)
            nul = raw.find(b"\0")
            if nul < 0:
                nul = len(raw)
            text, rest = raw[:nul], raw[nul:]
            if all(0x20 <= c <= 0x7E for c in text) and not any(rest):
                return text.decode("ascii")
            return [int(e) for e in elems]
        return [encode(e) for e in elems]
    if code == gdb.TYPE_CODE_BOOL:
        return int(v) != 0
    if code == gdb.TYPE_CODE_ENUM:
        n = int(v)
        name = None
        for f in t.fields():
            if f.enumval == n:
                name = f.name
                break
        return {"name": name, "value": n}
    if code == gdb.TYPE_CODE_PTR:
        return "0x%x" % (int(v) & ((1 << (8 * t.sizeof)) - 1))
    if code == gdb.TYPE_CODE_FLT:
        return float(v)
    if code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR):
        if t.sizeof > 8:
            # gdb 13 refuses int() on __int128 but prints it exactly.
            return int(v.format_string())
        return int(v)
    raise gdb.GdbError("no encoding for type code %d of %s" % (code, t))


class ValueJSON(gdb.Command):
    """value-json VAR...: print the listed globals as one JSON object."""

    def __init__(self):
        super().__init__("value-json", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        out = {}
        for name in gdb.string_to_argv(arg):
            v = gdb.parse_and_eval(name)
            try:
                out[name] = {"type": str(v.type), "size": v.type.sizeof, "value": encode(v)}
            except gdb.error as e:
                out[name] = {"gdb_error": str(e)}
        print(json.dumps(out))


ValueJSON()
