/*
 * Basic integer types and arm64 constants for the arm64 test kernel. Type
 * names follow FreeBSD's <sys/types.h>; the layout constants are those of
 * FreeBSD arm64 (sys/arm64/include/param.h, pte.h and vmparam.h).
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
typedef uint64_t	vm_offset_t;
typedef int32_t		lwpid_t;
typedef int32_t		pid_t;
typedef int64_t		time_t;
typedef uint64_t	pd_entry_t;
typedef uint64_t	pt_entry_t;

/*
 * Translation granule: 4 KiB by default, 16 KiB when built with
 * -DPAGE_16K. The level shifts and entries per table follow from it, with
 * 48-bit virtual addresses in both cases.
 */
#ifdef PAGE_16K
#define	PAGE_SHIFT	14
#define	Ln_ENTRIES_SHIFT 11
#else
#define	PAGE_SHIFT	12
#define	Ln_ENTRIES_SHIFT 9
#endif
#define	PAGE_SIZE	(1UL << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	Ln_ENTRIES	(1 << Ln_ENTRIES_SHIFT)
#define	L3_SHIFT	PAGE_SHIFT
#define	L2_SHIFT	(L3_SHIFT + Ln_ENTRIES_SHIFT)
#define	L1_SHIFT	(L2_SHIFT + Ln_ENTRIES_SHIFT)
#define	L0_SHIFT	(L1_SHIFT + Ln_ENTRIES_SHIFT)
#define	L1_SIZE		(1UL << L1_SHIFT)
#define	L2_SIZE		(1UL << L2_SHIFT)

/* Table indexes of a 48-bit address (bits 63:48 select TTBR0 or TTBR1). */
#define	VA_BITS_MASK	0xffffffffffffUL
#define	l0_index(va)	(((va) & VA_BITS_MASK) >> L0_SHIFT)
#define	l1_index(va)	(((va) >> L1_SHIFT) & (Ln_ENTRIES - 1))
#define	l2_index(va)	(((va) >> L2_SHIFT) & (Ln_ENTRIES - 1))
#define	l3_index(va)	(((va) >> L3_SHIFT) & (Ln_ENTRIES - 1))
#define	CACHE_LINE_SIZE	128		/* arm64's CACHE_LINE_SIZE */
#define	MAXHOSTNAMELEN	256
#define	MAXPATHLEN	1024

/*
 * Virtual layout: the kernel map starts at VM_MIN_KERNEL_ADDRESS, which is
 * also KERNBASE on arm64, and the direct map at DMAP_MIN_ADDRESS maps
 * physical memory from DMAP_MIN_PHYSADDR, the start of QEMU virt's RAM.
 */
#define	VM_MIN_KERNEL_ADDRESS	0xffff000000000000UL
#define	KERNBASE		VM_MIN_KERNEL_ADDRESS
#define	DMAP_MIN_ADDRESS	0xffffa00000000000UL
#define	DMAP_MAX_ADDRESS	0xffffff0000000000UL
#define	DMAP_MIN_PHYSADDR	0x40000000UL

/*
 * The kernel image is mapped with one L2 block, L2_SIZE into RAM and into
 * the kernel map (2 MiB with 4 KiB pages, 32 MiB with 16 KiB pages).
 */
#define	KERNLOAD_PA		(DMAP_MIN_PHYSADDR + L2_SIZE)
#define	KERNSTART		(KERNBASE + L2_SIZE)

#define	PHYS_TO_DMAP(pa)	((vm_offset_t)(pa) - DMAP_MIN_PHYSADDR + DMAP_MIN_ADDRESS)
#define	DMAP_TO_PHYS(va)	((vm_paddr_t)(va) - DMAP_MIN_ADDRESS + DMAP_MIN_PHYSADDR)

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
