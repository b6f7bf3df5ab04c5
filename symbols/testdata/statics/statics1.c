/*
 * Two files each define a static variable named dead. Built with -O2,
 * this file's copy is only ever stored to, so clang drops it and writes a
 * variable DIE with no DW_AT_location, which .debug_names does not list.
 */
static int dead;

void
statics1_set(void)
{
	dead = 1;
}
