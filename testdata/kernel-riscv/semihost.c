/*
 * RISC-V semihosting, which reuses the Arm semihosting operations: the
 * operation number in a0 and a parameter block address in a1, trapped by
 * the uncompressed sequence "slli zero, zero, 0x1f; ebreak; srai zero,
 * zero, 7" (the RISC-V Semihosting specification). QEMU serves the calls
 * when started with -semihosting-config enable=on; files are opened
 * relative to QEMU's working directory.
 */
#include "kernel.h"

#define	SYS_OPEN	0x01
#define	SYS_CLOSE	0x02
#define	SYS_WRITE0	0x04
#define	SYS_WRITE	0x05
#define	SYS_EXIT	0x18

#define	OPEN_MODE_WB	5	/* fopen mode "wb" */
#define	ADP_Stopped_ApplicationExit 0x20026

long	semihost_trap(long op, const void *arg);

/* The three instructions must share a page, hence the alignment. */
__asm__(
    "	.section .text\n"
    "	.balign 16\n"
    "	.option push\n"
    "	.option norvc\n"
    "	.globl semihost_trap\n"
    "semihost_trap:\n"
    "	slli zero, zero, 0x1f\n"
    "	ebreak\n"
    "	srai zero, zero, 7\n"
    "	ret\n"
    "	.option pop\n");

long
semihost_open(const char *path)
{
	uint64_t args[3] = { (uintptr_t)path, OPEN_MODE_WB, strlen(path) };
	long fd = semihost_trap(SYS_OPEN, args);

	if (fd < 0) {
		semihost_write0("semihosting: cannot open ");
		semihost_write0(path);
		semihost_write0("\n");
		semihost_exit(3);
	}
	return (fd);
}

void
semihost_write(long fd, const void *buf, size_t len)
{
	uint64_t args[3] = { (uint64_t)fd, (uintptr_t)buf, len };

	/* SYS_WRITE returns the number of bytes it did not write. */
	if (semihost_trap(SYS_WRITE, args) != 0) {
		semihost_write0("semihosting: short write\n");
		semihost_exit(3);
	}
}

void
semihost_close(long fd)
{
	uint64_t args[1] = { (uint64_t)fd };

	semihost_trap(SYS_CLOSE, args);
}

void
semihost_write0(const char *s)
{
	semihost_trap(SYS_WRITE0, s);
}

void
semihost_exit(int code)
{
	uint64_t args[2] = { ADP_Stopped_ApplicationExit, (uint64_t)code };

	for (;;)
		semihost_trap(SYS_EXIT, args);
}
