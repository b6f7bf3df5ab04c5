/* Compiled with -gpubnames: .debug_names lists this unit's names. */
struct shape {
	long	s_a;
	long	s_b;
};

struct shape gap2_shape;

void
_start(void)
{
}
