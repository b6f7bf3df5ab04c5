/*
 * Boot path of the vnetinspect test kernel.
 *
 * QEMU loads the ELF image at its physical addresses (0x200000 upwards) and
 * enters pvh_start32 in 32-bit protected mode with paging off and %ebx
 * holding the physical address of struct hvm_start_info. This code builds
 * temporary page tables that map the first GiB both at address 0 and at
 * KERNBASE, enables PAE, long mode and paging, and jumps to kernel_init at
 * its linked (KERNBASE) address. pmap_bootstrap later replaces these tables.
 */

#define	KERNBASE	0xffffffff80000000
/* Load address minus KERNLOAD; build.sh sets it for the relocated variant. */
#ifndef KERNDELTA
#define	KERNDELTA	0
#endif
#define	PHYS(sym)	((sym) - KERNBASE + KERNDELTA)

#define	PG_V		0x001
#define	PG_RW		0x002
#define	PG_PS		0x080
#define	CR0_PE		0x00000001
#define	CR0_WP		0x00010000
#define	CR0_PG		0x80000000
#define	CR4_PAE		0x00000020
#define	MSR_EFER	0xc0000080
#define	EFER_LME	0x00000100
#define	EFER_NXE	0x00000800

#define	XEN_ELFNOTE_PHYS32_ENTRY	18

/* FreeBSD's locore defines kernbase as an absolute symbol; libkvm reads it. */
	.globl	kernbase
	.set	kernbase, KERNBASE

/* PVH entry point note, in its own PT_NOTE segment (see kernel.ld). */
	.section .note.Xen, "a", @note
	.balign	4
	.long	4			/* n_namesz */
	.long	8			/* n_descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.balign	4
	.quad	PHYS(pvh_start32)	/* QEMU reads 8 bytes on ELF64 */
	.balign	4

	.section .text.boot, "ax", @progbits
	.code32
	.globl	pvh_start32
pvh_start32:
	cli
	cld
	movl	%ebx, %esi			/* keep the start info address */

	/* Clear .bss: the boot page tables and stack live there. */
	movl	$PHYS(__bss_start), %edi
	movl	$PHYS(_end), %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	%esi, PHYS(pvh_start_info_pa)
	movl	$PHYS(boot_stack_top), %esp

	/* boot_pd: 512 2 MiB pages mapping physical 0 to 1 GiB. */
	movl	$PHYS(boot_pd), %edi
	movl	$(PG_V | PG_RW | PG_PS), %eax
	movl	$512, %ecx
1:	movl	%eax, (%edi)
	movl	$0, 4(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	1b

#if KERNDELTA == 0
	/* The same directory serves the identity map and KERNBASE. */
	movl	$PHYS(boot_pd), %eax
	orl	$(PG_V | PG_RW), %eax
	movl	%eax, PHYS(boot_pdpt_low)
	movl	%eax, PHYS(boot_pdpt_high) + 510 * 8
#else
	/* KERNBASE maps physical KERNDELTA upwards, so it gets its own directory. */
	movl	$PHYS(boot_pd_high), %edi
	movl	$(KERNDELTA | PG_V | PG_RW | PG_PS), %eax
	movl	$512, %ecx
1:	movl	%eax, (%edi)
	movl	$0, 4(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	1b
	movl	$PHYS(boot_pd), %eax
	orl	$(PG_V | PG_RW), %eax
	movl	%eax, PHYS(boot_pdpt_low)
	movl	$PHYS(boot_pd_high), %eax
	orl	$(PG_V | PG_RW), %eax
	movl	%eax, PHYS(boot_pdpt_high) + 510 * 8
#endif
	movl	$PHYS(boot_pdpt_low), %eax
	orl	$(PG_V | PG_RW), %eax
	movl	%eax, PHYS(boot_pml4)
	movl	$PHYS(boot_pdpt_high), %eax
	orl	$(PG_V | PG_RW), %eax
	movl	%eax, PHYS(boot_pml4) + 511 * 8

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$PHYS(boot_pml4), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PE | CR0_WP | CR0_PG), %eax
	movl	%eax, %cr0

	lgdt	PHYS(boot_gdt_desc32)
	ljmp	$0x08, $PHYS(start64_low)

	.code64
start64_low:
	movabsq	$start64_high, %rax
	jmp	*%rax

start64_high:
	/* Reload the GDT through its KERNBASE address before the identity map goes. */
	lgdt	boot_gdt_desc64(%rip)
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movabsq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	pvh_start_info_pa(%rip), %edi
	call	kernel_init
2:	cli
	hlt
	jmp	2b

/*
 * The GDT lives in .data with the accessed bits already set: the CPU sets
 * them when it loads a selector, and a debugger comparing the loaded image
 * with the ELF file would otherwise see changed read-only bytes.
 */
	.data
	.balign	16
boot_gdt:
	.quad	0			/* null */
	.quad	0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_desc32:
	.word	boot_gdt_end - boot_gdt - 1
	.long	PHYS(boot_gdt)
	.balign	8
boot_gdt_desc64:
	.word	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt

	.section .bss
	.balign	4096
boot_pml4:	.space	4096
boot_pdpt_low:	.space	4096
boot_pdpt_high:	.space	4096
boot_pd:	.space	4096
#if KERNDELTA != 0
boot_pd_high:	.space	4096
#endif
boot_stack:	.space	16384
boot_stack_top:
	.balign	8
	.globl	pvh_start_info_pa
pvh_start_info_pa:
	.space	8
