/*
 * Machine-dependent start-up of the i386 test kernel: set up physical
 * memory for a QEMU PC with -m 16, build vnet0 and the
 * jails with their vnets, then panic on purpose, which writes the dumps.
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

/* RAM with -m 16: all of it lies in the KERNBASE window. */
#define	RAM_END		KERNBASE_MAP

vm_paddr_t dump_avail[PHYS_AVAIL_COUNT];

extern char _end[];

void	kernel_init(void);

#define	CR4_PSE		0x00000010
#define	CR4_PAE		0x00000020

static u_int
rcr4(void)
{
	u_int cr4;

	__asm__ volatile("movl %%cr4, %0" : "=r"(cr4));
	return (cr4);
}

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
	printf("real memory  = %llu (%llu MB)\n", (uint64_t)physmem * PAGE_SIZE,
	    (uint64_t)physmem * PAGE_SIZE >> 20);
	printf("dump_avail[1] = [0x%x, 0x%x)\n", (u_int)dump_avail[2], (u_int)dump_avail[3]);

	/* The console records which paging mode locore.S turned on. */
	u_int cr4 = rcr4();
	printf("paging: CR4 0x%x, %s\n", cr4, (cr4 & CR4_PAE) != 0 ?
	    "PAE with 2 MiB pages" : (cr4 & CR4_PSE) != 0 ? "4 MiB pages" : "4 KiB pages");

	pcpu_startup();
	vnet0_init();
	jails_init();
	vnet_template_update();
	panic("vnetinspect i386 test kernel: dumping on purpose");
}
