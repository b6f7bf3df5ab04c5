/*
 * amd64 minidumps.
 *
 * Version 3 (MINIDUMP_PORT) follows FreeBSD 14's
 * sys/amd64/amd64/minidump_machdep.c: a header page, the message buffer,
 * the dump_avail page, the page bitmap indexed through dump_avail, one page
 * of page-directory entries per GiB of kernel address space from
 * VM_MIN_KERNEL_ADDRESS, then every page whose bit is set, in bit order.
 * Before writing, a walk of the kernel page tables adds every page mapped
 * in that range and every page-table page to the bitmap.
 *
 * Versions 2 and 1 are the older formats libkvm still reads, written from
 * the same page set: no dump_avail page, and bit i of the bitmap stands for
 * physical page i. Version 2 has the same directory section as version 3.
 * Version 1 has one page of page-table entries per 2 MiB from KERNBASE to
 * the end of the KERNBASE map. FreeBSD 7 wrote it when all kernel virtual
 * memory lay above KERNBASE. The kernel map below KERNBASE, and with it
 * every vnet's data area, is therefore not reachable in a version 1 dump.
 */
#include "jail.h"
#include "kernel.h"
#include "minidump.h"
#include "msgbuf.h"
#include "pcpu.h"
#include "vnet.h"

#define	PG_V		0x001UL
#define	PG_RW		0x002UL
#define	PG_A		0x020UL
#define	PG_M		0x040UL
#define	PG_PS		0x080UL
#define	PG_FRAME	0x000ffffffffff000UL
#define	PG_PS_FRAME	0x000fffffffe00000UL

#define	pml4_index(va)	(((va) >> 39) & 511)
#define	pdpt_index(va)	(((va) >> 30) & 511)
#define	pd_index(va)	(((va) >> 21) & 511)

/* Page buffer for headers, dump_avail, bitmaps and synthesised tables. */
static pd_entry_t fakepd[NPDEPG];

/* Output port of the dump being written. */
static uint16_t dump_port;

static void
blk_write(const void *ptr, size_t len)
{
	outsb(dump_port, ptr, len);
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

static vm_offset_t
kva_end(void)
{
	return (MAX(KERNBASE + (vm_offset_t)nkpt * NBPDR, kernel_vm_end));
}

/* Add every page mapped in the kernel's address range to the dump set. */
static void
add_kernel_pages(void)
{
	for (vm_offset_t va = VM_MIN_KERNEL_ADDRESS; va < kva_end(); va += NBPDP) {
		pd_entry_t pdpe = kernel_pdpe(va);

		if ((pdpe & PG_V) == 0)
			continue;
		if ((pdpe & PG_PS) != 0)
			add_range(pdpe & PG_PS_FRAME, NPDEPG * NPTEPG);
		else
			add_directory(phys_to_virt(pdpe & PG_FRAME));
	}
}

/* Versions 2 and 3: one page of 2 MiB entries per GiB of kernel space. */
static void
write_directories(void)
{
	for (vm_offset_t va = VM_MIN_KERNEL_ADDRESS; va < kva_end(); va += NBPDP) {
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

/* Version 1: one page of 4 KiB entries per 2 MiB from KERNBASE. */
static void
write_page_tables(void)
{
	for (vm_offset_t va = KERNBASE; va < KERNBASE + (vm_offset_t)nkpt * NBPDR;
	    va += NBPDR) {
		pd_entry_t pdpe = kernel_pdpe(va), pde = 0;

		if ((pdpe & PG_V) != 0 && (pdpe & PG_PS) == 0)
			pde = ((pd_entry_t *)phys_to_virt(pdpe & PG_FRAME))[pd_index(va)];
		memset(fakepd, 0, sizeof(fakepd));
		if ((pde & PG_V) != 0 && (pde & PG_PS) != 0) {
			for (int k = 0; k < NPTEPG; k++)
				fakepd[k] = ((pde & PG_PS_FRAME) + k * PAGE_SIZE) |
				    PG_V | PG_RW | PG_A | PG_M;
		} else if ((pde & PG_V) != 0) {
			memcpy(fakepd, phys_to_virt(pde & PG_FRAME), PAGE_SIZE);
		}
		blk_write(fakepd, PAGE_SIZE);
	}
}

/* Highest end address in dump_avail. */
static vm_paddr_t
last_pa(void)
{
	vm_paddr_t last = 0;

	for (int i = 0; dump_avail[i + 1] != 0; i += 2)
		last = MAX(last, dump_avail[i + 1]);
	return (last);
}

/*
 * Versions 1 and 2: write the bitmap with bit i for physical page i, one
 * page at a time, from the dump_avail-indexed set.
 */
static void
write_flat_bitmap(size_t bytes)
{
	long bit = 0;

	for (size_t off = 0; off < bytes; off += PAGE_SIZE) {
		memset(fakepd, 0, sizeof(fakepd));
		for (; bit < vm_page_dump_pages; bit++) {
			vm_paddr_t page = dump_index_to_pa(bit) / PAGE_SIZE;

			if (page / 8 >= off + PAGE_SIZE)
				break;
			if (bit_is_set(bit))
				((uint8_t *)fakepd)[page / 8 - off] |= 1 << (page % 8);
		}
		blk_write(fakepd, PAGE_SIZE);
	}
}

/*
 * Write a minidump of the given version to port. The data pages are the
 * same for every version: both bitmaps list pages in ascending physical
 * address order.
 */
static void
minidump_write(int version, uint16_t port)
{
	size_t bitmapsize, hdrsize = sizeof(struct minidumphdr);
	uint32_t pmapsize;
	uint64_t ndata = 0;
	struct minidumphdr mdhdr;

	dump_port = port;
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if (bit_is_set(bit))
			ndata++;
	}
	memset(&mdhdr, 0, sizeof(mdhdr));
	strlcpy(mdhdr.magic, MINIDUMP_MAGIC, sizeof(mdhdr.magic));
	mdhdr.version = (uint32_t)version;
	mdhdr.msgbufsize = msgbufp->msg_size;
	mdhdr.kernbase = version == 1 ? KERNBASE : VM_MIN_KERNEL_ADDRESS;
	mdhdr.dmapbase = DMAP_MIN_ADDRESS;
	mdhdr.dmapend = DMAP_MAX_ADDRESS;
	if (version == 3) {
		bitmapsize = round_page(howmany(vm_page_dump_pages, 64) * 8);
		pmapsize = (uint32_t)(howmany(kva_end() - VM_MIN_KERNEL_ADDRESS,
		    NBPDP) * PAGE_SIZE);
		mdhdr.dumpavailsize = (uint32_t)round_page(sizeof(dump_avail));
	} else {
		/* FreeBSD 12's vm_page_dump_size: one bit per page up to the last. */
		bitmapsize = round_page(roundup2(last_pa() / PAGE_SIZE, 8) / 8);
		pmapsize = version == 1 ? (uint32_t)(nkpt * PAGE_SIZE) :
		    (uint32_t)(howmany(kva_end() - VM_MIN_KERNEL_ADDRESS, NBPDP) *
		    PAGE_SIZE);
		hdrsize = offsetof(struct minidumphdr, dumpavailsize);
	}
	mdhdr.bitmapsize = (uint32_t)bitmapsize;
	mdhdr.pmapsize = pmapsize;
	cons_printf("Dumping minidump version %d: %lu MB, %lu data pages\n",
	    version, (PAGE_SIZE + round_page(msgbufp->msg_size) + bitmapsize +
	    pmapsize + (ndata + (version == 3)) * PAGE_SIZE) >> 20, ndata);

	memset(fakepd, 0, sizeof(fakepd));
	memcpy(fakepd, &mdhdr, hdrsize);
	blk_write(fakepd, PAGE_SIZE);

	blk_write(msgbufp->msg_ptr, round_page(msgbufp->msg_size));

	if (version == 3) {
		memset(fakepd, 0, sizeof(fakepd));
		memcpy(fakepd, dump_avail, sizeof(dump_avail));
		blk_write(fakepd, PAGE_SIZE);
		blk_write(vm_page_dump, bitmapsize);
		write_directories();
	} else {
		write_flat_bitmap(bitmapsize);
		if (version == 2)
			write_directories();
		else
			write_page_tables();
	}

	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if (bit_is_set(bit))
			blk_write(phys_to_virt(dump_index_to_pa(bit)), PAGE_SIZE);
	}
}

/*
 * The counter page that the minidump on MINIDUMP_NOCPU_PORT leaves out:
 * CPU minidump_nocpu_cpu's page of the counters of jail db's vnet, at
 * virtual address minidump_nocpu_va. A reader of that dump finds the
 * page table entry but not the page.
 */
struct vnet *minidump_nocpu_vnet;
int minidump_nocpu_cpu = 2;
vm_offset_t minidump_nocpu_va;

/* Write a version 3 minidump without one CPU's page of one vnet's counters. */
static void
minidump_write_nocpu(void)
{
	struct prison *pr = prison_find_name("db");
	char *slab;
	vm_paddr_t pa;

	if (pr == NULL || (slab = vnet_counter_slab(pr->pr_vnet)) == NULL)
		panic("minidump: jail db or its counters not found");
	minidump_nocpu_vnet = pr->pr_vnet;
	minidump_nocpu_va = (vm_offset_t)slab +
	    (vm_offset_t)minidump_nocpu_cpu * UMA_PCPU_ALLOC_SIZE;
	pa = pmap_kextract(minidump_nocpu_va);
	if (pa == 0)
		panic("minidump: counter page %p not mapped",
		    (void *)minidump_nocpu_va);
	cons_printf("Leaving out vnet %p CPU %d counter page %p (physical 0x%lx)\n",
	    (void *)minidump_nocpu_vnet, minidump_nocpu_cpu,
	    (void *)minidump_nocpu_va, pa);
	dump_drop_page(pa);
	minidump_write(3, MINIDUMP_NOCPU_PORT);
	dump_add_page(pa);
}

/*
 * Write the version 3 minidump, unless old is false the version 1 and 2
 * minidumps, and unless dump_nocpu is false the one without a counter page.
 */
void
minidumpsys(bool old)
{
	add_kernel_pages();
	minidump_write(3, MINIDUMP_PORT);
	if (old) {
		minidump_write(1, MINIDUMP_V1_PORT);
		minidump_write(2, MINIDUMP_V2_PORT);
	}
	if (dump_nocpu)
		minidump_write_nocpu();
	cons_printf("minidumps complete\n");
}
