/*
 * Boot path of the i386 test kernel.
 *
 * QEMU's multiboot loader reads the header below, loads the ELF image at
 * its physical addresses (from 4 MiB) and enters _start in 32-bit
 * protected mode with paging off. This code clears .bss, fills boot_pd
 * with 4 MiB pages that map the first KERNBASE_MAP bytes of physical
 * memory both at 0 (for the instruction after paging is on) and at
 * KERNBASE, enables PSE and paging, and jumps to kernel_init at its
 * linked address.
 */

#define	KERNBASE	0xc0000000
#define	PHYS(sym)	((sym) - KERNBASE)
#define	WINDOW_PDES	4		/* KERNBASE_MAP / 4 MiB */
#define	PG_V		0x001
#define	PG_RW		0x002
#define	PG_A		0x020
#define	PG_M		0x040
#define	PG_PS		0x080
#define	CR0_PG		0x80000000
#define	CR0_WP		0x00010000
#define	CR4_PSE		0x00000010

#define	MULTIBOOT_MAGIC	0x1badb002
#define	MULTIBOOT_FLAGS	0x00000003	/* page-aligned modules, memory information */

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

	movl	$PHYS(boot_pd), %edi
	movl	$(PG_V | PG_RW | PG_A | PG_M | PG_PS), %eax
	movl	$WINDOW_PDES, %ecx
1:	movl	%eax, (%edi)
	movl	%eax, (KERNBASE >> 22) * 4(%edi)
	addl	$0x400000, %eax
	addl	$4, %edi
	loop	1b

	movl	%cr4, %eax
	orl	$CR4_PSE, %eax
	movl	%eax, %cr4
	movl	$PHYS(boot_pd), %eax
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
2:	cli
	hlt
	jmp	2b

	.section .bss
	.balign	4096
	.globl	boot_pd
boot_pd:	.space	4096
boot_stack:	.space	16384
boot_stack_top:
