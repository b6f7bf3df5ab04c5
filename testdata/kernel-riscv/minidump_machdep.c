/*
 * riscv minidumps, laid out as FreeBSD's sys/riscv/riscv/minidump_machdep.c
 * writes them. minidumpsys writes the same state twice, through
 * semihosting into QEMU's working directory:
 *
 *   "minidump"     Version 2, the current one. It has a header page, the
 *                  message buffer, the dump_avail page, the page bitmap
 *                  indexed through dump_avail, the PTE section and the
 *                  data pages.
 *   "minidump-v1"  Version 1, from before dump_avail. It has no
 *                  dumpavailsize field and no dump_avail page, and bit i
 *                  of its bitmap is the page at physical address
 *                  i * PAGE_SIZE.
 *
 * The PTE section has one page of leaf (L3) PTEs per 2 MiB of the kernel
 * map from VM_MIN_KERNEL_ADDRESS to kernel_vm_end: synthesised for 2 MiB
 * pages, copied from L3 tables, zero where nothing is mapped. It is the
 * same with Sv39 and Sv48, and no header field records the mode. The data
 * pages follow in increasing physical address order.
 */
#include "kernel.h"

#define	MINIDUMP_MAGIC		"minidump FreeBSD/riscv"

/* Bytes of the version 1 header, which ends before dumpavailsize. */
#define	MINIDUMP_V1_HDR_SIZE	72

struct minidumphdr {
	char		magic[24];
	uint32_t	version;
	uint32_t	msgbufsize;
	uint32_t	bitmapsize;
	uint32_t	pmapsize;
	uint64_t	kernbase;
	uint64_t	dmapphys;
	uint64_t	dmapbase;
	uint64_t	dmapend;
	uint32_t	dumpavailsize;
};

static uint64_t pagebuf[Ln_ENTRIES];
static long dump_fd;

static void
blk_write(const void *ptr, size_t len)
{
	semihost_write(dump_fd, ptr, len);
}

static bool
is_leaf(pd_entry_t e)
{
	return ((e & PTE_V) != 0 && (e & PTE_RWX) != 0);
}

static bool
is_table(pd_entry_t e)
{
	return ((e & PTE_V) != 0 && (e & PTE_RWX) == 0);
}

/*
 * Return the L1 and L2 entries covering va, found from the root table as
 * FreeBSD's pmap_get_tables does with three or four levels. An entry is 0
 * where its level is absent.
 */
static void
kernel_entries(vm_offset_t va, pd_entry_t *l1e, pd_entry_t *l2e)
{
	pd_entry_t *l1 = pmap_l1_table(va);

	*l1e = l1 != NULL ? l1[l1_index(va)] : 0;
	*l2e = 0;
	if (is_table(*l1e))
		*l2e = ((pd_entry_t *)phys_to_virt(PTE_TO_PHYS(*l1e)))[l2_index(va)];
}

static void
add_range(vm_paddr_t pa, u_long pages)
{
	for (u_long k = 0; k < pages; k++, pa += PAGE_SIZE) {
		if (vm_phys_is_dumpable(pa))
			dump_add_page(pa);
	}
}

/* Add every page mapped in the kernel map to the dump set. */
static void
add_kernel_pages(void)
{
	pd_entry_t l1e, l2e;

	for (vm_offset_t va = VM_MIN_KERNEL_ADDRESS; va < kernel_vm_end;
	    va += L2_SIZE) {
		kernel_entries(va, &l1e, &l2e);
		if (is_leaf(l2e)) {
			add_range(PTE_TO_PHYS(l2e), Ln_ENTRIES);
		} else if (is_table(l2e)) {
			pt_entry_t *l3 = phys_to_virt(PTE_TO_PHYS(l2e));

			for (int i = 0; i < Ln_ENTRIES; i++) {
				if (is_leaf(l3[i]))
					add_range(PTE_TO_PHYS(l3[i]), 1);
			}
		}
	}
}

/* Write the PTE section: one page of leaf PTEs per L2_SIZE. */
static uint32_t
write_pte_section(bool write)
{
	pd_entry_t l1e, l2e;
	uint32_t size = 0;

	for (vm_offset_t va = VM_MIN_KERNEL_ADDRESS; va < kernel_vm_end;
	    va += L2_SIZE) {
		kernel_entries(va, &l1e, &l2e);
		memset(pagebuf, 0, sizeof(pagebuf));
		if (is_leaf(l2e)) {
			/* The 2 MiB PTE with the page number in PPN[0], as FreeBSD fakes them. */
			for (int i = 0; i < Ln_ENTRIES; i++)
				pagebuf[i] = l2e | (uint64_t)i << PTE_PPN0_S;
		} else if (is_table(l2e)) {
			memcpy(pagebuf, phys_to_virt(PTE_TO_PHYS(l2e)), PAGE_SIZE);
		}
		if (write)
			blk_write(pagebuf, PAGE_SIZE);
		size += PAGE_SIZE;
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

/* Return the number of pages in the dump set. */
static uint64_t
count_dump_pages(void)
{
	uint64_t n = 0;

	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0)
			n++;
	}
	return (n);
}

/*
 * Return the bytes of the version 1 bitmap: one bit per page from physical
 * address 0 to the end of the highest dump_avail range, page-rounded, as
 * FreeBSD's vm_page_startup sized vm_page_dump_size.
 */
static size_t
v1_bitmap_size(void)
{
	vm_paddr_t last = 0;

	for (int i = 0; dump_avail[i + 1] != 0; i += 2) {
		if (dump_avail[i + 1] > last)
			last = dump_avail[i + 1];
	}
	return (round_page(roundup2(last / PAGE_SIZE, 8) / 8));
}

/*
 * Write the version 1 bitmap a page at a time, bit i of the bitmap being
 * physical page i. The set bits come from the version 2 bitmap, translated
 * through dump_avail.
 */
static void
write_v1_bitmap(size_t size)
{
	uint8_t *bytes = (uint8_t *)pagebuf;
	const uint64_t bits_per_page = PAGE_SIZE * 8;

	for (uint64_t first = 0; first < size * 8; first += bits_per_page) {
		memset(pagebuf, 0, sizeof(pagebuf));
		for (long bit = 0; bit < vm_page_dump_pages; bit++) {
			if ((vm_page_dump[bit / 64] >> (bit % 64) & 1) == 0)
				continue;
			uint64_t page = dump_index_to_pa(bit) / PAGE_SIZE;
			if (page >= first && page < first + bits_per_page)
				bytes[(page - first) / 8] |= 1 << (page % 8);
		}
		blk_write(pagebuf, PAGE_SIZE);
	}
}

/* Write a minidump of version 1 or 2 to the host file path. */
static void
write_minidump(uint32_t version, const char *path)
{
	struct minidumphdr hdr;
	size_t bitmapsize;

	if (version == 1)
		bitmapsize = v1_bitmap_size();
	else
		bitmapsize = round_page(howmany(vm_page_dump_pages, 64) * 8);
	memset(&hdr, 0, sizeof(hdr));
	strlcpy(hdr.magic, MINIDUMP_MAGIC, sizeof(hdr.magic));
	hdr.version = version;
	hdr.msgbufsize = msgbuf_len;
	hdr.bitmapsize = (uint32_t)bitmapsize;
	hdr.pmapsize = write_pte_section(false);
	hdr.kernbase = VM_MIN_KERNEL_ADDRESS;
	hdr.dmapphys = DMAP_MIN_PHYSADDR;
	hdr.dmapbase = DMAP_MIN_ADDRESS;
	hdr.dmapend = DMAP_MAX_ADDRESS;
	if (version == 2)
		hdr.dumpavailsize = (uint32_t)round_page(sizeof(dump_avail));
	printf("Dumping minidump version %u: %lu data pages, bitmap %zu bytes, PTE section %u bytes\n",
	    version, count_dump_pages(), bitmapsize, hdr.pmapsize);

	dump_fd = semihost_open(path);
	memset(pagebuf, 0, sizeof(pagebuf));
	memcpy(pagebuf, &hdr, version == 1 ? MINIDUMP_V1_HDR_SIZE : sizeof(hdr));
	blk_write(pagebuf, PAGE_SIZE);
	blk_write(msgbuf, round_page(hdr.msgbufsize));
	if (version == 1) {
		write_v1_bitmap(bitmapsize);
	} else {
		memset(pagebuf, 0, sizeof(pagebuf));
		memcpy(pagebuf, dump_avail, sizeof(dump_avail));
		blk_write(pagebuf, PAGE_SIZE);
		blk_write(vm_page_dump, bitmapsize);
	}
	write_pte_section(true);
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0)
			blk_write(phys_to_virt(dump_index_to_pa(bit)), PAGE_SIZE);
	}
	semihost_close(dump_fd);
}

void
minidumpsys(void)
{
	add_kernel_pages();
	write_minidump(2, "minidump");
	write_minidump(1, "minidump-v1");
	printf("Dump complete\n");
}
