/*
 * Host output over QEMU's I/O port devices, behind the semihost_ calls
 * that subr_prf.c shares with the arm64 and riscv kernels: isa-debugcon at
 * port 0xe9 for the console, a second isa-debugcon at 0x4e9 for the
 * minidump (run.sh attaches it to the file "minidump"), and
 * isa-debug-exit at 0xf4, which ends QEMU with status (code << 1) | 1.
 */
#include "kernel.h"

#define	CONSOLE_PORT	0xe9
#define	DUMP_PORT	0x4e9
#define	EXIT_PORT	0xf4

static void
outb(uint16_t port, uint8_t b)
{
	__asm__ volatile("outb %0, %1" : : "a"(b), "Nd"(port));
}

/* Only "minidump" exists; its descriptor is its port. */
long
semihost_open(const char *path)
{
	if (strcmp(path, "minidump") != 0) {
		semihost_write0("debugcon: no port for ");
		semihost_write0(path);
		semihost_write0("\n");
		semihost_exit(3);
	}
	return (DUMP_PORT);
}

void
semihost_write(long fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		outb((uint16_t)fd, p[i]);
}

void
semihost_close(long fd __attribute__((unused)))
{
}

void
semihost_write0(const char *s)
{
	for (; *s != '\0'; s++)
		outb(CONSOLE_PORT, (uint8_t)*s);
}

void
semihost_exit(int code)
{
	for (;;) {
		outb(EXIT_PORT, (uint8_t)code);
		__asm__ volatile("cli; hlt");
	}
}
