/*
 * Basic integer types and riscv constants for the riscv test kernel. Type
 * names follow FreeBSD's <sys/types.h>; the layout constants are those of
 * FreeBSD riscv with Sv39 (sys/riscv/include/param.h, pte.h and vmparam.h).
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
 * Sv39: 4 KiB pages and three levels of 512 entries. FreeBSD riscv calls
 * the root level L1 (1 GiB per entry), then L2 (2 MiB) and L3 (4 KiB).
 * Sv48 adds a root level above them, L0 (512 GiB per entry).
 */
#define	PAGE_SHIFT	12
#define	Ln_ENTRIES_SHIFT 9
#define	PAGE_SIZE	(1UL << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	Ln_ENTRIES	(1 << Ln_ENTRIES_SHIFT)
#define	L3_SHIFT	PAGE_SHIFT
#define	L2_SHIFT	(L3_SHIFT + Ln_ENTRIES_SHIFT)
#define	L1_SHIFT	(L2_SHIFT + Ln_ENTRIES_SHIFT)
#define	L0_SHIFT	(L1_SHIFT + Ln_ENTRIES_SHIFT)
#define	L1_SIZE		(1UL << L1_SHIFT)
#define	L2_SIZE		(1UL << L2_SHIFT)
#define	l0_index(va)	(((va) >> L0_SHIFT) & (Ln_ENTRIES - 1))
#define	l1_index(va)	(((va) >> L1_SHIFT) & (Ln_ENTRIES - 1))
#define	l2_index(va)	(((va) >> L2_SHIFT) & (Ln_ENTRIES - 1))
#define	l3_index(va)	(((va) >> L3_SHIFT) & (Ln_ENTRIES - 1))

/* PTE bits, the same with Sv39 and Sv48 (sys/riscv/include/pte.h). */
#define	PTE_V		0x001UL
#define	PTE_R		0x002UL
#define	PTE_W		0x004UL
#define	PTE_X		0x008UL
#define	PTE_A		0x040UL
#define	PTE_D		0x080UL
#define	PTE_RWX		(PTE_R | PTE_W | PTE_X)
#define	PTE_PPN0_S	10

/* satp's MODE field, bits 63:60 (machine/riscvreg.h), and enum pmap_mode (machine/pmap.h). */
#define	SATP_MODE_M	(0xfUL << 60)
#define	SATP_MODE_SV39	(8UL << 60)
#define	SATP_MODE_SV48	(9UL << 60)
enum pmap_mode {
	PMAP_MODE_SV39,
	PMAP_MODE_SV48,
};

#define	PTE_TO_PHYS(pte)	(((pte) >> PTE_PPN0_S) << PAGE_SHIFT)
#define	PHYS_TO_PTE(pa)		(((pa) >> PAGE_SHIFT) << PTE_PPN0_S)

#define	CACHE_LINE_SIZE	64		/* riscv's CACHE_LINE_SIZE */
#define	MAXHOSTNAMELEN	256
#define	MAXPATHLEN	1024

/*
 * Virtual layout of FreeBSD riscv, the same with Sv39 and Sv48
 * (sys/riscv/include/vmparam.h): the kernel map starts at
 * VM_MIN_KERNEL_ADDRESS, which is also KERNBASE, and the direct map at
 * DMAP_MIN_ADDRESS maps physical memory from DMAP_MIN_PHYSADDR, the start
 * of QEMU virt's RAM.
 */
#define	VM_MIN_KERNEL_ADDRESS	0xffffffc000000000UL
#define	KERNBASE		VM_MIN_KERNEL_ADDRESS
#define	DMAP_MIN_ADDRESS	0xffffffd000000000UL
#define	DMAP_MAX_ADDRESS	0xfffffff000000000UL
#define	DMAP_MIN_PHYSADDR	0x80000000UL

/*
 * OpenSBI occupies the first 2 MiB of RAM, so the kernel image is loaded
 * L2_SIZE into RAM and mapped with one 2 MiB page at KERNBASE + L2_SIZE.
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
