/*
 * Boot path of the arm64 test kernel.
 *
 * QEMU's virt machine loads the ELF image at its physical addresses (from
 * KERNLOAD_PA) and enters _start at EL1 with the MMU off. This code clears
 * .bss, builds the boot translation tables and turns the MMU on:
 *   TTBR1: the kernel map, whose L2 entry 1 maps the 2 MiB at KERNSTART to
 *          the image with one L2 block as FreeBSD's locore does, and the
 *          direct map at DMAP_MIN_ADDRESS, one 1 GiB L1 block from
 *          DMAP_MIN_PHYSADDR;
 *   TTBR0: an identity map of the first 2 GiB (device memory, then RAM)
 *          so that the instruction after the MMU switch still runs.
 * It then jumps to kernel_init at its linked address.
 */

#define	KERNSTART	0xffff000000200000
#define	KERNLOAD_PA	0x40200000
#define	PHYS(sym)	((sym) - KERNSTART + KERNLOAD_PA)

#define	DESC_TABLE	0x3
#define	DESC_BLOCK	0x1
#define	ATTR_AF		(1 << 10)
#define	ATTR_SH_IS	(3 << 8)
#define	ATTR_IDX_NORMAL	(0 << 2)	/* MAIR attribute 0: write-back */
#define	ATTR_IDX_DEVICE	(1 << 2)	/* MAIR attribute 1: device nGnRE */
#define	BLOCK_NORMAL	(DESC_BLOCK | ATTR_AF | ATTR_SH_IS | ATTR_IDX_NORMAL)
#define	BLOCK_DEVICE	(DESC_BLOCK | ATTR_AF | ATTR_IDX_DEVICE)

#define	MAIR_VALUE	0x04ff
/* T0SZ = T1SZ = 16 (48-bit), 4 KiB granules, write-back walks, IPS 40 bits. */
#define	TCR_VALUE	(16 | (1 << 8) | (1 << 10) | (3 << 12) | (16 << 16) | \
			 (1 << 24) | (1 << 26) | (3 << 28) | (2 << 30) | (2 << 32))

	.section .text.boot, "ax"
	.globl	_start
_start:
	msr	daifset, #0xf
	mov	x0, #(3 << 20)			/* CPACR_EL1.FPEN: no FP/SIMD traps */
	msr	cpacr_el1, x0
	isb

	/* Clear .bss through physical addresses (PC-relative adrp works here). */
	adrp	x0, __bss_start
	adrp	x1, _end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	/* TTBR1 level 0: entry 0 is the kernel map, entry 320 the direct map. */
	adrp	x0, boot_l0_ttbr1
	adrp	x1, boot_l1_kern
	orr	x2, x1, #DESC_TABLE
	str	x2, [x0]
	adrp	x3, boot_l1_dmap
	orr	x2, x3, #DESC_TABLE
	str	x2, [x0, #(320 * 8)]

	/* Kernel map: L1 entry 0 -> L2 table, L2 entry 1 -> the image. */
	adrp	x4, boot_l2_kern
	orr	x2, x4, #DESC_TABLE
	str	x2, [x1]
	ldr	x2, =(KERNLOAD_PA | BLOCK_NORMAL)
	str	x2, [x4, #8]

	/* Direct map: one 1 GiB block at DMAP_MIN_PHYSADDR. */
	ldr	x2, =(0x40000000 | BLOCK_NORMAL)
	str	x2, [x3]

	/* TTBR0 identity map: device memory at 0, RAM at 1 GiB. */
	adrp	x0, boot_l0_ttbr0
	adrp	x1, boot_l1_ident
	orr	x2, x1, #DESC_TABLE
	str	x2, [x0]
	ldr	x2, =(0x00000000 | BLOCK_DEVICE)
	str	x2, [x1]
	ldr	x2, =(0x40000000 | BLOCK_NORMAL)
	str	x2, [x1, #8]

	ldr	x2, =MAIR_VALUE
	msr	mair_el1, x2
	ldr	x2, =TCR_VALUE
	msr	tcr_el1, x2
	msr	ttbr0_el1, x0
	adrp	x0, boot_l0_ttbr1
	msr	ttbr1_el1, x0
	dsb	sy
	tlbi	vmalle1
	dsb	sy
	isb

	mrs	x0, sctlr_el1
	orr	x0, x0, #(1 << 0)		/* M: MMU on */
	orr	x0, x0, #(1 << 2)		/* C: data cache */
	orr	x0, x0, #(1 << 12)		/* I: instruction cache */
	bic	x0, x0, #(1 << 1)		/* A: no alignment faults */
	msr	sctlr_el1, x0
	isb

	ldr	x0, =start_virtual
	br	x0

	.text
start_virtual:
	ldr	x0, =boot_stack_top
	mov	sp, x0
	ldr	x0, =exception_vectors
	msr	vbar_el1, x0
	isb
	bl	kernel_init
3:	wfi
	b	3b

/*
 * Exception vectors: every entry reports the exception through
 * exception_report and stops QEMU, so that a fault never hangs a test run.
 */
	.balign	2048
exception_vectors:
	.rept	16
	.balign	128
	mrs	x0, esr_el1
	mrs	x1, far_el1
	mrs	x2, elr_el1
	ldr	x3, =boot_stack_top
	mov	sp, x3
	bl	exception_report
	.endr

	.section .bss
	.balign	4096
	.globl	boot_l0_ttbr1
boot_l0_ttbr1:	.space	4096
	.globl	boot_l1_kern
boot_l1_kern:	.space	4096
	.globl	boot_l2_kern
boot_l2_kern:	.space	4096
boot_l1_dmap:	.space	4096
boot_l0_ttbr0:	.space	4096
boot_l1_ident:	.space	4096
boot_stack:	.space	32768
boot_stack_top:
