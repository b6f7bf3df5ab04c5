/*
 * Kernel page tables, laid out as FreeBSD riscv lays them out. One L1
 * table maps the kernel map from VM_MIN_KERNEL_ADDRESS and the direct map.
 * The image has one 2 MiB page at KERNSTART, kmem_malloc memory has 4 KiB
 * pages, and the direct map has 1 GiB pages. locore.S builds the tables
 * with Sv39, where the L1 table is the root, and pmap_kenter adds L2 and
 * L3 tables on demand.
 *
 * Built with -DSV48, pmap_bootstrap switches to Sv48 as FreeBSD's does
 * with vm.pmap.mode=1 (sys/riscv/riscv/pmap.c): a new root (L0) table
 * whose entry for KERNBASE points to the same L1 table, so the kernel map
 * and the direct map keep their Sv39 addresses.
 */
#include "kernel.h"

extern pd_entry_t boot_l1[];

/* The root table through the direct map: L1 with Sv39, L0 with Sv48. */
pd_entry_t *kernel_top;

/* The translation mode, with FreeBSD's values for its vm.pmap.mode. */
enum pmap_mode pmap_mode = PMAP_MODE_SV39;

#ifdef SV48
/* FreeBSD takes its L0 page from the pages right after the kernel image. */
static pd_entry_t boot_l0[Ln_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
#endif

/* End of the kernel map's translation, a multiple of L2_SIZE. */
vm_offset_t kernel_vm_end = KERNSTART + L2_SIZE;

void *
phys_to_virt(vm_paddr_t pa)
{
	return ((void *)PHYS_TO_DMAP(pa));
}

static pd_entry_t *
next_table(pd_entry_t entry)
{
	return (phys_to_virt(PTE_TO_PHYS(entry)));
}

#ifdef SV48
/* Put an L0 table above boot_l1 and turn Sv48 on, or panic if the CPU lacks it. */
static void
pmap_enable_sv48(void)
{
	vm_paddr_t l0pa = KVA_TO_PHYS(boot_l0);
	uint64_t satp;

	boot_l0[l0_index(KERNBASE)] = PHYS_TO_PTE(KVA_TO_PHYS(boot_l1)) | PTE_V;
	satp = (l0pa >> PAGE_SHIFT) | SATP_MODE_SV48;
	__asm__ volatile("sfence.vma; csrw satp, %0; sfence.vma" : :
	    "r"(satp) : "memory");
	__asm__ volatile("csrr %0, satp" : "=r"(satp));

	/* satp is WARL: a CPU without Sv48 keeps the old mode. */
	if ((satp & SATP_MODE_M) != SATP_MODE_SV48)
		panic("pmap_bootstrap: the CPU kept satp 0x%lx, so it lacks Sv48",
		    satp);
	pmap_mode = PMAP_MODE_SV48;
	kernel_top = phys_to_virt(l0pa);
}
#endif

void
pmap_bootstrap(void)
{
	kernel_top = phys_to_virt(KVA_TO_PHYS(boot_l1));
#ifdef SV48
	pmap_enable_sv48();
#endif
}

/*
 * Return the L1 table that maps va, or NULL if the L0 entry is invalid.
 * Panics on an L0 leaf, which neither FreeBSD nor this kernel makes.
 */
pd_entry_t *
pmap_l1_table(vm_offset_t va)
{
	pd_entry_t e;

	if (pmap_mode == PMAP_MODE_SV39)
		return (kernel_top);
	e = kernel_top[l0_index(va)];
	if ((e & PTE_V) == 0)
		return (NULL);
	if ((e & PTE_RWX) != 0)
		panic("pmap_l1_table: L0 entry 0x%lx is a leaf", e);
	return (next_table(e));
}

/* Return the next-level table of slot index, adding it when missing. */
static pd_entry_t *
table_slot(pd_entry_t *table, u_int index)
{
	if ((table[index] & PTE_V) == 0)
		table[index] = PHYS_TO_PTE(vm_page_alloc_dmap()) | PTE_V;
	else if ((table[index] & PTE_RWX) != 0)
		panic("pmap_kenter: entry 0x%lx is a leaf, not a table",
		    table[index]);
	return (next_table(table[index]));
}

/* Map the page at physical pa at va in the kernel map, not executable. */
void
pmap_kenter(vm_offset_t va, vm_paddr_t pa)
{
	pd_entry_t *l1, *l2, *l3;

	if (va < VM_MIN_KERNEL_ADDRESS || va >= DMAP_MIN_ADDRESS)
		panic("pmap_kenter: %p outside the kernel map", (void *)va);
	l1 = pmap_l1_table(va);
	if (l1 == NULL)
		panic("pmap_kenter: no L1 table for %p", (void *)va);
	l2 = table_slot(l1, l1_index(va));
	l3 = table_slot(l2, l2_index(va));
	l3[l3_index(va)] = PHYS_TO_PTE(pa) | PTE_V | PTE_R | PTE_W | PTE_A |
	    PTE_D;
	__asm__ volatile("sfence.vma %0" : : "r"(va) : "memory");

	vm_offset_t end = roundup2(va + PAGE_SIZE, L2_SIZE);
	if (end > kernel_vm_end)
		kernel_vm_end = end;
}

/* Return the physical address va maps to, or 0 if it is not mapped. */
vm_paddr_t
pmap_kextract(vm_offset_t va)
{
	pd_entry_t *l1 = pmap_l1_table(va);
	pd_entry_t e;

	if (l1 == NULL)
		return (0);
	e = l1[l1_index(va)];
	if ((e & PTE_V) == 0)
		return (0);
	if ((e & PTE_RWX) != 0)
		return (PTE_TO_PHYS(e) | (va & (L1_SIZE - 1)));
	e = next_table(e)[l2_index(va)];
	if ((e & PTE_V) == 0)
		return (0);
	if ((e & PTE_RWX) != 0)
		return (PTE_TO_PHYS(e) | (va & (L2_SIZE - 1)));
	e = next_table(e)[l3_index(va)];
	if ((e & PTE_V) == 0)
		return (0);
	return (PTE_TO_PHYS(e) | (va & PAGE_MASK));
}
