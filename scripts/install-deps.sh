#!/bin/sh
# Installs what vnetinspect's build, tests and fixtures need and the machine
# lacks: Debian packages through apt-get (run as root) and Go modules through
# the module proxy. Safe to run again: it installs nothing already present.
set -eu

missing=""
need() { # need COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need clang clang
need llvm-dwarfdump llvm
need ld.lld lld
need gcc gcc
need qemu-system-x86_64 qemu-system-x86
need qemu-system-aarch64 qemu-system-arm
need qemu-system-riscv64 qemu-system-misc
need gdb gdb
need gdb-multiarch gdb-multiarch
need tmux tmux
need zstd zstd
need bzip2 bzip2
need python3 python3

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing Debian packages:$missing; run this script as root or install them" >&2
		exit 1
	fi
	echo "install-deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	PATH=/usr/local/go/bin:$PATH
fi
if ! command -v go >/dev/null 2>&1; then
	echo "install-deps: Go 1.26 is not installed; install it into /usr/local/go" >&2
	exit 1
fi
cd "$(dirname "$0")/.."
go mod download
