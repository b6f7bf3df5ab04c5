/*
 * Kernel memory: malloc hands out memory of the KERNBASE window, which a
 * minidump contains because every page is added to the dump bitmap when
 * allocated. kmem_malloc maps fresh pages in the kernel map above the
 * window with 4 KiB page-table entries.
 */
#include "kernel.h"

#define	CHUNK_PAGES	4

static vm_paddr_t chunk_pa;
static size_t chunk_used;

static vm_paddr_t
chunk_alloc(void)
{
	vm_paddr_t first = vm_page_alloc_dmap();

	for (int n = 1; n < CHUNK_PAGES; n++) {
		if (vm_page_alloc_dmap() != first + n * PAGE_SIZE)
			panic("malloc: chunk pages are not contiguous");
	}
	return (first);
}

void *
malloc(size_t size, size_t align)
{
	if (size > CHUNK_PAGES * PAGE_SIZE)
		panic("malloc: %zu bytes is larger than a chunk", size);
	chunk_used = roundup2(chunk_used, align);
	if (chunk_pa == 0 || chunk_used + size > CHUNK_PAGES * PAGE_SIZE) {
		chunk_pa = chunk_alloc();
		chunk_used = 0;
	}
	void *p = phys_to_virt(chunk_pa + chunk_used);
	chunk_used += size;
	return (p);
}

/*
 * The kernel map's allocations start above the KERNBASE window, 128 KiB
 * below a 2 MiB boundary. They run past it, so with PAE they use two page
 * tables, and without PAE they use page-table entries above index 511.
 */
#define	KMEM_FIRST	(KMEM_START + 2 * 1024 * 1024 - 128 * 1024)

static vm_offset_t kmem_next = KMEM_FIRST;

void *
kmem_malloc(size_t size)
{
	vm_offset_t va = kmem_next;

	size = round_page(size);
	for (size_t off = 0; off < size; off += PAGE_SIZE)
		pmap_kenter(va + off, vm_page_alloc_kmem());
	kmem_next += size;
	return ((void *)va);
}
