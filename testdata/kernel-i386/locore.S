/*
 * Boot path of the i386 test kernel.
 *
 * QEMU's multiboot loader reads the header below, loads the ELF image at
 * its physical addresses (from 4 MiB) and enters _start in 32-bit
 * protected mode with paging off. This code clears .bss, fills boot_pd
 * with large pages that map the first KERNBASE_MAP bytes of physical
 * memory both at 0 (for the instruction after paging is on) and at
 * KERNBASE, enables paging and jumps to kernel_init at its linked address.
 *
 * Without PAE, boot_pd is one page of 4-byte PDEs with 4 MiB pages (CR4.PSE).
 * With PAE, CR3 holds the physical address of boot_pdpt, whose 4 entries
 * point at the 4 pages of boot_pd: 2048 8-byte PDEs with 2 MiB pages
 * (CR4.PAE).
 */

#define	KERNBASE	0xc0000000
#define	KERNBASE_MAP	0x01000000	/* 16 MiB, as in include/types.h */
#define	PHYS(sym)	((sym) - KERNBASE)
#ifdef PAE
#define	PDRSHIFT	21
#define	PDE_SIZE	8
#define	NPGPTD		4
#else
#define	PDRSHIFT	22
#define	PDE_SIZE	4
#define	NPGPTD		1
#endif
#define	WINDOW_PDES	(KERNBASE_MAP >> PDRSHIFT)
#define	PG_V		0x001
#define	PG_RW		0x002
#define	PG_A		0x020
#define	PG_M		0x040
#define	PG_PS		0x080
#define	CR0_PG		0x80000000
#define	CR0_WP		0x00010000
#define	CR4_PSE		0x00000010
#define	CR4_PAE		0x00000020

#define	MULTIBOOT_MAGIC	0x1badb002
#define	MULTIBOOT_FLAGS	0x00000003	/* page-aligned modules, memory information */

/* FreeBSD's locore defines kernbase as an absolute symbol; libkvm reads it. */
	.globl	kernbase
	.set	kernbase, KERNBASE

	.section .text.boot, "ax"
	.balign	4
multiboot_header:
	.long	MULTIBOOT_MAGIC
	.long	MULTIBOOT_FLAGS
	.long	-(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

	.globl	_start
_start:
	cli
	cld
	movl	$PHYS(__bss_start), %edi
	movl	$PHYS(_end), %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	/* Low 32 bits of each PDE; with PAE the high half stays zero. */
	movl	$PHYS(boot_pd), %edi
	movl	$(PG_V | PG_RW | PG_A | PG_M | PG_PS), %eax
	movl	$WINDOW_PDES, %ecx
1:	movl	%eax, (%edi)
	movl	%eax, (KERNBASE >> PDRSHIFT) * PDE_SIZE(%edi)
	addl	$(1 << PDRSHIFT), %eax
	addl	$PDE_SIZE, %edi
	loop	1b

#ifdef PAE
	/* PDPT entries may carry only P, PWT and PCD: no RW, A or M. */
	movl	$PHYS(boot_pdpt), %edi
	movl	$(PHYS(boot_pd) + PG_V), %eax	/* boot_pd is page aligned */
	movl	$NPGPTD, %ecx
2:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	2b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$PHYS(boot_pdpt), %eax
#else
	movl	%cr4, %eax
	orl	$CR4_PSE, %eax
	movl	%eax, %cr4
	movl	$PHYS(boot_pd), %eax
#endif
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0
	movl	$high, %eax
	jmp	*%eax

high:
	movl	$boot_stack_top, %esp
	xorl	%ebp, %ebp
	call	kernel_init
3:	cli
	hlt
	jmp	3b

	.section .bss
	.balign	4096
	.globl	boot_pd
boot_pd:	.space	4096 * NPGPTD
#ifdef PAE
	.balign	32
	.globl	boot_pdpt
boot_pdpt:	.space	8 * NPGPTD
	.balign	4096
#endif
boot_stack:	.space	16384
boot_stack_top:
