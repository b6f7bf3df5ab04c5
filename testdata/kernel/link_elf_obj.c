/*
 * Loading of relocatable (ET_REL) modules, the amd64 module format, as
 * FreeBSD 14's sys/kern/link_elf_obj.c loads them:
 *   - allocated PROGBITS, NOBITS, X86_64_UNWIND, INIT_ARRAY and FINI_ARRAY
 *     sections of non-zero size are laid out in section order from the
 *     module's base address, each aligned to its sh_addralign;
 *   - the set_vnet section instead gets space in the kernel's modspace from
 *     vnet_data_alloc, and its slot in the module's own mapping stays unused;
 *   - symbol values become addresses (section address + st_value), and
 *     undefined symbols are looked up in the kernel;
 *   - RELA relocations are applied, then set_vnet is copied into every
 *     existing vnet (the linker's propagate_vnets step).
 * The module file is embedded in the kernel image (.incbin) in place of
 * being read from /boot/kernel.
 */
#include "elf64.h"
#include "kernel.h"
#include "linker.h"
#include "pcpu.h"
#include "vnet.h"

/* Book-keeping of one loaded section; FreeBSD 14 has no origaddr member. */
typedef struct {
	void		*addr;		/* where the section's data lives */
	Elf_Off		 size;
	int		 flags;
	int		 sec;		/* section header index */
	char		*name;
} Elf_progent;

typedef struct {
	Elf_Rel		*rel;
	int		 nrel;
	int		 sec;
} Elf_relent;

typedef struct {
	Elf_Rela	*rela;
	int		 nrela;
	int		 sec;		/* section the relocations apply to */
} Elf_relaent;

/* link_elf_obj.c's file object, with FreeBSD 14's members in their order. */
typedef struct elf_file {
	struct linker_file lf;		/* common fields, first */
	int		 preloaded;
	caddr_t		 address;	/* relocation address */
	void		*object;	/* VM object holding the pages */
	Elf_Shdr	*e_shdr;
	Elf_progent	*progtab;
	u_int		 nprogtab;
	Elf_relaent	*relatab;
	u_int		 nrelatab;
	Elf_relent	*reltab;
	int		 nreltab;
	Elf_Sym		*ddbsymtab;	/* symbols, values relocated */
	long		 ddbsymcnt;
	caddr_t		 ddbstrtab;
	long		 ddbstrcnt;
	caddr_t		 shstrtab;
	long		 shstrcnt;
	caddr_t		 ctftab;
	long		 ctfcnt;
	caddr_t		 ctfoff;
	caddr_t		 typoff;
	long		 typlen;
} *elf_file_t;

static struct kobj_class link_elf_obj_class = {
	"elf64_obj", NULL, sizeof(struct elf_file), NULL, 1, NULL,
};
static struct kobj_ops link_elf_obj_kops = { .cls = &link_elf_obj_class };

/* The module file, placed in .rodata by the assembler. */
extern const char if_vnettest_ko[], if_vnettest_ko_end[];
__asm__(".section .rodata.if_vnettest_ko, \"a\"\n"
    "\t.balign 64\n"
    "\t.globl if_vnettest_ko\n"
    "if_vnettest_ko:\n"
    "\t.incbin \"" KO_PATH "\"\n"
    "\t.globl if_vnettest_ko_end\n"
    "if_vnettest_ko_end:\n"
    "\t.previous\n");

/*
 * Next free address for module mappings: after the MAXCPU pages that
 * pcpu_startup reserves for __pcpu in the KERNBASE region. amd64 modules
 * are built with -mcmodel=kernel, so they must lie in the top 2 GiB.
 */
static vm_offset_t module_next =
    KERNBASE + (vm_offset_t)KERNBASE_PS_PAGES * NBPDR + MAXCPU * PAGE_SIZE;

static bool
is_loaded_section(const Elf_Shdr *sh)
{
	switch (sh->sh_type) {
	case SHT_PROGBITS:
	case SHT_NOBITS:
	case SHT_X86_64_UNWIND:
	case SHT_INIT_ARRAY:
	case SHT_FINI_ARRAY:
		return ((sh->sh_flags & SHF_ALLOC) != 0 && sh->sh_size != 0);
	}
	return (false);
}

static void *
copy_table(const char *file, const Elf_Shdr *sh)
{
	void *p = malloc(sh->sh_size, 8);

	memcpy(p, file + sh->sh_offset, sh->sh_size);
	return (p);
}

static void
check_header(const char *name, const Elf_Ehdr *hdr)
{
	if (memcmp(hdr->e_ident, "\177ELF", 4) != 0 ||
	    hdr->e_ident[4] != ELFCLASS64 || hdr->e_ident[5] != ELFDATA2LSB ||
	    hdr->e_ident[6] != EV_CURRENT || hdr->e_type != ET_REL ||
	    hdr->e_machine != EM_X86_64 || hdr->e_shentsize != sizeof(Elf_Shdr))
		panic("kldload %s: not an amd64 ELF64 relocatable file", name);
}

/* Lay out, map and fill the loaded sections; relocate symbol values. */
static void
load_sections(elf_file_t ef, const char *file)
{
	const Elf_Ehdr *hdr = (const Elf_Ehdr *)file;
	Elf_Shdr *shdr = ef->e_shdr;
	vm_offset_t base = module_next, mapbase = base;
	size_t mapsize = 0;
	u_int pb = 0;

	for (int i = 0; i < hdr->e_shnum; i++) {
		if (!is_loaded_section(&shdr[i]))
			continue;
		mapsize = roundup2(mapsize, MAX(shdr[i].sh_addralign, 1));
		mapsize += shdr[i].sh_size;
		ef->nprogtab++;
	}
	for (size_t off = 0; off < round_page(mapsize); off += PAGE_SIZE)
		pmap_kenter_code(base + off, vm_page_alloc_kmem());
	module_next += round_page(mapsize) + PAGE_SIZE;
	ef->lf.address = ef->address = (caddr_t)base;
	ef->lf.size = mapsize;
	ef->progtab = malloc(ef->nprogtab * sizeof(*ef->progtab), 8);

	for (int i = 0; i < hdr->e_shnum; i++) {
		Elf_progent *pe = &ef->progtab[pb];

		if (!is_loaded_section(&shdr[i]))
			continue;
		mapbase = roundup2(mapbase, MAX(shdr[i].sh_addralign, 1));
		pe->name = ef->shstrtab + shdr[i].sh_name;
		pe->size = shdr[i].sh_size;
		pe->sec = i;
		pe->flags = (int)shdr[i].sh_flags;
		if (strcmp(pe->name, VNET_SETNAME) == 0) {
			pe->addr = vnet_data_alloc(shdr[i].sh_size);
			if (pe->addr == NULL)
				panic("kldload %s: no modspace for %lu bytes of set_vnet",
				    ef->lf.filename, shdr[i].sh_size);
		} else {
			pe->addr = (void *)mapbase;
		}
		if (shdr[i].sh_type == SHT_NOBITS)
			memset(pe->addr, 0, shdr[i].sh_size);
		else
			memcpy(pe->addr, file + shdr[i].sh_offset, shdr[i].sh_size);
		shdr[i].sh_addr = (Elf_Addr)pe->addr;
		for (long j = 0; j < ef->ddbsymcnt; j++) {
			if (ef->ddbsymtab[j].st_shndx == i)
				ef->ddbsymtab[j].st_value += (Elf_Addr)pe->addr;
		}
		mapbase += shdr[i].sh_size;
		pb++;
	}
}

/* Return the address symbol index symidx resolves to. */
static Elf_Addr
symbol_address(elf_file_t ef, Elf64_Xword symidx)
{
	const Elf_Sym *sym;
	const char *name;
	void *address;

	if (symidx >= (Elf64_Xword)ef->ddbsymcnt)
		panic("kldload %s: symbol index %lu out of range",
		    ef->lf.filename, symidx);
	sym = &ef->ddbsymtab[symidx];
	if (sym->st_shndx != SHN_UNDEF)
		return (sym->st_value);
	name = ef->ddbstrtab + sym->st_name;
	if ((address = linker_kernel_symbol(name)) == NULL)
		panic("kldload %s: undefined symbol %s", ef->lf.filename, name);
	return ((Elf_Addr)address);
}

/* Apply one amd64 RELA relocation at where, as elf_reloc does. */
static void
apply_relocation(elf_file_t ef, const Elf_Rela *rela, char *where)
{
	Elf_Addr s = symbol_address(ef, ELF64_R_SYM(rela->r_info));
	uint64_t value = s + (uint64_t)rela->r_addend;
	int64_t pcrel = (int64_t)(value - (Elf_Addr)where);

	switch (ELF64_R_TYPE(rela->r_info)) {
	case R_X86_64_NONE:
		break;
	case R_X86_64_64:
		memcpy(where, &value, 8);
		break;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		if (pcrel != (int32_t)pcrel)
			panic("kldload %s: PC32 relocation at %p out of range",
			    ef->lf.filename, (void *)where);
		memcpy(where, &(int32_t){ (int32_t)pcrel }, 4);
		break;
	case R_X86_64_32:
	case R_X86_64_32S:
		if (ELF64_R_TYPE(rela->r_info) == R_X86_64_32 ?
		    value != (uint32_t)value : (int64_t)value != (int32_t)value)
			panic("kldload %s: 32-bit relocation at %p out of range",
			    ef->lf.filename, (void *)where);
		memcpy(where, &(uint32_t){ (uint32_t)value }, 4);
		break;
	default:
		panic("kldload %s: relocation type %lu not supported",
		    ef->lf.filename, ELF64_R_TYPE(rela->r_info));
	}
}

static void
relocate_file(elf_file_t ef, const char *file)
{
	const Elf_Ehdr *hdr = (const Elf_Ehdr *)file;
	const Elf_Shdr *shdr = ef->e_shdr;

	for (int i = 0; i < hdr->e_shnum; i++) {
		const Elf_Shdr *target;
		const Elf_Rela *rela;

		if (shdr[i].sh_type == SHT_REL)
			panic("kldload %s: REL relocations not supported",
			    ef->lf.filename);
		if (shdr[i].sh_type != SHT_RELA || shdr[i].sh_info >= hdr->e_shnum)
			continue;
		target = &shdr[shdr[i].sh_info];
		if (!is_loaded_section(target))
			continue;	/* debug sections are not loaded */
		rela = (const Elf_Rela *)(file + shdr[i].sh_offset);
		for (size_t r = 0; r < shdr[i].sh_size / sizeof(*rela); r++) {
			if (rela[r].r_offset >= target->sh_size)
				panic("kldload %s: relocation offset %#lx past section %d",
				    ef->lf.filename, rela[r].r_offset, shdr[i].sh_info);
			apply_relocation(ef, &rela[r],
			    (char *)target->sh_addr + rela[r].r_offset);
		}
	}
}

/* Return the relocated value of the module's symbol name, or 0. */
static Elf_Addr
lookup_symbol(elf_file_t ef, const char *name)
{
	for (long j = 0; j < ef->ddbsymcnt; j++) {
		if (ef->ddbsymtab[j].st_shndx != SHN_UNDEF &&
		    strcmp(ef->ddbstrtab + ef->ddbsymtab[j].st_name, name) == 0)
			return (ef->ddbsymtab[j].st_value);
	}
	return (0);
}

static elf_file_t
link_elf_load_file(const char *filename, const char *pathname,
    const char *file, size_t size)
{
	const Elf_Ehdr *hdr = (const Elf_Ehdr *)file;
	elf_file_t ef;
	int symtab = -1;

	if (size < sizeof(*hdr))
		panic("kldload %s: %zu bytes is too short", filename, size);
	check_header(filename, hdr);
	link_elf_obj_class.ops = &link_elf_obj_kops;
	ef = (elf_file_t)linker_make_file(filename, pathname, &link_elf_obj_class);
	ef->e_shdr = copy_table(file, &(Elf_Shdr){ .sh_offset = hdr->e_shoff,
	    .sh_size = (Elf64_Xword)hdr->e_shnum * sizeof(Elf_Shdr) });
	for (int i = 0; i < hdr->e_shnum; i++) {
		if (ef->e_shdr[i].sh_type == SHT_SYMTAB)
			symtab = i;
		if (ef->e_shdr[i].sh_type == SHT_RELA)
			ef->nrelatab++;
	}
	if (symtab < 0 || hdr->e_shstrndx >= hdr->e_shnum)
		panic("kldload %s: no symbol table or section names", filename);
	ef->ddbsymtab = copy_table(file, &ef->e_shdr[symtab]);
	ef->ddbsymcnt = (long)(ef->e_shdr[symtab].sh_size / sizeof(Elf_Sym));
	ef->ddbstrtab = copy_table(file, &ef->e_shdr[ef->e_shdr[symtab].sh_link]);
	ef->ddbstrcnt = (long)ef->e_shdr[ef->e_shdr[symtab].sh_link].sh_size;
	ef->shstrtab = copy_table(file, &ef->e_shdr[hdr->e_shstrndx]);
	ef->shstrcnt = (long)ef->e_shdr[hdr->e_shstrndx].sh_size;

	load_sections(ef, file);
	relocate_file(ef, file);
	for (u_int pb = 0; pb < ef->nprogtab; pb++) {
		if (strcmp(ef->progtab[pb].name, VNET_SETNAME) == 0)
			vnet_data_copy(ef->progtab[pb].addr, ef->progtab[pb].size);
	}
	return (ef);
}

/*
 * Load if_vnettest.ko and run its per-vnet constructor in every vnet, as
 * kldload(2) followed by the module's VNET_SYSINIT does.
 */
void
linker_load_modules(void)
{
	elf_file_t ef;
	void (*vnet_init)(int);
	struct vnet *vnet, *saved = curvnet;
	int index = 0;

	ef = link_elf_load_file("if_vnettest.ko", "/boot/kernel/if_vnettest.ko",
	    if_vnettest_ko, (size_t)(if_vnettest_ko_end - if_vnettest_ko));
	printf("linker: if_vnettest.ko at %p, %zu bytes, %u sections\n",
	    (void *)ef->address, ef->lf.size, ef->nprogtab);
	for (u_int pb = 0; pb < ef->nprogtab; pb++)
		printf("linker:   %s at %p, %lu bytes\n", ef->progtab[pb].name,
		    ef->progtab[pb].addr, ef->progtab[pb].size);

	vnet_init = (void (*)(int))lookup_symbol(ef, "vnettest_vnet_init");
	if (vnet_init == NULL)
		panic("kldload if_vnettest.ko: no vnettest_vnet_init");
	LIST_FOREACH(vnet, &vnet_head, vnet_le) {
		curvnet = vnet;
		vnet_init(index++);
	}
	curvnet = saved;
}
