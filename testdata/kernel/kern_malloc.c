/*
 * Memory allocators. malloc hands out small objects from chunks of
 * direct-map pages, so objects may straddle page boundaries inside a
 * chunk. kmem_malloc maps whole pages into the kernel map, as FreeBSD's
 * malloc does for large requests such as a vnet's data area.
 */
#include "kernel.h"

#define	CHUNK_PAGES	4

static vm_paddr_t chunk_pa;	/* physical start of the current chunk */
static size_t chunk_used;	/* bytes handed out from it */

/*
 * Allocate CHUNK_PAGES physically contiguous pages. The direct-map page
 * allocator returns ascending addresses and nothing else allocates in
 * between, so the pages are adjacent.
 */
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

/* Allocate size zeroed bytes aligned to align (a power of two). */
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
 * Next free kernel map address. Starting 64 KiB below a 2 MiB boundary
 * makes the second vnet's data area span two page-table pages.
 */
static vm_offset_t kmem_next = VM_MIN_KERNEL_ADDRESS + NBPDR - 0x10000;

/* Map round_page(size) bytes of fresh zeroed pages into the kernel map. */
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
