/*
 * ELF64 types for the kernel linker, with the System V gABI layouts and the
 * names FreeBSD's <sys/elf64.h> and <machine/elf.h> give them.
 */
#ifndef _TK_ELF64_H_
#define _TK_ELF64_H_

#include "types.h"

typedef uint64_t	Elf64_Addr;
typedef uint64_t	Elf64_Off;
typedef uint64_t	Elf64_Xword;
typedef int64_t		Elf64_Sxword;
typedef uint32_t	Elf64_Word;
typedef uint16_t	Elf64_Half;

typedef struct {
	unsigned char	e_ident[16];
	Elf64_Half	e_type;
	Elf64_Half	e_machine;
	Elf64_Word	e_version;
	Elf64_Addr	e_entry;
	Elf64_Off	e_phoff;
	Elf64_Off	e_shoff;
	Elf64_Word	e_flags;
	Elf64_Half	e_ehsize;
	Elf64_Half	e_phentsize;
	Elf64_Half	e_phnum;
	Elf64_Half	e_shentsize;
	Elf64_Half	e_shnum;
	Elf64_Half	e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	Elf64_Word	sh_name;
	Elf64_Word	sh_type;
	Elf64_Xword	sh_flags;
	Elf64_Addr	sh_addr;
	Elf64_Off	sh_offset;
	Elf64_Xword	sh_size;
	Elf64_Word	sh_link;
	Elf64_Word	sh_info;
	Elf64_Xword	sh_addralign;
	Elf64_Xword	sh_entsize;
} Elf64_Shdr;

typedef struct {
	Elf64_Word	st_name;
	unsigned char	st_info;
	unsigned char	st_other;
	Elf64_Half	st_shndx;
	Elf64_Addr	st_value;
	Elf64_Xword	st_size;
} Elf64_Sym;

typedef struct {
	Elf64_Addr	r_offset;
	Elf64_Xword	r_info;
	Elf64_Sxword	r_addend;
} Elf64_Rela;

typedef struct {
	Elf64_Addr	r_offset;
	Elf64_Xword	r_info;
} Elf64_Rel;

typedef Elf64_Ehdr	Elf_Ehdr;
typedef Elf64_Shdr	Elf_Shdr;
typedef Elf64_Sym	Elf_Sym;
typedef Elf64_Rela	Elf_Rela;
typedef Elf64_Rel	Elf_Rel;
typedef Elf64_Addr	Elf_Addr;
typedef Elf64_Off	Elf_Off;
typedef Elf64_Word	Elf_Word;
typedef Elf64_Sxword	Elf_Sxword;

#define	ELF64_R_SYM(info)	((info) >> 32)
#define	ELF64_R_TYPE(info)	((info) & 0xffffffffUL)
#define	ELF64_ST_TYPE(info)	((info) & 0xf)

#define	ELFCLASS64	2
#define	ELFDATA2LSB	1
#define	EV_CURRENT	1
#define	ET_REL		1
#define	EM_X86_64	62

#define	SHT_PROGBITS	1
#define	SHT_SYMTAB	2
#define	SHT_STRTAB	3
#define	SHT_RELA	4
#define	SHT_NOBITS	8
#define	SHT_REL		9
#define	SHT_INIT_ARRAY	14
#define	SHT_FINI_ARRAY	15
#define	SHT_X86_64_UNWIND 0x70000001
#define	SHF_ALLOC	0x2
#define	SHN_UNDEF	0
#define	SHN_ABS		0xfff1
#define	SHN_COMMON	0xfff2
#define	STT_SECTION	3

#define	R_X86_64_NONE	0
#define	R_X86_64_64	1
#define	R_X86_64_PC32	2
#define	R_X86_64_PLT32	4
#define	R_X86_64_32	10
#define	R_X86_64_32S	11

#endif /* !_TK_ELF64_H_ */
