/* The second static variable named dead, kept because its address escapes. */
static long dead = 7;

long *
statics2_addr(void)
{
	return (&dead);
}

void
_start(void)
{
}
