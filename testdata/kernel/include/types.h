/*
 * Basic integer types and amd64 constants for the vnetinspect test kernel.
 * Type names follow FreeBSD's <sys/types.h> so that the DWARF type names
 * seen by a debugger match a real FreeBSD kernel.
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
typedef uint8_t		u_int8_t;
typedef uint16_t	u_int16_t;
typedef uint32_t	u_int32_t;
typedef uint64_t	u_int64_t;
typedef char		*caddr_t;
typedef const char	*c_caddr_t;
typedef uint64_t	vm_paddr_t;
typedef uint64_t	vm_offset_t;
typedef uint64_t	vm_size_t;
typedef uint64_t	vm_pindex_t;
typedef int32_t		lwpid_t;
typedef int32_t		pid_t;
typedef uint32_t	uid_t;
typedef uint32_t	gid_t;
typedef int64_t		time_t;
typedef uint64_t	pd_entry_t;
typedef uint64_t	pt_entry_t;

#define	PAGE_SHIFT	12
#define	PAGE_SIZE	(1UL << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	NBPDR		(1UL << 21)		/* bytes mapped by one PDE */
#define	NBPDP		(1UL << 30)		/* bytes mapped by one PDPE */
#define	NPDEPG		512
#define	NPTEPG		512
#define	CACHE_LINE_SIZE	64
#define	MAXHOSTNAMELEN	256
#define	MAXPATHLEN	1024

/* Virtual layout of FreeBSD 14 amd64 with 4-level paging (machine/vmparam.h). */
#define	KERNBASE		0xffffffff80000000UL
#define	KERNLOAD		0x200000UL
#define	KERNSTART		(KERNBASE + KERNLOAD)
/*
 * Physical load address minus KERNLOAD, a multiple of 2 MiB. The KERNBASE
 * region maps physical KERNDELTA upwards, so KERNSTART lands on the image.
 * build.sh sets it for the relocated variant. That variant imitates the UEFI
 * loader, which may place FreeBSD 13.1 and later kernels at any 2 MiB boundary.
 */
#ifndef KERNDELTA
#define	KERNDELTA		0
#endif
#define	DMAP_MIN_ADDRESS	0xfffff80000000000UL
#define	DMAP_MAX_ADDRESS	0xfffffc0000000000UL
#define	VM_MIN_KERNEL_ADDRESS	0xfffffe0000000000UL

#define	PHYS_TO_DMAP(pa)	((vm_offset_t)(pa) + DMAP_MIN_ADDRESS)
#define	DMAP_TO_PHYS(va)	((vm_paddr_t)(va) - DMAP_MIN_ADDRESS)

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
#define	__packed	__attribute__((__packed__))
#define	__dead2		__attribute__((__noreturn__))

#endif /* !_TK_TYPES_H_ */
