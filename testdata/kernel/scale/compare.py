#!/usr/bin/env python3
"""Compare `vnetinspect dump --format ndjson` with the gdb oracle's JSON.

Usage: compare.py ORACLE.json DUMP.ndjson

For every variable of every vnet in the oracle (testdata/oracle/oracle.py),
including the variables of loaded modules, the ndjson record of the same vnet
and symbol must have the same address, bytes and decoded value. For every
counter(9) counter the oracle summed, the record's counter sum must be equal.
Records that the oracle lacks are errors too. Prints one summary line, then at
most 20 differences, and exits with status 1 when there is any.
"""

import json
import sys

MAX_SHOWN = 20


def oracle_records(oracle):
    """Yield ((vnet, symbol, address), record) for each variable gdb read."""
    for vnet in oracle["vnets"]:
        for var in vnet["variables"]:
            yield (vnet["address"], var["symbol"], var["address"]), var
    modules = oracle.get("modules") or {}
    for var in modules.get("variables", []):
        yield (var["vnet"], var["symbol"], var["address"]), var


def oracle_counters(oracle):
    """Return {(vnet, name, index): sum} of the counters gdb summed."""
    sums = {}
    for c in oracle.get("counters", []):
        sums[(c["vnet"], c["name"], c["index"])] = c.get("sum")
    return sums


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare.py ORACLE.json DUMP.ndjson")
    with open(sys.argv[1]) as f:
        oracle = json.load(f)
    expected = dict(oracle_records(oracle))
    sums = oracle_counters(oracle)

    problems = []
    seen = set()
    checked_counters = 0
    with open(sys.argv[2]) as f:
        for line_number, line in enumerate(f, 1):
            rec = json.loads(line)
            if "symbol" not in rec:
                problems.append("line %d: vnet %s has no variables: %s"
                                % (line_number, rec.get("vnet"), rec.get("error")))
                continue
            key = (rec["vnet"], rec["symbol"], rec.get("address"))
            want = expected.get(key)
            if want is None:
                problems.append("line %d: vnet %s %s at %s is not in the oracle"
                                % (line_number, *key))
                continue
            seen.add(key)
            for field in ("bytes", "value"):
                if rec.get(field) != want.get(field):
                    problems.append("vnet %s %s: %s %r, gdb %r"
                                    % (key[0], key[1], field, rec.get(field), want.get(field)))
            counters = rec.get("counters")
            if counters is None:
                continue
            name = rec["name"]
            many = isinstance(rec.get("value"), list)
            for i, got in enumerate(counters["sums"]):
                ckey = (rec["vnet"], name, i if many else None)
                if ckey not in sums:
                    problems.append("vnet %s %s[%d]: counter not in the oracle" % (rec["vnet"], name, i))
                elif got != sums[ckey]:
                    problems.append("vnet %s %s[%d]: counter sum %r, gdb %r"
                                    % (rec["vnet"], name, i, got, sums[ckey]))
                checked_counters += 1

    for key in expected.keys() - seen:
        problems.append("vnet %s %s at %s: in the oracle, missing from the dump" % key)

    print("compare: %d variable records of %d vnets and %d counter sums checked, %d differences"
          % (len(seen), len(oracle["vnets"]), checked_counters, len(problems)))
    for p in problems[:MAX_SHOWN]:
        print("  " + p)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
