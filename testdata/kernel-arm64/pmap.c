/*
 * Kernel translation tables, laid out as FreeBSD arm64 lays them out with
 * 48-bit addresses: TTBR1's level 0 table maps the kernel map from
 * VM_MIN_KERNEL_ADDRESS (the image with an L2 block at KERNSTART,
 * kmem_malloc memory with L3 pages) and the direct map (an L1 block with
 * 4 KiB pages, L2 blocks with 16 KiB pages, which have no L1 blocks).
 * locore.S builds the tables; pmap_kenter adds L2 and L3 tables on demand.
 */
#include "kernel.h"

#define	ATTR_DESCR_MASK	3UL
#define	L0_TABLE	3UL
#define	L1_TABLE	3UL
#define	L2_TABLE	3UL
#define	L3_PAGE		3UL
#define	ATTR_AF		(1UL << 10)
#define	ATTR_SH_IS	(3UL << 8)
#define	ATTR_PXN	(1UL << 53)
#define	ATTR_UXN	(1UL << 54)
#define	ATTR_MASK	0xfffc000000000fffUL

extern pd_entry_t boot_l0_ttbr1[];

pd_entry_t *kernel_l0;

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
	return (phys_to_virt(entry & ~ATTR_MASK));
}

void
pmap_bootstrap(void)
{
	kernel_l0 = phys_to_virt(KVA_TO_PHYS(boot_l0_ttbr1));
}

/* Return the table entry slot for va, adding missing tables on the way. */
static pd_entry_t *
table_slot(pd_entry_t *table, u_int index)
{
	if ((table[index] & ATTR_DESCR_MASK) == 0)
		table[index] = vm_page_alloc_dmap() | L1_TABLE;
	else if ((table[index] & ATTR_DESCR_MASK) != L1_TABLE)
		panic("pmap_kenter: entry 0x%lx is a block, not a table",
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
	l1 = table_slot(kernel_l0, l0_index(va));
	l2 = table_slot(l1, l1_index(va));
	l3 = table_slot(l2, l2_index(va));
	l3[l3_index(va)] = pa | ATTR_AF | ATTR_SH_IS | ATTR_PXN | ATTR_UXN |
	    L3_PAGE;
	__asm__ volatile("dsb ishst; tlbi vaae1is, %0; dsb ish; isb"
	    : : "r"(va >> 12) : "memory");

	vm_offset_t end = roundup2(va + PAGE_SIZE, L2_SIZE);
	if (end > kernel_vm_end)
		kernel_vm_end = end;
}

/* Return the physical address va maps to, or 0 if it is not mapped. */
vm_paddr_t
pmap_kextract(vm_offset_t va)
{
	pd_entry_t e = kernel_l0[l0_index(va)];

	if ((e & ATTR_DESCR_MASK) != L0_TABLE)
		return (0);
	e = next_table(e)[l1_index(va)];
	if ((e & ATTR_DESCR_MASK) == 1)
		return ((e & ~ATTR_MASK & ~(L1_SIZE - 1)) | (va & (L1_SIZE - 1)));
	if ((e & ATTR_DESCR_MASK) != L1_TABLE)
		return (0);
	e = next_table(e)[l2_index(va)];
	if ((e & ATTR_DESCR_MASK) == 1)
		return ((e & ~ATTR_MASK & ~(L2_SIZE - 1)) | (va & (L2_SIZE - 1)));
	if ((e & ATTR_DESCR_MASK) != L2_TABLE)
		return (0);
	e = next_table(e)[l3_index(va)];
	if ((e & ATTR_DESCR_MASK) != L3_PAGE)
		return (0);
	return ((e & ~ATTR_MASK) | (va & PAGE_MASK));
}
