/*
 * Compiled without -gpubnames, so .debug_names does not cover this unit.
 * Its struct shape differs from gap2.c's, as a kernel structure can
 * differ between files built with different options.
 */
struct shape {
	int	s_a;
};

struct shape gap1_shape;
