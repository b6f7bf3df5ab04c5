/*
 * 64-bit unsigned division for i386, which clang calls as __udivdi3 and
 * __umoddi3 (the libgcc and compiler-rt names) because the CPU divides
 * only 64 by 32 bits. Shift-and-subtract is slow but only runs at boot.
 */
#include "kernel.h"

uint64_t	__udivdi3(uint64_t n, uint64_t d);
uint64_t	__umoddi3(uint64_t n, uint64_t d);

static uint64_t
divide(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	if (d == 0)
		panic("division by zero");
	for (int i = 63; i >= 0; i--) {
		r = r << 1 | (n >> i & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	*rem = r;
	return (q);
}

uint64_t
__udivdi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	return (divide(n, d, &r));
}

uint64_t
__umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	divide(n, d, &r);
	return (r);
}
