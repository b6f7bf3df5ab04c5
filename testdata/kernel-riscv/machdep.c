/*
 * Machine-dependent start-up of the riscv test kernel: set up physical
 * memory for QEMU virt with -m 128 (RAM at 0x80000000), build vnet0 and the
 * jails with their vnets, then panic on purpose, which writes the minidump.
 */
#include "jail.h"
#include "kernel.h"
#include "vnet.h"

/* Identification strings, as in FreeBSD's sys/conf/newvers.sh output. */
char version[] = "FreeBSD 14.1-RELEASE vnetinspect-test riscv\n";
char osrelease[] = "14.1-RELEASE";
char ostype[] = "FreeBSD";
int osreldate = 1401000;

/* The page and block sizes in use, as FreeBSD's pagesizes[] (hw.pagesizes). */
u_long pagesizes[3] = { PAGE_SIZE, L2_SIZE, 0 };

int hz = 1000;
lwpid_t dumptid = 100042;
const char *panicstr;
volatile time_t time_second = 1733318452; /* 2024-12-04 13:20:52 UTC */
int dumping;
u_long physmem;

/* QEMU virt's RAM with -m 128, starting at the direct map's physical base. */
#define	RAM_START	0x80000000UL
#define	RAM_END		(RAM_START + 128UL * 1024 * 1024)

vm_paddr_t dump_avail[PHYS_AVAIL_COUNT];

extern char _end[];

void	kernel_init(void);

void
kernel_init(void)
{
	/* OpenSBI keeps the first 2 MiB of RAM, as its device tree reserves it. */
	dump_avail[0] = KERNLOAD_PA;
	dump_avail[1] = RAM_END;
	physmem = (RAM_END - KERNLOAD_PA) / PAGE_SIZE;

	pmap_bootstrap();
	vm_page_startup(round_page(KVA_TO_PHYS(_end)), RAM_END);
	vm_page_dump_init();

	printf("---<<BOOT>>---\n");
	printf("%s", version);
	printf("real memory  = %lu (%lu MB)\n", physmem * PAGE_SIZE,
	    physmem * PAGE_SIZE >> 20);
	printf("dump_avail[0] = [0x%lx, 0x%lx)\n", dump_avail[0], dump_avail[1]);

	pcpu_startup();
	vnet0_init();
	jails_init();
	vnet_template_update();
	panic("vnetinspect riscv test kernel: dumping on purpose");
}
