/*
 * Kernel page tables of a FreeBSD i386 kernel. Without PAE the page
 * directory is one page of 1024 4-byte PDEs with 4 MiB large pages. With
 * PAE it is 4 pages of 512 8-byte PDEs with 2 MiB large pages, reached
 * through the 4-entry PDPT in CR3. locore.S fills the directory with large
 * pages for the KERNBASE window, and with the same pages at 0 for the
 * switch to paging. pmap_kenter adds page tables for the kernel map above
 * the window.
 */
#include "kernel.h"

extern pd_entry_t boot_pd[];

pd_entry_t *kernel_pd;

/*
 * Physical addresses of the page directory and, with PAE, of the PDPT,
 * stored in pointer variables as FreeBSD's i386 pmap.c declares them.
 * libkvm finds the page tables of a full dump through these: it takes a
 * kernel with the symbol IdlePDPT for a PAE kernel.
 */
pd_entry_t *IdlePTD;
#ifdef PAE
extern pdpt_entry_t boot_pdpt[];
pdpt_entry_t *IdlePDPT;
#endif

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
	IdlePTD = (pd_entry_t *)(uintptr_t)KVA_TO_PHYS(boot_pd);
#ifdef PAE
	IdlePDPT = (pdpt_entry_t *)(uintptr_t)KVA_TO_PHYS(boot_pdpt);
#endif
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
