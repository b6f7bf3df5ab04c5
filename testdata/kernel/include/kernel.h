/*
 * Kernel-wide declarations of the vnetinspect test kernel: console and
 * message buffer output, memory helpers, physical page and kernel memory
 * allocators, and the boot-time globals that FreeBSD also exports.
 */
#ifndef _TK_KERNEL_H_
#define _TK_KERNEL_H_

#include "types.h"

/* I/O ports of QEMU isa-debugcon devices used as output channels. */
#define	CONSOLE_PORT	0xe9	/* console log */
#define	MINIDUMP_PORT	0x4e9	/* amd64 minidump version 3 */
#define	FULLDUMP_PORT	0x4ea	/* ELF full dump */
#define	MINIDUMP_V1_PORT 0x4eb	/* amd64 minidump version 1 */
#define	MINIDUMP_V2_PORT 0x4ec	/* amd64 minidump version 2 */
#define	MINIDUMP_NOCPU_PORT 0x4ed /* version 3 without one counter page */

/* Entries of dump_avail, FreeBSD amd64's PHYS_AVAIL_COUNT. */
#define	PHYS_AVAIL_COUNT	128

/* SI_SUB_VNET_DONE from FreeBSD's <sys/kernel.h> (enum sysinit_sub_id). */
#define	SI_SUB_VNET_DONE	0x0dc00000

static inline void
outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

/* Write len bytes to an I/O port with one string instruction. */
static inline void
outsb(uint16_t port, const void *buf, size_t len)
{
	__asm__ volatile("rep outsb"
	    : "+S"(buf), "+c"(len)
	    : "d"(port)
	    : "memory");
}

/* libkern.c */
void	*memcpy(void *dst, const void *src, size_t len);
void	*memmove(void *dst, const void *src, size_t len);
void	*memset(void *dst, int c, size_t len);
int	 memcmp(const void *a, const void *b, size_t len);
size_t	 strlen(const char *s);
int	 strcmp(const char *a, const char *b);
size_t	 strlcpy(char *dst, const char *src, size_t size);

/* subr_prf.c */
int	 printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	 cons_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	 snprintf(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 log(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define	LOG_INFO	6
void	 panic(const char *fmt, ...) __dead2;
void	 msgbuf_setup(vm_paddr_t pa, size_t size);
void	 halt_forever(void) __dead2;

/* machdep.c */
extern vm_paddr_t	 dump_avail[PHYS_AVAIL_COUNT];
extern vm_paddr_t	 KPML4phys;
extern vm_paddr_t	 kernphys;
extern u_long		 physmem;
extern int		 hz;
extern lwpid_t		 dumptid;
extern const char	*panicstr;
extern volatile time_t	 time_second;
extern int		 dumping;
extern char		 version[];
extern char		 osrelease[];
extern char		 ostype[];
extern int		 osreldate;
extern bool		 dump_full;
extern bool		 dump_old;
extern bool		 dump_nocpu;

/* pmap.c */
#define	KERNBASE_PS_PAGES	2	/* 2 MiB pages mapping physical 0 to 4 MiB */
extern int		 nkpt;
extern vm_offset_t	 kernel_vm_end;
extern bool		 pmap_dmap_ready;
void	*phys_to_virt(vm_paddr_t pa);
void	 pmap_bootstrap(void);
void	 pmap_kenter(vm_offset_t va, vm_paddr_t pa);
void	 pmap_kenter_code(vm_offset_t va, vm_paddr_t pa);
vm_paddr_t pmap_kextract(vm_offset_t va);

/* vm_page.c */
vm_paddr_t	 vm_page_alloc_dmap(void);
vm_paddr_t	 vm_page_alloc_kmem(void);
void		 vm_page_startup(vm_paddr_t first, vm_paddr_t last);
void		 vm_page_dump_init(void);
void		 dump_add_page(vm_paddr_t pa);
void		 dump_drop_page(vm_paddr_t pa);
bool		 vm_phys_is_dumpable(vm_paddr_t pa);
extern uint64_t	*vm_page_dump;
extern long	 vm_page_dump_pages;

/* kern_malloc.c */
void	*malloc(size_t size, size_t align);
void	*kmem_malloc(size_t size);

/* kern_linker.c */
void	 linker_init(void);

/* vnet.c, kern_jail.c, subr_pcpu.c */
void	 pcpu_startup(void);
void	 vnet0_init(void);
void	 jails_init(void);
void	 vnet_template_update(void);

/* minidump_machdep.c, kern_dump.c */
void	 minidumpsys(bool old);
void	 dumpsys_generic(void);

#endif /* !_TK_KERNEL_H_ */
