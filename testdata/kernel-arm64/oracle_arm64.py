"""Adapt ../oracle/oracle.py's counter(9) reading to arm64.

On amd64 a counter_u64_t holds an offset from &__pcpu[0], which is how
kernel_state.PerCpu computes slot addresses. On arm64 (and every other
FreeBSD architecture) it holds CPU 0's slot address itself, and CPU c's
slot is UMA_PCPU_ALLOC_SIZE (PAGE_SIZE) * c bytes further, per
zpcpu_get_cpu in sys/sys/pcpu.h. Source this file after oracle.py and
before running vnet-oracle. The CPU list still comes from gdb's reading
of mp_maxid and cpuid_to_pcpu.
"""

import gdb

import kernel_state


class Arm64PerCpu:
    """The per-CPU layout of an arm64 kernel: absolute slot addresses."""

    def __init__(self, target):
        self.base = 0
        # UMA_PCPU_ALLOC_SIZE is PAGE_SIZE, which the kernel exports as
        # pagesizes[0] (4096 or 16384).
        pagesizes = kernel_state.read_variable(target, "pagesizes")
        if pagesizes is None:
            raise gdb.GdbError("pagesizes not found with debug information")
        self.stride = int(pagesizes[0])
        self.maxid = int(kernel_state.read_variable(target, "mp_maxid"))
        table = kernel_state.lookup_variable("cpuid_to_pcpu")
        if table is None:
            raise gdb.GdbError("cpuid_to_pcpu not found with debug information")
        entries, _ = target.load(int(table.value().address), table.type)
        self.present = [int(entries[cpu]) != 0 for cpu in range(self.maxid + 1)]

    def slot(self, value, cpu):
        """Return the address of CPU `cpu`'s slot of the counter whose value is `value`."""
        return (value + cpu * self.stride) & kernel_state.U64_MASK


kernel_state.PerCpu = Arm64PerCpu
