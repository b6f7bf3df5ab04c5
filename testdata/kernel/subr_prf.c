/*
 * Formatted output to the console port and the kernel message buffer.
 *
 * printf writes to both, like FreeBSD's kernel printf. cons_printf writes
 * only to the console, so the progress lines printed while the dumps are
 * written do not change the message buffer the dumps contain.
 */
#include "kernel.h"
#include "msgbuf.h"

struct msgbuf *msgbufp;

struct outbuf {
	char	*buf;		/* NULL: no buffer, only count */
	size_t	 size;
	size_t	 len;		/* characters produced so far */
};

static void
outbuf_putc(struct outbuf *ob, char c)
{
	if (ob->buf != NULL && ob->len + 1 < ob->size)
		ob->buf[ob->len] = c;
	ob->len++;
}

static void
outbuf_number(struct outbuf *ob, uint64_t v, int base, bool negative,
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

/*
 * Format into ob. Supported: %d %i %u %x %p %s %c %%, the length modifiers
 * l, ll and z, a field width and the 0 flag.
 */
static void
outbuf_vformat(struct outbuf *ob, const char *fmt, va_list ap)
{
	for (; *fmt != '\0'; fmt++) {
		int width = 0, longs = 0;
		char pad = ' ';
		int64_t sv;
		uint64_t uv;
		const char *s;

		if (*fmt != '%') {
			outbuf_putc(ob, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = longs > 0 ? va_arg(ap, int64_t) : va_arg(ap, int);
			uv = sv < 0 ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
			outbuf_number(ob, uv, 10, sv < 0, width, pad);
			break;
		case 'u':
		case 'x':
			uv = longs > 0 ? va_arg(ap, uint64_t) : va_arg(ap, u_int);
			outbuf_number(ob, uv, *fmt == 'u' ? 10 : 16, false,
			    width, pad);
			break;
		case 'p':
			outbuf_putc(ob, '0');
			outbuf_putc(ob, 'x');
			outbuf_number(ob, (uintptr_t)va_arg(ap, void *), 16,
			    false, width, pad);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			for (; *s != '\0'; s++)
				outbuf_putc(ob, *s);
			break;
		case 'c':
			outbuf_putc(ob, (char)va_arg(ap, int));
			break;
		case '%':
			outbuf_putc(ob, '%');
			break;
		default:
			outbuf_putc(ob, '%');
			outbuf_putc(ob, *fmt);
			break;
		}
	}
	if (ob->buf != NULL && ob->size > 0)
		ob->buf[ob->len < ob->size ? ob->len : ob->size - 1] = '\0';
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

/* Append one character to the message buffer ring, as msgbuf_addchar does. */
static void
msgbuf_addchar(struct msgbuf *mbp, char c)
{
	u_int pos = mbp->msg_wseq % mbp->msg_size;

	mbp->msg_cksum -= (u_char)mbp->msg_ptr[pos];
	mbp->msg_ptr[pos] = c;
	mbp->msg_cksum += (u_char)c;
	mbp->msg_wseq = (mbp->msg_wseq + 1) % mbp->msg_seqmod;
}

static void
emit(const char *s, size_t len, bool tolog)
{
	outsb(CONSOLE_PORT, s, len);
	if (!tolog || msgbufp == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		msgbuf_addchar(msgbufp, s[i]);
}

static int
vprintf_to(bool tolog, const char *fmt, va_list ap)
{
	char line[512];
	struct outbuf ob = { line, sizeof(line), 0 };

	outbuf_vformat(&ob, fmt, ap);
	emit(line, MIN(ob.len, sizeof(line) - 1), tolog);
	return ((int)ob.len);
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf_to(true, fmt, ap);
	va_end(ap);
	return (n);
}

/*
 * Write a message to the message buffer only, as log(9) does when no
 * syslogd is reading. The test kernel writes no "<priority>" prefix.
 */
void
log(int pri, const char *fmt, ...)
{
	char line[512];
	struct outbuf ob = { line, sizeof(line), 0 };
	va_list ap;

	(void)pri;
	va_start(ap, fmt);
	outbuf_vformat(&ob, fmt, ap);
	va_end(ap);
	if (msgbufp == NULL)
		return;
	for (size_t i = 0; i < MIN(ob.len, sizeof(line) - 1); i++)
		msgbuf_addchar(msgbufp, line[i]);
}

int
cons_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf_to(false, fmt, ap);
	va_end(ap);
	return (n);
}

/*
 * Set up the message buffer in size bytes of physical memory at pa, with
 * the text area first and struct msgbuf in the last bytes, as FreeBSD's
 * msgbufinit does.
 */
void
msgbuf_setup(vm_paddr_t pa, size_t size)
{
	char *base = phys_to_virt(pa);
	struct msgbuf *mbp;

	memset(base, 0, size);
	mbp = (struct msgbuf *)(base + size - sizeof(*mbp));
	mbp->msg_ptr = base;
	mbp->msg_magic = MSG_MAGIC;
	mbp->msg_size = (u_int)(size - sizeof(*mbp));
	mbp->msg_seqmod = mbp->msg_size * 16;
	mbp->msg_lastpri = -1;
	msgbufp = mbp;
}

void
halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * Record the panic message in panicstr and write the crash dumps, as
 * FreeBSD's panic() followed by doadump() does. Never returns.
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
	minidumpsys(dump_old);
	if (dump_full)
		dumpsys_generic();
	cons_printf("vnetinspect-test: dumps written\n");
	halt_forever();
}
