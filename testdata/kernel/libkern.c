/*
 * Freestanding memory and string routines. The compilers may emit calls to
 * memcpy and memset for structure copies even with -ffreestanding.
 */
#include "kernel.h"

void *
memcpy(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (len-- > 0)
		*d++ = *s++;
	return (dst);
}

void *
memmove(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		return (memcpy(dst, src, len));
	while (len-- > 0)
		d[len] = s[len];
	return (dst);
}

void *
memset(void *dst, int c, size_t len)
{
	unsigned char *d = dst;

	while (len-- > 0)
		*d++ = (unsigned char)c;
	return (dst);
}

int
memcmp(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;

	for (; len > 0; len--, x++, y++) {
		if (*x != *y)
			return (*x - *y);
	}
	return (0);
}

size_t
strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return (n);
}

int
strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return ((unsigned char)*a - (unsigned char)*b);
}

/* Copy src into dst of size bytes, always terminating; return strlen(src). */
size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return (n);
}
