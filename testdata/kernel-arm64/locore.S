/*
 * Boot path of the arm64 test kernel.
 *
 * QEMU's virt machine loads the ELF image at its physical addresses (from
 * KERNLOAD_PA) and enters _start at EL1 with the MMU off. This code clears
 * .bss, builds the boot translation tables and turns the MMU on:
 *   TTBR1: the kernel map, whose L2 entry 1 maps the L2 block at KERNSTART
 *          to the image as FreeBSD's locore does, and the direct map at
 *          DMAP_MIN_ADDRESS from DMAP_MIN_PHYSADDR (one 1 GiB L1 block with
 *          4 KiB pages, 32 L2 blocks of 32 MiB with 16 KiB pages, whose
 *          granule has no L1 blocks);
 *   TTBR0: an identity map of RAM so that the instruction after the MMU
 *          switch still runs.
 * Built with -DPAGE_16K it uses the 16 KiB granule.
 * It then jumps to kernel_init at its linked address.
 */

#ifdef PAGE_16K
#define	KERNSTART	0xffff000002000000
#define	KERNLOAD_PA	0x42000000
#define	TABLE_BYTES	16384
#define	TCR_TG		((2 << 14) | (1 << 30))	/* TG0 and TG1: 16 KiB */
#else
#define	KERNSTART	0xffff000000200000
#define	KERNLOAD_PA	0x40200000
#define	TABLE_BYTES	4096
#define	TCR_TG		((0 << 14) | (2 << 30))	/* TG0 and TG1: 4 KiB */
#endif

#define	DESC_TABLE	0x3
#define	DESC_BLOCK	0x1
#define	ATTR_AF		(1 << 10)
#define	ATTR_SH_IS	(3 << 8)
#define	ATTR_IDX_NORMAL	(0 << 2)	/* MAIR attribute 0: write-back */
#define	ATTR_IDX_DEVICE	(1 << 2)	/* MAIR attribute 1: device nGnRE */
#define	BLOCK_NORMAL	(DESC_BLOCK | ATTR_AF | ATTR_SH_IS | ATTR_IDX_NORMAL)
#define	BLOCK_DEVICE	(DESC_BLOCK | ATTR_AF | ATTR_IDX_DEVICE)

#define	MAIR_VALUE	0x04ff
/* T0SZ = T1SZ = 16 (48-bit), write-back table walks, IPS 40 bits. */
#define	TCR_VALUE	(16 | (1 << 8) | (1 << 10) | (3 << 12) | (16 << 16) | \
			 (1 << 24) | (1 << 26) | (3 << 28) | (2 << 32) | TCR_TG)

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
5:	cmp	x0, x1
	b.hs	6f
	stp	xzr, xzr, [x0], #16
	b	5b
6:
	/* TTBR1 level 0 entry 0: the kernel map, L1 entry 0 -> L2 table. */
	adrp	x0, boot_l0_ttbr1
	adrp	x1, boot_l1_kern
	orr	x2, x1, #DESC_TABLE
	str	x2, [x0]
	adrp	x4, boot_l2_kern
	orr	x2, x4, #DESC_TABLE
	str	x2, [x1]
	/* L2 entry 1 -> the image, one block at KERNLOAD_PA. */
	ldr	x2, =(KERNLOAD_PA | BLOCK_NORMAL)
	str	x2, [x4, #8]

	adrp	x3, boot_l1_dmap
	orr	x2, x3, #DESC_TABLE
#ifdef PAGE_16K
	/* Direct map: level 0 entry 1, L1 entry 512, 32 L2 blocks (1 GiB). */
	str	x2, [x0, #8]
	adrp	x4, boot_l2_dmap
	orr	x2, x4, #DESC_TABLE
	str	x2, [x3, #(512 * 8)]
	ldr	x2, =(0x40000000 | BLOCK_NORMAL)
	ldr	x5, =0x2000000
	mov	x6, #32
1:	str	x2, [x4], #8
	add	x2, x2, x5
	subs	x6, x6, #1
	b.ne	1b

	/* TTBR0 identity map of RAM: L2 entries 32 to 63. */
	adrp	x0, boot_l0_ttbr0
	adrp	x1, boot_l1_ident
	orr	x2, x1, #DESC_TABLE
	str	x2, [x0]
	adrp	x4, boot_l2_ident
	orr	x2, x4, #DESC_TABLE
	str	x2, [x1]
	add	x4, x4, #(32 * 8)
	ldr	x2, =(0x40000000 | BLOCK_NORMAL)
	mov	x6, #32
2:	str	x2, [x4], #8
	add	x2, x2, x5
	subs	x6, x6, #1
	b.ne	2b
#else
	/* Direct map: level 0 entry 320, one 1 GiB L1 block. */
	str	x2, [x0, #(320 * 8)]
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
#endif

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
	.balign	TABLE_BYTES
	.globl	boot_l0_ttbr1
boot_l0_ttbr1:	.space	TABLE_BYTES
boot_l1_kern:	.space	TABLE_BYTES
boot_l2_kern:	.space	TABLE_BYTES
boot_l1_dmap:	.space	TABLE_BYTES
boot_l0_ttbr0:	.space	TABLE_BYTES
boot_l1_ident:	.space	TABLE_BYTES
#ifdef PAGE_16K
boot_l2_dmap:	.space	TABLE_BYTES
boot_l2_ident:	.space	TABLE_BYTES
#endif
boot_stack:	.space	32768
boot_stack_top:
