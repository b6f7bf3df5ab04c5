/*
 * Full physical memory dump in the ELF format of FreeBSD's dumpsys_generic
 * (sys/kern/kern_dump.c) on i386. It is an ELF32 ET_CORE file of machine
 * EM_386 with OSABI 255 (standalone) and one PT_LOAD per dump_avail range.
 * Each segment's physical and virtual addresses are both the physical
 * start. i386 adds no auxiliary program headers. The segment data starts at the first page
 * boundary after the program headers. Like FreeBSD, the header leaves
 * e_version at 0 and sets only e_ident[EI_VERSION], and e_flags is 0 with
 * or without PAE.
 */
#include "kernel.h"

struct elf32_ehdr {
	uint8_t		e_ident[16];
	uint16_t	e_type;
	uint16_t	e_machine;
	uint32_t	e_version;
	uint32_t	e_entry;
	uint32_t	e_phoff;
	uint32_t	e_shoff;
	uint32_t	e_flags;
	uint16_t	e_ehsize;
	uint16_t	e_phentsize;
	uint16_t	e_phnum;
	uint16_t	e_shentsize;
	uint16_t	e_shnum;
	uint16_t	e_shstrndx;
};

struct elf32_phdr {
	uint32_t	p_type;
	uint32_t	p_offset;
	uint32_t	p_vaddr;
	uint32_t	p_paddr;
	uint32_t	p_filesz;
	uint32_t	p_memsz;
	uint32_t	p_flags;
	uint32_t	p_align;
};

_Static_assert(sizeof(struct elf32_ehdr) == 52, "Elf32_Ehdr is 52 bytes");
_Static_assert(sizeof(struct elf32_phdr) == 32, "Elf32_Phdr is 32 bytes");

#define	ET_CORE			4
#define	EM_386			3
#define	ELFOSABI_STANDALONE	255
#define	PT_LOAD			1
#define	PF_R			4
#define	ELF32_SHDR_SIZE		40	/* sizeof(Elf32_Shdr) */

static uint8_t zero_page[PAGE_SIZE];
static long dump_fd;

static void
write_out(const void *ptr, size_t len)
{
	semihost_write(dump_fd, ptr, len);
}

void
dumpsys_generic(void)
{
	struct elf32_ehdr ehdr;
	struct elf32_phdr phdr;
	uint16_t nseg = 0;
	uint32_t fileofs, hdrsz;

	for (int i = 0; dump_avail[i] != 0 || dump_avail[i + 1] != 0; i += 2)
		nseg++;

	memset(&ehdr, 0, sizeof(ehdr));
	memcpy(ehdr.e_ident, "\177ELF", 4);
	ehdr.e_ident[4] = 1;		/* ELFCLASS32 */
	ehdr.e_ident[5] = 1;		/* ELFDATA2LSB */
	ehdr.e_ident[6] = 1;		/* EV_CURRENT */
	ehdr.e_ident[7] = ELFOSABI_STANDALONE;
	ehdr.e_type = ET_CORE;
	ehdr.e_machine = EM_386;
	ehdr.e_phoff = sizeof(ehdr);
	ehdr.e_ehsize = sizeof(ehdr);
	ehdr.e_phentsize = sizeof(phdr);
	ehdr.e_phnum = nseg;
	ehdr.e_shentsize = ELF32_SHDR_SIZE;

	hdrsz = ehdr.e_phoff + (uint32_t)nseg * sizeof(phdr);
	fileofs = (uint32_t)round_page(hdrsz);
	printf("Dumping %u MB (%u chunks)\n", (u_int)(physmem * PAGE_SIZE >> 20), nseg);

	dump_fd = semihost_open("full.elf");
	write_out(&ehdr, sizeof(ehdr));
	for (int i = 0; i < 2 * nseg; i += 2) {
		memset(&phdr, 0, sizeof(phdr));
		phdr.p_type = PT_LOAD;
		phdr.p_flags = PF_R;
		phdr.p_offset = fileofs;
		phdr.p_vaddr = (uint32_t)dump_avail[i];
		phdr.p_paddr = (uint32_t)dump_avail[i];
		phdr.p_filesz = (uint32_t)(dump_avail[i + 1] - dump_avail[i]);
		phdr.p_memsz = phdr.p_filesz;
		phdr.p_align = PAGE_SIZE;
		write_out(&phdr, sizeof(phdr));
		fileofs += phdr.p_filesz;
	}
	write_out(zero_page, round_page(hdrsz) - hdrsz);

	/* Every page of RAM lies in the KERNBASE window, so no temporary mappings are needed. */
	for (int i = 0; i < 2 * nseg; i += 2) {
		for (vm_paddr_t pa = dump_avail[i]; pa < dump_avail[i + 1]; pa += PAGE_SIZE)
			write_out(phys_to_virt(pa), PAGE_SIZE);
		printf("  chunk %d: %u MB ... ok\n", i / 2,
		    (u_int)((dump_avail[i + 1] - dump_avail[i]) >> 20));
	}
	semihost_close(dump_fd);
	printf("Dump complete\n");
}
