/*
 * Boot information handed over by a PVH loader (Xen's public/arch-x86/
 * hvm/start_info.h, version 1), as QEMU fills it for -kernel with an
 * XEN_ELFNOTE_PHYS32_ENTRY note.
 */
#ifndef _TK_PVH_H_
#define _TK_PVH_H_

#include "types.h"

#define	XEN_HVM_START_MAGIC_VALUE	0x336ec578
#define	XEN_HVM_MEMMAP_TYPE_RAM		1

struct hvm_start_info {
	uint32_t	magic;
	uint32_t	version;
	uint32_t	flags;
	uint32_t	nr_modules;
	uint64_t	modlist_paddr;
	uint64_t	cmdline_paddr;
	uint64_t	rsdp_paddr;
	uint64_t	memmap_paddr;	/* version 1 and later */
	uint32_t	memmap_entries;
	uint32_t	reserved;
};

struct hvm_memmap_table_entry {
	uint64_t	addr;
	uint64_t	size;
	uint32_t	type;
	uint32_t	reserved;
};

#endif /* !_TK_PVH_H_ */
