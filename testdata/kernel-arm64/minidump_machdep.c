/*
 * arm64 minidump version 3, laid out as FreeBSD's
 * sys/arm64/arm64/minidump_machdep.c (the version with the page-size flags
 * in its header) writes it: a header page, the message buffer, the
 * dump_avail page, the page bitmap indexed through dump_avail, one page of
 * L3 descriptors per L2_SIZE (2 MiB, or 32 MiB with 16 KiB pages) of the
 * kernel map
 * from VM_MIN_KERNEL_ADDRESS to kernel_vm_end (synthesised from L1 and L2
 * blocks, copied from L3 tables, zero where nothing is mapped), then every
 * page whose bit is set, in bit order. The file goes to the host through
 * semihosting as "minidump" in QEMU's working directory.
 */
#include "kernel.h"

#define	MINIDUMP_MAGIC		"minidump FreeBSD/arm64"
#define	MINIDUMP_VERSION	3
#define	MINIDUMP_FLAG_PS_4K	0
#define	MINIDUMP_FLAG_PS_16K	1

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
	uint32_t	flags;
};

#define	ATTR_DESCR_MASK	3UL
#define	BLOCK		1UL
#define	TABLE		3UL
#define	L3_PAGE		3UL
#define	ATTR_AF		(1UL << 10)
#define	ATTR_SH_IS	(3UL << 8)
#define	ATTR_MASK	0xfffc000000000fffUL

static uint64_t pagebuf[Ln_ENTRIES];
static long dump_fd;

static void
blk_write(const void *ptr, size_t len)
{
	semihost_write(dump_fd, ptr, len);
}

/* The level 1 and level 2 entries covering va; 0 where a level is absent. */
static void
kernel_entries(vm_offset_t va, pd_entry_t *l1e, pd_entry_t *l2e)
{
	pd_entry_t e = kernel_l0[l0_index(va)];

	*l1e = *l2e = 0;
	if ((e & ATTR_DESCR_MASK) != TABLE)
		return;
	*l1e = ((pd_entry_t *)phys_to_virt(e & ~ATTR_MASK))[l1_index(va)];
	if ((*l1e & ATTR_DESCR_MASK) == TABLE)
		*l2e = ((pd_entry_t *)phys_to_virt(*l1e & ~ATTR_MASK))[l2_index(va)];
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
		if ((l1e & ATTR_DESCR_MASK) == BLOCK) {
			add_range(l1e & ~ATTR_MASK, Ln_ENTRIES * Ln_ENTRIES);
			va += L1_SIZE - L2_SIZE;
		} else if ((l2e & ATTR_DESCR_MASK) == BLOCK) {
			add_range(l2e & ~ATTR_MASK, Ln_ENTRIES);
		} else if ((l2e & ATTR_DESCR_MASK) == TABLE) {
			pt_entry_t *l3 = phys_to_virt(l2e & ~ATTR_MASK);

			for (int i = 0; i < Ln_ENTRIES; i++) {
				if ((l3[i] & ATTR_DESCR_MASK) == L3_PAGE)
					add_range(l3[i] & ~ATTR_MASK, 1);
			}
		}
	}
}

/* Write the L3 section: one page of descriptors per L2_SIZE. */
static uint32_t
write_l3_section(bool write)
{
	pd_entry_t l1e, l2e;
	uint32_t size = 0;

	for (vm_offset_t va = VM_MIN_KERNEL_ADDRESS; va < kernel_vm_end;
	    va += L2_SIZE) {
		kernel_entries(va, &l1e, &l2e);
		if ((l1e & ATTR_DESCR_MASK) == BLOCK) {
			vm_paddr_t pa = (l1e & ~ATTR_MASK) | (va & (L1_SIZE - 1));

			for (int i = 0; i < Ln_ENTRIES; i++) {
				for (int j = 0; j < Ln_ENTRIES; j++)
					pagebuf[j] = (pa + (vm_paddr_t)i * L2_SIZE +
					    (vm_paddr_t)j * PAGE_SIZE) | ATTR_AF |
					    ATTR_SH_IS | L3_PAGE;
				if (write)
					blk_write(pagebuf, PAGE_SIZE);
				size += PAGE_SIZE;
			}
			va += L1_SIZE - L2_SIZE;
			continue;
		}
		memset(pagebuf, 0, sizeof(pagebuf));
		if ((l2e & ATTR_DESCR_MASK) == BLOCK) {
			vm_paddr_t pa = l2e & ~ATTR_MASK;

			for (int i = 0; i < Ln_ENTRIES; i++)
				pagebuf[i] = (pa + (vm_paddr_t)i * PAGE_SIZE) |
				    ATTR_AF | ATTR_SH_IS | L3_PAGE;
		} else if ((l2e & ATTR_DESCR_MASK) == TABLE) {
			memcpy(pagebuf, phys_to_virt(l2e & ~ATTR_MASK), PAGE_SIZE);
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

void
minidumpsys(void)
{
	struct minidumphdr hdr;
	size_t bitmapsize = round_page(howmany(vm_page_dump_pages, 64) * 8);
	uint64_t ndata = 0;

	add_kernel_pages();
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0)
			ndata++;
	}

	memset(&hdr, 0, sizeof(hdr));
	strlcpy(hdr.magic, MINIDUMP_MAGIC, sizeof(hdr.magic));
	hdr.version = MINIDUMP_VERSION;
	hdr.msgbufsize = msgbuf_len;
	hdr.bitmapsize = (uint32_t)bitmapsize;
	hdr.pmapsize = write_l3_section(false);
	hdr.kernbase = VM_MIN_KERNEL_ADDRESS;
	hdr.dmapphys = DMAP_MIN_PHYSADDR;
	hdr.dmapbase = DMAP_MIN_ADDRESS;
	hdr.dmapend = DMAP_MAX_ADDRESS;
	hdr.dumpavailsize = (uint32_t)round_page(sizeof(dump_avail));
	hdr.flags = PAGE_SIZE == 16384 ? MINIDUMP_FLAG_PS_16K : MINIDUMP_FLAG_PS_4K;
	printf("Dumping minidump version 3: %lu data pages, L3 section %u bytes\n",
	    ndata, hdr.pmapsize);

	dump_fd = semihost_open("minidump");
	memset(pagebuf, 0, sizeof(pagebuf));
	memcpy(pagebuf, &hdr, sizeof(hdr));
	blk_write(pagebuf, PAGE_SIZE);
	blk_write(msgbuf, round_page(hdr.msgbufsize));
	memset(pagebuf, 0, sizeof(pagebuf));
	memcpy(pagebuf, dump_avail, sizeof(dump_avail));
	blk_write(pagebuf, PAGE_SIZE);
	blk_write(vm_page_dump, bitmapsize);
	write_l3_section(true);
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0)
			blk_write(phys_to_virt(dump_index_to_pa(bit)), PAGE_SIZE);
	}
	semihost_close(dump_fd);
	printf("Dump complete\n");
}
