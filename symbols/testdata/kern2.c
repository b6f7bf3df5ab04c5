/*
 * A second compilation unit: a static variable and a static function that
 * share names with globals in kern.c, so lookups must prefer the global.
 */

static long shared = 2;

static int
hz_helper(void)
{
	return ((int)shared);
}

int
helper(void)
{
	return (hz_helper());
}
