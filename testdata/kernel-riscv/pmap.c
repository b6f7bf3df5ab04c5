/*
 * Kernel page tables, laid out as FreeBSD riscv lays them out with Sv39:
 * one root (L1) table whose entries map the kernel map from
 * VM_MIN_KERNEL_ADDRESS (the image with a 2 MiB page at KERNSTART,
 * kmem_malloc memory with 4 KiB pages) and the direct map (1 GiB pages).
 * locore.S builds the tables; pmap_kenter adds L2 and L3 tables on demand.
 */
#include "kernel.h"

extern pd_entry_t boot_l1[];

pd_entry_t *kernel_l1;

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

void
pmap_bootstrap(void)
{
	kernel_l1 = phys_to_virt(KVA_TO_PHYS(boot_l1));
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
	pd_entry_t *l2, *l3;

	if (va < VM_MIN_KERNEL_ADDRESS || va >= DMAP_MIN_ADDRESS)
		panic("pmap_kenter: %p outside the kernel map", (void *)va);
	l2 = table_slot(kernel_l1, l1_index(va));
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
	pd_entry_t e = kernel_l1[l1_index(va)];

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
