/*
 * Basic integer types and i386 constants for the i386 test kernel. Type
 * names follow FreeBSD's <sys/types.h> for i386 (ILP32, 64-bit vm_paddr_t,
 * 32-bit time_t); the layout is FreeBSD i386's before the 4/4 split
 * (KERNBASE 0xc0000000). Without PAE, page-table entries are 4 bytes and
 * large pages 4 MiB. With -DPAE (FreeBSD's "options PAE" before FreeBSD 13
 * built both pmaps into one kernel), entries are 8 bytes, a page table
 * has 512 of them and large pages are 2 MiB.
 */
#ifndef _TK_TYPES_H_
#define _TK_TYPES_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned char	u_char;
typedef unsigned short	u_short;
typedef unsigned int	u_int;
typedef unsigned long	u_long;
typedef uint64_t	vm_paddr_t;
typedef uint32_t	vm_offset_t;
typedef int32_t		lwpid_t;
typedef int32_t		pid_t;
typedef int32_t		time_t;

#define	PAGE_SHIFT	12
#define	PAGE_SIZE	(1UL << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)

/*
 * Page-table entries and their bits (sys/i386/include/pmap.h). pd_index
 * indexes the whole page directory: one page without PAE, and with PAE
 * the NPGPTD (4) directory pages that the PDPT entries point at, which lie
 * one after the other as FreeBSD allocates them.
 */
#ifdef PAE
typedef uint64_t	pd_entry_t;
typedef uint64_t	pt_entry_t;
typedef uint64_t	pdpt_entry_t;
#define	NPTEPG		512
#define	NPGPTD		4		/* page-directory pages, one per PDPT entry */
#define	PDRSHIFT	21		/* one PDE maps 2 MiB */
#define	PG_FRAME	0x000ffffffffff000ULL
#define	PG_PS_FRAME	0x000fffffffe00000ULL
#else
typedef uint32_t	pd_entry_t;
typedef uint32_t	pt_entry_t;
#define	NPTEPG		1024
#define	NPGPTD		1
#define	PDRSHIFT	22		/* one PDE maps 4 MiB */
#define	PG_FRAME	0xfffff000U
#define	PG_PS_FRAME	0xffc00000U
#endif
#define	NBPDR		(1UL << PDRSHIFT)
#define	pd_index(va)	((va) >> PDRSHIFT)
#define	pt_index(va)	(((va) >> PAGE_SHIFT) & (NPTEPG - 1))

#define	PG_V		0x001
#define	PG_RW		0x002
#define	PG_A		0x020
#define	PG_M		0x040
#define	PG_PS		0x080

#define	CACHE_LINE_SIZE	64		/* riscv's CACHE_LINE_SIZE */
#define	MAXHOSTNAMELEN	256
#define	MAXPATHLEN	1024

/*
 * Virtual layout: KERNBASE maps the first KERNBASE_MAP bytes of physical
 * memory, all of the machine's RAM, with large pages. The window contains
 * the image at KERNBASE + 4 MiB and every page the allocator hands out. There
 * is no direct map, so phys_to_virt goes through this window. The kernel
 * map for kmem_malloc starts above it.
 */
#define	KERNBASE		0xc0000000UL
#define	VM_MIN_KERNEL_ADDRESS	KERNBASE
#define	KERNBASE_MAP		(16UL * 1024 * 1024)
#define	KERNLOAD_PA		0x400000UL
#define	KERNSTART		(KERNBASE + KERNLOAD_PA)
#define	KMEM_START		(KERNBASE + KERNBASE_MAP)

#define	roundup2(x, y)	(((x) + ((y) - 1)) & ~((__typeof(x))(y) - 1))
#define	rounddown2(x, y) ((x) & ~((__typeof(x))(y) - 1))
#define	howmany(x, y)	(((x) + ((y) - 1)) / (y))
#define	round_page(x)	roundup2((uint64_t)(x), PAGE_SIZE)
#define	trunc_page(x)	rounddown2((uint64_t)(x), PAGE_SIZE)
#define	nitems(x)	(sizeof(x) / sizeof((x)[0]))
#define	MAX(a, b)	((a) > (b) ? (a) : (b))
#define	MIN(a, b)	((a) < (b) ? (a) : (b))

#define	__aligned(x)	__attribute__((__aligned__(x)))
#define	__section(x)	__attribute__((__section__(x)))
#define	__used		__attribute__((__used__))
#define	__dead2		__attribute__((__noreturn__))

#endif /* !_TK_TYPES_H_ */
