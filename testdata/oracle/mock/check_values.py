"""Compare vnet-oracle's JSON for the mock with the values that mock.c sets.

Usage: python3 check_values.py ORACLE.json
Prints one line per mismatch and exits 1 if there is any.
"""

import json
import re
import sys

MASK64 = (1 << 64) - 1
VERSION = ("FreeBSD 14.1-RELEASE mock #0: oracle test\n"
           "    root@mock:/sys/amd64/compile/MOCK\n")

failures = []


def expect(label, got, want):
    if got != want:
        failures.append("%s: got %r, expected %r" % (label, got, want))


def by_name(records, name, type_=None):
    """Return the variable record `name`; `type_` picks one of the two vnet_entry_dup."""
    for record in records:
        if record["name"] == name and (type_ is None or record["type"] == type_):
            return record
    raise SystemExit("FAIL: variable %s (%s) missing" % (name, type_))


def check_top(data):
    expect("kernel.version", data["kernel"]["version"], VERSION)
    expect("globals", data["globals"],
           {"hz": 1000, "dumptid": 100123, "KPML4phys": "0x1c3a000", "kernphys": "0x200000"})
    expect("warnings", data["warnings"], [])


def check_jails(data):
    jails = data["jails"]
    expect("jail ids", [j["jid"] for j in jails], [0, 1, 2, 3])
    expect("jail names", [j["name"] for j in jails], ["0", "alpha", "gamma", "alpha.beta"])
    expect("jail flags", [j["flags"] for j in jails], [0x12, 0x10, 0, 0x10])
    expect("jail parents", [j["parent_jid"] for j in jails], [None, 0, 0, 1])
    expect("jail vnet owners", [j["vnet_owner"] for j in jails], [True, True, False, True])

    # vnet_head lists the newest vnet first: beta, alpha, vnet0.
    vnets = data["vnets"]
    expect("vnet count", len(vnets), 3)
    addresses = [v["address"] for v in vnets]
    expect("jail vnet pointers", [j["vnet"] for j in jails],
           [addresses[2], addresses[1], addresses[2], addresses[0]])


def check_vnets(data):
    vnets = data["vnets"]
    start = int(data["vnet_set"]["start"], 16)
    expect("vnet0 flags", [v["vnet0"] for v in vnets], [False, False, True])
    expect("vnet jails", [v["jails"] for v in vnets],
           [[{"jid": 3, "name": "alpha.beta"}], [{"jid": 1, "name": "alpha"}],
            [{"jid": 0, "name": "0"}]])
    expect("magics", [v["magic"] for v in vnets], ["0x5e4a6f28"] * 3)
    expect("ifcnt", [v["ifcnt"] for v in vnets], [0, 1, 2])
    expect("sockcnt", [v["sockcnt"] for v in vnets], [0, 3, 5])
    expect("state", [v["state"] for v in vnets], [0x0DC00000] * 3)
    expect("shutdown", [v["shutdown"] for v in vnets], [True, False, False])
    for v in vnets:
        bias = (int(v["data_mem"], 16) - start) & MASK64
        expect("data_base of " + v["address"], int(v["data_base"], 16), bias)


def check_addresses(data):
    start = int(data["vnet_set"]["start"], 16)
    stop = int(data["vnet_set"]["stop"], 16)
    templates = data["templates"]
    expect("variable count", len(templates), 25)
    names = [t["name"] for t in templates]
    expect("variables sorted by name", names, sorted(names))
    for t in templates:
        address = int(t["address"], 16)
        if not start <= address < stop:
            failures.append("template %s at %#x outside [%#x, %#x)" % (t["name"], address, start, stop))
        expect("bytes length of " + t["name"], len(t["bytes"]), 2 * t["size"])
    for v in data["vnets"]:
        base = int(v["data_base"], 16)
        for t, r in zip(templates, v["variables"]):
            want = (base + int(t["address"], 16)) & MASK64
            expect("address of %s in %s" % (t["name"], v["address"]), int(r["address"], 16), want)


def check_templates(data):
    t = data["templates"]
    expect("template counter", by_name(t, "counter")["value"], 42)
    expect("template counter bytes", by_name(t, "counter")["bytes"], "2a000000")
    expect("template big", by_name(t, "big")["value"], 0xFEDCBA9876543210)
    expect("template big bytes", by_name(t, "big")["bytes"], "1032547698badcfe")
    expect("template precise", by_name(t, "precise")["value"], 9007199254740993)
    expect("template negative", by_name(t, "negative")["value"], -5)

    expect("template enabled", by_name(t, "enabled")["value"], True)
    expect("template volatile_count", by_name(t, "volatile_count")["value"], 9)
    expect("template volatile_count type", by_name(t, "volatile_count")["type"], "mock_vol_t")

    expect("template flags", by_name(t, "flags")["value"],
           {"lo": 5, "sgn": -3, "on": True, "color": {"name": "MC_BLUE", "value": 2},
            "wide": 0xABCDEF0123, "tail": 7})
    expect("template state", by_name(t, "state")["value"], {"name": "MS_UP", "value": 1})
    expect("template odd_state", by_name(t, "odd_state")["value"], {"name": None, "value": 3})
    expect("template word", by_name(t, "word")["value"],
           {"u32": 0x41424344, "bytes": "DCBA", "half": [0x4344, 0x4142]})

    expect("template hostname", by_name(t, "hostname")["value"], "vnet-template")
    expect("template hostname type", by_name(t, "hostname")["type"], "char [16]")
    expect("template junk_after_nul", by_name(t, "junk_after_nul")["value"],
           [97, 98, 0, 99, 0, 0, 0, 0])
    expect("template nonprint", by_name(t, "nonprint")["value"], [97, 7, 0, 0])
    expect("template zeros", by_name(t, "zeros")["value"], "")
    expect("template small", by_name(t, "small")["value"], [1, -1, 2])
    expect("template names", by_name(t, "names")["value"], ["one", "two"])

    expect("template counter_ptr", by_name(t, "counter_ptr")["value"],
           by_name(t, "counter")["address"])
    expect("template nothing", by_name(t, "nothing")["value"], "0x0")
    expect("template raw_callback type", by_name(t, "raw_callback")["type"], "int (*)(void)")
    expect("template callback type", by_name(t, "callback")["type"], "mock_cb_t")

    anon = by_name(t, "anon")["value"]
    expect("template anon keys", list(anon), ["kind", "ival", "lo16", "hi16", "label"])
    expect("template anon halves", (anon["lo16"], anon["hi16"]), (0x1111, 0x2222))
    expect("template anon ival", anon["ival"], 0x22221111)

    expect("template pairs", by_name(t, "pairs")["value"],
           [{"key": 1, "value": 10}, {"key": 2, "value": 20}, {"key": 3, "value": 30}])
    expect("template dup int", by_name(t, "dup", "int")["value"], 1)
    expect("template dup short", by_name(t, "dup", "short")["value"], 2)
    expect("template modspace", by_name(t, "modspace")["value"], "")
    expect("template modspace size", by_name(t, "modspace")["size"], 32768)


def check_per_vnet(data):
    beta, alpha, vnet0 = (v["variables"] for v in data["vnets"])
    expect("counters", [by_name(x, "counter")["value"] for x in (beta, alpha, vnet0)],
           [102, 101, 100])
    expect("vnet0 flags.lo", by_name(vnet0, "flags")["value"]["lo"], 1)
    expect("alpha flags.sgn", by_name(alpha, "flags")["value"]["sgn"], -16)
    expect("alpha state", by_name(alpha, "state")["value"], {"name": "MS_DYING", "value": 7})
    expect("beta state", by_name(beta, "state")["value"], {"name": "MS_NEG", "value": -2})
    expect("alpha enabled", by_name(alpha, "enabled")["value"], False)
    expect("alpha dup int", by_name(alpha, "dup", "int")["value"], 11)
    expect("alpha dup short", by_name(alpha, "dup", "short")["value"], 22)
    expect("vnet0 dup short", by_name(vnet0, "dup", "short")["value"], 2)
    expect("alpha counter_ptr", by_name(alpha, "counter_ptr")["value"],
           by_name(alpha, "counter")["address"])
    expect("vnet0 hostname", by_name(vnet0, "hostname")["value"], "vnet0")
    # strcpy over "vnet-template" leaves the template's tail after the NUL.
    expect("alpha hostname", by_name(alpha, "hostname")["value"],
           list(b"alpha\0emplate\0\0\0"))
    expect("beta word", by_name(beta, "word")["value"],
           {"u32": 0x00414243, "bytes": "CBA", "half": [0x4243, 0x0041]})
    expect("alpha modspace", by_name(alpha, "modspace")["value"], "mod")
    expect("vnet0 modspace", by_name(vnet0, "modspace")["value"], "")
    modspace = by_name(beta, "modspace")["value"]
    expect("beta modspace", modspace, [0] * 100 + [1] + [0] * (32768 - 101))


def check_exact_integers(text):
    """Integers above 2^53 must be JSON integer literals, not floats."""
    for literal in ("9007199254740993", "18364758544493064720"):
        if not re.search(r"\b%s\b" % literal, text):
            failures.append("literal %s not in the JSON text" % literal)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    data = json.loads(text)
    check_top(data)
    check_jails(data)
    check_vnets(data)
    check_addresses(data)
    check_templates(data)
    check_per_vnet(data)
    check_exact_integers(text)
    for failure in failures:
        print("FAIL:", failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
