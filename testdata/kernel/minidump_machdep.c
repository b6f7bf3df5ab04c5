/*
 * amd64 minidump, version 3, written to MINIDUMP_PORT.
 *
 * The layout follows FreeBSD's sys/amd64/amd64/minidump_machdep.c: a header
 * page, the message buffer, the dump_avail page, the page bitmap, one page
 * of page-directory entries per GiB of kernel address space from
 * VM_MIN_KERNEL_ADDRESS, then every page whose bit is set, in bit order.
 * Before writing, a walk of the kernel page tables adds every page mapped
 * in that range and every page-table page to the bitmap.
 */
#include "kernel.h"
#include "minidump.h"
#include "msgbuf.h"

#define	PG_V		0x001UL
#define	PG_PS		0x080UL
#define	PG_FRAME	0x000ffffffffff000UL
#define	PG_PS_FRAME	0x000fffffffe00000UL

#define	pml4_index(va)	(((va) >> 39) & 511)
#define	pdpt_index(va)	(((va) >> 30) & 511)
#define	pd_index(va)	(((va) >> 21) & 511)

/* Page buffer for the header, dump_avail and synthesised directory pages. */
static pd_entry_t fakepd[NPDEPG];

static void
blk_write(const void *ptr, size_t len)
{
	outsb(MINIDUMP_PORT, ptr, len);
}

/* Return the PDP entry covering va, or 0 if its PML4 entry is invalid. */
static pd_entry_t
kernel_pdpe(vm_offset_t va)
{
	pd_entry_t *pml4 = phys_to_virt(KPML4phys);
	pd_entry_t pml4e = pml4[pml4_index(va)];
	pd_entry_t *pdp;

	if ((pml4e & PG_V) == 0)
		return (0);
	pdp = phys_to_virt(pml4e & PG_FRAME);
	return (pdp[pdpt_index(va)]);
}

static void
add_range(vm_paddr_t pa, u_long pages)
{
	for (u_long k = 0; k < pages; k++, pa += PAGE_SIZE) {
		if (vm_phys_is_dumpable(pa))
			dump_add_page(pa);
	}
}

/* Walk the 2 MiB entries of one page directory, adding mapped pages. */
static void
add_directory(pd_entry_t *pd)
{
	for (int j = 0; j < NPDEPG; j++) {
		pd_entry_t pde = pd[j];

		if ((pde & PG_V) == 0)
			continue;
		if ((pde & PG_PS) != 0) {
			add_range(pde & PG_PS_FRAME, NPTEPG);
			continue;
		}
		add_range(pde & PG_FRAME, 1);
		pt_entry_t *pt = phys_to_virt(pde & PG_FRAME);
		for (int k = 0; k < NPTEPG; k++) {
			if ((pt[k] & PG_V) != 0)
				add_range(pt[k] & PG_FRAME, 1);
		}
	}
}

/* Return the physical address of bit index bit of the dump bitmap. */
static vm_paddr_t
dump_index_to_pa(long bit)
{
	for (int i = 0; dump_avail[i + 1] != 0; i += 2) {
		long pages = (long)(howmany(dump_avail[i + 1], PAGE_SIZE) -
		    dump_avail[i] / PAGE_SIZE);

		if (bit < pages)
			return ((vm_paddr_t)bit * PAGE_SIZE +
			    trunc_page(dump_avail[i]));
		bit -= pages;
	}
	return (0);
}

static bool
bit_is_set(long bit)
{
	return ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0);
}

static void
write_directories(vm_offset_t kva_end)
{
	for (vm_offset_t va = VM_MIN_KERNEL_ADDRESS; va < kva_end; va += NBPDP) {
		pd_entry_t pdpe = kernel_pdpe(va);

		memset(fakepd, 0, sizeof(fakepd));
		if ((pdpe & PG_V) != 0 && (pdpe & PG_PS) != 0) {
			/* A 1 GiB page becomes 512 consecutive 2 MiB entries. */
			fakepd[0] = pdpe;
			for (int j = 1; j < NPDEPG; j++)
				fakepd[j] = fakepd[j - 1] + NBPDR;
		} else if ((pdpe & PG_V) != 0) {
			memcpy(fakepd, phys_to_virt(pdpe & PG_FRAME), PAGE_SIZE);
		}
		blk_write(fakepd, PAGE_SIZE);
	}
}

void
minidumpsys(void)
{
	vm_offset_t kva_end = MAX(KERNBASE + (vm_offset_t)nkpt * NBPDR,
	    kernel_vm_end);
	uint32_t pmapsize = 0;
	uint64_t dumpsize, ndata = 0;
	size_t bitmapsize = round_page(howmany(vm_page_dump_pages, 64) * 8);
	struct minidumphdr mdhdr;

	for (vm_offset_t va = VM_MIN_KERNEL_ADDRESS; va < kva_end; va += NBPDP) {
		pd_entry_t pdpe = kernel_pdpe(va);

		pmapsize += PAGE_SIZE;
		if ((pdpe & PG_V) == 0)
			continue;
		if ((pdpe & PG_PS) != 0)
			add_range(pdpe & PG_PS_FRAME, NPDEPG * NPTEPG);
		else
			add_directory(phys_to_virt(pdpe & PG_FRAME));
	}

	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if (bit_is_set(bit))
			ndata++;
	}
	dumpsize = PAGE_SIZE + round_page(msgbufp->msg_size) + PAGE_SIZE +
	    bitmapsize + pmapsize + ndata * PAGE_SIZE;
	cons_printf("Dumping %lu out of %lu MB: minidump, %lu data pages\n",
	    dumpsize >> 20, physmem * PAGE_SIZE >> 20, ndata);

	memset(&mdhdr, 0, sizeof(mdhdr));
	strlcpy(mdhdr.magic, MINIDUMP_MAGIC, sizeof(mdhdr.magic));
	mdhdr.version = MINIDUMP_VERSION;
	mdhdr.msgbufsize = msgbufp->msg_size;
	mdhdr.bitmapsize = (uint32_t)bitmapsize;
	mdhdr.pmapsize = pmapsize;
	mdhdr.kernbase = VM_MIN_KERNEL_ADDRESS;
	mdhdr.dmapbase = DMAP_MIN_ADDRESS;
	mdhdr.dmapend = DMAP_MAX_ADDRESS;
	mdhdr.dumpavailsize = (uint32_t)round_page(sizeof(dump_avail));

	memset(fakepd, 0, sizeof(fakepd));
	memcpy(fakepd, &mdhdr, sizeof(mdhdr));
	blk_write(fakepd, PAGE_SIZE);

	blk_write(msgbufp->msg_ptr, round_page(msgbufp->msg_size));

	memset(fakepd, 0, sizeof(fakepd));
	memcpy(fakepd, dump_avail, sizeof(dump_avail));
	blk_write(fakepd, PAGE_SIZE);

	blk_write(vm_page_dump, bitmapsize);
	write_directories(kva_end);

	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if (bit_is_set(bit))
			blk_write(phys_to_virt(dump_index_to_pa(bit)), PAGE_SIZE);
	}
	cons_printf("minidump complete\n");
}
