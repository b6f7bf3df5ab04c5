/*
 * Host output over QEMU's I/O port devices, behind the semihost_ calls
 * that subr_prf.c shares with the arm64 and riscv kernels: isa-debugcon at
 * port 0xe9 for the console, one more isa-debugcon per dump file (run.sh
 * attaches each to the file of the same name), and isa-debug-exit at
 * 0xf4, which ends QEMU with status (code << 1) | 1.
 */
#include "kernel.h"

#define	CONSOLE_PORT	0xe9
#define	EXIT_PORT	0xf4

/* The dump files and their ports, the numbers the amd64 test kernel uses. */
static const struct {
	const char	*path;
	uint16_t	 port;
} dump_ports[] = {
	{ "minidump", 0x4e9 },		/* minidump version 2 */
	{ "full.elf", 0x4ea },		/* full dump, ELF32 */
	{ "minidump-v1", 0x4eb },	/* minidump version 1 */
};

static void
outb(uint16_t port, uint8_t b)
{
	__asm__ volatile("outb %0, %1" : : "a"(b), "Nd"(port));
}

/* The descriptor of a dump file is its port. */
long
semihost_open(const char *path)
{
	for (size_t i = 0; i < nitems(dump_ports); i++) {
		if (strcmp(path, dump_ports[i].path) == 0)
			return (dump_ports[i].port);
	}
	semihost_write0("debugcon: no port for ");
	semihost_write0(path);
	semihost_write0("\n");
	semihost_exit(3);
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
