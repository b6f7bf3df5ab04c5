/*
 * Virtualized network stacks (options VIMAGE) with the data layout of
 * FreeBSD 14's sys/net/vnet.h: struct vnet, the set_vnet linker set whose
 * symbols carry the vnet_entry_ prefix, and the accessor that adds a vnet's
 * vnet_data_base to a variable's address in the set.
 */
#ifndef _TK_VNET_H_
#define _TK_VNET_H_

#include "queue.h"
#include "types.h"

struct vnet {
	LIST_ENTRY(vnet)	 vnet_le;	/* entry on vnet_head */
	u_int			 vnet_magic_n;	/* VNET_MAGIC_N while alive */
	u_int			 vnet_ifcnt;	/* interfaces attached */
	u_int			 vnet_sockcnt;	/* sockets open */
	u_int			 vnet_state;	/* last SI_SUB_* constructor run */
	void			*vnet_data_mem;	/* this vnet's copy of set_vnet */
	uintptr_t		 vnet_data_base; /* vnet_data_mem - __start_set_vnet */
	bool			 vnet_shutdown;	/* true while being destroyed */
} __aligned(CACHE_LINE_SIZE);

#define	VNET_MAGIC_N	0x5e4a6f28
#define	VNET_SETNAME	"set_vnet"
#define	VNET_SYMPREFIX	"vnet_entry_"

/* Bytes reserved in set_vnet for the variables of loadable modules. */
#define	VNET_MODMIN	(8 * PAGE_SIZE)

LIST_HEAD(vnet_list_head, vnet);
extern struct vnet_list_head vnet_head;
extern struct vnet *vnet0;
extern struct vnet *curvnet;

/* Bounds of the template copy of all virtualized variables, set by kernel.ld. */
extern uintptr_t *__start_set_vnet;
extern uintptr_t *__stop_set_vnet;
#define	VNET_START	((uintptr_t)&__start_set_vnet)
#define	VNET_STOP	((uintptr_t)&__stop_set_vnet)
#define	VNET_BYTES	(VNET_STOP - VNET_START)
#define	VNET_SIZE	roundup2(VNET_BYTES, PAGE_SIZE)

#define	VNET_NAME(n)		vnet_entry_##n
#define	VNET_DECLARE(t, n)	extern t VNET_NAME(n)
#define	VNET_DEFINE(t, n)	t VNET_NAME(n) __section(VNET_SETNAME) __used
#define	VNET_DEFINE_STATIC(t, n) \
	static t VNET_NAME(n) __section(VNET_SETNAME) __used

/*
 * Statistics kept with counter(9): one counter_u64_t per uint64_t member
 * of type. counter_u64_t comes from pcpu.h.
 */
#define	VNET_PCPUSTAT_DEFINE(type, name)	\
	VNET_DEFINE(counter_u64_t, name[sizeof(type) / sizeof(uint64_t)])

/*
 * The address of variable n in the vnet whose data base is b: the template
 * address shifted by the distance between the vnet's copy and the template.
 */
#define	_VNET_PTR(b, n)	\
	((__typeof(VNET_NAME(n)) *)((b) + (uintptr_t)&VNET_NAME(n)))
#define	VNET_VNET(vnet, n)	(*_VNET_PTR((vnet)->vnet_data_base, n))
#define	VNET(n)			VNET_VNET(curvnet, n)

struct prison;

struct vnet	*vnet_alloc(const char *owner, struct prison *pr);
void		*vnet_data_alloc(size_t size);
void		 vnet_data_copy(void *start, size_t size);

/* Per-vnet constructors of vnet_vars.c, run by vnet_alloc. */
void	vnet_vars_init(int ordinal, const char *owner, struct prison *pr);
char	*vnet_counter_slab(struct vnet *vnet);

#endif /* !_TK_VNET_H_ */
