/*
 * A miniature kernel for the symbols package tests. It declares the kinds
 * of types and variables that FreeBSD kernels use: bitfields, unions,
 * anonymous members, enums, arrays, typedef chains, qualifiers, function
 * pointers and a set_vnet linker set filled through a VNET_DEFINE-style
 * macro. build.sh compiles it with several compilers and DWARF versions.
 */

#define SECTION(name)	__attribute__((__section__(name)))
#define USED		__attribute__((__used__))
#define VNET_ENTRY(n)	vnet_entry_##n
#define VNET_DEFINE(t, n)	t VNET_ENTRY(n) SECTION("set_vnet") USED
#define VNET_DEFINE_STATIC(t, n) static t VNET_ENTRY(n) SECTION("set_vnet") USED

typedef unsigned int u_int;
typedef u_int counter_t;
typedef counter_t stat_t;
typedef unsigned long uintptr_t;
typedef _Bool bool;

/* Bitfields that cross byte and storage-unit boundaries, some signed. */
struct flags {
	unsigned int	a : 3;
	unsigned int	b : 7;
	int		c : 5;
	unsigned int	d : 17;
	unsigned char	e : 4;
	unsigned long long f : 40;
	int		g;
	short		h : 9;
	unsigned int	: 0;
	unsigned int	i : 1;
	signed char	j : 3;
};

union word {
	unsigned int	w;
	unsigned char	bytes[4];
	struct {
		unsigned int	lo : 12;
		unsigned int	hi : 20;
	} parts;
};

enum color { RED, GREEN = 5, BLUE = -2 };
enum big { BIG_ONE = 1, BIG_TOP = 0x80000000u };

/* Anonymous struct and union members, nested two deep. */
struct packet {
	int	kind;
	union {
		struct {
			unsigned short	sport;
			unsigned short	dport;
		};
		unsigned int	ports;
	};
	struct {
		char	tag;
		union {
			long	lval;
			double	dval;
		};
	};
	char	payload[];
};

struct listed {
	struct {
		struct listed	*le_next;
		struct listed	**le_prev;
	} link;
	int	value;
};

/* A struct laid out like FreeBSD's struct vnet. */
struct vnet {
	struct {
		struct vnet	*le_next;
		struct vnet	**le_prev;
	} vnet_le;
	u_int		vnet_magic_n;
	u_int		vnet_ifcnt;
	u_int		vnet_sockcnt;
	u_int		vnet_state;
	void		*vnet_data_mem;
	uintptr_t	vnet_data_base;
	bool		vnet_shutdown;
};

struct arrays {
	int		row[4];
	int		grid[3][5];
	char		name[16];
	char		big[300];
	struct listed	*ptrs[4];
	int		(*rowp)[4];
	int		zero[0];
};

typedef struct flags flags_t;
typedef flags_t *flags_p;
typedef void (*handler_t)(int);
typedef int (*printer_t)(const char *, ...);

struct ops {
	void		(*op_start)(int);
	int		(*op_print)(const char *, ...);
	handler_t	op_handler;
	struct vnet	*(*op_lookup)(unsigned long, const char *);
	int		(*op_table[2])(void);
};

int hz = 1000;
volatile int ticks;
const char *version = "kern 1.0";
char *const fixed_ptr = 0;
char *const *fixed_pp;
const volatile unsigned long cvl = 7;
stat_t stat_total = 42;
flags_t flags_template;
flags_p flags_ptr;
handler_t on_tick;
printer_t printer;
struct ops ops;
struct arrays arrays;
union word word = { .w = 0xabcdef12 };
enum color color = BLUE;
enum big big = BIG_TOP;
struct packet packet;
struct vnet *vnet0;
struct vnet vnet_storage;
long grid_sum[2][3][4];
double ratio = 0.5;
unsigned long long big_value = 0x1122334455667788ULL;
char bss_buf[32];
unsigned char huge_buf[70000];
short sval = -12;
unsigned short usval = 65000;
signed char scval = -5;
long long llval = -9;
int shared = 1;

struct flags flags_init = {
	.a = 5, .b = 100, .c = -3, .d = 0x1abcd, .e = 9,
	.f = 0x123456789aULL, .g = -7, .h = -200, .i = 1, .j = -2,
};

VNET_DEFINE(int, ifindex) = 3;
VNET_DEFINE(struct flags, vflags) = { .a = 2, .c = -16, .d = 0x10001, .h = 255 };
VNET_DEFINE(char, vname[16]) = "vnet0";
VNET_DEFINE(struct listed *, vlist);
VNET_DEFINE_STATIC(u_int, vcount) = 11;
VNET_DEFINE(struct packet, vpacket);

extern char __start_set_vnet[], __stop_set_vnet[];

unsigned long
vnet_bytes(void)
{
	return (unsigned long)(__stop_set_vnet - __start_set_vnet) +
	    VNET_ENTRY(vcount);
}

void
_start(void)
{
	for (;;)
		ticks += (int)vnet_bytes();
}
