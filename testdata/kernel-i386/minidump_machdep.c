/*
 * i386 minidump version 2 of a kernel without PAE, laid out as FreeBSD's
 * i386 cpu_minidumpsys writes it. It has a header page,
 * the message buffer, the dump_avail page and the page bitmap indexed
 * through dump_avail. Then come one page of 4-byte PTEs per 4 MiB of
 * kernel virtual memory from KERNBASE to kernel_vm_end (synthesised for
 * 4 MiB pages, copied from page tables, zero where nothing is mapped), and
 * every page whose bit is set, in bit order. The file leaves the guest on
 * isa-debugcon port 0x4e9.
 */
#include "kernel.h"

#define	MINIDUMP_MAGIC		"minidump FreeBSD/i386"
#define	MINIDUMP_VERSION	2

struct minidumphdr {
	char		magic[24];
	uint32_t	version;
	uint32_t	msgbufsize;
	uint32_t	bitmapsize;
	uint32_t	ptesize;
	uint32_t	kernbase;
	uint32_t	paemode;
	uint32_t	dumpavailsize;
};

static uint32_t pagebuf[NPTEPG];
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

/* Write the PTE section: one page of PTEs per 4 MiB. */
static uint32_t
write_pte_section(bool write)
{
	uint32_t size = 0;

	for (vm_offset_t va = KERNBASE; va < kernel_vm_end; va += NBPDR) {
		pd_entry_t pde = kernel_pd[pd_index(va)];

		memset(pagebuf, 0, sizeof(pagebuf));
		if ((pde & (PG_V | PG_PS)) == (PG_V | PG_PS)) {
			/* FreeBSD's writer expands a 4 MiB page into a fake page table. */
			for (int i = 0; i < NPTEPG; i++)
				pagebuf[i] = ((pde & PG_PS_FRAME) + (uint32_t)i * PAGE_SIZE) |
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

void
minidumpsys(void)
{
	struct minidumphdr hdr;
	size_t bitmapsize = round_page(howmany(vm_page_dump_pages, 64) * 8);
	u_int ndata = 0;

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
	hdr.ptesize = write_pte_section(false);
	hdr.kernbase = KERNBASE;
	hdr.paemode = 0;
	hdr.dumpavailsize = (uint32_t)round_page(sizeof(dump_avail));
	printf("Dumping minidump version 2: %u data pages, PTE section %u bytes\n",
	    ndata, hdr.ptesize);

	dump_fd = semihost_open("minidump");
	memset(pagebuf, 0, sizeof(pagebuf));
	memcpy(pagebuf, &hdr, sizeof(hdr));
	blk_write(pagebuf, PAGE_SIZE);
	blk_write(msgbuf, round_page(hdr.msgbufsize));
	memset(pagebuf, 0, sizeof(pagebuf));
	memcpy(pagebuf, dump_avail, sizeof(dump_avail));
	blk_write(pagebuf, PAGE_SIZE);
	blk_write(vm_page_dump, bitmapsize);
	write_pte_section(true);
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0)
			blk_write(phys_to_virt(dump_index_to_pa(bit)), PAGE_SIZE);
	}
	semihost_close(dump_fd);
	printf("Dump complete\n");
}
