/*
 * Kernel page tables of a FreeBSD i386 kernel without PAE: one page
 * directory of 1024 4-byte PDEs. locore.S fills it with 4 MiB pages for
 * the KERNBASE window (and the same pages at 0, for the switch to
 * paging); pmap_kenter adds page tables for the kernel map above it.
 */
#include "kernel.h"

extern pd_entry_t boot_pd[];

pd_entry_t *kernel_pd;
vm_paddr_t IdlePTD;		/* physical address of the page directory, as on FreeBSD */

/* End of the kernel map's translation, a multiple of NBPDR. */
vm_offset_t kernel_vm_end = KMEM_START;

void *
phys_to_virt(vm_paddr_t pa)
{
	if (pa >= KERNBASE_MAP)
		panic("phys_to_virt: 0x%x is outside the KERNBASE window", (u_int)pa);
	return ((void *)(uintptr_t)(KERNBASE + pa));
}

void
pmap_bootstrap(void)
{
	kernel_pd = boot_pd;
	IdlePTD = KVA_TO_PHYS(boot_pd);
}

/* Map the page at physical pa at va in the kernel map. */
void
pmap_kenter(vm_offset_t va, vm_paddr_t pa)
{
	pd_entry_t *pde = &kernel_pd[pd_index(va)];
	pt_entry_t *pt;

	if (va < KMEM_START)
		panic("pmap_kenter: %p outside the kernel map", (void *)va);
	if ((*pde & PG_V) == 0)
		*pde = (pd_entry_t)vm_page_alloc_dmap() | PG_V | PG_RW | PG_A | PG_M;
	pt = phys_to_virt(*pde & PG_FRAME);
	pt[pt_index(va)] = (pt_entry_t)pa | PG_V | PG_RW | PG_A | PG_M;
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");

	vm_offset_t end = roundup2(va + PAGE_SIZE, NBPDR);
	if (end > kernel_vm_end)
		kernel_vm_end = end;
}

/* Return the physical address va maps to, or 0 if it is not mapped. */
vm_paddr_t
pmap_kextract(vm_offset_t va)
{
	pd_entry_t pde = kernel_pd[pd_index(va)];

	if ((pde & PG_V) == 0)
		return (0);
	if ((pde & PG_PS) != 0)
		return ((pde & PG_PS_FRAME) | (va & (NBPDR - 1)));
	pt_entry_t pte = ((pt_entry_t *)phys_to_virt(pde & PG_FRAME))[pt_index(va)];
	if ((pte & PG_V) == 0)
		return (0);
	return ((pte & PG_FRAME) | (va & PAGE_MASK));
}
