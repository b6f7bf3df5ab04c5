/*
 * Machine-dependent start-up of the i386 test kernel: set up physical
 * memory for a QEMU PC with -m 128, build vnet0 and the
 * jails with their vnets, then panic on purpose, which writes the minidump.
 */
#include "jail.h"
#include "kernel.h"
#include "vnet.h"

/* Identification strings, as in FreeBSD's sys/conf/newvers.sh output. */
char version[] = "FreeBSD 14.1-RELEASE vnetinspect-test i386\n";
char osrelease[] = "14.1-RELEASE";
char ostype[] = "FreeBSD";
int osreldate = 1401000;

/* The page and block sizes in use, as FreeBSD's pagesizes[] (hw.pagesizes). */
u_long pagesizes[3] = { PAGE_SIZE, NBPDR, 0 };

int hz = 1000;
lwpid_t dumptid = 100042;
const char *panicstr;
volatile time_t time_second = 1733318452; /* 2024-12-04 13:20:52 UTC */
int dumping;
u_long physmem;

/* RAM with -m 128. */
#define	RAM_END		(128UL * 1024 * 1024)

vm_paddr_t dump_avail[PHYS_AVAIL_COUNT];

extern char _end[];

void	kernel_init(void);

void
kernel_init(void)
{
	/* PC memory below the VGA and BIOS hole, then the rest of RAM. */
	dump_avail[0] = 0;
	dump_avail[1] = 0x9f000;
	dump_avail[2] = 0x100000;
	dump_avail[3] = RAM_END;
	physmem = (0x9f000 + RAM_END - 0x100000) / PAGE_SIZE;

	pmap_bootstrap();
	/* Every allocated page must be reachable through the KERNBASE window. */
	vm_page_startup(round_page(KVA_TO_PHYS(_end)), KERNBASE_MAP);
	vm_page_dump_init();

	printf("---<<BOOT>>---\n");
	printf("%s", version);
	printf("real memory  = %lu (%lu MB)\n", physmem * PAGE_SIZE,
	    physmem * PAGE_SIZE >> 20);
	printf("dump_avail[1] = [0x%x, 0x%x)\n", (u_int)dump_avail[2], (u_int)dump_avail[3]);

	pcpu_startup();
	vnet0_init();
	jails_init();
	vnet_template_update();
	panic("vnetinspect i386 test kernel: dumping on purpose");
}
