/*
 * Creation of virtual network stacks with FreeBSD's vnet_alloc semantics.
 * Each vnet gets its own copy of the set_vnet template in kernel map
 * memory. Its vnet_data_base is the distance from the template to that
 * copy, so adding a variable's template address gives the vnet's copy.
 */
#include "kernel.h"
#include "vnet.h"

struct vnet_list_head vnet_head;
struct vnet *vnet0;

/* The vnet the constructors act on (curthread->td_vnet on FreeBSD). */
struct vnet *curvnet;

/*
 * Stand-in for the sysctl node of FEATURE(vimage). FreeBSD's gdb scripts
 * (sys/tools/gdb/vnet.py) test whether this symbol exists to decide that a
 * kernel has VIMAGE.
 */
struct sysctl_oid_stub {
	const char	*oid_name;
	const char	*oid_descr;
	int		 oid_number;
};
struct sysctl_oid_stub sysctl___kern_features_vimage = {
	"vimage", "VIMAGE kernel virtualization", -1,
};

/* Space that kernel modules' virtualized variables are carved from. */
VNET_DEFINE_STATIC(char, modspace[VNET_MODMIN]) __aligned(sizeof(void *));

/*
 * Free ranges of modspace, sorted by address, as vnet.c keeps them in
 * vnet_data_free_head. Initially one range covers all of modspace.
 */
struct vnet_data_free {
	uintptr_t	 vnd_start;
	size_t		 vnd_len;
	TAILQ_ENTRY(vnet_data_free) vnd_link;
};
static TAILQ_HEAD(, vnet_data_free) vnet_data_free_head;

/*
 * Allocate size bytes (rounded up to a pointer's size) of modspace, first
 * fit, as vnet_data_alloc does. Returns the template address, or NULL when
 * modspace is full.
 */
void *
vnet_data_alloc(size_t size)
{
	struct vnet_data_free *df;

	if (TAILQ_FIRST(&vnet_data_free_head) == NULL) {
		df = malloc(sizeof(*df), 8);
		df->vnd_start = (uintptr_t)&VNET_NAME(modspace);
		df->vnd_len = VNET_MODMIN;
		TAILQ_INIT(&vnet_data_free_head);
		TAILQ_INSERT_TAIL(&vnet_data_free_head, df, vnd_link);
	}
	size = roundup2(size, sizeof(void *));
	TAILQ_FOREACH(df, &vnet_data_free_head, vnd_link) {
		if (df->vnd_len < size)
			continue;
		void *s = (void *)df->vnd_start;
		df->vnd_start += size;
		df->vnd_len -= size;
		return (s);
	}
	return (NULL);
}

/* Copy size bytes of the template at start into every vnet, as vnet_data_copy does. */
void
vnet_data_copy(void *start, size_t size)
{
	struct vnet *vnet;

	LIST_FOREACH(vnet, &vnet_head, vnet_le)
		memcpy((void *)((uintptr_t)vnet->vnet_data_base + (uintptr_t)start),
		    start, size);
}

/* Number of vnets created so far, which is the next vnet's ordinal. */
static int vnet_ordinal;

/*
 * Allocate a vnet for the jail pr named owner, run the per-vnet
 * constructors on it and insert it at the head of vnet_head.
 */
struct vnet *
vnet_alloc(const char *owner, struct prison *pr)
{
	struct vnet *vnet;

	vnet = malloc(sizeof(*vnet), CACHE_LINE_SIZE);
	vnet->vnet_magic_n = VNET_MAGIC_N;

	vnet->vnet_data_mem = kmem_malloc(VNET_SIZE);
	memcpy(vnet->vnet_data_mem, (void *)VNET_START, VNET_BYTES);
	vnet->vnet_data_base = (uintptr_t)vnet->vnet_data_mem - VNET_START;

	struct vnet *saved = curvnet;
	curvnet = vnet;
	vnet_vars_init(vnet_ordinal, owner, pr);
	vnet->vnet_state = SI_SUB_VNET_DONE;
	curvnet = saved;

	LIST_INSERT_HEAD(&vnet_head, vnet, vnet_le);
	printf("vnet %d for %s: vnet %p, data %p-%p, base 0x%lx\n",
	    vnet_ordinal, owner, (void *)vnet, vnet->vnet_data_mem,
	    (char *)vnet->vnet_data_mem + VNET_SIZE, vnet->vnet_data_base);
	vnet_ordinal++;
	return (vnet);
}
