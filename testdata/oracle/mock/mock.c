/*
 * Userland mock of a FreeBSD VIMAGE kernel's VNET and jail state, used to
 * develop and test ../oracle.py without a kernel.
 *
 * It builds three vnets the way vnet_alloc does (copy of set_vnet plus the
 * bias vnet_data_base), gives each vnet its own values, sets up prison0 and
 * three jails on allprison, and stops with SIGTRAP so that gdb can run vnet-oracle.
 * check.sh compares the oracle's JSON with the values set here.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "vnet_mock.h"

/* Kernel globals that the oracle reports. */
typedef int32_t lwpid_t;
typedef uint64_t vm_paddr_t;

int hz = 1000;
lwpid_t dumptid = 100123;
uint64_t KPML4phys = 0x1c3a000;
vm_paddr_t kernphys = 0x200000;
char version[] = "FreeBSD 14.1-RELEASE mock #0: oracle test\n"
    "    root@mock:/sys/amd64/compile/MOCK\n";

struct vnet_list_head vnet_head = LIST_HEAD_INITIALIZER(vnet_head);
struct vnet *vnet0;
struct prison prison0;
struct prisonlist allprison = TAILQ_HEAD_INITIALIZER(allprison);

/* Types of the virtualized variables: one of each kind the oracle encodes. */
enum mock_state { MS_NEG = -2, MS_DOWN = 0, MS_UP = 1, MS_DYING = 7 };
enum mock_color { MC_RED, MC_GREEN, MC_BLUE };

struct mock_flags {
	unsigned lo : 3;
	int sgn : 5;
	bool on : 1;
	enum mock_color color : 2;
	uint64_t wide : 40;
	unsigned char tail;
};

union mock_word {
	uint32_t u32;
	unsigned char bytes[4];
	uint16_t half[2];
};

struct mock_anon {
	int kind;
	union {
		int ival;
		struct {
			uint16_t lo16;
			uint16_t hi16;
		};
	};
	const char *label;
};

struct mock_pair {
	uint8_t key;
	uint32_t value;
};

typedef int (*mock_cb_t)(int);
typedef volatile u_int mock_vol_t;

static int
mock_callback(int x)
{
	return (x + 1);
}

static int
mock_raw_callback(void)
{
	return (0);
}

/* The set_vnet section: template values, copied into every vnet. */
VNET_DEFINE(int, counter) = 42;
VNET_DEFINE_STATIC(unsigned long, big) = 0xfedcba9876543210UL;
VNET_DEFINE(uint64_t, precise) = 9007199254740993ULL; /* 2^53 + 1 */
VNET_DEFINE(int64_t, negative) = -5;
VNET_DEFINE(bool, enabled) = true;
VNET_DEFINE(mock_vol_t, volatile_count) = 9;
VNET_DEFINE(struct mock_flags, flags) = {
	.lo = 5, .sgn = -3, .on = true, .color = MC_BLUE,
	.wide = 0xabcdef0123ULL, .tail = 7,
};
VNET_DEFINE(enum mock_state, state) = MS_UP;
VNET_DEFINE(enum mock_state, odd_state) = (enum mock_state)3;
VNET_DEFINE(union mock_word, word) = { .u32 = 0x41424344 };
VNET_DEFINE(char, hostname[16]) = "vnet-template";
VNET_DEFINE(char, junk_after_nul[8]) = { 'a', 'b', 0, 'c' };
VNET_DEFINE(char, nonprint[4]) = { 'a', 0x07 };
VNET_DEFINE(unsigned char, zeros[8]);
VNET_DEFINE(int8_t, small[3]) = { 1, -1, 2 };
VNET_DEFINE(char, names[2][8]) = { "one", "two" };
VNET_DEFINE(int *, counter_ptr) = &vnet_entry_counter;
VNET_DEFINE(void *, nothing);
VNET_DEFINE(mock_cb_t, callback) = mock_callback;
__attribute__((section("set_vnet"), used)) int (*vnet_entry_raw_callback)(void) =
    mock_raw_callback;
VNET_DEFINE(struct mock_anon, anon) = {
	.kind = 2, .lo16 = 0x1111, .hi16 = 0x2222, .label = "anon-label",
};
VNET_DEFINE(struct mock_pair, pairs[3]) = { { 1, 10 }, { 2, 20 }, { 3, 30 } };
VNET_DEFINE_STATIC(int, dup) = 1;
VNET_DEFINE_STATIC(char, modspace[32768]);

static struct prison jails[3];

static struct vnet *
mock_vnet_alloc(void)
{
	struct vnet *vnet;
	size_t bytes, size;

	vnet = aligned_alloc(64, sizeof(*vnet));
	memset(vnet, 0, sizeof(*vnet));
	vnet->vnet_magic_n = VNET_MAGIC_N;
	vnet->vnet_state = SI_SUB_VNET_DONE;

	/* Like vnet_alloc: page-rounded copy of the set, then the bias. */
	bytes = VNET_STOP - VNET_START;
	size = (bytes + 4095) & ~(size_t)4095;
	vnet->vnet_data_mem = malloc(size);
	memcpy(vnet->vnet_data_mem, (void *)VNET_START, bytes);
	vnet->vnet_data_base = (uintptr_t)vnet->vnet_data_mem - VNET_START;

	LIST_INSERT_HEAD(&vnet_head, vnet, vnet_le);
	return (vnet);
}

static void
mock_jail_init(struct prison *pr, int id, const char *name, unsigned flags,
    struct prison *parent, struct vnet *vnet)
{
	pr->pr_id = id;
	pr->pr_ref = 1;
	pr->pr_uref = 1;
	pr->pr_flags = flags;
	pr->pr_parent = parent;
	pr->pr_vnet = vnet;
	strncpy(pr->pr_name, name, sizeof(pr->pr_name) - 1);
}

int
main(void)
{
	struct vnet *alpha, *beta;

	vnet0 = mock_vnet_alloc();
	vnet0->vnet_ifcnt = 2;
	vnet0->vnet_sockcnt = 5;
	VNET_VNET(vnet0, counter) = 100;
	VNET_VNET(vnet0, flags).lo = 1;
	/* Cleared first, so that no template bytes remain after the NUL. */
	memset(VNET_VNET(vnet0, hostname), 0, sizeof(VNET_VNET(vnet0, hostname)));
	strcpy(VNET_VNET(vnet0, hostname), "vnet0");

	alpha = mock_vnet_alloc();
	alpha->vnet_ifcnt = 1;
	alpha->vnet_sockcnt = 3;
	VNET_VNET(alpha, counter) = 101;
	VNET_VNET(alpha, flags).sgn = -16;
	VNET_VNET(alpha, state) = MS_DYING;
	VNET_VNET(alpha, enabled) = false;
	VNET_VNET(alpha, dup) = 11;
	VNET_VNET(alpha, counter_ptr) = &VNET_VNET(alpha, counter);
	memcpy(VNET_VNET(alpha, modspace), "mod", 3);
	strcpy(VNET_VNET(alpha, hostname), "alpha");
	other_set_dup(alpha, 22);

	beta = mock_vnet_alloc();
	beta->vnet_shutdown = true;
	VNET_VNET(beta, counter) = 102;
	VNET_VNET(beta, word).u32 = 0x00414243;
	VNET_VNET(beta, modspace)[100] = 1;
	VNET_VNET(beta, state) = MS_NEG;
	strcpy(VNET_VNET(beta, hostname), "beta");

	/* prison0 is not on allprison, as in kern_jail.c. */
	mock_jail_init(&prison0, 0, "0", PR_HOST | PR_VNET, NULL, vnet0);
	mock_jail_init(&jails[0], 1, "alpha", PR_VNET, &prison0, alpha);
	mock_jail_init(&jails[1], 2, "gamma", 0, &prison0, vnet0);
	mock_jail_init(&jails[2], 3, "alpha.beta", PR_VNET, &jails[0], beta);
	for (int i = 0; i < 3; i++)
		TAILQ_INSERT_TAIL(&allprison, &jails[i], pr_list);

	raise(SIGTRAP);
	return (0);
}
