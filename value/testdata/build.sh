#!/bin/sh
# Rebuild the test executables from values.c: gcc and clang, DWARF 4 and 5.
# They are static, freestanding amd64 executables (no libc, entry address 0)
# so that pointer initializers hold final link addresses. Built with
# Debian's gcc 12.2.0 and clang 14.0.6.
set -eu
cd "$(dirname "$0")"
for cc in gcc clang; do
	for version in 4 5; do
		"$cc" -g -gdwarf-"$version" -O0 -fno-pie -static -nostdlib \
			-Wl,-e,0 -Wl,--build-id=none \
			-o "values-$cc-dwarf$version" values.c
	done
done
