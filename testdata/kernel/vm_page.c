/*
 * Physical page allocation and the minidump page set.
 *
 * Pages for direct-map use (page tables, small allocations) come from the
 * bottom of the free range upwards and are added to the dump set when
 * allocated, as FreeBSD's UMA does for its direct-map pages. Pages backing
 * the kernel map come from the top downwards, so consecutive kernel virtual
 * pages sit on physical pages in descending order. The minidump code finds
 * them by walking the page tables.
 */
#include "kernel.h"

static vm_paddr_t dmap_next;	/* next page for direct-map use */
static vm_paddr_t kmem_next;	/* end of the next page for the kernel map */

/* One bit per page of dump_avail, numbered as FreeBSD's vm_dumpset.h does. */
uint64_t *vm_page_dump;
long vm_page_dump_pages;

void
vm_page_startup(vm_paddr_t first, vm_paddr_t last)
{
	dmap_next = first;
	kmem_next = last;
}

static vm_paddr_t
take_page(bool low)
{
	vm_paddr_t pa;

	if (dmap_next >= kmem_next)
		panic("out of physical memory");
	if (low) {
		pa = dmap_next;
		dmap_next += PAGE_SIZE;
	} else {
		kmem_next -= PAGE_SIZE;
		pa = kmem_next;
	}
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return (pa);
}

/* Allocate a zeroed page for use through the direct map; it is dumped. */
vm_paddr_t
vm_page_alloc_dmap(void)
{
	vm_paddr_t pa = take_page(true);

	if (vm_page_dump != NULL)
		dump_add_page(pa);
	return (pa);
}

/* Allocate a zeroed page to back kernel map memory. */
vm_paddr_t
vm_page_alloc_kmem(void)
{
	return (take_page(false));
}

/*
 * Bit index of pa in the dump set: pages of earlier dump_avail ranges come
 * first. Returns -1 for addresses outside dump_avail.
 */
static long
dump_bit(vm_paddr_t pa)
{
	long adj = 0;

	for (int i = 0; dump_avail[i + 1] != 0; i += 2) {
		if (pa >= dump_avail[i] && pa < dump_avail[i + 1])
			return ((long)(pa / PAGE_SIZE - dump_avail[i] / PAGE_SIZE) +
			    adj);
		adj += howmany(dump_avail[i + 1], PAGE_SIZE) -
		    dump_avail[i] / PAGE_SIZE;
	}
	return (-1);
}

void
vm_page_dump_init(void)
{
	size_t bytes;

	vm_page_dump_pages = 0;
	for (int i = 0; dump_avail[i + 1] != 0; i += 2)
		vm_page_dump_pages += howmany(dump_avail[i + 1], PAGE_SIZE) -
		    dump_avail[i] / PAGE_SIZE;
	bytes = round_page(howmany(vm_page_dump_pages, 64) * 8);

	/* The bitmap pages are contiguous because nothing else allocates yet. */
	vm_paddr_t first = take_page(true);
	for (size_t off = PAGE_SIZE; off < bytes; off += PAGE_SIZE)
		take_page(true);
	vm_page_dump = phys_to_virt(first);
	for (size_t off = 0; off < bytes; off += PAGE_SIZE)
		dump_add_page(first + off);
}

bool
vm_phys_is_dumpable(vm_paddr_t pa)
{
	return (dump_bit(pa) >= 0);
}

void
dump_add_page(vm_paddr_t pa)
{
	long bit = dump_bit(pa);

	if (bit >= 0)
		vm_page_dump[bit / 64] |= (uint64_t)1 << (bit % 64);
}

void
dump_drop_page(vm_paddr_t pa)
{
	long bit = dump_bit(pa);

	if (bit >= 0)
		vm_page_dump[bit / 64] &= ~((uint64_t)1 << (bit % 64));
}
