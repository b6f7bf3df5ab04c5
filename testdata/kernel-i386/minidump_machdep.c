/*
 * i386 minidumps, laid out as FreeBSD's i386 minidumpsys writes them
 * (sys/i386/i386/minidump_machdep_base.c, sys/i386/include/minidump.h).
 *
 * Version 2 (FreeBSD 13 and later) has a header page, the message buffer,
 * the dump_avail page and the page bitmap indexed through dump_avail. The
 * PTE section follows: one page of PTEs per large page (NBPDR) of kernel
 * virtual memory from KERNBASE to kernel_vm_end. Each page is synthesised
 * for a large page, copied from a page table, or zero where nothing is
 * mapped. Last comes every page whose bit is set, in bit order. PTEs are 4 bytes, or 8 with PAE (header field
 * paemode 1).
 *
 * Version 1 (FreeBSD 12 and earlier) has a 48-byte header without
 * dumpavailsize, no dump_avail page, and a bitmap in which bit i is
 * physical page i. Its data pages are those of version 2 in the same
 * order, because both number pages in ascending physical order.
 */
#include "kernel.h"

#define	MINIDUMP_MAGIC		"minidump FreeBSD/i386"

struct minidumphdr {
	char		magic[24];
	uint32_t	version;
	uint32_t	msgbufsize;
	uint32_t	bitmapsize;
	uint32_t	ptesize;
	uint32_t	kernbase;
	uint32_t	paemode;
	uint32_t	dumpavailsize;	/* version 2 only */
};

#ifdef PAE
#define	PAEMODE		1
#else
#define	PAEMODE		0
#endif

static pt_entry_t pagebuf[NPTEPG];
/* The version 1 bitmap: one bit per physical page from 0. */
static uint64_t bitmap_v1[PAGE_SIZE / sizeof(uint64_t)];
static long dump_fd;

static void
blk_write(const void *ptr, size_t len)
{
	semihost_write(dump_fd, ptr, len);
}

static void
add_range(vm_paddr_t pa, u_long pages)
{
	for (u_long k = 0; k < pages; k++, pa += PAGE_SIZE) {
		if (vm_phys_is_dumpable(pa))
			dump_add_page(pa);
	}
}

/* Add every page mapped from KERNBASE up to the dump set. */
static void
add_kernel_pages(void)
{
	for (vm_offset_t va = KERNBASE; va < kernel_vm_end; va += NBPDR) {
		pd_entry_t pde = kernel_pd[pd_index(va)];

		if ((pde & PG_V) == 0)
			continue;
		if ((pde & PG_PS) != 0) {
			add_range(pde & PG_PS_FRAME, NPTEPG);
			continue;
		}
		pt_entry_t *pt = phys_to_virt(pde & PG_FRAME);

		for (int i = 0; i < NPTEPG; i++) {
			if ((pt[i] & PG_V) != 0)
				add_range(pt[i] & PG_FRAME, 1);
		}
	}
}

/* Write the PTE section: one page of PTEs per NBPDR. */
static uint32_t
write_pte_section(bool write)
{
	uint32_t size = 0;

	for (vm_offset_t va = KERNBASE; va < kernel_vm_end; va += NBPDR) {
		pd_entry_t pde = kernel_pd[pd_index(va)];

		memset(pagebuf, 0, sizeof(pagebuf));
		if ((pde & (PG_V | PG_PS)) == (PG_V | PG_PS)) {
			/* FreeBSD's writer expands a large page into a fake page table. */
			for (int i = 0; i < NPTEPG; i++)
				pagebuf[i] = ((pde & PG_PS_FRAME) + (pt_entry_t)i * PAGE_SIZE) |
				    PG_V | PG_RW | PG_A | PG_M;
		} else if ((pde & PG_V) != 0) {
			memcpy(pagebuf, phys_to_virt(pde & PG_FRAME), PAGE_SIZE);
		}
		if (write)
			blk_write(pagebuf, PAGE_SIZE);
		size += PAGE_SIZE;
		if (va + NBPDR < va)
			break;
	}
	return (size);
}

/* Return the physical address of bit of the dump bitmap. */
static vm_paddr_t
dump_index_to_pa(long bit)
{
	for (int i = 0; dump_avail[i + 1] != 0; i += 2) {
		long pages = (long)(howmany(dump_avail[i + 1], PAGE_SIZE) -
		    dump_avail[i] / PAGE_SIZE);

		if (bit < pages)
			return ((vm_paddr_t)bit * PAGE_SIZE + trunc_page(dump_avail[i]));
		bit -= pages;
	}
	return (0);
}

static bool
dump_bit_is_set(long bit)
{
	return ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0);
}

/*
 * Fill bitmap_v1 from the dump set and return its size in bytes: one bit
 * per page up to the end of the last dump_avail range, rounded up to a
 * page, as FreeBSD 12's vm_page_startup sizes vm_page_dump.
 */
static uint32_t
fill_bitmap_v1(void)
{
	vm_paddr_t end = 0;

	for (int i = 0; dump_avail[i + 1] != 0; i += 2)
		end = dump_avail[i + 1];
	uint32_t size = (uint32_t)round_page(howmany(end / PAGE_SIZE, 8));
	if (size > sizeof(bitmap_v1))
		panic("minidump: a version 1 bitmap of %u bytes does not fit", size);

	memset(bitmap_v1, 0, sizeof(bitmap_v1));
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if (dump_bit_is_set(bit)) {
			uint64_t page = dump_index_to_pa(bit) / PAGE_SIZE;

			bitmap_v1[page / 64] |= (uint64_t)1 << (page % 64);
		}
	}
	return (size);
}

/* Write a minidump of the given version to the dump file path. */
static void
minidump_write(int version, const char *path)
{
	struct minidumphdr hdr;
	size_t bitmapsize = round_page(howmany(vm_page_dump_pages, 64) * 8);
	const void *bitmap = vm_page_dump;
	u_int ndata = 0;

	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if (dump_bit_is_set(bit))
			ndata++;
	}
	if (version == 1) {
		bitmapsize = fill_bitmap_v1();
		bitmap = bitmap_v1;
	}

	memset(&hdr, 0, sizeof(hdr));
	strlcpy(hdr.magic, MINIDUMP_MAGIC, sizeof(hdr.magic));
	hdr.version = (uint32_t)version;
	hdr.msgbufsize = msgbuf_len;
	hdr.bitmapsize = (uint32_t)bitmapsize;
	hdr.ptesize = write_pte_section(false);
	hdr.kernbase = KERNBASE;
	hdr.paemode = PAEMODE;
	if (version == 2)
		hdr.dumpavailsize = (uint32_t)round_page(sizeof(dump_avail));
	printf("Dumping minidump version %d: %u data pages, PTE section %u bytes\n",
	    version, ndata, hdr.ptesize);

	dump_fd = semihost_open(path);
	memset(pagebuf, 0, sizeof(pagebuf));
	memcpy(pagebuf, &hdr, sizeof(hdr));
	blk_write(pagebuf, PAGE_SIZE);
	blk_write(msgbuf, round_page(hdr.msgbufsize));
	if (version == 2) {
		memset(pagebuf, 0, sizeof(pagebuf));
		memcpy(pagebuf, dump_avail, sizeof(dump_avail));
		blk_write(pagebuf, PAGE_SIZE);
	}
	blk_write(bitmap, bitmapsize);
	write_pte_section(true);
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if (dump_bit_is_set(bit))
			blk_write(phys_to_virt(dump_index_to_pa(bit)), PAGE_SIZE);
	}
	semihost_close(dump_fd);
}

/* Write the version 2 and version 1 minidumps of the same page set. */
void
minidumpsys(void)
{
	add_kernel_pages();
	minidump_write(2, "minidump");
	minidump_write(1, "minidump-v1");
	printf("Minidumps complete\n");
}
