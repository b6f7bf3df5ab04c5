/*
 * if_vnettest.ko: a loadable module with its own virtualized variables.
 *
 * It is built as FreeBSD builds amd64 modules (sys/conf/kmod.mk): compiled
 * with -DKLD_MODULE and the kernel's code model, then linked with ld -r
 * into a relocatable ELF file. The test kernel embeds the file and loads
 * it as link_elf_obj.c does, which places the set_vnet section in the
 * kernel's modspace and copies it into every vnet before
 * vnettest_vnet_init runs in each of them.
 */
#include "kernel.h"
#include "vnet.h"

struct vnettest_softc {
	uint32_t	 sc_unit;
	uint16_t	 sc_flags;
	int16_t		 sc_delta;
	uint64_t	 sc_bytes;
	char		 sc_descr[12];
	struct vnet	*sc_vnet;	/* the vnet this copy belongs to */
};

enum vnettest_mode {
	VNETTEST_OFF = 0,
	VNETTEST_ECHO = 1,
	VNETTEST_DROP = 2,
};

VNET_DEFINE(int, vnettest_enable) = 1;
VNET_DEFINE(uint64_t, vnettest_packets) = 0x1122334455667788;
VNET_DEFINE(char, vnettest_name[16]) = "vnettest";
VNET_DEFINE(struct vnettest_softc, vnettest_sc) = {
	.sc_unit = 0, .sc_flags = 0x8001, .sc_delta = -1, .sc_bytes = 0,
	.sc_descr = "template",
};
VNET_DEFINE(enum vnettest_mode, vnettest_mode) = VNETTEST_ECHO;
/* Initialised with a kernel address: an R_X86_64_64 relocation into set_vnet. */
VNET_DEFINE(const char *, vnettest_ostype) = ostype;
VNET_DEFINE_STATIC(int16_t, vnettest_port) = 7;

static const char *const mode_names[] = { "off", "echo", "drop" };

/* Set this module's variables in curvnet, the index-th vnet on vnet_head. */
void
vnettest_vnet_init(int index)
{
	VNET(vnettest_enable) = index % 2 == 0;
	VNET(vnettest_packets) = 0x100000000ULL * (uint64_t)index + 12345;
	snprintf(VNET(vnettest_name), sizeof(VNET(vnettest_name)), "vt%d.%s",
	    index, mode_names[index % 3]);
	VNET(vnettest_sc).sc_unit = (uint32_t)index;
	VNET(vnettest_sc).sc_delta = (int16_t)(-100 * index);
	VNET(vnettest_sc).sc_bytes = 1500ULL * (uint64_t)(index + 1);
	VNET(vnettest_sc).sc_vnet = curvnet;
	VNET(vnettest_mode) = (enum vnettest_mode)(index % 3);
	VNET(vnettest_port) = (int16_t)(7000 + index);
	printf("if_vnettest: vnet %p: unit %d, %s\n", (void *)curvnet, index,
	    VNET(vnettest_name));
}
