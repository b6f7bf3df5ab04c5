/*
 * riscv minidump version 2, laid out as FreeBSD's
 * sys/riscv/riscv/minidump_machdep.c writes it. It has a header page, the
 * message buffer, the dump_avail page and the page bitmap indexed through
 * dump_avail. Then come one page of leaf (L3) PTEs per 2 MiB of the kernel
 * map from VM_MIN_KERNEL_ADDRESS to kernel_vm_end (synthesised for 2 MiB
 * pages, copied from L3 tables, zero where nothing is mapped), and every
 * page whose bit is set, in bit order. The file goes to the host through
 * semihosting as "minidump" in QEMU's working directory.
 */
#include "kernel.h"

#define	MINIDUMP_MAGIC		"minidump FreeBSD/riscv"
#define	MINIDUMP_VERSION	2

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

/* The L1 and L2 entries covering va; 0 where a level is absent. */
static void
kernel_entries(vm_offset_t va, pd_entry_t *l1e, pd_entry_t *l2e)
{
	*l1e = kernel_l1[l1_index(va)];
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
	hdr.pmapsize = write_pte_section(false);
	hdr.kernbase = VM_MIN_KERNEL_ADDRESS;
	hdr.dmapphys = DMAP_MIN_PHYSADDR;
	hdr.dmapbase = DMAP_MIN_ADDRESS;
	hdr.dmapend = DMAP_MAX_ADDRESS;
	hdr.dumpavailsize = (uint32_t)round_page(sizeof(dump_avail));
	printf("Dumping minidump version 2: %lu data pages, PTE section %u bytes\n",
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
	write_pte_section(true);
	for (long bit = 0; bit < vm_page_dump_pages; bit++) {
		if ((vm_page_dump[bit / 64] >> (bit % 64) & 1) != 0)
			blk_write(phys_to_virt(dump_index_to_pa(bit)), PAGE_SIZE);
	}
	semihost_close(dump_fd);
	printf("Dump complete\n");
}
