/*
 * Full physical memory dump written to FULLDUMP_PORT, in the ELF format of
 * FreeBSD's dumpsys_generic (sys/kern/kern_dump.c). It is an ELF64 ET_CORE
 * file with OSABI 255 (standalone) and one PT_LOAD per dump_avail range,
 * whose physical and virtual addresses are both the physical start. The
 * segment data starts at the first page boundary after the program
 * headers. Like FreeBSD, the header leaves e_version at 0 and sets only
 * e_ident[EI_VERSION].
 */
#include "kernel.h"

struct elf64_ehdr {
	uint8_t		e_ident[16];
	uint16_t	e_type;
	uint16_t	e_machine;
	uint32_t	e_version;
	uint64_t	e_entry;
	uint64_t	e_phoff;
	uint64_t	e_shoff;
	uint32_t	e_flags;
	uint16_t	e_ehsize;
	uint16_t	e_phentsize;
	uint16_t	e_phnum;
	uint16_t	e_shentsize;
	uint16_t	e_shnum;
	uint16_t	e_shstrndx;
};

struct elf64_phdr {
	uint32_t	p_type;
	uint32_t	p_flags;
	uint64_t	p_offset;
	uint64_t	p_vaddr;
	uint64_t	p_paddr;
	uint64_t	p_filesz;
	uint64_t	p_memsz;
	uint64_t	p_align;
};

#define	ET_CORE			4
#define	EM_X86_64		62
#define	ELFOSABI_STANDALONE	255
#define	PT_LOAD			1
#define	PF_R			4

static uint8_t zero_page[PAGE_SIZE];

static void
write_out(const void *ptr, size_t len)
{
	outsb(FULLDUMP_PORT, ptr, len);
}

void
dumpsys_generic(void)
{
	struct elf64_ehdr ehdr;
	struct elf64_phdr phdr;
	uint16_t nseg = 0;
	uint64_t fileofs, hdrsz;

	for (int i = 0; dump_avail[i] != 0 || dump_avail[i + 1] != 0; i += 2)
		nseg++;

	memset(&ehdr, 0, sizeof(ehdr));
	memcpy(ehdr.e_ident, "\177ELF", 4);
	ehdr.e_ident[4] = 2;		/* ELFCLASS64 */
	ehdr.e_ident[5] = 1;		/* ELFDATA2LSB */
	ehdr.e_ident[6] = 1;		/* EV_CURRENT */
	ehdr.e_ident[7] = ELFOSABI_STANDALONE;
	ehdr.e_type = ET_CORE;
	ehdr.e_machine = EM_X86_64;
	ehdr.e_phoff = sizeof(ehdr);
	ehdr.e_ehsize = sizeof(ehdr);
	ehdr.e_phentsize = sizeof(phdr);
	ehdr.e_phnum = nseg;
	ehdr.e_shentsize = 64;		/* sizeof(Elf64_Shdr) */

	hdrsz = ehdr.e_phoff + (uint64_t)nseg * sizeof(phdr);
	fileofs = round_page(hdrsz);
	cons_printf("Dumping %lu MB (%u chunks)\n",
	    (unsigned long)(physmem * PAGE_SIZE) >> 20, nseg);

	write_out(&ehdr, sizeof(ehdr));
	for (int i = 0; i < 2 * nseg; i += 2) {
		memset(&phdr, 0, sizeof(phdr));
		phdr.p_type = PT_LOAD;
		phdr.p_flags = PF_R;
		phdr.p_offset = fileofs;
		phdr.p_vaddr = dump_avail[i];
		phdr.p_paddr = dump_avail[i];
		phdr.p_filesz = dump_avail[i + 1] - dump_avail[i];
		phdr.p_memsz = phdr.p_filesz;
		phdr.p_align = PAGE_SIZE;
		write_out(&phdr, sizeof(phdr));
		fileofs += phdr.p_filesz;
	}
	write_out(zero_page, round_page(hdrsz) - hdrsz);

	for (int i = 0; i < 2 * nseg; i += 2) {
		for (vm_paddr_t pa = dump_avail[i]; pa < dump_avail[i + 1];
		    pa += PAGE_SIZE)
			write_out(phys_to_virt(pa), PAGE_SIZE);
		cons_printf("  chunk %d: %lu MB ... ok\n", i / 2,
		    (unsigned long)(dump_avail[i + 1] - dump_avail[i]) >> 20);
	}
	cons_printf("full dump complete\n");
}
