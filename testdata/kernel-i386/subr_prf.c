/*
 * Console output, a flat message buffer and panic. printf understands the
 * conversions the kernel uses: %d %u %x %s %c %p with the l and z length
 * modifiers and a zero-padded or space-padded width. Console text goes to
 * QEMU through the isa-debugcon port (debugcon.c) and into msgbuf, which the
 * minidump stores as its message buffer section.
 */
#include "kernel.h"

char msgbuf[MSGBUF_BYTES];
u_int msgbuf_len;

struct outbuf {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static void
outbuf_putc(struct outbuf *ob, char c)
{
	if (ob->len + 1 < ob->size)
		ob->buf[ob->len] = c;
	ob->len++;
}

static void
outbuf_number(struct outbuf *ob, uint64_t v, u_int base, bool negative,
    int width, char pad)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	if (negative)
		digits[n++] = '-';
	for (; width > n; width--)
		outbuf_putc(ob, pad);
	while (n > 0)
		outbuf_putc(ob, digits[--n]);
}

static void
outbuf_vformat(struct outbuf *ob, const char *fmt, va_list ap)
{
	for (; *fmt != '\0'; fmt++) {
		int width = 0, longs = 0;
		char pad = ' ';

		if (*fmt != '%') {
			outbuf_putc(ob, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			outbuf_number(ob, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
			    v < 0, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, u_int);
			outbuf_number(ob, v, *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		}
		case 'p':
			outbuf_putc(ob, '0');
			outbuf_putc(ob, 'x');
			outbuf_number(ob, (uintptr_t)va_arg(ap, void *), 16, false, 0, ' ');
			break;
		case 's':
			for (const char *s = va_arg(ap, const char *); *s != '\0'; s++)
				outbuf_putc(ob, *s);
			break;
		case 'c':
			outbuf_putc(ob, (char)va_arg(ap, int));
			break;
		default:
			outbuf_putc(ob, '%');
			outbuf_putc(ob, *fmt);
			break;
		}
	}
	if (ob->size > 0)
		ob->buf[MIN(ob->len, ob->size - 1)] = '\0';
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct outbuf ob = { buf, size, 0 };
	va_list ap;

	va_start(ap, fmt);
	outbuf_vformat(&ob, fmt, ap);
	va_end(ap);
	return ((int)ob.len);
}

int
printf(const char *fmt, ...)
{
	char line[512];
	struct outbuf ob = { line, sizeof(line), 0 };
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	outbuf_vformat(&ob, fmt, ap);
	va_end(ap);
	semihost_write0(line);
	n = MIN(strlen(line), sizeof(msgbuf) - msgbuf_len);
	memcpy(msgbuf + msgbuf_len, line, n);
	msgbuf_len += (u_int)n;
	return ((int)ob.len);
}

void
halt_forever(void)
{
	semihost_exit(1);
}

/*
 * Record the panic message in panicstr and write the minidumps and the full
 * dump, as FreeBSD's panic() followed by doadump() writes one of them,
 * then stop QEMU with exit status 0.
 */
void
panic(const char *fmt, ...)
{
	static char buf[256];
	struct outbuf ob = { buf, sizeof(buf), 0 };
	va_list ap;

	va_start(ap, fmt);
	outbuf_vformat(&ob, fmt, ap);
	va_end(ap);
	panicstr = buf;
	printf("panic: %s\n", buf);
	dumping = 1;
	minidumpsys();
	dumpsys_generic();
	semihost_exit(0);
}
