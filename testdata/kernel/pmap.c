/*
 * Kernel page tables laid out as FreeBSD 14 amd64 lays them out:
 *   - one PML4 page, its physical address in KPML4phys;
 *   - the direct map at DMAP_MIN_ADDRESS covering all RAM with 2 MiB pages;
 *   - PDP pages for the four PML4 slots from VM_MIN_KERNEL_ADDRESS up to
 *     KERNBASE's slot, as FreeBSD's create_pagetables allocates them;
 *   - KERNBASE mapping physical KERNDELTA upwards with KERNBASE_PS_PAGES 2 MiB
 *     pages, followed by 4 KiB pages for the struct pcpu area and loaded
 *     modules, up to KERNBASE + nkpt * 2 MiB;
 *   - the kernel map from VM_MIN_KERNEL_ADDRESS with 4 KiB pages through
 *     page-table pages created on demand.
 * The boot tables of locore.S (identity map) are dropped once these load.
 */
#include "kernel.h"

#define	PG_V		0x001UL
#define	PG_RW		0x002UL
#define	PG_A		0x020UL
#define	PG_M		0x040UL
#define	PG_PS		0x080UL
#define	PG_G		0x100UL
#define	PG_NX		(1UL << 63)
#define	PG_FRAME	0x000ffffffffff000UL

#define	pml4_index(va)	(((va) >> 39) & 511)
#define	pdpt_index(va)	(((va) >> 30) & 511)
#define	pd_index(va)	(((va) >> 21) & 511)
#define	pt_index(va)	(((va) >> 12) & 511)

/*
 * Number of 2 MiB page-directory entries at KERNBASE: KERNBASE_PS_PAGES
 * large pages for physical 0 to 4 MiB, then one page-table page.
 */
int nkpt = KERNBASE_PS_PAGES + 1;

/* End of the kernel map's page-table coverage, a multiple of NBPDR. */
vm_offset_t kernel_vm_end = VM_MIN_KERNEL_ADDRESS;

vm_paddr_t KPML4phys;
bool pmap_dmap_ready;

/* Slots of the kernel map and KERNBASE in the PML4 (NKPML4E on FreeBSD). */
#define	KPML4BASE	pml4_index(VM_MIN_KERNEL_ADDRESS)
#define	NKPML4E		4

/*
 * Return a pointer to physical memory: through the direct map once it is
 * loaded, before that through the boot tables' KERNBASE map of 1 GiB.
 */
void *
phys_to_virt(vm_paddr_t pa)
{
	if (pmap_dmap_ready)
		return ((void *)PHYS_TO_DMAP(pa));
#if KERNDELTA != 0
	/* A relocated kernel reaches memory below its image through the boot identity map. */
	if (pa < KERNDELTA)
		return ((void *)pa);
#endif
	return ((void *)(KERNBASE + pa - KERNDELTA));
}

static pd_entry_t *
table(pd_entry_t entry)
{
	return (phys_to_virt(entry & PG_FRAME));
}

static void	pmap_kenter_prot(vm_offset_t va, vm_paddr_t pa, bool exec);

static pd_entry_t
new_table(void)
{
	return (vm_page_alloc_dmap() | PG_V | PG_RW | PG_A | PG_M);
}

void
pmap_bootstrap(void)
{
	pd_entry_t *pml4, *pdpt, *pd;
	vm_paddr_t maxpa = 0;

	for (int i = 0; dump_avail[i + 1] != 0; i += 2)
		maxpa = MAX(maxpa, dump_avail[i + 1]);

	KPML4phys = vm_page_alloc_dmap();
	pml4 = phys_to_virt(KPML4phys);

	/* Direct map: one PD page per GiB of RAM, 2 MiB pages. */
	u_int ndmpdp = howmany(maxpa, NBPDP);
	pml4[pml4_index(DMAP_MIN_ADDRESS)] = new_table() | PG_NX;
	pdpt = table(pml4[pml4_index(DMAP_MIN_ADDRESS)]);
	for (u_int g = 0; g < ndmpdp; g++) {
		pdpt[g] = new_table() | PG_NX;
		pd = table(pdpt[g]);
		for (u_int i = 0; i < NPDEPG; i++) {
			vm_paddr_t pa = (vm_paddr_t)g * NBPDP + i * NBPDR;

			if (pa >= roundup2(maxpa, NBPDR))
				break;
			pd[i] = pa | PG_V | PG_RW | PG_PS | PG_G | PG_A | PG_M |
			    PG_NX;
		}
	}

	/* Kernel map and KERNBASE slots, each with its PDP page. */
	for (u_int s = 0; s < NKPML4E; s++)
		pml4[KPML4BASE + s] = new_table();

	/* KERNBASE: physical KERNDELTA (0 unless relocated) upwards with 2 MiB pages. */
	pdpt = table(pml4[pml4_index(KERNBASE)]);
	pdpt[pdpt_index(KERNBASE)] = new_table();
	pd = table(pdpt[pdpt_index(KERNBASE)]);
	for (int i = 0; i < KERNBASE_PS_PAGES; i++)
		pd[i] = (KERNDELTA + (vm_paddr_t)i * NBPDR) | PG_V | PG_RW | PG_PS | PG_G |
		    PG_A | PG_M;

	__asm__ volatile("movq %0, %%cr3" : : "r"(KPML4phys) : "memory");
	pmap_dmap_ready = true;
	vm_page_dump = (uint64_t *)PHYS_TO_DMAP((uintptr_t)vm_page_dump -
	    KERNBASE + KERNDELTA);
}

/*
 * Map the 4 KiB page at physical pa at va: in the kernel map below KERNBASE,
 * or in the 4 KiB-page part of the KERNBASE region. Data pages are not
 * executable; module pages (pmap_kenter_code) are.
 */
void
pmap_kenter(vm_offset_t va, vm_paddr_t pa)
{
	pmap_kenter_prot(va, pa, false);
}

void
pmap_kenter_code(vm_offset_t va, vm_paddr_t pa)
{
	pmap_kenter_prot(va, pa, true);
}

static void
pmap_kenter_prot(vm_offset_t va, vm_paddr_t pa, bool exec)
{
	pd_entry_t *pml4 = phys_to_virt(KPML4phys);
	pd_entry_t *pdpt, *pd, *pt;
	vm_offset_t kb_start = KERNBASE + (vm_offset_t)KERNBASE_PS_PAGES * NBPDR;
	vm_offset_t kb_end = KERNBASE + (vm_offset_t)nkpt * NBPDR;
	bool kmap = va >= VM_MIN_KERNEL_ADDRESS && va < KERNBASE;

	if (!kmap && !(va >= kb_start && va < kb_end))
		panic("pmap_kenter: %p outside the kernel map", (void *)va);
	pdpt = table(pml4[pml4_index(va)]);
	if (pdpt[pdpt_index(va)] == 0)
		pdpt[pdpt_index(va)] = new_table();
	pd = table(pdpt[pdpt_index(va)]);
	if (pd[pd_index(va)] == 0)
		pd[pd_index(va)] = new_table();
	pt = table(pd[pd_index(va)]);
	pt[pt_index(va)] = pa | PG_V | PG_RW | PG_A | PG_M | PG_G |
	    (exec ? 0 : PG_NX);
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");

	vm_offset_t end = roundup2(va + PAGE_SIZE, NBPDR);
	if (kmap && end > kernel_vm_end)
		kernel_vm_end = end;
}

/* Return the physical address va maps to, or 0 if it is not mapped. */
vm_paddr_t
pmap_kextract(vm_offset_t va)
{
	pd_entry_t e = ((pd_entry_t *)phys_to_virt(KPML4phys))[pml4_index(va)];

	if ((e & PG_V) == 0)
		return (0);
	e = table(e)[pdpt_index(va)];
	if ((e & PG_V) == 0)
		return (0);
	if ((e & PG_PS) != 0)
		return ((e & PG_FRAME & ~(NBPDP - 1)) | (va & (NBPDP - 1)));
	e = table(e)[pd_index(va)];
	if ((e & PG_V) == 0)
		return (0);
	if ((e & PG_PS) != 0)
		return ((e & PG_FRAME & ~(NBPDR - 1)) | (va & (NBPDR - 1)));
	e = table(e)[pt_index(va)];
	if ((e & PG_V) == 0)
		return (0);
	return ((e & PG_FRAME) | (va & PAGE_MASK));
}
