/*
 * FreeBSD-style VNET and jail structures for a Linux userland mock.
 *
 * The layouts follow FreeBSD 14 (sys/net/vnet.h, sys/sys/jail.h) closely
 * enough for the gdb oracle: the oracle only relies on member names, which
 * gdb reads from this program's DWARF.
 */
#ifndef VNET_MOCK_H
#define VNET_MOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#define VNET_MAGIC_N 0x5e4a6f28u
#define SI_SUB_VNET_DONE 0x0dc00000u
#define PR_HOST 0x00000002u
#define PR_VNET 0x00000010u

/* Same member order as FreeBSD 14's struct vnet. */
struct vnet {
	LIST_ENTRY(vnet) vnet_le;
	u_int vnet_magic_n;
	u_int vnet_ifcnt;
	u_int vnet_sockcnt;
	u_int vnet_state;
	void *vnet_data_mem;
	uintptr_t vnet_data_base;
	bool vnet_shutdown;
} __attribute__((aligned(64)));

LIST_HEAD(vnet_list_head, vnet);

/* The subset of FreeBSD's struct prison that the oracle reads. */
struct prison {
	TAILQ_ENTRY(prison) pr_list;
	int pr_id;
	u_int pr_ref;
	u_int pr_uref;
	unsigned pr_flags;
	struct prison *pr_parent;
	struct vnet *pr_vnet;
	char pr_name[256];
};

TAILQ_HEAD(prisonlist, prison);

/*
 * Virtualized globals live in the ELF section set_vnet under the name
 * vnet_entry_<name>, as FreeBSD's VNET_DEFINE arranges.
 */
#define VNET_DEFINE(type, name) \
	__attribute__((section("set_vnet"), used)) type vnet_entry_##name
#define VNET_DEFINE_STATIC(type, name) \
	__attribute__((section("set_vnet"), used)) static type vnet_entry_##name

/*
 * The linker defines __start_set_vnet and __stop_set_vnet around the
 * section. FreeBSD declares them as uintptr_t pointers, and so does the mock.
 */
extern uintptr_t *__start_set_vnet;
extern uintptr_t *__stop_set_vnet;

#define VNET_START ((uintptr_t)&__start_set_vnet)
#define VNET_STOP ((uintptr_t)&__stop_set_vnet)

/* Address of variable `name` inside vnet `vnet`. */
#define VNET_VNET(vnet, name) \
	(*(__typeof__(vnet_entry_##name) *)((vnet)->vnet_data_base + \
	    (uintptr_t)&vnet_entry_##name))

/* Defined in mock_other.c: a second static vnet_entry_dup in another file. */
void other_set_dup(struct vnet *vnet, int value);

#endif
