/*
 * Arm semihosting (the "Semihosting for AArch32 and AArch64" specification):
 * HLT #0xF000 with the operation number in w0 and a parameter block address
 * in x1. QEMU serves the calls when started with -semihosting-config
 * enable=on; files are opened relative to QEMU's working directory. The
 * kernel writes its console and its dump to host files this way.
 */
#include "kernel.h"

#define	SYS_OPEN	0x01
#define	SYS_CLOSE	0x02
#define	SYS_WRITE0	0x04
#define	SYS_WRITE	0x05
#define	SYS_EXIT	0x18

#define	OPEN_MODE_WB	5	/* fopen mode "wb" */
#define	ADP_Stopped_ApplicationExit 0x20026

static long
semihost_call(long op, const void *arg)
{
	register long x0 __asm__("x0") = op;
	register const void *x1 __asm__("x1") = arg;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return (x0);
}

long
semihost_open(const char *path)
{
	uint64_t args[3] = { (uintptr_t)path, OPEN_MODE_WB, strlen(path) };
	long fd = semihost_call(SYS_OPEN, args);

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
	if (semihost_call(SYS_WRITE, args) != 0) {
		semihost_write0("semihosting: short write\n");
		semihost_exit(3);
	}
}

void
semihost_close(long fd)
{
	uint64_t args[1] = { (uint64_t)fd };

	semihost_call(SYS_CLOSE, args);
}

void
semihost_write0(const char *s)
{
	semihost_call(SYS_WRITE0, s);
}

void
semihost_exit(int code)
{
	uint64_t args[2] = { ADP_Stopped_ApplicationExit, (uint64_t)code };

	for (;;)
		semihost_call(SYS_EXIT, args);
}
