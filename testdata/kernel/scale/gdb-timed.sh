#!/bin/sh
# Stand-in for gdb that tools/runvm runs through its -gdb flag: it runs
# gdb with the same arguments BENCH_GDB_RUNS times (default 1), each under
# /usr/bin/time, and appends one line per run to BENCH_GDB_TIMES:
#
#   <wall seconds> <peak RSS in KiB> <1-minute load average before the run>
#
# runvm calls it while QEMU is stopped, so every run reads the same memory
# through the gdbstub. The last run's oracle output is the one runvm keeps.
set -eu

times=${BENCH_GDB_TIMES:?BENCH_GDB_TIMES must name the file for the timings}
runs=${BENCH_GDB_RUNS:-1}
one=$(mktemp)
trap 'rm -f "$one"' EXIT

i=0
while [ "$i" -lt "$runs" ]; do
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f '%e %M' -o "$one" gdb "$@"
	echo "$(cat "$one") $load" >>"$times"
	i=$((i + 1))
done
