/*
 * Boot path of the riscv test kernel.
 *
 * OpenSBI (QEMU's default firmware for the virt machine) enters _start in
 * supervisor mode with paging off, after QEMU loaded the ELF image at its
 * physical addresses (from KERNLOAD_PA). This code clears .bss, builds the
 * boot Sv39 root table and turns paging on:
 *   entry 2:   identity map of physical 0x80000000 (1 GiB page), so that
 *              the instruction after the satp write still runs;
 *   entry 256: the kernel map at KERNBASE, through boot_l2, whose entry 1
 *              maps the 2 MiB page at KERNSTART to the image;
 *   entry 320: the direct map at DMAP_MIN_ADDRESS, one 1 GiB page from
 *              DMAP_MIN_PHYSADDR, readable and writable but not executable.
 * It then jumps to kernel_init at its linked address.
 */

#define	KERNLOAD_PA	0x80200000
#define	RAM_PA		0x80000000
#define	PTE_V		0x001
#define	PTE_R		0x002
#define	PTE_W		0x004
#define	PTE_X		0x008
#define	PTE_A		0x040
#define	PTE_D		0x080
#define	LEAF_RWX	(PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define	LEAF_RW		(PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define	PTE(pa)		(((pa) >> 12) << 10)
#define	SATP_SV39	(8 << 60)

	.option	norelax
	.section .text.boot, "ax"
	.globl	_start
_start:
	csrw	sie, zero
	lla	t0, trap_halt
	csrw	stvec, t0

	/* Clear .bss through physical addresses (lla is PC-relative). */
	lla	t0, __bss_start
	lla	t1, _end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	lla	t0, boot_l1
	li	t1, PTE(RAM_PA) | LEAF_RWX
	sd	t1, (2 * 8)(t0)
	li	t1, PTE(RAM_PA) | LEAF_RW
	li	t3, 320 * 8
	add	t3, t0, t3
	sd	t1, 0(t3)
	lla	t2, boot_l2
	srli	t1, t2, 12
	slli	t1, t1, 10
	ori	t1, t1, PTE_V
	li	t3, 256 * 8
	add	t3, t0, t3
	sd	t1, 0(t3)
	li	t1, PTE(KERNLOAD_PA) | LEAF_RWX
	sd	t1, 8(t2)

	srli	t1, t0, 12
	li	t2, SATP_SV39
	or	t1, t1, t2
	sfence.vma
	csrw	satp, t1
	sfence.vma

	ld	t0, .Lhigh
	jr	t0

high:
	ld	t0, .Ltrap
	csrw	stvec, t0
	ld	sp, .Lstack
	mv	s0, zero
	call	kernel_init
trap_halt:
	wfi
	j	trap_halt

	.balign	8
.Lhigh:	.dword	high
.Ltrap:	.dword	trap_halt
.Lstack: .dword	boot_stack_top

	.section .bss
	.balign	4096
	.globl	boot_l1
boot_l1:	.space	4096
boot_l2:	.space	4096
boot_stack:	.space	16384
boot_stack_top:
