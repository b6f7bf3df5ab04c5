/*
 * Kernel-wide declarations of the i386 test kernel. The machine-independent
 * sources it shares with the amd64 test kernel (../kernel: vnet.c,
 * vnet_vars.c, kern_jail.c, vm_page.c, libkern.c) include this file in place of their own
 * kernel.h, so it declares what they call.
 */
#ifndef _TK_KERNEL_H_
#define _TK_KERNEL_H_

#include "types.h"

/* Entries of dump_avail: room for 32 [start, end) ranges and the zero end pair. */
#define	PHYS_AVAIL_COUNT	(64 + 2)

/* SI_SUB_VNET_DONE from FreeBSD's <sys/kernel.h> (enum sysinit_sub_id). */
#define	SI_SUB_VNET_DONE	0x0dc00000

/* Physical address of a kernel image address (linked at KERNSTART). */
#define	KVA_TO_PHYS(va)	((vm_paddr_t)(va) - KERNSTART + KERNLOAD_PA)

/* debugcon.c: the semihost_ calls of the arm64 and riscv kernels, over QEMU's isa-debugcon and isa-debug-exit ports. */
long	 semihost_open(const char *path);
void	 semihost_write(long fd, const void *buf, size_t len);
void	 semihost_close(long fd);
void	 semihost_write0(const char *s);
void	 semihost_exit(int code) __dead2;

/* libkern.c (shared) */
void	*memcpy(void *dst, const void *src, size_t len);
void	*memmove(void *dst, const void *src, size_t len);
void	*memset(void *dst, int c, size_t len);
int	 memcmp(const void *a, const void *b, size_t len);
size_t	 strlen(const char *s);
int	 strcmp(const char *a, const char *b);
size_t	 strlcpy(char *dst, const char *src, size_t size);

/* subr_prf.c */
int	 printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	 snprintf(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 panic(const char *fmt, ...) __dead2;
void	 halt_forever(void) __dead2;
extern char	 msgbuf[];
extern u_int	 msgbuf_len;
#define	MSGBUF_BYTES	(4 * PAGE_SIZE)

/* machdep.c */
extern vm_paddr_t	 dump_avail[PHYS_AVAIL_COUNT];
extern u_long		 physmem;
extern int		 hz;
extern lwpid_t		 dumptid;
extern const char	*panicstr;
extern int		 dumping;
extern char		 version[];
extern char		 osrelease[];
extern char		 ostype[];

/* pmap.c */
extern vm_offset_t	 kernel_vm_end;
extern pd_entry_t	*kernel_pd;	/* page directory, through the KERNBASE window */
void	*phys_to_virt(vm_paddr_t pa);
void	 pmap_bootstrap(void);
void	 pmap_kenter(vm_offset_t va, vm_paddr_t pa);
vm_paddr_t pmap_kextract(vm_offset_t va);

/* vm_page.c (shared) */
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

/* vnet.c, vnet_vars.c and kern_jail.c (shared), subr_pcpu.c */
void	 vnet0_init(void);
void	 jails_init(void);
void	 vnet_template_update(void);
void	 pcpu_startup(void);

/* minidump_machdep.c and kern_dump.c */
void	 minidumpsys(void);
void	 dumpsys_generic(void);

#endif /* !_TK_KERNEL_H_ */
